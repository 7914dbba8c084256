"""Worlds made to order: the seeded generator and the one-object factories.

What lives here: :func:`generate_enterprise` and its parts (``enterprise``; ``admin``,
``audit`` and ``tables`` for admin objects, the audit log and base contents) and the
factories that add one user, group or event (``factories``).

May import: :mod:`airtable_enterprise.testing.world` and ``_wire``; never the HTTP layer or
the client.
"""
