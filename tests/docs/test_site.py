"""The documentation site: it builds strictly, its reference holds every public name, and
a real headless Chromium renders its pages with no console error.

Needs the ``docs`` extra (and Debian's ``chromium`` for the browser check); without them
these tests skip, except under ``CI=true``, where they must run.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .blocks import ROOT
from .browser import Browser, chromium_path

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, what: str) -> None:
    if not available:
        if IN_CI:
            pytest.fail(f"{what} is missing, and CI must run this check")
        pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    """The site, built with ``mkdocs build --strict`` into a temporary directory."""
    require(importlib.util.find_spec("mkdocs") is not None, 'the "docs" extra')
    with tempfile.TemporaryDirectory(prefix="docs-site-") as out:
        build = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", out],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"},
            check=False,
        )
        assert build.returncode == 0, build.stderr
        yield Path(out)


def public_names() -> list[str]:
    """Every dotted public name: the package's, the emulator's, and the errors module's."""
    names = []
    for module_name in (
        "airtable_enterprise",
        "airtable_enterprise.testing",
        "airtable_enterprise.errors",
    ):
        module = importlib.import_module(module_name)
        names += [f"{module_name}.{name}" for name in module.__all__]
    return names


def test_every_public_name_is_in_the_reference(site: Path) -> None:
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").rglob("*.html"))
    anchors = {name for name in public_names() if f'id="{name}"' in html}
    # errors.__all__ repeats the package's exception names: one anchor (the package's) is enough.
    missing = [
        name
        for name in public_names()
        if name not in anchors and f"airtable_enterprise.{name.rpartition('.')[2]}" not in anchors
    ]
    assert not missing, f"not in the API reference: {missing}"


def test_the_reference_names_the_endpoint_of_each_method(site: Path) -> None:
    page = (site / "reference" / "enterprise" / "index.html").read_text(encoding="utf-8")
    assert 'id="airtable_enterprise.Enterprise.users"' in page
    assert "GET /v0/meta/enterpriseAccounts/{ent}/users" in page


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` over HTTP on 127.0.0.1 (Python's http.server, in a thread)."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site, served."""
    with serve(site) as url:
        yield url


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("/", "article h1"),
        ("/guides/getting-started/", "article pre code"),
        ("/reference/enterprise/", '[id="airtable_enterprise.Enterprise.users"]'),
    ],
)
def test_the_browser_renders_the_page_without_console_errors(
    served: str, path: str, selector: str, tmp_path: Path
) -> None:
    executable = chromium_path()
    require(executable is not None, "chromium (apt-get install -y chromium)")
    assert executable is not None
    # Screenshots go to a temporary directory, never into the repository.
    shots = tmp_path
    with Browser(executable) as browser:
        errors = browser.load(served + path, screenshot=shots / "page.png")
        assert errors == []
        assert browser.evaluate(f"document.querySelector({selector!r}) !== null"), selector
        assert browser.evaluate("document.querySelector('.md-nav') !== null")
    assert (shots / "page.png").stat().st_size > 1000


def test_the_browser_check_sees_console_errors(tmp_path: Path) -> None:
    executable = chromium_path()
    require(executable is not None, "chromium (apt-get install -y chromium)")
    assert executable is not None
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>broken</title>"
        "<script>console.error('boom')</script>"
        "<script src='missing.js'></script>"
        "<script>undefinedFunction()</script>",
        encoding="utf-8",
    )
    with serve(tmp_path) as url, Browser(executable) as browser:
        errors = browser.load(url + "/")
    text = "\n".join(errors)
    assert "console.error: boom" in text
    assert "missing.js" in text
    assert "undefinedFunction" in text
