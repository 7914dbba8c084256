"""Every ```python block of README.md and docs/**/*.md runs, against the emulator.

The convention is in :mod:`tests.docs.blocks`. A test ID names the file and the line of
the block's opening fence (``docs/guides/users.md:42``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import airtable_enterprise
from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.world.state import Grant

from .blocks import DOCS_ENTERPRISE_ID, DOCS_USERS, Block, python_blocks

BLOCKS = python_blocks()
AIRTABLE = "https://api.airtable.com"


def _params() -> Iterator[Any]:
    for block in BLOCKS:
        yield pytest.param(block, id=block.id)


def docs_emulator() -> Emulator:
    """The enterprise the examples run against: seed 1, the README's enterprise ID, and
    the people of :data:`DOCS_USERS`."""
    world = generate_enterprise(seed=1, users=50, events=500, enterprise_id=DOCS_ENTERPRISE_ID)
    emulator = Emulator(world)
    people = {email: emulator.make_user(email, **fields) for email, fields in DOCS_USERS.items()}
    # The leaver is the sole owner of a workspace and edits one of its bases, so that the
    # offboarding guide has something to hand over.
    leaver, boss = people["leaver@acme.example"], people["boss@acme.example"]
    workspace = next(
        w for w in world.workspaces.values() if w.account_id == world.root_id and w.base_ids
    )
    for grant in workspace.grants.values():
        if grant.permission_level == "owner":
            grant.permission_level = "create"
    now = world.now()
    workspace.grants[leaver.id] = Grant(leaver.id, "owner", now, boss.id)
    world.base(workspace.base_ids[0]).grants[leaver.id] = Grant(leaver.id, "edit", now, boss.id)
    return emulator


def patch_api(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    """Make ``airtable_enterprise.AsyncApi(token)`` talk to ``emulator`` in-process,
    whatever the token, when it would talk to Airtable: no ``transport=`` and Airtable's
    ``endpoint_url`` (an example serving an emulator of its own on loopback keeps it)."""

    class DocsAsyncApi(airtable_enterprise.AsyncApi):
        def __init__(self, api_key: str, **options: Any) -> None:
            to_airtable = options.get("endpoint_url", AIRTABLE) == AIRTABLE
            if options.get("transport") is None and to_airtable:
                # The emulator accepts this token as its admin, like the default one.
                emulator.tokens.setdefault(api_key, emulator.admin_id)
                emulator.token_ids.setdefault(api_key, emulator.world.new_id("pat"))
                options["transport"] = emulator.transport()
            super().__init__(api_key, **options)

    DocsAsyncApi.__name__ = DocsAsyncApi.__qualname__ = "AsyncApi"
    monkeypatch.setattr(airtable_enterprise, "AsyncApi", DocsAsyncApi)


def test_every_document_has_examples() -> None:
    names = {block.path.name for block in BLOCKS}
    assert "README.md" in names
    assert len(names) > 3, "the guides' examples were not found"


@pytest.mark.parametrize("block", list(_params()))
def test_example(block: Block, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if block.marker == "skip":
        pytest.skip("marked <!-- docs-test: skip -->")
    emulator = docs_emulator()
    patch_api(monkeypatch, emulator)
    if block.marker == "pytest":
        # A test module of its own, run by a pytest of its own: its fixtures are the plugin's.
        (tmp_path / "test_example.py").write_text(block.code, encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert " passed" in run.stdout, run.stdout
        assert " skipped" not in run.stdout, run.stdout
        return
    assert block.marker is None, f"unknown marker docs-test: {block.marker}"
    code = compile(textwrap.dedent(block.code), block.id, "exec")
    exec(code, {"__name__": "__main__"})
