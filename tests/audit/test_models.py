from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from airtable_enterprise import (
    AsyncApi,
    AuditLogActor,
    AuditLogContext,
    AuditLogEvent,
    AuditLogOrigin,
    AuditLogResponse,
    ResponseValidationError,
)
from airtable_enterprise._core.convert import _make_converter, converter

from .fake import make_event

FIXTURE = Path(__file__).parent.parent / "fixtures" / "AuditLogEvents.response.json"


def load() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())  # type: ignore[no-any-return]


def test_fixture_structures_every_documented_field() -> None:
    page = converter.structure(load(), AuditLogResponse)
    assert page.pagination.next == "MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ="
    (event,) = page.events
    assert event.id == "01FYFFDE39BDDBC0HWK51R6GPF"
    assert event.timestamp.isoformat() == "2022-02-01T21:25:05.663000+00:00"
    assert event.event_time == event.timestamp
    assert event.action == event.event_type == "createBase"
    assert event.actor.type == "user"
    assert event.actor.user is not None
    assert event.actor.user.name == "Jane Doe"
    assert event.originating_user_id == "usrL2PNC5o3H4lBEi"
    assert (event.model_id, event.model_type) == ("appLkNDICXNqxSDhG", "base")
    assert event.payload == {"name": "My newly created base!"}
    assert event.payload_version == "1.0"
    assert event.context.action_id == "actxr1mLqZz1T35FA"
    assert event.context.interface_id == "pbdyGA3PsOziEHPDE"
    assert event.context.descendant_enterprise_account_id is None
    assert event.origin.session_id == "sesE3ulSADiRNhqAv"
    assert event.origin.personal_access_token_id is None
    assert event.raw == load()["events"][0]


@pytest.mark.parametrize(
    ("actor", "field", "value"),
    [
        ({"type": "formSubmission", "viewId": "viwAAAAAAAAAAAAAA"}, "view_id", "viwAAAAAAAAAAAAAA"),
        ({"type": "automation", "automationId": "autA"}, "automation_id", "autA"),
        ({"type": "system"}, "type", "system"),
        ({"type": "sync"}, "type", "sync"),
        ({"type": "anonymousUser"}, "type", "anonymousUser"),
        ({"type": "unknown"}, "type", "unknown"),
        ({"type": "robotFromTheFuture", "robotId": "r1"}, "type", "robotFromTheFuture"),
    ],
)
def test_actor_variants_structure_and_have_no_user(
    actor: dict[str, Any], field: str, value: str
) -> None:
    wire = make_event(1) | {"actor": actor}
    event = converter.structure(wire, AuditLogEvent)
    assert getattr(event.actor, field) == value
    assert event.originating_user_id is None
    assert event.actor.raw == actor


def _fields(obj: Any) -> Any:
    if attrs.has(type(obj)):
        return {a.name: _fields(getattr(obj, a.name)) for a in attrs.fields(type(obj))} | {
            "__raw__": obj.raw
        }
    if isinstance(obj, tuple):
        return [_fields(x) for x in obj]
    return obj


@pytest.mark.parametrize(
    "wire",
    [
        load(),
        {"events": [make_event(i) for i in range(3)], "pagination": {"next": None}},
        {
            "events": [
                make_event(1)
                | {
                    "actor": {"type": "automation", "automationId": "autX"},
                    "context": {
                        "actionId": "actA",
                        "enterpriseAccountId": "entA",
                        "descendantEnterpriseAccountId": "entB",
                    },
                    "origin": {"ipAddress": "::1", "userAgent": "x", "oauthAccessTokenId": "oat"},
                }
            ],
            "pagination": {},
        },
    ],
)
def test_fast_hooks_build_what_the_generic_hooks_build(wire: dict[str, Any]) -> None:
    generic = _make_converter().structure(wire, AuditLogResponse)
    fast = converter.structure(wire, AuditLogResponse)
    assert fast == generic
    assert _fields(fast) == _fields(generic)


