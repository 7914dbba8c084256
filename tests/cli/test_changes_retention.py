"""`changes export --since` further back than the 14 days Airtable keeps says so."""

from __future__ import annotations

from pathlib import Path

from .conftest import Invoke


def test_since_beyond_retention_warns(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        ["changes", "export", "--lag", "0", "--since", "30d", "--out", str(tmp_path / "c.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "keeps these events 14 days" in result.stderr


def test_since_within_retention_is_silent(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        ["changes", "export", "--lag", "0", "--since", "7d", "--out", str(tmp_path / "c.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "14 days" not in result.stderr
