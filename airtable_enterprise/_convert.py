"""The one cattrs converter: wire JSON <-> attrs models.

Configured once, for every model:

- an attribute is the snake_case of its wire name (``isSsoRequired`` <-> ``is_sso_required``);
  a field may name its wire key explicitly with ``metadata={"wire": "..."}``;
- ISO 8601 timestamps <-> timezone-aware ``datetime`` (UTC, ``...Z`` with milliseconds out);
- unknown keys are ignored, and the decoded mapping stays reachable as the model's
  ``raw`` attribute (when it declares one), so a field Airtable adds tomorrow is not lost;
- ``None`` is left out when unstructuring optional fields, so output looks like the wire.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = ["EMPTY_RAW", "converter", "format_datetime", "parse_datetime", "wire_name"]

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


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)
    conv.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
    conv.register_unstructure_hook(datetime, format_datetime)

    def structure_factory(cls: type[Any]) -> Callable[[Mapping[str, Any], type[Any]], Any]:
        fields = attrs.fields(cls)
        overrides = {
            a.name: (override(omit=True) if a.name == "raw" else override(rename=_wire_key(a)))
            for a in fields
        }
        base = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
        if not any(a.name == "raw" for a in fields):
            return base
        setter = object.__setattr__

        def structure_keeping_raw(data: Mapping[str, Any], typ: type[Any]) -> Any:
            instance = base(data, typ)
            setter(instance, "raw", data)
            return instance

        return structure_keeping_raw

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
