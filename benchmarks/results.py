"""What a benchmark hands the report: tables, targets, notes and chart panels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Bars", "Lines", "Table", "Target", "WorkloadResult", "ratio"]


@dataclass(frozen=True)
class Table:
    """A markdown table: a header row and rows of already formatted cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Target:
    """One goal of the issue, the figure measured against it, and whether it is met."""

    goal: str
    wanted: str
    measured: str
    met: bool


@dataclass(frozen=True)
class Bars:
    """A bar-chart panel: one bar per variant."""

    title: str
    ylabel: str
    labels: tuple[str, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class Lines:
    """A line-chart panel: y against x for each named series (log axes when asked)."""

    title: str
    xlabel: str
    ylabel: str
    series: dict[str, tuple[tuple[float, ...], tuple[float, ...]]]
    log_x: bool = True
    log_y: bool = True


@dataclass
class WorkloadResult:
    """Everything one benchmark measured, ready for RESULTS.md and the chart."""

    name: str
    title: str
    setup: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    panels: list[Bars | Lines] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or ``nan`` when the denominator is zero."""
    return numerator / denominator if denominator else float("nan")
