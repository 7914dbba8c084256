"""``python -m benchmarks [--quick] [--only NAME ...] [--out DIR]``: the runner."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from . import machine, report
from .results import WorkloadResult
from .settings import FULL, QUICK
from .workloads import WORKLOADS

__all__ = ["main"]

#: Where the committed full-run results live.
HERE = Path(__file__).resolve().parent


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Run the benchmarks side by side with pyairtable 3.5 against the emulator over "
            "loopback, and write RESULTS.md, results.png and results.json."
        ),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and short latencies (under a minute): checks that it all works",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted(WORKLOADS),
        metavar="NAME",
        help=f"run only these benchmarks ({', '.join(WORKLOADS)})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="directory for the results (default: benchmarks/ for a full run, "
        "a new temporary directory for --quick)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    out: Path = args.out or (
        Path(tempfile.mkdtemp(prefix="benchmarks-quick-")) if args.quick else HERE
    )
    if args.quick and out.resolve() == HERE:
        _say("--quick never writes over the committed results: pick another --out")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    names = args.only or list(WORKLOADS)
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    if args.only:
        command += " --only " + " ".join(args.only)

    facts = machine.facts()
    started = time.perf_counter()
    results: list[WorkloadResult] = []
    for name in WORKLOADS:
        if name in names:
            results.append(WORKLOADS[name](settings, _say))
    facts["load average at end"] = machine.load_average()
    facts["run time"] = f"{time.perf_counter() - started:.0f} s"

    chart = out / report.CHART_NAME
    drawn = report.write_chart(chart, results, f"airtable-enterprise vs pyairtable ({command})")
    text = report.render_markdown(
        results, settings, facts, command=command, chart=chart.name if drawn else None
    )
    report.write_markdown(out / report.RESULTS_NAME, text)
    report.write_json(out / report.JSON_NAME, results, settings, facts)
    print(text)
    _say(f"wrote {out / report.RESULTS_NAME}" + (f" and {chart}" if drawn else ""))
    failed = [t for r in results for t in r.targets if not t.met]
    if failed:
        _say(f"{len(failed)} target(s) not met (reported, not an error)")
    return 0


def _say(message: str) -> None:
    print(f"[benchmarks] {message}", file=sys.stderr, flush=True)
