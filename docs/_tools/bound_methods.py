"""A griffe extension: methods bound in a class body from functions written elsewhere
(``users = _users.users`` in ``Enterprise``, whose body lives with its API family) are
documented as the functions they are, with their signature and docstring.

Static analysis alone sees such a line as a class attribute; the class at runtime tells
what it holds, and an alias to the function's own path lets griffe render it.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import griffe


class BoundMethods(griffe.Extension):
    """Turn ``name = module.function`` class attributes into aliases of the function."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        runtime = self._runtime_class(cls)
        if runtime is None:
            return
        for name, member in list(cls.members.items()):
            if member.is_alias or not member.is_attribute or name.startswith("_"):
                continue
            value = inspect.getattr_static(runtime, name, None)
            function = getattr(value, "__func__", value)  # staticmethod/classmethod
            if not inspect.isfunction(function) or function.__qualname__.startswith(
                f"{runtime.__qualname__}."
            ):
                continue
            target = f"{function.__module__}.{function.__qualname__}"
            cls.set_member(name, griffe.Alias(name, target, parent=cls))

    @staticmethod
    def _runtime_class(cls: griffe.Class) -> type | None:
        if cls.parent is None or not cls.parent.is_module:
            return None
        try:
            module = importlib.import_module(cls.parent.path)
        except ImportError:
            return None
        value = getattr(module, cls.name, None)
        return value if inspect.isclass(value) else None
