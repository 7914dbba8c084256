"""The package layout: documented import paths keep working, and imports go one way.

The direction (docs/guides/development.md, "Architecture"): errors <- _core.convert <- models
<- _core <- ratelimit <- api <- the families and their handles (resources, audit, jobs, scim,
workspace, interface) <- enterprise <- cli. The emulator (testing/) uses only the client's
public face (api, models, errors) and ``_core.extras``. Imports inside functions and under
``TYPE_CHECKING`` are the handle factory's one allowed circle and are not counted.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import airtable_enterprise
import airtable_enterprise.testing

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "airtable_enterprise"

#: Layer of each top-level part: a module may import its own layer and those below.
LAYERS = {
    "errors": 0,
    "_version": 0,
    "_core.convert": 1,
    "models": 2,
    "_core": 3,
    "ratelimit": 4,
    "api": 5,
    # The families and the handles they hand out: a family returns handles (the workspace
    # family returns `Workspace`) and a handle binds families (`Base.shares`). Python itself
    # refuses a circle of module-level imports among them.
    "interface": 6,
    "workspace": 6,
    "resources": 6,
    "audit": 6,
    "jobs": 6,
    "scim": 6,
    # The flat public face of the spec: binds every family.
    "enterprise": 7,
    "cli": 8,
    "testing": 8,
    "__init__": 9,
    "__main__": 9,
}
#: Documented exceptions, each with its reason (docs/guides/development.md).
ALLOWED = {
    # The signed-file client needs only _core and errors; AsyncApi owns its lifecycle.
    ("api", "jobs.downloads"),
    # `airtable-enterprise emulator ...` is the emulator's own command line.
    ("cli.emulator", "testing.cli"),
}
#: What the emulator may use of the client.
TESTING_MAY_USE = ("api", "errors", "models", "_core.extras", "testing", "__init__")


def _part(module: str) -> str:
    """``airtable_enterprise._core.retry`` -> ``_core``; ``…._core.convert`` stays whole."""
    rest = module.removeprefix("airtable_enterprise").strip(".")
    if not rest:
        return "__init__"
    if rest.startswith("_core.convert"):
        return "_core.convert"
    return rest.split(".")[0]


def _short(module: str) -> str:
    return module.removeprefix("airtable_enterprise.")


def _module_level_imports(path: Path) -> list[str]:
    """Internal modules ``path`` imports when it is imported (not in functions/TYPE_CHECKING)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    is_package = parts[-1] == "__init__"
    package = list(parts[:-1])
    found: list[str] = []

    def walk(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                walk(node.orelse)
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if module.startswith("airtable_enterprise"):
                    # `from . import errors` imports the module errors.
                    names = [alias.name for alias in node.names]
                    if module == "airtable_enterprise" and names == ["errors"]:
                        module = "airtable_enterprise.errors"
                    found.append(module)
            for field in ("body", "orelse", "finalbody", "handlers"):
                child = getattr(node, field, None)
                if isinstance(child, list) and not isinstance(node, ast.If):
                    walk(child)
                elif isinstance(node, ast.If) and field in ("body", "orelse"):
                    walk(getattr(node, field))

    del is_package
    walk(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def _violations() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        source = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for target in _module_level_imports(path):
            src, dst = _part(source), _part(target)
            if (_short(source), _short(target)) in ALLOWED:
                continue
            if _short(source).startswith("testing.world") and _short(target).startswith(
                ("testing.http", "testing.generate")
            ):
                out.append(f"{source} -> {target} (the world's state is below its wire)")
            if src == "testing":
                if (
                    not any(
                        _short(target) == allowed or _short(target).startswith(allowed + ".")
                        for allowed in TESTING_MAY_USE
                    )
                    and target != "airtable_enterprise"
                ):
                    out.append(f"{source} -> {target} (the emulator uses the public client)")
            elif LAYERS[dst] > LAYERS[src]:
                out.append(f"{source} -> {target} ({src} is below {dst})")
    return out


def test_imports_go_one_way() -> None:
    assert _violations() == []


def test_the_direction_check_sees_an_upward_import(tmp_path: Path) -> None:
    # The checker itself: a module of _core importing the client is reported.
    assert (
        LAYERS[_part("airtable_enterprise._core.retry")] < LAYERS[_part("airtable_enterprise.api")]
    )
    assert _part("airtable_enterprise._core.convert.x") == "_core.convert"
    assert _part("airtable_enterprise") == "__init__"


def test_the_top_levels_stay_small() -> None:
    # At most ~16 modules beside the subpackages; at most ~14 entries at the emulator's top.
    top = [p for p in PACKAGE.iterdir() if p.suffix == ".py"]
    testing = [
        p
        for p in (PACKAGE / "testing").iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    ]
    assert len(top) <= 16, sorted(p.name for p in top)
    assert len(testing) <= 14, sorted(p.name for p in testing)


def test_every_package_says_what_lives_there() -> None:
    for init in sorted(PACKAGE.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.relative_to(ROOT)} has no docstring"


@pytest.mark.parametrize(
    ("namespace", "names"),
    [
        ("airtable_enterprise", airtable_enterprise.__all__),
        ("airtable_enterprise.testing", airtable_enterprise.testing.__all__),
        ("airtable_enterprise.audit", importlib.import_module("airtable_enterprise.audit").__all__),
    ],
)
def test_public_names_keep_their_import_path(namespace: str, names: list[str]) -> None:
    module = importlib.import_module(namespace)
    for name in names:
        assert getattr(module, name) is not None, f"{namespace}.{name}"


_DOC_IMPORT = re.compile(
    r"^\s*from (airtable_enterprise[\w.]*) import \(?([\w, \n]+?)\)?\s*$", re.MULTILINE
)


def _documented_imports() -> list[tuple[str, str, str]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for match in _DOC_IMPORT.finditer(text):
            for name in match.group(2).replace("\n", " ").split(","):
                name = name.strip().split(" as ")[0].strip()
                if name:
                    found.append((doc.relative_to(ROOT).as_posix(), match.group(1), name))
    return found


def test_the_docs_show_imports() -> None:
    # The scan below is not vacuous: the README alone shows several.
    modules = {module for _, module, _ in _documented_imports()}
    assert {"airtable_enterprise", "airtable_enterprise.testing"} <= modules


@pytest.mark.parametrize(
    ("doc", "module", "name"), _documented_imports(), ids=lambda value: str(value)
)
def test_every_import_the_docs_show_works(doc: str, module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name), f"{doc}: from {module} import {name}"


@pytest.mark.parametrize(
    "module",
    [
        "airtable_enterprise.cli",
        "airtable_enterprise.scim.sync",
        "airtable_enterprise.scim.people",
        "airtable_enterprise.testing.pytest_plugin",
    ],
)
def test_documented_modules_import(module: str) -> None:
    importlib.import_module(module)
