from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from airtable_enterprise import AsyncApi, AuditLogEvent, AuditLogResponse, ResponseValidationError
from airtable_enterprise._convert import _make_converter, converter

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
