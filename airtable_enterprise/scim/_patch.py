"""The SCIM PATCH body (RFC 7644 §3.5.2), built from typed operations.

```python
patch = ScimPatch().replace("title", "Manager").replace("active", False)
await api.scim.patch_user("usr...", patch)
```
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal, Self

import attrs

from .._core.text import check_json, check_text
from .._core.validate import check_email, check_id
from ..errors import InvalidInputError
from ..models.scim import SCHEMA_ENTERPRISE_USER, SCHEMA_PATCH_OP

__all__ = ["PatchOperation", "ScimPatch", "member_filter_path"]

Op = Literal["add", "replace", "remove"]
_OPS = ("add", "replace", "remove")


def member_filter_path(user_id: str) -> str:
    """``members[value eq "usr..."]``: the path that selects one member (RFC 7644 §3.5.2.2)."""
    return f"members[value eq {json.dumps(user_id)}]"


@attrs.frozen
class PatchOperation:
    """One PATCH operation: ``op`` on ``path`` (``None``: the resource itself) with ``value``.

    ``remove`` takes a path and no value; ``add`` and ``replace`` need a value.
    """

    op: Op
    path: str | None = None
    value: Any = None

    def __attrs_post_init__(self) -> None:
        if self.op not in _OPS:
            raise InvalidInputError("op", self.op, "must be 'add', 'replace' or 'remove'")
        if self.path is not None:
            check_text("path", self.path)
        if self.op == "remove":
            if self.path is None:
                raise InvalidInputError("path", None, "a 'remove' operation needs a path")
        elif self.value is None:
            raise InvalidInputError("value", None, f"an {self.op!r} operation needs a value")
        elif self.path is None and not isinstance(self.value, dict):
            raise InvalidInputError(
                "value", self.value, "without a path the value must be an object of attributes"
            )
        # Checked here, before the limiter lets a request go: JSON cannot carry NaN,
        # dates, sets, bytes or objects, and httpx would fail only while sending.
        check_json("value", self.value)
        if self.op != "remove":
            _check_names(self.path, self.value)

    def to_wire(self) -> dict[str, Any]:
        """The operation as RFC 7644 JSON (``{"op", "path"?, "value"?}``)."""
        wire: dict[str, Any] = {"op": self.op}
        if self.path is not None:
            wire["path"] = self.path
        if self.op != "remove":
            wire["value"] = self.value
        return wire


class ScimPatch:
    """A list of :class:`PatchOperation`, applied by the server in order.

    Each method appends one operation and returns the builder, so calls chain.
    ``body()`` is the PatchOp JSON sent by ``patch_user``/``patch_group``.
    """

    def __init__(self, operations: Iterable[PatchOperation] = ()) -> None:
        self.operations: list[PatchOperation] = []
        for operation in operations:
            if not isinstance(operation, PatchOperation):
                raise InvalidInputError(
                    "operations", operation, "must be PatchOperation items (or use ScimPatch)"
                )
            self.operations.append(operation)

    def __repr__(self) -> str:
        return f"ScimPatch({self.operations!r})"

    def __len__(self) -> int:
        return len(self.operations)

    def add(self, path: str | None, value: Any) -> Self:
        """Append ``add`` of ``value`` at ``path`` (multi-valued attributes gain items)."""
        self.operations.append(PatchOperation("add", path, value))
        return self

    def replace(self, path: str | None, value: Any) -> Self:
        """Append ``replace`` of ``path`` by ``value``."""
        self.operations.append(PatchOperation("replace", path, value))
        return self

    def remove(self, path: str) -> Self:
        """Append ``remove`` of ``path`` (a filter such as ``members[value eq "..."]`` allowed)."""
        self.operations.append(PatchOperation("remove", path))
        return self

    # -------------------------------------------------------- typed shortcuts

    def set_active(self, active: bool) -> Self:
        """``replace active``: ``False`` deactivates, ``True`` reactivates."""
        if not isinstance(active, bool):
            raise InvalidInputError("active", active, "must be True or False")
        return self.replace("active", active)

    def set_name(self, *, given_name: str | None = None, family_name: str | None = None) -> Self:
        """``replace name.givenName`` / ``name.familyName`` (those given)."""
        for path, value in (("name.givenName", given_name), ("name.familyName", family_name)):
            if value is not None:
                self.replace(path, check_text(path, value))
        return self

    def set_enterprise(self, **fields: str | None) -> Self:
        """``replace`` (or ``remove`` for ``None``) fields of the enterprise extension,
        e.g. ``set_enterprise(department="Sales", employeeNumber="42")``."""
        for name, value in fields.items():
            path = f"{SCHEMA_ENTERPRISE_USER}:{name}"
            if value is None:
                self.remove(path)
            else:
                self.replace(path, check_text(name, value))
        return self

    def add_members(self, user_ids: Iterable[str]) -> Self:
        """``add members``: the users (``usr...``) join the group."""
        ids = [check_id("user_ids", user_id, "usr") for user_id in user_ids]
        if ids:
            self.add("members", [{"value": user_id} for user_id in ids])
        return self

    def remove_members(self, user_ids: Iterable[str]) -> Self:
        """``remove members[value eq "usr..."]``, one operation per user."""
        for user_id in user_ids:
            self.remove(member_filter_path(check_id("user_ids", user_id, "usr")))
        return self

    def rename(self, display_name: str) -> Self:
        """``replace displayName`` (a group's name; must stay unique)."""
        return self.replace("displayName", check_text("display_name", display_name))

    def body(self) -> dict[str, Any]:
        """The PatchOp JSON: ``{"schemas": [PatchOp], "Operations": [...]}``."""
        if not self.operations:
            raise InvalidInputError("operations", [], "a PATCH needs at least one operation")
        return {
            "schemas": [SCHEMA_PATCH_OP],
            "Operations": [operation.to_wire() for operation in self.operations],
        }


#: Attributes holding a name or a label (lower-cased paths): no controls or bidi characters,
#: whichever way the PATCH names them (``set_name`` or ``replace("name.givenName", ...)``).
_NAME_PATHS = frozenset(
    {"name.givenname", "name.familyname", "name.formatted", "displayname", "nickname", "title"}
)


def _check_names(path: str | None, value: object) -> None:
    """Refuse names with controls or bidi characters in a generic operation too."""
    if path is None or path.casefold() in ("name", SCHEMA_ENTERPRISE_USER.casefold()):
        if isinstance(value, dict):  # an object of attributes: check each
            prefix = "" if path is None else f"{path}{'.' if path.casefold() == 'name' else ':'}"
            for key, item in value.items():
                _check_names(f"{prefix}{key}", item)
        return
    lowered = path.casefold()
    if lowered == "username":
        check_email(path, value)
    elif lowered in _NAME_PATHS or (
        lowered.startswith(SCHEMA_ENTERPRISE_USER.casefold() + ":") and isinstance(value, str)
    ):
        check_text(path, value)
