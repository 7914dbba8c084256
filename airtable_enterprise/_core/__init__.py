"""The request core's parts, each a pure decision or a small helper with no handle of its own.

What lives here: the one cattrs converter (``convert``), the retry policy and its pure
decisions (``retry``), input checks run before any request (``validate``, ``endpoint``,
``options``), what a final response means (``responses``), fan-out helpers (``gather``,
``batch``), whether a cursor chain advances (``progress``) and the optional-extras hint
(``extras``).

May import: the standard library, httpx/anyio/attrs/cattrs, :mod:`airtable_enterprise.errors`
and :mod:`airtable_enterprise.models`. Nothing here imports the rate limiter, the client or a
handle.
"""
