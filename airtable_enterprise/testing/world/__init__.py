"""The emulated world's state: one enterprise organization held in memory.

What lives here: the world and its users, groups, workspaces and bases (``state``), the
audit-log event store (``audit``), change events (``changes``), long-running jobs
(``jobs``), personal access tokens (``access_tokens``), packages (``packages``), share
links and block installations (``sharing``) and what SCIM keeps beside a user (``scim``).

May import: :mod:`airtable_enterprise.testing._wire` and the standard library; never the
HTTP layer, the generators or the client.
"""
