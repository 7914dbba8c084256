"""Audit log events: ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogEvents`` (REFERENCE §8)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import attrs

from .._core.convert import EMPTY_RAW, converter, parse_datetime
from ..errors import ResponseValidationError
from ._base import raw_field

__all__ = [
    "AuditLogActor",
    "AuditLogContext",
    "AuditLogEvent",
    "AuditLogOrigin",
    "AuditLogPage",
    "AuditLogPagination",
    "AuditLogResponse",
    "AuditLogUser",
]


@attrs.frozen(kw_only=True)
class AuditLogUser:
    """``actor.user`` of an event started by a user: ``{id, email, name?}``."""

    id: str
    email: str | None = None
    name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogActor:
    """``actor``: who started the event.

    ``type`` is ``user``, ``formSubmission``, ``automation``, ``system``, ``sync``,
    ``anonymousUser`` or ``unknown`` (kept as a plain string: Airtable may add types).
    ``user`` is set for ``user``, ``view_id`` for ``formSubmission`` and
    ``automation_id`` for ``automation``.
    """

    type: str
    user: AuditLogUser | None = None
    view_id: str | None = None
    automation_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogContext:
    """``context``: where the event happened."""

    action_id: str
    enterprise_account_id: str
    base_id: str | None = None
    workspace_id: str | None = None
    interface_id: str | None = None
    descendant_enterprise_account_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogOrigin:
    """``origin``: the request behind the event (IP, user agent, session or token)."""

    ip_address: str | None = None
    user_agent: str | None = None
    session_id: str | None = None
    personal_access_token_id: str | None = None
    oauth_access_token_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogEvent:
    """One audit log event (the ``events[]`` item of ``auditLogEvents``).

    ``payload`` stays a mapping: its shape depends on ``action`` and ``payload_version``.
    Decoded from the wire, an event builds ``actor``, ``context`` and ``origin`` the
    first time one of them is read (their keys are checked when the page is decoded):
    a consumer that forwards ``raw`` or reads only the top-level fields never pays for
    them.
    The spec's names are properties: :attr:`event_type`, :attr:`event_time`,
    :attr:`originating_user_id`.
    """

    id: str
    timestamp: datetime
    action: str
    actor: AuditLogActor
    model_id: str
    model_type: str
    payload: Mapping[str, Any]
    payload_version: str
    context: AuditLogContext
    origin: AuditLogOrigin
    raw: Mapping[str, Any] = raw_field()

    if not TYPE_CHECKING:  # hidden from type checkers: a typo must stay an error there

        def __getattr__(self, name: str) -> Any:
            # Only reached for an empty slot: the wire hook leaves these to be built here.
            if name not in _DEFERRED:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            try:
                _build_deferred(self)
            except TypeError as exc:  # an optional string of the wrong type (see below)
                raise ResponseValidationError(
                    f"audit event {self.id!r}: {exc}",
                    method="GET",
                    path="/v0/meta/enterpriseAccounts/{id}/auditLogEvents",
                ) from None
            return getattr(self, name)

    @property
    def event_type(self) -> str:
        """The spec's name for :attr:`action` (``createBase``...)."""
        return self.action

    @property
    def event_time(self) -> datetime:
        """The spec's name for :attr:`timestamp`."""
        return self.timestamp

    @property
    def originating_user_id(self) -> str | None:
        """The ID of the user who started the event, or ``None`` for other actors."""
        user = self.actor.user
        return user.id if user is not None else None


@attrs.frozen(kw_only=True)
class AuditLogPagination:
    """``pagination``: ``previous`` (older events exist) and ``next`` (newer ones)."""

    next: str | None = None
    previous: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogResponse:
    """The body of ``GET .../auditLogEvents``: ``{events, pagination}``."""

    events: tuple[AuditLogEvent, ...] = ()
    pagination: AuditLogPagination = attrs.field(factory=AuditLogPagination)
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogPage:
    """One page yielded by :meth:`Enterprise.audit_log`.

    - ``events``: in the requested order.
    - ``pagination``: the API's cursors for this page (empty for a merged page).
    - ``cursor``: where to resume once this page is processed: pass it back as
      ``resume=`` with the same query. ``None`` means the walk is complete.
    - ``response``: the API response behind this page; ``None`` for a page merged
      from several cursor chains (filters over 100 values, ``parallel``).

    :meth:`cursor_after` is the checkpoint after one event of the page, for a
    consumer that saves its position event by event.
    """

    events: tuple[AuditLogEvent, ...]
    pagination: AuditLogPagination
    cursor: str | None
    response: AuditLogResponse | None = None
    #: Builds the checkpoint after one of ``events`` (set by the walk that made the
    #: page, with :meth:`with_checkpoints`; not part of the model's data).
    checkpoints: Callable[[AuditLogEvent], str | None] | None = attrs.field(
        init=False, default=None, repr=False, eq=False
    )

    def with_checkpoints(self, checkpoints: Callable[[AuditLogEvent], str | None]) -> Self:
        """This page, able to give the checkpoint after any of its events."""
        object.__setattr__(self, "checkpoints", checkpoints)
        return self

    def cursor_after(self, index: int) -> str | None:
        """The checkpoint once ``events[: index + 1]`` are processed: resuming from it
        (``resume=``, same query) continues at ``events[index + 1]``, each event once.
        ``index == len(events) - 1`` (or ``-1`` on an empty page) gives :attr:`cursor`."""
        if index == len(self.events) - 1:
            return self.cursor
        if not 0 <= index < len(self.events):
            raise IndexError(f"no event {index} in a page of {len(self.events)}")
        if self.checkpoints is None:
            raise ValueError("this page was not made by a walk: it has no per-event checkpoints")
        return self.checkpoints(self.events[index])

    @property
    def raw(self) -> Mapping[str, Any]:
        """The decoded response body (empty for a merged page)."""
        return self.response.raw if self.response is not None else EMPTY_RAW


