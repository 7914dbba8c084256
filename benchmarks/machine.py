"""Facts about the machine and the software a run measured, for RESULTS.md."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

__all__ = ["PACKAGES", "facts", "load_average"]

#: The distributions whose versions shape the figures.
PACKAGES = (
    "airtable-enterprise",
    "httpx",
    "anyio",
    "attrs",
    "cattrs",
    "pyairtable",
    "pydantic",
    "requests",
    "urllib3",
    "starlette",
    "uvicorn",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (uncommitted changes)' if dirty else ''}"


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as ``os.getloadavg`` gives them."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def facts() -> dict[str, str]:
    """Date, machine, Python, versions and commit: the header of RESULTS.md."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "CPU": f"{_cpu_model()}, {os.cpu_count()} logical cores ({_usable_cores()} usable)",
        "memory": _memory_gib(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "load average at start": load_average(),
        "commit": _commit(),
        "versions": ", ".join(f"{name} {_version(name)}" for name in PACKAGES),
    }
