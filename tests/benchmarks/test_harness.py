"""The benchmark harness works: a worker process, the page conversion, the report.

Nothing here is timed or compared: the figures belong to ``python -m benchmarks``.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import report
from benchmarks.clients.conversion import convert_page
from benchmarks.results import Bars, Lines, Table, Target, WorkloadResult
from benchmarks.settings import QUICK
from benchmarks.worker import Job, measure
from benchmarks.workloads import audit_window, bound_seconds


def _page(events: int) -> bytes:
    event = {
        "id": "01GRNN2S80XS6F4GC6AYYMVM44",
        "timestamp": "2023-02-07T15:43:40.123Z",
        "action": "createBase",
        "actor": {"type": "user", "user": {"id": "usrL2PNC5o3H4lBEi", "email": "a@example.com"}},
        "modelId": "appLkNDICXNqxSDhG",
        "modelType": "base",
        "payload": {"name": "Base"},
        "payloadVersion": "1.0",
        "context": {"actionId": "actxr1mLqZz1T35FA", "enterpriseAccountId": "entUBq2RGdihxl3vU"},
        "origin": {"ipAddress": "1.2.3.4", "userAgent": "Mozilla/5.0"},
    }
    body = {"events": [event] * events, "pagination": {"previous": None, "next": None}}
    return json.dumps(body).encode()


def test_convert_page_builds_both_libraries_models_and_reports_each_step() -> None:
    found = convert_page(_page(3), repeats=1, loops=1)

    assert found["events"] == 3
    assert found["items"] == 3
    assert {"decode_s", "ours_s", "ours_full_s", "pyairtable_s"} <= set(found)


def test_a_worker_process_measures_a_client_function() -> None:
    job = Job(client="noop", url="http://127.0.0.1:9", token="x", enterprise_id="entX")

    measured = measure(job, timeout=120)

    assert measured.client == "noop"
    assert measured.wall_s >= 0
    assert measured.cpu_s >= 0
    assert measured.peak_rss_mb >= measured.base_rss_mb > 0
    assert measured.count("requests") == 0


def test_the_report_writes_markdown_json_and_a_chart(tmp_path: Path) -> None:
    result = WorkloadResult(name="demo", title="Demo", setup="one tiny run")
    result.tables.append(Table(columns=("client", "wall s"), rows=(("ours", "1.00"),)))
    result.targets.append(Target("demo: speed", ">= 2x", "3.00x", met=True))
    result.targets.append(Target("demo: memory", "flat", "2.00x", met=False))
    result.panels.append(Bars("bars", "s", ("a", "b"), (1.0, 2.0)))
    result.panels.append(Lines("lines", "n", "s", {"wall": ((1.0, 10.0), (1.0, 5.0))}))

    drawn = report.write_chart(tmp_path / report.CHART_NAME, [result], "demo")
    text = report.render_markdown(
        [result], QUICK, {"date": "today"}, command="demo", chart=report.CHART_NAME
    )
    report.write_json(tmp_path / report.JSON_NAME, [result], QUICK, {"date": "today"})

    assert drawn
    assert (tmp_path / report.CHART_NAME).read_bytes().startswith(b"\x89PNG")
    assert "| demo: memory | flat | 2.00x | **no** |" in text
    assert "| ours | 1.00 |" in text
    assert json.loads((tmp_path / report.JSON_NAME).read_text())["settings"]["name"] == "quick"


def test_the_rate_limit_bound_spaces_starts_by_one_over_the_limit() -> None:
    assert bound_seconds(51, 25.0, 0.25) == 2.25
    assert bound_seconds(1, 25.0, 0.25) == 0.25


def test_the_audit_window_is_bounded_and_in_utc() -> None:
    start, end = audit_window()

    assert start.endswith("Z")
    assert end.endswith("Z")
    assert start < end
