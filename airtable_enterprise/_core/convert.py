"""The one cattrs converter: wire JSON <-> attrs models.

Configured once, for every model:

- an attribute is the snake_case of its wire name (``isSsoRequired`` <-> ``is_sso_required``);
  a field may name its wire key explicitly with ``metadata={"wire": "..."}``;
- ISO 8601 timestamps <-> timezone-aware ``datetime`` (UTC, ``...Z`` with milliseconds out);
- unknown keys are ignored, and the decoded mapping stays reachable as the model's
  ``raw`` attribute (when it declares one), so a field Airtable adds tomorrow is not lost;
- ``None`` is left out when unstructuring optional fields, so output looks like the wire;
- a tolerant reader: an absent key reads as ``null`` for an optional attribute
  (``X | None``), and a ``null`` reads as absent for an attribute with a default (a
  ``null`` list is the empty tuple, a ``null`` object its default);
- strict about present-but-wrong types: ``str``, ``bool``, ``int`` and ``float`` are
  never coerced (``"false"`` is not a bool, ``null`` is not the string ``"None"``);
  the error names the field (``$.users[0].isAdmin``), see :func:`describe_error`.

Models of every family get all of this by being attrs classes: declare ``X | None``
for what the wire may leave out or send as null, give containers a default (``= ()``),
and leave the rest required. A hand-written hook (as ``models/audit.py`` has for speed)
must apply the same checks itself.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

__all__ = [
    "EMPTY_RAW",
    "converter",
    "describe_error",
    "format_datetime",
    "parse_datetime",
    "salvage",
    "wire_name",
]

T = TypeVar("T")

#: The ``raw`` of a model built in code rather than decoded from the wire.
EMPTY_RAW: Mapping[str, Any] = MappingProxyType({})

_WORD_BOUNDARY = re.compile(r"_([a-z0-9])")


@cache
def wire_name(attribute_name: str) -> str:
    """``is_sso_required`` -> ``isSsoRequired``."""
    return _WORD_BOUNDARY.sub(lambda m: m.group(1).upper(), attribute_name)


def parse_datetime(value: object) -> datetime:
    """A timezone-aware ``datetime`` from Airtable's ISO 8601 (``2019-01-03T12:33:12.421Z``)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """Airtable's form: UTC, milliseconds, ``Z`` (``2019-01-03T12:33:12.421Z``)."""
    if value.tzinfo is None:
        value = value.astimezone()  # a naive datetime means local time
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _wire_key(attribute: attrs.Attribute[Any]) -> str:
    return str(attribute.metadata.get("wire") or wire_name(attribute.name))


_WIRE_TYPE_NAMES = {type(None): "null", str: "a string", bool: "a boolean", dict: "an object"}


def _wire_type(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return _WIRE_TYPE_NAMES.get(type(value), "a list" if isinstance(value, list) else "a value")


def _strict_str(value: object, _: object) -> str:
    if type(value) is str:
        return value
    raise TypeError(f"expected a string, got {_wire_type(value)}")


def _strict_bool(value: object, _: object) -> bool:
    if type(value) is bool:
        return value
    raise TypeError(f"expected a boolean, got {_wire_type(value)}")


def _strict_int(value: object, _: object) -> int:
    if type(value) is int:
        return value
    raise TypeError(f"expected an integer, got {_wire_type(value)}")


def _strict_float(value: object, _: object) -> float:
    if type(value) is float or type(value) is int:
        return float(value)
    raise TypeError(f"expected a number, got {_wire_type(value)}")


def _allows_none(annotation: object) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(annotation)


def describe_error(exc: BaseException) -> str:
    """What went wrong structuring a response, naming the field (``... @ $.users[0].email``)."""
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, format_exception=_format_exception))
    return f"{type(exc).__name__}: {exc}"


def _format_exception(exc: BaseException, typ: type | None) -> str:
    if isinstance(exc, TypeError) and " got " in str(exc):
        return str(exc)  # the hooks' own words: "expected a string, got null"
    return format_exception(exc, typ)


def salvage(data: object, cls: type[T]) -> T:
    """What can be read of ``data`` as ``cls``, field by field: a field that does not
    convert gets its default (or ``None``). For the answer of a write the server
    already applied, which must never be reported as a failure."""
    fields = attrs.fields(attrs.resolve_types(cls))  # type: ignore[type-var,arg-type]
    wire = data if isinstance(data, Mapping) else {}
    values: dict[str, Any] = {}
    for a in fields:
        if not a.init:
            continue
        value = wire.get(_wire_key(a))
        try:
            values[a.name] = converter.structure(value, a.type)
        except Exception:
            if attrs.has(a.type) and isinstance(value, Mapping):
                values[a.name] = salvage(value, a.type)
            elif isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                values[a.name] = a.default.factory()
            else:
                values[a.name] = None if a.default is attrs.NOTHING else a.default
    instance = cls(**values)
    if any(a.name == "raw" for a in fields):
        object.__setattr__(instance, "raw", wire)
    return instance


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    conv.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)

    def structure_factory(cls: type[Any]) -> Callable[[Mapping[str, Any], type[Any]], Any]:
        fields = attrs.fields(attrs.resolve_types(cls))
        overrides = {
            a.name: (override(omit=True) if a.name == "raw" else override(rename=_wire_key(a)))
            for a in fields
        }
        base = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
        keeps_raw = any(a.name == "raw" for a in fields)
        # Tolerant reader: absent optional keys read as null; null reads as absent
        # where there is a default (a null list is empty, a null object its default).
        may_be_absent = tuple(
            _wire_key(a)
            for a in fields
            if a.name != "raw" and a.default is attrs.NOTHING and _allows_none(a.type)
        )
        null_is_absent = frozenset(
            _wire_key(a)
            for a in fields
            if a.name != "raw" and a.default is not attrs.NOTHING and not _allows_none(a.type)
        )
        setter = object.__setattr__

        def structure(data: Mapping[str, Any], typ: type[Any]) -> Any:
            if not isinstance(data, Mapping):
                raise TypeError(f"expected an object, got {_wire_type(data)}")
            wire = data
            if any(key not in data for key in may_be_absent):
                wire = {**dict.fromkeys(may_be_absent), **data}
            if null_is_absent and any(wire.get(key, 0) is None for key in null_is_absent):
                wire = {k: v for k, v in wire.items() if not (v is None and k in null_is_absent)}
            instance = base(wire, typ)
            if keeps_raw:
                setter(instance, "raw", data)
            return instance

        return structure

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        overrides = {
            a.name: (
                override(omit=True)
                if a.name == "raw"
                else override(rename=_wire_key(a), omit_if_default=a.default is None)
            )
            for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


#: The converter every model goes through.
converter: cattrs.Converter = _make_converter()
