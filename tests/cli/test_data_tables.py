"""``data-tables``: records streamed as JSON Lines or spreadsheet-safe CSV, upserts from a
JSON Lines file checked whole before any request, deletes previewed and confirmed."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from airtable_enterprise.testing import Emulator, StatusFault
from airtable_enterprise.testing.world.data_tables import DataTable

from .conftest import Invoke


def _table(emulator: Emulator) -> DataTable:
    return next(iter(emulator.world.data_tables.values()))


def _jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _write(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_records_stream_every_record_as_json_lines(invoke: Invoke, emulator: Emulator) -> None:
    table = _table(emulator)
    result = invoke(["data-tables", "records", table.id])
    assert result.exit_code == 0, result.output
    rows = _jsonl(result.stdout)
    assert [r["primaryKey"] for r in rows] == sorted(table.records)
    assert all(r["fields"] == table.records[r["primaryKey"]] for r in rows)
    assert f"{len(rows)} record(s)" in result.stderr


def test_records_filtered_by_key_and_field_as_spreadsheet_safe_csv(
    invoke: Invoke, emulator: Emulator
) -> None:
    table = _table(emulator)
    key, other = sorted(table.records)[:2]
    table.records[key] = {"formula": "=HYPERLINK(1)", "n": -3, "empty": None}
    args = ["--key", other, "--key", key, "--field", "formula", "--field", "n", "-f", "csv"]
    result = invoke(["data-tables", "records", table.id, *args])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["primaryKey", "formula", "n"]
    assert rows[1] == [key, "'=HYPERLINK(1)", "-3"]  # text neutralised, numbers kept
    assert [row[0] for row in rows[1:]] == [key, other]


def test_records_max_and_an_unknown_table(invoke: Invoke, emulator: Emulator) -> None:
    table = _table(emulator)
    few = invoke(["data-tables", "records", table.id, "--max", "3", "-f", "jsonl"])
    assert [r["primaryKey"] for r in _jsonl(few.stdout)] == sorted(table.records)[:3]
    missing = invoke(["data-tables", "records", "dtbAAAAAAAAAAAAAA"])
    assert missing.exit_code != 0
    assert "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND" in missing.stderr
    malformed = invoke(["data-tables", "records", "not-an-id"])
    assert malformed.exit_code == 2
    assert emulator.stats.routes["POST /v0/{ent}/{table}/getRecords"] == 2


def test_upsert_from_a_file_applies_every_record(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    table = _table(emulator)
    existing = sorted(table.records)[0]
    before = dict(table.records[existing])
    records: list[object] = [
        {"primaryKey": f"cli-{i:04d}", "fields": {"n": i, "s": "x"}} for i in range(250)
    ]
    records.append({"primaryKey": existing, "fields": {"note": "updated"}})
    source = _write(tmp_path / "in.jsonl", records)
    result = invoke(
        ["data-tables", "upsert", table.id, "--from", str(source), "--chunk-size", "40"]
    )
    assert result.exit_code == 0, result.output
    assert "Upserted 251 of 251 record(s)." in result.stderr
    assert table.records["cli-0249"] == {"n": 249, "s": "x"}
    assert table.records[existing] == {**before, "note": "updated"}
    assert emulator.stats.routes["PUT /v0/{ent}/{table}/upsertRecords"] == 7


def test_upsert_refuses_a_bad_file_before_any_request(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    table = _table(emulator)
    good = {"primaryKey": "ok-1", "fields": {"n": 1}}
    cases = [
        ([good, {"primaryKey": "ok-2", "fields": {"flag": True}}], "bad.jsonl:2: record.fields"),
        ([good, {"primaryKey": "ok-1", "fields": {}}], "bad.jsonl:2: primaryKey 'ok-1' is also"),
        ([good, ["not", "an", "object"]], "bad.jsonl:2: record must be"),
    ]
    for records, expected in cases:
        source = _write(tmp_path / "bad.jsonl", records)
        result = invoke(["data-tables", "upsert", table.id, "--from", str(source)])
        assert result.exit_code == 2, result.output
        assert expected in result.stderr
    (tmp_path / "broken.jsonl").write_text('{"primaryKey": "a"\n', encoding="utf-8")
    result = invoke(["data-tables", "upsert", table.id, "--from", str(tmp_path / "broken.jsonl")])
    assert result.exit_code == 2
    assert "broken.jsonl:1: not JSON" in result.stderr
    assert emulator.stats.requests == 0
    assert "ok-1" not in table.records


def test_upsert_reports_a_failed_chunk_with_its_lines_and_sends_nothing_after(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    table = _table(emulator)
    records: list[object] = [{"primaryKey": f"f-{i:04d}", "fields": {"n": i}} for i in range(40)]
    source = _write(tmp_path / "in.jsonl", records)
    emulator.faults.add(r"/upsertRecords$", StatusFault(422), method="PUT")
    result = invoke(
        ["data-tables", "upsert", table.id, "--from", str(source), "--chunk-size", "10"]
    )
    assert result.exit_code == 1, result.output
    assert "FAILED lines " in result.stderr
    assert "Upserted 30 of 40 record(s)." in result.stderr
    assert sum(key.startswith("f-") for key in table.records) == 30


def test_delete_previews_asks_and_deletes(invoke: Invoke, emulator: Emulator) -> None:
    table = _table(emulator)
    first, second = sorted(table.records)[:2]
    declined = invoke(
        ["data-tables", "delete", table.id, first, "no-such-key", "-f", "jsonl"], input="n\n"
    )
    assert declined.exit_code != 0
    assert [r["primaryKey"] for r in _jsonl(declined.stdout)] == [first]
    assert "no-such-key" in declined.stderr
    assert first in table.records
    dry = invoke(["data-tables", "delete", table.id, first, "--dry-run", "-f", "jsonl"])
    assert dry.exit_code == 0
    assert "nothing was changed" in dry.stderr
    done = invoke(["data-tables", "delete", table.id, first, second, first, "--yes", "-f", "jsonl"])
    assert done.exit_code == 0, done.output
    assert "Deleted 2 record(s)." in done.stderr
    assert first not in table.records
    assert second not in table.records
    assert emulator.stats.routes["POST /v0/{ent}/{table}/deleteRecords"] == 1


def test_delete_without_a_terminal_needs_yes(invoke: Invoke, emulator: Emulator) -> None:
    table = _table(emulator)
    key = sorted(table.records)[0]
    result = invoke(["data-tables", "delete", table.id, key, "-f", "jsonl"], input="")
    assert result.exit_code != 0
    assert "--yes" in result.stderr
    assert key in table.records


def test_upsert_draws_a_progress_bar_on_a_terminal(
    invoke_tty: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    table = _table(emulator)
    records: list[object] = [{"primaryKey": f"t-{i}", "fields": {"n": i}} for i in range(30)]
    source = _write(tmp_path / "in.jsonl", records)
    result = invoke_tty(
        ["data-tables", "upsert", table.id, "--from", str(source), "--chunk-size", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "Upserted 30 of 30 record(s)." in result.stderr
    assert sum(key.startswith("t-") for key in table.records) == 30


def test_upsert_also_reads_a_json_array_given_as_input(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    table = _table(emulator)
    source = tmp_path / "records.json"
    source.write_text(json.dumps([{"primaryKey": "arr-1", "fields": {"n": 1}}]), "utf-8")
    result = invoke(["data-tables", "upsert", table.id, "--input", str(source)])
    assert result.exit_code == 0, result.output
    assert table.records["arr-1"] == {"n": 1}
    source.write_text(json.dumps([{"primaryKey": "arr-2", "fields": {"n": float("nan")}}]))
    refused = invoke(["data-tables", "upsert", table.id, "--input", str(source)])
    assert refused.exit_code == 2
    assert "records.json:1: record.fields['n'] is not a finite number" in refused.stderr
    source.write_text('{"primaryKey": "arr-3"}', "utf-8")
    refused = invoke(["data-tables", "upsert", table.id, "--input", str(source)])
    assert refused.exit_code == 2
    assert "must hold an array" in refused.stderr


def test_upsert_reads_a_file_with_a_byte_order_mark_and_crlf_line_ends(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    # A BOM (a spreadsheet's "UTF-8" export) was refused as "not JSON".
    table = _table(emulator)
    lines = [json.dumps({"primaryKey": f"bom-{i}", "fields": {"n": i}}) for i in range(3)]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    array = tmp_path / "in.json"
    array.write_bytes(b"\xef\xbb\xbf" + b'[{"primaryKey": "bom-j", "fields": {}}]')
    for path in (source, array):
        result = invoke(["data-tables", "upsert", table.id, "--from", str(path)])
        assert result.exit_code == 0, result.output
    assert [table.records[f"bom-{i}"] for i in range(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert table.records["bom-j"] == {}


def test_upsert_refuses_a_file_that_is_not_utf8_naming_the_line(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    # A Latin-1 byte ended in a bare UnicodeDecodeError traceback (exit 1).
    table = _table(emulator)
    source = tmp_path / "latin1.jsonl"
    source.write_bytes(b'{"primaryKey": "l-1", "fields": {}}\n{"primaryKey": "caf\xe9"}\n')
    result = invoke(["data-tables", "upsert", table.id, "--from", str(source)])
    assert result.exit_code == 2, result.output
    assert "latin1.jsonl:2: not UTF-8" in result.stderr
    assert emulator.stats.requests == 0


def test_upsert_refuses_a_line_too_long_without_reading_it_whole(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file with no line breaks was read into memory whole, however large.
    # The module (``airtable_enterprise.cli.data_tables`` names the click group).
    module = sys.modules["airtable_enterprise.cli.data_tables"]
    monkeypatch.setattr(module, "MAX_LINE_BYTES", 1000, raising=False)
    table = _table(emulator)
    source = tmp_path / "long.jsonl"
    big = json.dumps({"primaryKey": "long", "fields": {"s": "x" * 5000}})
    source.write_text('{"primaryKey": "short", "fields": {}}\n' + big + "\n", encoding="utf-8")
    result = invoke(["data-tables", "upsert", table.id, "--from", str(source)])
    assert result.exit_code == 2, result.output
    assert "long.jsonl:2: longer than 1000 bytes" in result.stderr
    assert emulator.stats.requests == 0


def test_upsert_of_a_file_that_changes_after_its_check_is_never_a_success(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key doubled after the check made the window's upsert refuse it whole
    # (InvalidInputError, no chunk heard): "Upserted 0 of 2 record(s)." and exit 0.
    module = sys.modules["airtable_enterprise.cli.data_tables"]
    table = _table(emulator)
    source = _write(
        tmp_path / "in.jsonl", [{"primaryKey": f"ch-{i}", "fields": {}} for i in (1, 2)]
    )
    checked = module._check_file

    def check_then_change(path: Path) -> int:
        total: int = checked(path)
        _write(path, [{"primaryKey": "ch-1", "fields": {}}, {"primaryKey": "ch-1", "fields": {}}])
        return total

    monkeypatch.setattr(module, "_check_file", check_then_change)
    result = invoke(["data-tables", "upsert", table.id, "--from", str(source)])
    assert result.exit_code == 1, result.output
    assert "changed while it was read" in result.stderr


def test_records_as_a_table_show_server_text_as_it_is(invoke: Invoke, emulator: Emulator) -> None:
    # Table cells were rich markup: a value "[/b]" crashed the command (MarkupError),
    # "[red]" restyled it, and ESC sequences reached the terminal.
    table = _table(emulator)
    table.records["aaa-markup"] = {"[b]note": "[/b] [red]x \x1b]0;pwned\x07 \u202eab"}
    args = ["records", table.id, "--key", "aaa-markup", "--field", "[b]note", "-f", "table"]
    result = invoke(["data-tables", *args])
    assert result.exit_code == 0, result.output
    assert "[/b] [red]x \\x1b]0;pwned\\x07 \\u202eab" in result.stdout
    assert "[b]note" in result.stdout
    assert "\x1b]0" not in result.stdout
