"""Benchmarks 2 and 3: audit log export (pyairtable's walk, ours sequential, read-ahead,
backfill) and the conversion cost of one page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .emulator import EmulatorSpec, running
from .results import Bars, Table, Target, WorkloadResult, ratio
from .settings import Settings
from .worker import Measurement
from .workload_common import (
    Progress,
    _fmt,
    _run,
    _say,
    _x,
    audit_window,
)

__all__ = ["SEQUENTIAL", "conversion", "export"]


# --------------------------------------------------------------------- 2. audit log export


def export(settings: Settings, say: Progress = _say) -> WorkloadResult:
    """Audit log export: pyairtable's walk, our sequential walk, read-ahead, backfill.

    Twice: a bare export (the consumer only counts events: the fetch path alone, where
    the backfill's speed-up is measured), then an export whose consumer hands each page
    to a sink taking ``sink_ms`` (the work read-ahead overlaps with the next fetch).
    """
    s = settings.audit
    spec = EmulatorSpec(
        users=200,
        events=s.events,
        latency_ms=s.latency_ms,
        rps=s.rps,
        penalty_s=settings.penalty_s,
        seed=settings.seed,
    )
    result = WorkloadResult(
        name="audit",
        title="2. Audit log export",
        setup=(
            f"{s.events:,} events, page size {s.page_size}, {s.latency_ms:g} ms latency, "
            f"{s.rps:g} requests/s limit; one bounded window (descending); parallel "
            f"backfill with parallel={s.backfill_windows} (workers) and read_ahead "
            f"{' and '.join(str(d) for d in s.read_ahead)}; second table: each page handed "
            f"to a sink taking {s.sink_ms:g} ms"
        ),
    )
    say(f"audit: {s.events} events, {s.latency_ms:g} ms, {s.rps:g} rps")
    bare: dict[str, Measurement | None] = {}
    sunk: dict[str, Measurement | None] = {}
    with running(spec) as server:
        result.notes.extend(server.notes)
        start, end = audit_window()
        common = {"page_size": s.page_size, "start_time": start, "end_time": end, "rps": s.rps}
        variants: list[tuple[str, str, dict[str, Any]]] = [
            ("pyairtable", "pyairtable.audit", common),
            (SEQUENTIAL, "ours.audit_sequential", common),
            ("this library, read-ahead", "ours.audit_read_ahead", {**common, "read_ahead": 1}),
        ]
        for depth in s.read_ahead:
            variants.append(
                (
                    f"this library, parallel backfill (read_ahead={depth})",
                    "ours.audit_backfill",
                    {**common, "read_ahead": depth, "windows": s.backfill_windows},
                )
            )
        for label, client, params in variants:
            bare[label] = _run(server, client, params, result, say, key=f"{client}:{label}")
        for label, client, params in variants[:3]:
            sunk[label] = _run(
                server,
                client,
                {**params, "sink_ms": s.sink_ms},
                result,
                say,
                key=f"{client}:{label}:sink",
            )

    result.tables.append(_export_table(bare, "The consumer only counts the events."))
    result.tables.append(
        _export_table(sunk, f"The consumer hands each page to a sink taking {s.sink_ms:g} ms.")
    )
    base, theirs = bare[SEQUENTIAL], bare["pyairtable"]
    backfills = [m for k, m in bare.items() if "backfill" in k and m is not None]
    if backfills and base is not None:
        best = min(backfills, key=lambda m: m.wall_s)
        speed_up = ratio(base.wall_s, best.wall_s)
        result.targets.append(
            Target(
                "audit: parallel backfill (best read_ahead) vs sequential walk",
                ">= 4x",
                _x(speed_up),
                speed_up >= 4,
            )
        )
    if theirs is not None and base is not None and base.count("items"):
        advantage = ratio(theirs.cpu_s / theirs.count("items"), base.cpu_s / base.count("items"))
        result.targets.append(
            Target(
                "audit: client CPU per event, pyairtable / ours (same walk)",
                ">= 2x",
                _x(advantage),
                advantage >= 2,
            )
        )
    counts = {f"{m.count('items'):.0f}" for m in [*bare.values(), *sunk.values()] if m}
    if len(counts) > 1:
        result.notes.append(f"the variants did not read the same number of events: {counts}")
    result.notes.append(
        "first table: the consumer only counts events; second: it hands each page to a "
        f"sink taking {s.sink_ms:g} ms (an upload to a SIEM), the work read-ahead overlaps "
        "with the next request. `speed` compares with our sequential walk in the same table."
    )
    result.notes.append(
        "client CPU: our events build `actor`, `context` and `origin` when first read, and "
        "these consumers never read them; pyairtable builds every part of every event. "
        "Section 3 compares the two with every part built."
    )
    labels = [label for label, m in bare.items() if m is not None]
    result.panels.append(
        Bars(
            title=f"Audit log export ({s.events:,} events, {s.latency_ms:g} ms)",
            ylabel="events/s",
            labels=tuple(
                label.replace("this library, ", "")
                .replace("parallel backfill", "backfill")
                .replace("read_ahead=", "ra=")
                for label in labels
            ),
            values=tuple(
                ratio(bare[k].count("items"), bare[k].wall_s)  # type: ignore[union-attr]
                for k in labels
            ),
        )
    )
    return result


SEQUENTIAL = "this library, sequential walk"


def _export_table(found: Mapping[str, Measurement | None], caption: str) -> Table:
    base = found.get(SEQUENTIAL)
    theirs = found.get("pyairtable")
    rows = []
    for label, measured in found.items():
        if measured is None:
            rows.append((label, "failed", "", "", "", "", "", "", ""))
            continue
        events = measured.count("items")
        theirs_per_event = theirs.cpu_s / theirs.count("items") if theirs else float("nan")
        rows.append(
            (
                label,
                f"{events:,.0f}",
                _fmt(measured.wall_s),
                _fmt(ratio(events, measured.wall_s), 0),
                _x(ratio(base.wall_s, measured.wall_s)) if base else "n/a",
                _fmt(1000 * ratio(measured.cpu_s, events / 1000), 1),
                _x(ratio(theirs_per_event, ratio(measured.cpu_s, events))),
                _fmt(measured.peak_rss_mb, 0),
                f"{measured.count('requests'):.0f}",
            )
        )
    return Table(
        columns=(
            "client",
            "events",
            "wall s",
            "events/s",
            "speed vs our sequential walk",
            "client CPU ms / 1,000 events",
            "CPU advantage vs pyairtable",
            "peak RSS MB",
            "requests",
        ),
        rows=tuple(rows),
        caption=caption,
    )


# --------------------------------------------------------------------- 3. conversion


def conversion(settings: Settings, say: Progress = _say) -> WorkloadResult:
    """Conversion cost of one page: decode alone vs our models vs pyairtable's."""
    s = settings.conversion
    spec = EmulatorSpec(users=200, events=s.page_size * 2, seed=settings.seed)
    result = WorkloadResult(
        name="conversion",
        title="3. Conversion cost",
        setup=(
            f"one {s.page_size}-event page from the emulator; best of {s.repeats} rounds "
            f"of {s.loops}; models built from the already decoded JSON"
        ),
    )
    say(f"conversion: a {s.page_size}-event page")
    with running(spec) as server:
        measured = _run(
            server,
            "conversion",
            {"page_size": s.page_size, "repeats": s.repeats, "loops": s.loops},
            result,
            say,
        )
    if measured is None:
        return result
    c = measured.counters
    events = float(c["events"])
    decode, lazy, theirs = float(c["decode_s"]), float(c["ours_s"]), float(c["pyairtable_s"])
    # The targets use the events with every part built (what pyairtable always does).
    ours = float(c["ours_full_s"])
    result.tables.append(
        Table(
            columns=("step", "ms per page", "µs per event", "vs JSON decode"),
            rows=(
                (
                    f"`json.loads` of the page ({c['bytes']:,} bytes)",
                    _fmt(decode * 1e3, 2),
                    _fmt(decode / events * 1e6, 2),
                    "1.00x",
                ),
                (
                    "this library: decoded JSON -> models, every part read",
                    _fmt(ours * 1e3, 2),
                    _fmt(ours / events * 1e6, 2),
                    _x(ratio(ours, decode)),
                ),
                (
                    "this library: decoded JSON -> models, as delivered "
                    "(actor, context, origin built when first read)",
                    _fmt(lazy * 1e3, 2),
                    _fmt(lazy / events * 1e6, 2),
                    _x(ratio(lazy, decode)),
                ),
                (
                    "pyairtable: `AuditLogResponse.model_validate`",
                    _fmt(theirs * 1e3, 2),
                    _fmt(theirs / events * 1e6, 2),
                    _x(ratio(theirs, decode)),
                ),
            ),
        )
    )
    result.targets.append(
        Target(
            "conversion: our models vs JSON decode",
            "<= 2.5x",
            _x(ratio(ours, decode)),
            ratio(ours, decode) <= 2.5,
        )
    )
    result.targets.append(
        Target(
            "conversion: pyairtable's models / ours",
            ">= 3x",
            _x(ratio(theirs, ours)),
            ratio(theirs, ours) >= 3,
        )
    )
    result.panels.append(
        Bars(
            title=f"Conversion of a {events:.0f}-event page",
            ylabel="ms per page",
            labels=("json.loads", "this library (every part)", "as delivered", "pyairtable"),
            values=(decode * 1e3, ours * 1e3, lazy * 1e3, theirs * 1e3),
        )
    )
    return result
