"""The ``airtable-enterprise`` command-line tool (the ``cli`` extra: click and rich)."""

from __future__ import annotations

from collections.abc import Sequence

# _extra_check first: it checks the `cli` extra; the *_admin modules add their commands
# to the bases, users and workspaces groups.
from . import _extra_check, base_admin, user_admin, workspace_admin  # noqa: F401
from ._app import cli
from .access_review import access_review
from .account import ai, descendants
from .admins import admins
from .audit import audit
from .audit_requests import requests
from .bases import bases
from .changes import changes
from .data_tables import data_tables
from .demo import demo
from .emulator import emulator
from .exports import exports
from .groups import groups
from .info import info
from .interfaces import interfaces
from .packages import packages
from .raw_api import api
from .scim import scim
from .tokens import tokens
from .user_state import deactivate_users, reactivate_users
from .users import users
from .whoami import whoami
from .workspaces import workspaces

__all__ = ["cli", "main"]

for _command in (info, users, admins, groups, workspaces, audit, scim, emulator, demo):
    cli.add_command(_command)
# The rest of the admin surface (issue 13).
for _command in (whoami, bases, tokens, packages):
    cli.add_command(_command)
# Long-running jobs and change feeds.
audit.add_command(requests)
cli.add_command(exports)
cli.add_command(changes)
# Every other endpoint (issue 26).
for _command in (interfaces, descendants, ai, api):
    cli.add_command(_command)
# HyperDB data tables (issue 24).
cli.add_command(data_tables)
# Access reviews (issue 25).
cli.add_command(access_review)
users.add_command(deactivate_users)
users.add_command(reactivate_users)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the tool with ``argv`` (default: ``sys.argv[1:]``); exits with its status."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="airtable-enterprise")
