"""The checkpoint of a resumable export: where to pick up, and how much output is good.

An export writes a page of events to its output, flushes it to disk, and only then
records, in a checkpoint file next to the output, the cursor *after* that page and the
output's size. A resumed export truncates the output back to that size (dropping a page
written after the last checkpoint) and continues from that cursor, so each event ends
up in the output exactly once however the first run stopped.

The checkpoint also records the query, so a resume with different options is refused
instead of splicing two different exports together.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["CHECKPOINT_SUFFIX", "Checkpoint", "CheckpointError", "checkpoint_path"]

#: ``events.jsonl`` -> ``events.jsonl.checkpoint``
CHECKPOINT_SUFFIX = ".checkpoint"
_VERSION = 1


class CheckpointError(Exception):
    """A checkpoint is missing, unreadable, or made for another query."""


def checkpoint_path(out: Path) -> Path:
    """Where the checkpoint of output ``out`` lives: next to it."""
    return out.with_name(out.name + CHECKPOINT_SUFFIX)


@attrs.frozen(kw_only=True)
class Checkpoint:
    """The state of an export after its last durable page.

    - ``query``: the export's options as given, plus the times they resolved to
      (``--since 7d`` means the same instant on resume).
    - ``cursor``: the cursor to resume from; ``None`` before the first page.
    - ``offset``: bytes of output known to be complete (header included).
    - ``events``, ``pages``: written so far.
    """

    query: Mapping[str, Any]
    cursor: str | None = None
    offset: int = 0
    events: int = 0
    pages: int = 0

    @property
    def complete(self) -> bool:
        """Whether the last page is written (no cursor left after at least one page)."""
        return self.pages > 0 and self.cursor is None

    def advanced(self, *, cursor: str | None, offset: int, events: int) -> Checkpoint:
        """This checkpoint after one more page of ``events`` events."""
        return attrs.evolve(
            self, cursor=cursor, offset=offset, events=self.events + events, pages=self.pages + 1
        )

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed over the old one, both fsynced),
        so a crash leaves either the old checkpoint or the new one, never half of one."""
        data = {
            "version": _VERSION,
            "query": dict(self.query),
            "cursor": self.cursor,
            "offset": self.offset,
            "events": self.events,
            "pages": self.pages,
        }
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, sort_keys=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read a checkpoint written by :meth:`save`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(f"no checkpoint {path}: nothing to resume") from None
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            raise CheckpointError(f"{path} is not a checkpoint of this version")
        query, cursor = data.get("query"), data.get("cursor")
        offset, events, pages = data.get("offset"), data.get("events"), data.get("pages")
        if (
            not isinstance(query, dict)
            or not (cursor is None or isinstance(cursor, str))
            or not isinstance(offset, int)
            or not isinstance(events, int)
            or not isinstance(pages, int)
            or min(offset, events, pages) < 0
        ):
            raise CheckpointError(f"{path} is damaged")
        return cls(query=query, cursor=cursor, offset=offset, events=events, pages=pages)

    def check_query(self, query: Mapping[str, Any], path: Path) -> None:
        """Refuse to resume with options other than the checkpoint's."""
        given = {key: value for key, value in query.items() if not key.startswith("resolved_")}
        saved = {k: v for k, v in self.query.items() if not k.startswith("resolved_")}
        if given != saved:
            changed = sorted(k for k in given.keys() | saved.keys() if given.get(k) != saved.get(k))
            raise CheckpointError(
                f"{path} was made with other options ({', '.join(changed)} differ); "
                "resume with the same options, or delete it to start over"
            )
