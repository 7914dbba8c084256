"""``airtable-enterprise api METHOD PATH``: any endpoint through the request core, with
the paged families followed by ``--paginate`` (issue 26)."""

from __future__ import annotations

import json

import pytest

from airtable_enterprise.cli.raw_api import paging_for, parse_field
from airtable_enterprise.testing import Emulator

from .conftest import Invoke


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_get_prints_the_answer(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["api", "GET", "/v0/meta/whoami"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == emulator.admin_id


def test_ent_in_the_path_is_the_enterprise_and_fields_are_the_query(
    invoke: Invoke, emulator: Emulator
) -> None:
    user = next(u for u in emulator.world.users.values() if u.account_id == emulator.enterprise_id)
    result = invoke(
        ["api", "GET", "/v0/meta/enterpriseAccounts/{ent}/users", "-F", f"email[]={user.email}"]
    )
    assert result.exit_code == 0, result.output
    assert [u["id"] for u in json.loads(result.stdout)["users"]] == [user.id]


def test_fields_of_a_post_are_the_json_body(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(
        [
            "api",
            "POST",
            "/v0/meta/workspaces",
            "-F",
            f"enterpriseAccountId={emulator.enterprise_id}",
            "--raw-field",
            "name=12345",
        ]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)["id"]
    assert emulator.world.workspaces[created].name == "12345"  # --raw-field stays a string


def test_input_is_the_body(invoke: Invoke, emulator: Emulator, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = tmp_path / "body.json"
    body.write_text(
        json.dumps({"enterpriseAccountId": emulator.enterprise_id, "name": "From a file"})
    )
    result = invoke(["api", "POST", "/v0/meta/workspaces", "--input", str(body)])
    assert result.exit_code == 0, result.output
    assert emulator.world.workspaces[json.loads(result.stdout)["id"]].name == "From a file"


def test_api_errors_have_the_exit_codes_of_every_command(invoke: Invoke) -> None:
    missing = invoke(["api", "GET", "/v0/meta/groups/ugpAAAAAAAAAAAAAA"])
    assert missing.exit_code in (4, 5), missing.output
    assert "Traceback" not in missing.output
    url = invoke(["api", "GET", "https://evil.example/v0/meta/whoami"])
    assert url.exit_code == 2
    assert "not a URL" in url.stderr


@pytest.mark.parametrize(
    ("path", "extra", "count"),
    [
        ("/v0/meta/enterpriseAccounts/{ent}/auditLogEvents", ["-F", "pageSize=50"], "events"),
        (
            "/v0/meta/enterpriseAccounts/{ent}/auditLogEvents",
            [
                "-F",
                "pageSize=50",
                "-F",
                "sortOrder=ascending",
                "-F",
                "startTime=2000-01-01T00:00:00Z",
            ],
            "events",
        ),
        ("/scim/v2/Users", ["-F", "count=7"], "scim"),
    ],
    ids=["audit-descending", "audit-ascending-streaming", "scim-users"],
)
def test_paginate_follows_every_page_once(
    invoke: Invoke, emulator: Emulator, path: str, extra: list[str], count: str
) -> None:
    result = invoke(["api", "GET", path, *extra, "--paginate"])
    assert result.exit_code == 0, result.output
    items = _lines(result.stdout)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    if count == "events":
        assert len(ids) == len(emulator.world.audit)
    else:
        scim = json.loads(invoke(["api", "GET", "/scim/v2/Users"]).stdout)
        assert len(ids) == scim["totalResults"] > 7


def test_paginate_follows_change_events_offsets(invoke: Invoke, emulator: Emulator) -> None:
    base = next(iter(emulator.world.bases))
    for i in range(25):
        emulator.modify_base(base, create_records=[{"Name": f"r{i}"}])
    result = invoke(
        [
            "api",
            "GET",
            "/v0/meta/enterpriseAccounts/{ent}/changeEvents",
            "-F",
            "pageSize=10",
            "--paginate",
        ]
    )
    assert result.exit_code == 0, result.output
    ids = [item["id"] for item in _lines(result.stdout)]
    assert len(ids) == len(set(ids)) >= 25


def test_paging_rules_per_family() -> None:
    ent = "/v0/meta/enterpriseAccounts/entAAAAAAAAAAAAAA"
    assert paging_for("GET", f"{ent}/auditLogEvents", {}).send_key == "previous"  # type: ignore[union-attr]
    ascending = paging_for("GET", f"{ent}/auditLogEvents", {"sortOrder": ["ascending"]})
    assert ascending is not None
    assert ascending.send_key == "next"
    assert paging_for("GET", f"{ent}/exports", {}).items == "exports"  # type: ignore[union-attr]
    assert paging_for("GET", f"{ent}/auditLogs", {}).send_key == "offset"  # type: ignore[union-attr]
    assert paging_for("GET", f"{ent}/changeEvents", {}).send_key == "offset"  # type: ignore[union-attr]
    hyper = paging_for("POST", "/v0/entAAAAAAAAAAAAAA/dtbAAAAAAAAAAAAAA/getRecords", {})
    assert hyper is not None
    assert hyper.body
    assert hyper.send_key == "cursor"
    assert paging_for("GET", "/v0/meta/whoami", {}) is None


@pytest.mark.parametrize(
    ("text", "typed", "value"),
    [
        ("a=true", True, True),
        ("a=12", True, 12),
        ("a=[1,2]", True, [1, 2]),
        ("a=12", False, "12"),
        ("a=x=y", True, "x=y"),
        ("a=", True, ""),
    ],
)
def test_fields_are_typed_as_gh_does(text: str, typed: bool, value: object) -> None:
    assert parse_field(text, typed=typed) == ("a", value)


class _Api:
    """Answers every page with the same events and a cursor that changes each time."""

    def __init__(self) -> None:
        self.calls = 0

    async def request(self, method: str, path: str, **kwargs: object) -> object:
        self.calls += 1
        return {"events": [{"id": "e1"}], "pagination": {"previous": f"c{self.calls}"}}


def test_a_cursor_that_goes_nowhere_ends_in_a_typed_error() -> None:
    import anyio

    from airtable_enterprise.cli.raw_api import _pages
    from airtable_enterprise.errors import ResponseValidationError

    api = _Api()
    session = type("S", (), {"api": api})()
    paging = paging_for("GET", "/v0/meta/enterpriseAccounts/entA/auditLogEvents", {})
    assert paging is not None

    async def main() -> None:
        async for _ in _pages(session, "GET", "/x", [], None, paging, None, None):  # type: ignore[arg-type]
            pass

    with pytest.raises(ResponseValidationError, match="stopped advancing"):
        anyio.run(main)
    assert api.calls == 2


class _ScimIgnoringStartIndex:
    """A SCIM server that answers the first page whatever startIndex says."""

    def __init__(self) -> None:
        self.calls = 0

    async def request(self, method: str, path: str, **kwargs: object) -> object:
        self.calls += 1
        users = [{"id": "usrAAAAAAAAAAAAAA"}, {"id": "usrBBBBBBBBBBBBBB"}]
        return {"totalResults": 1_000_000, "Resources": users}


def test_scim_pages_that_repeat_end_in_a_typed_error() -> None:
    import anyio

    from airtable_enterprise.cli.raw_api import _pages
    from airtable_enterprise.errors import ResponseValidationError

    api = _ScimIgnoringStartIndex()
    session = type("S", (), {"api": api})()
    paging = paging_for("GET", "/scim/v2/Users", {})
    assert paging is not None

    async def main() -> None:
        async for _ in _pages(session, "GET", "/x", [], None, paging, None, None):  # type: ignore[arg-type]
            pass

    with pytest.raises(ResponseValidationError, match="already seen"):
        anyio.run(main)
    assert api.calls == 2


def test_a_bad_enterprise_in_the_path_is_refused_before_any_request(
    invoke: Invoke, emulator: Emulator
) -> None:
    emulator.stats.reset()
    result = invoke(["--enterprise", "bogus", "api", "GET", "/v0/meta/enterpriseAccounts/{ent}"])
    assert result.exit_code == 2
    assert "invalid --enterprise 'bogus'" in result.stderr
    assert emulator.stats.requests == 0