# --------------------------------------------------------------------------- fast hooks
#
# An audit log page holds up to 1,000 events of five objects each, so the generic
# cattrs hooks (a keyword call to each frozen ``__init__`` plus the ``raw`` wrapper)
# cost about 3x ``json.loads`` of the same bytes. These hooks, registered on the one
# converter, build the same objects directly: wire names, optional keys and ``raw``
# exactly as the generic hooks do (``tests/audit/test_models.py`` checks that the two
# agree). Attributes are set through ``object.__setattr__``, as attrs' own frozen
# ``__init__`` does; these classes have no validators or converters to skip.

_new = object.__new__
_set = object.__setattr__


def _structure_user(data: Mapping[str, Any]) -> AuditLogUser:
    get = data.get
    email, name = get("email"), get("name")
    if not ((email is None or type(email) is str) and (name is None or type(name) is str)):
        _strings("actor.user", data, ("id",), _USER_STRINGS)
    user = _new(AuditLogUser)
    _set(user, "id", data["id"])
    _set(user, "email", email)
    _set(user, "name", name)
    _set(user, "raw", data)
    return user


def _structure_actor(data: Mapping[str, Any], _: object = None) -> AuditLogActor:
    get = data.get
    user = get("user")
    view_id, automation_id = get("viewId"), get("automationId")
    if not (
        (view_id is None or type(view_id) is str)
        and (automation_id is None or type(automation_id) is str)
    ):
        _strings("actor", data, ("type",), _ACTOR_STRINGS)
    actor = _new(AuditLogActor)
    _set(actor, "type", data["type"])
    _set(actor, "user", _structure_user(user) if user is not None else None)
    _set(actor, "view_id", view_id)
    _set(actor, "automation_id", automation_id)
    _set(actor, "raw", data)
    return actor


def _structure_context(data: Mapping[str, Any], _: object = None) -> AuditLogContext:
    get = data.get
    base_id, workspace_id = get("baseId"), get("workspaceId")
    interface_id, descendant_id = get("interfaceId"), get("descendantEnterpriseAccountId")
    if not (
        (base_id is None or type(base_id) is str)
        and (workspace_id is None or type(workspace_id) is str)
        and (interface_id is None or type(interface_id) is str)
        and (descendant_id is None or type(descendant_id) is str)
    ):
        _strings("context", data, _CONTEXT_REQUIRED, _CONTEXT_STRINGS)
    context = _new(AuditLogContext)
    _set(context, "action_id", data["actionId"])
    _set(context, "enterprise_account_id", data["enterpriseAccountId"])
    _set(context, "base_id", base_id)
    _set(context, "workspace_id", workspace_id)
    _set(context, "interface_id", interface_id)
    _set(context, "descendant_enterprise_account_id", descendant_id)
    _set(context, "raw", data)
    return context


def _structure_origin(data: Mapping[str, Any], _: object = None) -> AuditLogOrigin:
    get = data.get
    ip_address, user_agent, session_id = get("ipAddress"), get("userAgent"), get("sessionId")
    token_id, oauth_id = get("personalAccessTokenId"), get("oauthAccessTokenId")
    if not (
        (ip_address is None or type(ip_address) is str)
        and (user_agent is None or type(user_agent) is str)
        and (session_id is None or type(session_id) is str)
        and (token_id is None or type(token_id) is str)
        and (oauth_id is None or type(oauth_id) is str)
    ):
        _strings("origin", data, (), _ORIGIN_STRINGS)
    origin = _new(AuditLogOrigin)
    _set(origin, "ip_address", ip_address)
    _set(origin, "user_agent", user_agent)
    _set(origin, "session_id", session_id)
    _set(origin, "personal_access_token_id", token_id)
    _set(origin, "oauth_access_token_id", oauth_id)
    _set(origin, "raw", data)
    return origin


