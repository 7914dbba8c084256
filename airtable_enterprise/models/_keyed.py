"""Wire mappings keyed by ID, read as tuples of models that carry the key.

Airtable returns some collections as objects keyed by ID (``descendants`` of an
enterprise or a user, ``interfaces`` of a base: REFERENCE §3.1, §4.1, §7.3). The
models expose them as tuples in wire order, each item holding its key in a named
attribute (``descendant.id``), so they iterate like every other list; the item's
``raw`` stays the value exactly as sent. Their holder has a singular method that
finds one item by its key (:func:`find`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs

from .._core.convert import converter, wire_name

__all__ = ["find", "register_keyed_tuple"]

T = TypeVar("T")


def find(items: Iterable[T] | None, attribute: str, key: str) -> T | None:
    """The item of ``items`` whose ``attribute`` is ``key``, else ``None``.

    The one lookup behind every keyed collection's singular method
    (``user.collaborations.workspace(wsp_id)``, ``user.descendant(ent_id)``,
    ``base.interface(pbd_id)``...): pyairtable hands these out as dicts keyed by ID;
    here they stay tuples in wire order and the singular method finds one by its key.
    """
    for item in items or ():
        if getattr(item, attribute) == key:
            return item
    return None


def register_keyed_tuple(cls: type[T], key_attribute: str, *, key_in_value: bool = False) -> None:
    """Teach the converter that ``tuple[cls, ...]`` comes as ``{key: {...}}`` on the wire.

    Each value is structured into ``cls`` with its key as ``key_attribute``.
    ``key_in_value`` says the wire value repeats the key itself (a base's interfaces),
    so unstructuring keeps it there; otherwise it only appears as the mapping's key.
    """
    field = attrs.fields_dict(cls)[key_attribute]  # type: ignore[arg-type]
    key_wire = str(field.metadata.get("wire") or wire_name(key_attribute))
    keeps_raw = "raw" in attrs.fields_dict(cls)  # type: ignore[arg-type]
    tuple_type: Any = tuple[cls, ...]  # type: ignore[valid-type]

    def structure(data: object, _: object) -> tuple[T, ...]:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object keyed by ID, got {type(data).__name__}")
        items = []
        for key, value in data.items():
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object under {key!r}, got {type(value).__name__}")
            item = converter.structure({**value, key_wire: key}, cls)
            if keeps_raw:
                object.__setattr__(item, "raw", value)
            items.append(item)
        return tuple(items)

    def unstructure(items: tuple[T, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in items:
            value = converter.unstructure(item)
            key = value[key_wire] if key_in_value else value.pop(key_wire)
            out[str(key)] = value
        return out

    converter.register_structure_hook_func(lambda t: t == tuple_type, structure)
    converter.register_unstructure_hook_func(lambda t: t == tuple_type, unstructure)
