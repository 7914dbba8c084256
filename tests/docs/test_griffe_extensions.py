"""The site's griffe extensions (docs/_tools/), on small packages written for the test."""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .blocks import ROOT

if os.environ.get("CI", "").lower() != "true":
    pytest.importorskip("griffe", reason='the "docs" extra is not installed')
import griffe


def tool(name: str) -> ModuleType:
    """A module of docs/_tools/ (a directory of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"docs_tools_{name}", ROOT / "docs" / "_tools" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``handlepkg``: a handle whose method is bound from a function in another module."""
    root = tmp_path / "handlepkg"
    root.mkdir()
    (root / "_family.py").write_text(
        textwrap.dedent(
            '''
            async def fetch(self, item_id: str) -> int:
                """One item. ``GET /v0/items/{id}``."""
                return 1
            '''
        )
    )
    (root / "__init__.py").write_text(
        textwrap.dedent(
            '''
            from . import _family

            class Handle:
                """A handle."""

                limit = 10
                fetch = _family.fetch

                async def own(self) -> None:
                    """Its own method."""
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n == "handlepkg" or n.startswith("handlepkg.")]:
        del sys.modules[name]


def load(package: Path, extension: Any) -> Any:
    return griffe.load(
        "handlepkg", search_paths=[package], extensions=griffe.load_extensions(extension)
    )


def test_a_bound_method_is_documented_as_its_function(package: Path) -> None:
    handle = load(package, tool("bound_methods").BoundMethods)["Handle"]
    fetch = handle.members["fetch"]
    assert fetch.is_alias
    assert fetch.target_path == "handlepkg._family.fetch"
    assert fetch.is_function
    assert "GET /v0/items/{id}" in fetch.docstring.value
    assert handle.members["limit"].is_attribute  # a plain value stays an attribute
    assert not handle.members["own"].is_alias  # a method of its own stays as it is


def test_without_the_extension_the_method_is_an_attribute(package: Path) -> None:
    handle = griffe.load("handlepkg", search_paths=[package])["Handle"]
    assert handle.members["fetch"].is_attribute


def test_sphinx_roles_become_links_to_public_names_or_code() -> None:
    roles = tool("sphinx_roles").SphinxRoles()
    docstring = (
        "See :class:`~airtable_enterprise.AsyncApi`, :meth:`Enterprise.users`, "
        ":func:`airtable_enterprise.audit.log.build_query` and :class:`httpx.Timeout`."
    )
    obj = griffe.Class("Example", docstring=griffe.Docstring(docstring))
    roles.on_instance(obj=obj, node=None, agent=None)
    assert obj.docstring is not None
    assert obj.docstring.value == (
        "See [`AsyncApi`][airtable_enterprise.AsyncApi], "
        "[`Enterprise.users`][airtable_enterprise.Enterprise.users], "
        "`airtable_enterprise.audit.log.build_query` and `httpx.Timeout`."
    )
