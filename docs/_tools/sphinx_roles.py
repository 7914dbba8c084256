"""A griffe extension: the docstrings' Sphinx roles (``:class:`~airtable_enterprise.AsyncApi```)
become site links when they name a public object, and inline code otherwise.

The docstrings are Markdown except for these roles; rewriting them here keeps the code's
docstrings as they are and keeps the site strict (a link is only made when it resolves).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|meth|func|attr|exc|data|mod|obj):`(~?)\.?([\w.]+)(?:\(\))?`")
#: The public namespaces whose ``__all__`` names the reference renders.
PUBLIC_MODULES = ("airtable_enterprise", "airtable_enterprise.testing")


def _public_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            names.setdefault(name, f"{module_name}.{name}")
    return names


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring griffe loads."""

    def __init__(self) -> None:
        super().__init__()
        self.public = _public_names()

    def _target(self, parts: list[str], context: list[str]) -> str | None:
        """The public path of ``parts`` (looked up in ``context``'s classes too), if any."""
        for candidate in (parts, [*context, *parts]):
            for index, part in enumerate(candidate):
                if part in self.public:
                    return self._member_path(self.public[part], candidate[index + 1 :])
        return None

    def _member_path(self, public_path: str, members: list[str]) -> str | None:
        module_name, _, name = public_path.rpartition(".")
        value: Any = getattr(importlib.import_module(module_name), name)
        for member in members:
            if member.startswith("_") or not hasattr(value, member):
                return None
            value = getattr(value, member)
        return ".".join([public_path, *members])

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None or ":`" not in obj.docstring.value:
            return
        # Unqualified roles in a method's docstring name the method's class members.
        context = [obj.parent.name] if obj.parent is not None and obj.parent.is_class else []
        if obj.is_class:
            context = [obj.name]

        def rewrite(match: re.Match[str]) -> str:
            short, dotted = match.groups()
            text = dotted.rpartition(".")[2] if short else dotted
            target = self._target(dotted.split("."), context)
            return f"[`{text}`][{target}]" if target else f"`{text}`"

        obj.docstring.value = ROLE.sub(rewrite, obj.docstring.value)
