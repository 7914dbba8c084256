"""Long-running jobs: eDiscovery exports, audit-log requests, and what they share.

What lives here: the export and audit-log-request families (``exports``,
``audit_requests``), the one "poll until done" helper (``polling``) and the one "download
a signed file without our token" helper (``downloads``).

May import: the models, :mod:`airtable_enterprise._core`, :mod:`airtable_enterprise.errors`
and the client (``api``); never the CLI.
"""
