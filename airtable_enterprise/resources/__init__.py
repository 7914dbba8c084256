"""The bodies of :class:`~airtable_enterprise.Enterprise`'s methods, one module per API family.

Each function here takes the :class:`Enterprise` handle as ``self`` and is bound as a
method in ``enterprise.py``, which stays the one place listing the public surface
(the spec's flat ``enterprise.users(...)``, ``enterprise.grant_admin(...)``...).
"""