@pytest.mark.parametrize("missing", ["id", "timestamp", "action", "actor", "context", "payload"])
def test_a_missing_required_field_is_a_response_validation_error(missing: str) -> None:
    wire = make_event(1)
    del wire[missing]
    api = AsyncApi("patX")
    with pytest.raises(ResponseValidationError, match="AuditLogResponse"):
        api.structure({"events": [wire]}, AuditLogResponse, method="GET", path="/x")


def test_payload_must_be_an_object() -> None:
    api = AsyncApi("patX")
    with pytest.raises(ResponseValidationError):
        api.structure(
            {"events": [make_event(1) | {"payload": [1]}]}, AuditLogResponse, method="GET", path="/"
        )


@pytest.mark.parametrize("part", ["actor", "context", "origin"])
def test_actor_context_and_origin_are_built_when_first_read(part: str) -> None:
    event = converter.structure(make_event(1), AuditLogEvent)
    slot = getattr(AuditLogEvent, part)  # the slot's descriptor: raises while it is empty
    with pytest.raises(AttributeError):
        slot.__get__(event)
    built = getattr(event, part)
    assert slot.__get__(event) is built
    assert getattr(event, part) is built
    assert built.raw == make_event(1)[part]


def test_an_event_with_parts_not_yet_built_compares_copies_and_pickles_whole() -> None:
    wire = make_event(3)
    first = converter.structure(wire, AuditLogEvent)
    second = converter.structure(wire, AuditLogEvent)
    assert first == second
    assert pickle.loads(pickle.dumps(converter.structure(wire, AuditLogEvent))) == first
    assert copy.deepcopy(converter.structure(wire, AuditLogEvent)) == first
    evolved = attrs.evolve(converter.structure(wire, AuditLogEvent), action="deleteBase")
    assert evolved.actor == first.actor
    assert evolved.action == "deleteBase"
    assert "actor=AuditLogActor(type='user'" in repr(converter.structure(wire, AuditLogEvent))
    assert (
        converter.unstructure(converter.structure(wire, AuditLogEvent))["actor"]["type"] == "user"
    )
    with pytest.raises(AttributeError, match="no attribute 'actr'"):
        converter.structure(wire, AuditLogEvent).actr  # type: ignore[attr-defined]  # noqa: B018


def test_an_event_built_in_code_needs_no_raw() -> None:
    event = AuditLogEvent(
        id="01J00000000000000000000001",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        action="createBase",
        actor=AuditLogActor(type="system"),
        model_id="appAAAAAAAAAAAAAA",
        model_type="base",
        payload={},
        payload_version="1.0",
        context=AuditLogContext(action_id="actA", enterprise_account_id="entA"),
        origin=AuditLogOrigin(),
    )
    assert event.actor.type == "system"
    assert event.originating_user_id is None
    assert event.raw == {}


@pytest.mark.parametrize(
    "change",
    [
        {"actor": {"user": {"id": "usrAAAAAAAAAAAAAA"}}},
        {"actor": {"type": "user", "user": {"email": "a@example.com"}}},
        {"actor": {"type": "user", "user": "usrAAAAAAAAAAAAAA"}},
        {"actor": ["user"]},
        {"context": {"actionId": "actA"}},
        {"context": {"enterpriseAccountId": "entA"}},
        {"context": None},
        {"origin": "1.2.3.4"},
    ],
)
def test_a_malformed_actor_context_or_origin_fails_when_the_page_is_decoded(
    change: dict[str, Any],
) -> None:
    api = AsyncApi("patX")
    with pytest.raises(ResponseValidationError, match="AuditLogResponse"):
        api.structure(
            {"events": [make_event(1) | change]}, AuditLogResponse, method="GET", path="/x"
        )


def test_a_missing_origin_fails_when_the_page_is_decoded() -> None:
    wire = make_event(1)
    del wire["origin"]
    with pytest.raises(ResponseValidationError):
        AsyncApi("patX").structure({"events": [wire]}, AuditLogResponse, method="GET", path="/")
