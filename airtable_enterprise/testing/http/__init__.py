"""The emulator on the wire: the ASGI app, its routes and handlers, and what wraps them.

What lives here: the app and its middleware (``app``), the route table (``routes``), one
handler module per API family (``handlers/``), the JSON views (``views``, ``scim_views``),
SCIM PATCH (``scim_patch``), what a handler sees of a request (``requests``), fault
injection (``faults``), the server-side rate limit (``ratelimit``) and the signed-file host
(``files``).

May import: :mod:`airtable_enterprise.testing.world`, ``_wire``, the client's models (for
SCIM schema names) and :mod:`airtable_enterprise._core.extras`; never the client's request
core.
"""
