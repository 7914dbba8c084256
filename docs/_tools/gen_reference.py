"""Writes the API reference pages at build time (mkdocs-gen-files), from the code.

Every name in ``airtable_enterprise.__all__`` and ``airtable_enterprise.testing.__all__``
gets rendered, grouped into one page per module that defines it; the other names in that
module's own ``__all__`` (the types it hands out, such as ``RequestStats``) join that
module's page, and the pytest plugin's fixtures get a page. A name or module added to
the code appears here with no edit to the site.
"""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict
from types import ModuleType

import mkdocs_gen_files
from mkdocs_gen_files.nav import Nav

#: The public namespaces: every name in their ``__all__`` is rendered.
NAMESPACES = ("airtable_enterprise", "airtable_enterprise.testing")
#: Modules rendered whole: the pytest plugin, whose fixtures are its public names.
WHOLE_MODULES = ("airtable_enterprise.testing.pytest_plugin",)


def home(namespace: ModuleType, name: str) -> str:
    """The module that defines ``namespace.name`` (values: the namespace itself)."""
    value = getattr(namespace, name)
    module = getattr(value, "__module__", None)
    if (inspect.isclass(value) or inspect.isfunction(value)) and module:
        return str(module)
    return namespace.__name__


def title(module_name: str) -> str:
    """``airtable_enterprise._core.retry`` -> ``core.retry``; the package itself -> ``package``."""
    short = module_name.removeprefix("airtable_enterprise").strip(".")
    return ".".join(part.lstrip("_") for part in short.split(".")) or "package"


def summary(module_name: str) -> str:
    """The first paragraph of a module's docstring."""
    doc = inspect.getdoc(importlib.import_module(module_name)) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def pages() -> dict[str, list[str]]:
    """Defining module -> the dotted paths its page renders."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for namespace_name in NAMESPACES:
        namespace = importlib.import_module(namespace_name)
        for name in sorted(namespace.__all__, key=str.lower):
            grouped[home(namespace, name)].append(f"{namespace_name}.{name}")
    # The other names of a defining module's own __all__ (the types its public names hand
    # out, such as RequestStats or WorkspaceRestrictions) join that module's page; not
    # those of private modules (_retry's pure decisions are internals).
    rendered = {path.rpartition(".")[2] for paths in grouped.values() for path in paths}
    for module_name, paths in grouped.items():
        if any(part.startswith("_") for part in module_name.split(".")):
            continue
        module = importlib.import_module(module_name)
        for name in sorted(set(getattr(module, "__all__", ())) - rendered, key=str.lower):
            paths.append(f"{module_name}.{name}")
    for module_name in WHOLE_MODULES:
        grouped[module_name].append(module_name)
    return dict(grouped)


def main() -> None:
    nav = Nav()  # type: ignore[no-untyped-call]
    index = ["# API reference", "", "Every public name, generated from the code.", ""]
    index += ["| name | page |", "|---|---|"]
    for module_name, paths in sorted(pages().items(), key=lambda item: title(item[0])):
        page = f"{title(module_name)}.md"
        nav[title(module_name)] = page
        lines = [f"# {title(module_name)}", "", summary(module_name), ""]
        for path in paths:
            lines += [f"::: {path}", ""]
            index.append(f"| [`{path}`][{path}] | [{title(module_name)}]({page}) |")
        with mkdocs_gen_files.open(f"reference/{page}", "w") as out:
            out.write("\n".join(lines))
        mkdocs_gen_files.set_edit_path(f"reference/{page}", "_tools/gen_reference.py")
    with mkdocs_gen_files.open("reference/index.md", "w") as out:
        out.write("\n".join(index) + "\n")
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as out:
        out.write("* [Overview](index.md)\n")
        out.writelines(nav.build_literate_nav())


main()
