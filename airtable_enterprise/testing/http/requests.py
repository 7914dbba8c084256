"""What a handler sees of a request: path parameters, query, JSON body and caller,
with the validation helpers that turn bad input into Airtable's 422."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attrs

from .._wire import invalid_request

__all__ = ["Body", "Call", "Caller"]

_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}


@attrs.frozen
class Caller:
    """Who sent the request: the token's user and the request's origin (audit ``origin``),
    the kind of token (``"pat"`` or ``"oauth"``) and its scopes (``None``: every scope)."""

    user_id: str
    token_id: str | None = None
    ip_address: str = "127.0.0.1"
    user_agent: str = ""
    token_kind: str = "pat"
    scopes: frozenset[str] | None = None


class Body:
    """A JSON object body with typed, validated field access (422 on any mismatch)."""

    def __init__(self, data: object, allowed: Collection[str]) -> None:
        if not isinstance(data, dict):
            raise invalid_request("the body must be a JSON object")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise invalid_request(f"unknown field {unknown[0]!r}")
        self.data: dict[str, Any] = data

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def string(self, name: str, *, required: bool = False, choices: Collection[str] = ()) -> Any:
        value = self.data.get(name)
        if value is None:
            if required:
                raise invalid_request(f"{name} is required")
            return None
        if not isinstance(value, str) or not value:
            raise invalid_request(f"{name} must be a non-empty string")
        if choices and value not in choices:
            raise invalid_request(f"{name} must be one of {sorted(choices)}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            raise invalid_request(f"{name} must be a boolean")
        return value

    def integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_request(f"{name} must be an integer")
        return value

    def list(
        self, name: str, *, required: bool = True, limit: int | None = None
    ) -> builtins.list[Any]:
        value = self.data.get(name)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise invalid_request(f"{name} must be an array")
        if limit is not None and len(value) > limit:
            raise invalid_request(f"{name} accepts at most {limit} items")
        return value

    def strings(self, name: str, *, limit: int | None = None) -> builtins.list[str]:
        values = self.list(name, limit=limit)
        if not all(isinstance(v, str) and v for v in values):
            raise invalid_request(f"{name} must be an array of strings")
        return values


@attrs.frozen
class Call:
    """One request as a handler sees it."""

    path: Mapping[str, str]
    query: Sequence[tuple[str, str]]
    json: object
    caller: Caller

    def values(self, name: str) -> list[str]:
        """Every value of ``name`` or ``name[]`` (both encodings are sent, REFERENCE §1.6)."""
        return [v for k, v in self.query if k in (name, f"{name}[]")]

    def include(self, allowed: Collection[str]) -> set[str]:
        values = set(self.values("include"))
        bad = sorted(values - set(allowed))
        if bad:
            raise invalid_request(f"include does not accept {bad[0]!r}")
        return values

    def flag(self, name: str) -> bool:
        """A query boolean: ``true``/``True``/``1`` (pyairtable sends ``True``, §1.6)."""
        values = self.values(name)
        if not values:
            return False
        if values[-1] in _TRUE:
            return True
        if values[-1] in _FALSE:
            return False
        raise invalid_request(f"{name} must be a boolean")

    def check_query(self, allowed: Collection[str]) -> None:
        for key, _ in self.query:
            if key.removesuffix("[]") not in allowed:
                raise invalid_request(f"unknown parameter {key!r}")

    def body(self, allowed: Collection[str]) -> Body:
        return Body(self.json, allowed)
