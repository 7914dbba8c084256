"""Bad input is refused before any request, across the public API; every async test of
the core, the admin surface and the audit log runs on asyncio and on trio.

The bad-input tables live next to the code they check (tests/admin/test_validation.py,
tests/audit/test_query.py, tests/core/test_api.py); this module adds the cases they do
not hold, sends the audit table through the public ``Enterprise.audit_log`` against the
emulator (which must see no request at all), and checks the tables together hold at
least 30 distinct cases.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airtable_enterprise import AsyncApi, InvalidInputError
from airtable_enterprise.testing import Emulator, generate_enterprise
from tests.admin.test_validation import CASES as ADMIN_CASES
from tests.audit.test_query import test_bad_arguments_raise_a_value_error_naming_the_argument
from tests.core.test_api import test_bad_configuration_is_refused_up_front

TESTS = Path(__file__).parent.parent


def parametrized_cases(test: Callable[..., Any]) -> list[Any]:
    """The argument values of ``test``'s ``@pytest.mark.parametrize``."""
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]  # type: ignore[attr-defined]
    return list(mark.args[1])


AUDIT_CASES: list[tuple[dict[str, Any], str]] = parametrized_cases(
    test_bad_arguments_raise_a_value_error_naming_the_argument
)
CONSTRUCTOR_CASES = parametrized_cases(test_bad_configuration_is_refused_up_front)

USR = "usrL2PNC5o3H4lBEi"

#: Cases no other table holds: (id, call on an AsyncApi, text the error must contain).
EXTRA_CASES: list[tuple[str, Callable[[AsyncApi], Any], str]] = [
    ("enterprise id not a str", lambda a: a.enterprise(12345), "12345"),
    ("workspace id None", lambda a: a.workspace(None), "None"),
    ("enterprise id is an email", lambda a: a.enterprise("ops@example.com"), "ops@example.com"),
    ("user id as bytes", lambda a: a.enterprise("entUBq2RGdihxl3vU").user(b"usr"), "b'usr'"),
    ("users a mapping", lambda a: a.enterprise("entUBq2RGdihxl3vU").users({USR: 1}), USR),
    (
        "path not absolute",
        lambda a: a.request("GET", "v0/meta/enterpriseAccounts"),
        "v0/meta/enterpriseAccounts",
    ),
    (
        "audit user id given as email in a list",
        lambda a: a.enterprise("entUBq2RGdihxl3vU").audit_log(user_id=[USR, "x@y.com"]),
        "x@y.com",
    ),
    (
        "audit page_size negative",
        lambda a: a.enterprise("entUBq2RGdihxl3vU").audit_log(page_size=-1),
        "-1",
    ),
]


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=4, users=10, events=10))


async def invoke(call: Callable[[AsyncApi], Any], api: AsyncApi) -> None:
    """Call, and await what is awaitable (handles are made synchronously)."""
    result = call(api)
    if inspect.isawaitable(result):
        await result


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "expected"), [c[1:] for c in EXTRA_CASES], ids=[c[0] for c in EXTRA_CASES]
)
async def test_more_bad_input_is_refused_before_any_request(
    emulator: Emulator, call: Callable[[AsyncApi], Any], expected: str
) -> None:
    async with emulator.api() as api:
        with pytest.raises(InvalidInputError) as caught:
            await invoke(call, api)
    assert isinstance(caught.value, ValueError)
    assert expected in str(caught.value)
    assert emulator.stats.requests == 0


@pytest.mark.anyio
@pytest.mark.parametrize(("kwargs", "argument"), AUDIT_CASES)
async def test_bad_audit_arguments_through_the_public_api_send_nothing(
    emulator: Emulator, kwargs: dict[str, Any], argument: str
) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        with pytest.raises(InvalidInputError) as caught:
            async for _ in enterprise.audit_log(**kwargs):
                pass
        with pytest.raises(InvalidInputError):
            async for _ in enterprise.audit_events(**kwargs):
                pass
    assert caught.value.argument == argument
    assert emulator.stats.requests == 0


def test_the_bad_input_tables_hold_at_least_30_distinct_cases() -> None:
    admin = {case[0] for case in ADMIN_CASES}
    audit = {repr(sorted(kwargs.items())) for kwargs, _ in AUDIT_CASES}
    constructor = {repr(sorted(kwargs.items())) for kwargs, _ in CONSTRUCTOR_CASES}
    extra = {case[0] for case in EXTRA_CASES}
    assert len(admin) == len(ADMIN_CASES)  # no duplicated case ids
    assert len(admin) + len(audit) + len(constructor) + len(extra) >= 30
    # The kinds the issue names, each present somewhere.
    text = " ".join(admin | extra) + " ".join(audit | constructor)
    for kind in ("prefix", "empty", "over 100", "negative", "page_size", "end_time", "email"):
        assert kind in text, kind


# ------------------------------------------------------ asyncio and trio, everywhere

SUITES = ["core", "admin", "audit"]


def async_tests(path: Path) -> list[str]:
    """Names of the ``async def test_*`` functions of a test module (classes included)."""
    tree = ast.parse(path.read_text())
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("test_")
    ]


def test_every_async_test_of_core_admin_and_audit_runs_on_asyncio_and_trio() -> None:
    modules = [p for suite in SUITES for p in sorted((TESTS / suite).glob("test_*.py"))]
    expected = {
        f"tests/{path.parent.name}/{path.name}::{name}"
        for path in modules
        for name in async_tests(path)
    }
    assert len(expected) > 50
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + [f"tests/{suite}" for suite in SUITES],
        capture_output=True,
        text=True,
        cwd=TESTS.parent,
        env=env,
        check=True,
    ).stdout
    backends: dict[str, set[str]] = {}
    for line in collected.splitlines():
        match = re.fullmatch(r"(tests/\S+::\w+)\[(.*)\]", line.strip())
        if match is None:
            continue
        params = match.group(2)
        if "trio-virtual-time" in params:
            backend: str | None = "virtual"
        else:
            backend = next((b for b in ("asyncio", "trio") if b in params.split("-")), None)
        if backend is not None:
            backends.setdefault(match.group(1), set()).add(backend)
    # Each async test on both backends; a test on trio's virtual clock (tests.helpers.
    # virtual_time) runs there by design. A pytest-asyncio-only test has neither.
    wrong = {
        test: backends.get(test)
        for test in expected
        if backends.get(test) not in ({"asyncio", "trio"}, {"virtual"})
    }
    assert wrong == {}
