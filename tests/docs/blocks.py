"""The code blocks of the README and the site, and the emulator they run against.

Every fenced ```` ```python ```` block of ``README.md`` and ``docs/**/*.md`` is an example
that must run. A block is a whole program: it runs in a fresh namespace (``__name__`` is
``"__main__"``), and its ``anyio.run(main)`` / ``asyncio.run(...)`` runs for real. An
``AsyncApi`` made without ``transport=`` talks to an in-process emulator whose root
enterprise is the README's ``entUBq2RGdihxl3vU`` and which accepts any token.

A marker on the line before the fence changes that:
- ``<!-- docs-test: skip -->``: not run (a signature, a fragment shown for its shape);
- ``<!-- docs-test: pytest -->``: the block is a test module, run by pytest (with the
  project's pytest plugin) and every test in it must pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

#: The enterprise ID the README and the guides use.
DOCS_ENTERPRISE_ID = "entUBq2RGdihxl3vU"

#: Named people the examples can rely on, added to the generated enterprise.
DOCS_USERS: dict[str, dict[str, Any]] = {
    "leaver@acme.example": {"first_name": "Lee", "last_name": "Leaver"},
    "boss@acme.example": {"first_name": "Bo", "last_name": "Boss", "admin": True},
}

MARKER = re.compile(r"^<!--\s*docs-test:\s*(\w+)\s*-->$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, its language, its marker and its code."""

    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    marker: str | None
    code: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def documents() -> list[Path]:
    """README.md, then every page under docs/ in name order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(path: Path) -> Iterator[Block]:
    """The fenced code blocks of one Markdown file, with the marker before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    previous = ""  # the last non-blank line before the current one
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        indent, fence, language = opening.groups()
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(
                lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index]
            )
            index += 1
        marker = MARKER.match(previous)
        yield Block(
            path=path,
            line=start + 1,
            language=language.lower(),
            marker=marker.group(1) if marker else None,
            code="\n".join(body) + "\n",
        )
        previous = ""
        index += 1


def python_blocks() -> list[Block]:
    """Every ```python block of every document."""
    return [b for path in documents() for b in blocks(path) if b.language in ("python", "py")]
