"""Without an extra, the entry points say in one line what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_without(module: str, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter where ``module`` cannot be imported."""
    prelude = f"import sys; sys.modules[{module!r}] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,  # where `benchmarks` is importable
    )


CONSOLE_SCRIPT = "from airtable_enterprise.cli import main\nmain()"
PYTHON_M = "import runpy\nrunpy.run_module('airtable_enterprise', run_name='__main__')"
EMULATOR_M = "import runpy\nrunpy.run_module('airtable_enterprise.testing', run_name='__main__')"


@pytest.mark.parametrize(
    ("missing", "code", "line"),
    [
        ("click", CONSOLE_SCRIPT, 'install the CLI with: pip install "airtable-enterprise[cli]"'),
        ("rich", PYTHON_M, 'install the CLI with: pip install "airtable-enterprise[cli]"'),
        (
            "starlette",
            EMULATOR_M,
            'install the emulator with: pip install "airtable-enterprise[testing]"',
        ),
    ],
)
def test_a_missing_extra_is_one_line_and_exit_1(missing: str, code: str, line: str) -> None:
    done = run_without(missing, code)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == f"{line} ({missing} is missing)"


def test_importing_the_emulator_without_the_extra_says_what_to_install() -> None:
    done = run_without(
        "starlette",
        "try:\n"
        "    from airtable_enterprise.testing import Emulator\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        'install the emulator with: pip install "airtable-enterprise[testing]" '
        "(starlette is missing)"
    )


def test_the_library_itself_needs_no_extra() -> None:
    done = run_without("click", "import airtable_enterprise\nprint(airtable_enterprise.AsyncApi)")
    assert done.returncode == 0, done.stderr


def test_the_benchmarks_without_their_extra_say_what_to_install() -> None:
    done = run_without(
        "matplotlib", "import runpy\nrunpy.run_module('benchmarks', run_name='__main__')"
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'install the benchmarks with: pip install "airtable-enterprise[bench]" '
        "(matplotlib is missing)"
    )
