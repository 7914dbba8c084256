"""The rate limiter: Airtable's 50 requests/s per token, paced and shared.

What lives here: the in-process limiter (``local``: even pacing, a hard 1-second window, a
shared cooldown after a 429), the limiter shared by every process through a Redis/Valkey
store (``shared``), its atomic server-side scripts (``lua``) and the store connection
(``store``).

May import: :mod:`airtable_enterprise._core` and :mod:`airtable_enterprise.errors`; never
the client (``api``) or a handle.
"""
