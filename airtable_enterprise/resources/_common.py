"""Small pieces shared by the family modules: ``include[]`` pairs, user and account
arguments, and merging the answers of a chunked call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .._core.validate import check_bool, check_id, check_user, is_email
from ..errors import ResponseValidationError
from ..models._base import raw_field
from ..models.users import UserInfo

__all__ = ["CreatedId", "UserRef", "enterprise_id", "include", "merge_answers", "user_item"]

#: A user argument: an ID (``usr...``), an email, or a :class:`UserInfo`.
UserRef = str | UserInfo


@attrs.frozen(kw_only=True)
class CreatedId:
    """The ``{"id": ...}`` answer of a create call."""

    id: str
    raw: Mapping[str, Any] = raw_field()


def include(**flags: bool) -> list[tuple[str, str]]:
    """``include[]`` pairs for the flags that are set (REFERENCE §1.6 bracket syntax)."""
    return [("include[]", name) for name, on in flags.items() if check_bool(name, on)]


def enterprise_id(target: object) -> str:
    """The account ID of ``target``: an :class:`Enterprise` or an ``ent...`` ID."""
    from ..enterprise import Enterprise  # the handle imports this module

    if isinstance(target, Enterprise):
        return target.id
    return check_id("target", target, "ent")


def user_item(argument: str, user: object) -> dict[str, str]:
    """``{"id": ...}`` or ``{"email": ...}``: how claim and grant/revoke name a user."""
    if isinstance(user, UserInfo):
        return {"id": user.id}
    value = check_user(argument, user)
    return {"email": value} if is_email(value) else {"id": value}


def merge_answers(
    answers: Sequence[Any], keys: Sequence[str], *, method: str, path: str
) -> dict[str, list[Any]]:
    """Concatenate the lists under ``keys`` of several JSON answers, in order."""
    merged: dict[str, list[Any]] = {key: [] for key in keys}
    for answer in answers:
        if not isinstance(answer, Mapping):
            raise ResponseValidationError(
                f"expected a JSON object, got {type(answer).__name__}", method=method, path=path
            )
        for key in keys:
            value = answer.get(key, [])
            if not isinstance(value, list):
                raise ResponseValidationError(
                    f"{key!r} is a {type(value).__name__}, not a list", method=method, path=path
                )
            merged[key].extend(value)
    return merged
