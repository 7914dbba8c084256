"""What the API reference is made of: every public name has a docstring, and every public
coroutine method of a handle (a public class declaring its ``url``, as ``Enterprise``,
``Workspace`` and ``Base`` do) names the Airtable endpoint it calls."""

from __future__ import annotations

import inspect
import re

import pytest

import airtable_enterprise

ENDPOINT = re.compile(r"\b(GET|POST|PATCH|PUT|DELETE) /")


def handles() -> list[type]:
    values = [getattr(airtable_enterprise, name) for name in airtable_enterprise.__all__]
    return [value for value in values if inspect.isclass(value) and "url" in vars(value)]


@pytest.mark.parametrize("name", sorted(airtable_enterprise.__all__))
def test_every_public_name_has_a_docstring(name: str) -> None:
    value = getattr(airtable_enterprise, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert inspect.getdoc(value), f"{name} has no docstring"


def test_the_handles_are_found() -> None:
    found = {cls.__name__ for cls in handles()}
    assert {"Enterprise", "Workspace", "Base"} <= found


@pytest.mark.parametrize("cls", handles(), ids=lambda cls: cls.__name__)
def test_every_coroutine_method_names_its_endpoint(cls: type) -> None:
    missing = [
        f"{cls.__name__}.{name}"
        for name, member in vars(cls).items()
        if not name.startswith("_")
        and inspect.iscoroutinefunction(member)
        and not ENDPOINT.search(inspect.getdoc(member) or "")
    ]
    assert not missing, f"docstrings that do not name their Airtable endpoint: {missing}"
