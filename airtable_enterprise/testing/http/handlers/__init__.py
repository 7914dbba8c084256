"""Endpoint logic: one function per Airtable endpoint, ``(world, call) -> JSON or None``.

``None`` means the documented empty body. Failures raise
:class:`~airtable_enterprise.testing._wire.ApiFailure`.
"""