def _is_object(value: object) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def _strings(
    part: str, data: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    """The converter's strictness for a hand-built object: ``required`` keys hold
    strings, ``optional`` keys hold strings or null (or are absent)."""
    for key in required:
        if type(data.get(key)) is not str:
            raise TypeError(f"{part}.{key} must be a string, got {_wire_name(data.get(key))}")
    for key in optional:
        value = data.get(key)
        if value is not None and type(value) is not str:
            raise TypeError(f"{part}.{key} must be a string or null, got {_wire_name(value)}")


def _wire_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


_EVENT_STRINGS = ("id", "action", "modelId", "modelType", "payloadVersion")
_ACTOR_STRINGS = ("viewId", "automationId")
_USER_STRINGS = ("email", "name")
_CONTEXT_REQUIRED = ("actionId", "enterpriseAccountId")
_CONTEXT_STRINGS = ("baseId", "workspaceId", "interfaceId", "descendantEnterpriseAccountId")
_ORIGIN_STRINGS = (
    "ipAddress",
    "userAgent",
    "sessionId",
    "personalAccessTokenId",
    "oauthAccessTokenId",
)


def _check_deferred(data: Mapping[str, Any]) -> None:
    """Raise as building ``actor``, ``context`` and ``origin`` would, without building them."""
    actor, context, origin = data["actor"], data["context"], data["origin"]
    if not (_is_object(actor) and _is_object(context) and _is_object(origin)):
        raise TypeError("actor, context and origin must be objects")
    user = actor.get("user")
    # The required keys, present and strings, in one expression; _explain says what is
    # wrong. The optional strings are checked when the objects are first built (first
    # read): checking them here cost ~40% of a page's conversion.
    try:
        valid = (
            type(actor["type"]) is str
            and type(context["actionId"]) is str
            and type(context["enterpriseAccountId"]) is str
            and (user is None or (type(user) is dict and type(user["id"]) is str))
        )
    except (KeyError, TypeError):
        valid = False
    if not valid:
        _explain(data)


def _explain(data: Mapping[str, Any]) -> None:
    actor, context, origin = data["actor"], data["context"], data["origin"]
    user = actor.get("user")
    if user is not None and not _is_object(user):
        raise TypeError(f"actor.user must be an object, got {type(user).__name__}")
    for part, found, key in (
        ("actor", actor, "type"),
        ("context", context, "actionId"),
        ("context", context, "enterpriseAccountId"),
        ("actor.user", user, "id"),
    ):
        if found is not None and key not in found:
            raise KeyError(f"{part}.{key}")
    _strings("actor", actor, ("type",), _ACTOR_STRINGS)
    if user is not None:
        _strings("actor.user", user, ("id",), _USER_STRINGS)
    _strings("context", context, _CONTEXT_REQUIRED, _CONTEXT_STRINGS)
    _strings("origin", origin, (), _ORIGIN_STRINGS)


#: The parts :meth:`AuditLogEvent.__getattr__` builds, together, when one is first read.
_DEFERRED = frozenset({"actor", "context", "origin"})


def _build_deferred(event: AuditLogEvent) -> None:
    raw = event.raw
    # The optional strings are checked by the part hooks, inline: a wrong type raises
    # TypeError naming the field (the required ones were checked at decode).
    _set(event, "actor", _structure_actor(raw["actor"]))
    _set(event, "context", _structure_context(raw["context"]))
    _set(event, "origin", _structure_origin(raw["origin"]))


def _structure_event(data: Mapping[str, Any], _: object = None) -> AuditLogEvent:
    # actor, context and origin are left empty: AuditLogEvent.__getattr__ builds them
    # when one is first read. A 1,000-event page is then ~1,000 objects instead of ~5,000:
    # a third of the CPU, and far less for the garbage collector to walk while pages
    # wait in read-ahead buffers.
    payload = data["payload"]
    if payload is None:
        payload = EMPTY_RAW  # tolerant reader: a null object reads as empty
    elif not isinstance(payload, Mapping):
        raise TypeError(f"payload must be an object, got {type(payload).__name__}")
    _check_deferred(data)
    event_id, action, model_id = data["id"], data["action"], data["modelId"]
    model_type, version = data["modelType"], data["payloadVersion"]
    if not (
        type(event_id) is str
        and type(action) is str
        and type(model_id) is str
        and type(model_type) is str
        and type(version) is str
    ):
        _strings("event", data, _EVENT_STRINGS, ())
    event = _new(AuditLogEvent)
    _set(event, "id", event_id)
    _set(event, "timestamp", parse_datetime(data["timestamp"]))
    _set(event, "action", action)
    _set(event, "model_id", model_id)
    _set(event, "model_type", model_type)
    _set(event, "payload", payload)
    _set(event, "payload_version", version)
    _set(event, "raw", data)
    return event


def _structure_events(data: Any, _: object = None) -> tuple[AuditLogEvent, ...]:
    return tuple([_structure_event(item) for item in data])


converter.register_structure_hook(AuditLogActor, _structure_actor)
converter.register_structure_hook(AuditLogContext, _structure_context)
converter.register_structure_hook(AuditLogOrigin, _structure_origin)
converter.register_structure_hook(AuditLogEvent, _structure_event)
converter.register_structure_hook_func(
    lambda cls: cls == tuple[AuditLogEvent, ...], _structure_events
)
