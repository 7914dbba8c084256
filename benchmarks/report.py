"""RESULTS.md (markdown tables) and the PNG chart (matplotlib, Agg backend)."""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .results import Bars, Lines, Table, WorkloadResult
from .settings import Settings

__all__ = ["CHART_NAME", "RESULTS_NAME", "write_chart", "write_json", "write_markdown"]

RESULTS_NAME = "RESULTS.md"
CHART_NAME = "results.png"
JSON_NAME = "results.json"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table) -> str:
    """One markdown table; numeric-looking columns are right-aligned."""
    lines = [
        "| " + " | ".join(_cell(c) for c in table.columns) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(table.columns))) + "|",
    ]
    for row in table.rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines)


def render_markdown(
    results: Sequence[WorkloadResult],
    settings: Settings,
    machine: Mapping[str, str],
    *,
    command: str,
    chart: str | None,
) -> str:
    """The text of RESULTS.md."""
    out = [
        "# Benchmark results",
        "",
        f"Written by `{command}`. Every figure below comes from this one run: this library "
        "and pyairtable 3.5 against the same emulator process over loopback, one after the "
        "other, each client in a fresh process of its own. Ratios are what to read; absolute "
        "times depend on the machine (see its load average).",
        "",
        "## Machine and run",
        "",
        markdown_table(
            Table(
                columns=("", ""),
                rows=(("preset", settings.name), *((k, v) for k, v in machine.items())),
            )
        ),
        "",
    ]
    targets = [t for r in results for t in r.targets]
    if targets:
        out += [
            "## Targets",
            "",
            markdown_table(
                Table(
                    columns=("goal", "wanted", "measured", "met"),
                    rows=tuple(
                        (t.goal, t.wanted, t.measured, "yes" if t.met else "**no**")
                        for t in targets
                    ),
                )
            ),
            "",
        ]
    if chart:
        out += [f"![benchmark chart]({chart})", ""]
    for result in results:
        out += [f"## {result.title}", "", f"Settings: {result.setup}.", ""]
        for table in result.tables:
            if table.caption:
                out += [f"*{table.caption}*", ""]
            out += [markdown_table(table), ""]
        for note in result.notes:
            out.append(f"- {note}")
        if result.notes:
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_markdown(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_json(
    path: Path,
    results: Sequence[WorkloadResult],
    settings: Settings,
    machine: Mapping[str, str],
) -> None:
    """Every measurement, unrounded, for whoever wants to plot or compare runs."""
    payload = {
        "settings": asdict(settings),
        "machine": dict(machine),
        "results": {r.name: r.raw for r in results},
    }
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_chart(path: Path, results: Sequence[WorkloadResult], title: str) -> bool:
    """One PNG with a panel per chart of every benchmark; ``False`` if nothing to draw."""
    panels = [p for r in results for p in r.panels]
    if not panels:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 4.2 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        if isinstance(panel, Bars):
            _bars(ax, panel)
        else:
            _lines(ax, panel)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _bars(ax: Any, panel: Bars) -> None:
    labels = [textwrap.fill(label, 16) for label in panel.labels]
    bars = ax.bar(labels, panel.values, color="#4c72b0")
    ax.bar_label(bars, labels=[_short(v) for v in panel.values], fontsize=8)
    ax.set_title(panel.title, fontsize=10)
    ax.set_ylabel(panel.ylabel)
    ax.tick_params(axis="x", labelsize=7)


def _lines(ax: Any, panel: Lines) -> None:
    for name, (xs, ys) in panel.series.items():
        ax.plot(xs, ys, marker="o", label=name)
    if panel.log_x:
        ax.set_xscale("log")
    if panel.log_y:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.set_title(panel.title, fontsize=10)
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    if panel.series:
        ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
