"""Hostile review of the CLI of issue 26: input that cannot be sent, paths that are not
what they look like, --since-last state that lies, runs that overlap or crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from airtable_enterprise.cli.raw_api import parse_field
from airtable_enterprise.testing import Emulator

from .conftest import Invoke


@pytest.mark.parametrize(
    "body", ['{"name": NaN}', '{"name": Infinity}', "[" * 100_000, '{"n": 1' + "0" * 5000 + "}"]
)
def test_input_that_cannot_be_sent_as_json_exits_2_before_any_request(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, body: str
) -> None:
    source = tmp_path / "body.json"
    source.write_text(body)
    emulator.stats.reset()
    result = invoke(["api", "POST", "/v0/meta/workspaces", "--input", str(source)])
    assert result.exit_code == 2, result.output
    assert "is not JSON" in result.stderr
    assert emulator.stats.requests == 0


@pytest.mark.parametrize("value", ["[NaN]", "9" * 5000])
def test_a_field_python_cannot_send_as_a_json_value_stays_the_text_typed(value: str) -> None:
    assert parse_field(f"a={value}", typed=True) == ("a", value)


@pytest.mark.parametrize(
    "path",
    [
        "//evil.example.com/v0/meta/whoami",
        "/scim/v2/../../v0/meta/whoami",
        "/v0/meta/users/../whoami",
        "/v0/meta/%2e%2e/v0/meta/whoami",
        "/v0/meta/./whoami",
    ],
)
def test_a_path_that_is_not_the_path_sent_exits_2_before_any_request(
    invoke: Invoke, emulator: Emulator, path: str
) -> None:
    emulator.stats.reset()
    result = invoke(["api", "GET", path])
    assert result.exit_code == 2, result.output
    assert "segment" in result.stderr
    assert emulator.stats.requests == 0
