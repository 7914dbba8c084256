"""The one converter: wire names, datetimes, forward compatibility."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from airtable_enterprise._core.convert import (
    EMPTY_RAW,
    converter,
    format_datetime,
    parse_datetime,
    wire_name,
)
from airtable_enterprise.models._base import raw_field


@attrs.frozen(kw_only=True)
class Inner:
    base_id: str
    permission_level: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class Outer:
    id: str
    is_sso_required: bool
    created_time: datetime
    last_activity_time: datetime | None = None
    odd: str | None = attrs.field(default=None, metadata={"wire": "ODD_key"})
    base_collaborations: tuple[Inner, ...] = ()
    raw: Mapping[str, Any] = raw_field()


WIRE = {
    "id": "usrL2PNC5o3H4lBEi",
    "isSsoRequired": True,
    "createdTime": "2019-01-03T12:33:12.421Z",
    "lastActivityTime": None,
    "ODD_key": "x",
    "baseCollaborations": [{"baseId": "appLkNDICXNqxSDhG", "permissionLevel": "edit", "new": 1}],
    "someFieldAddedNextYear": {"a": 1},
}


@pytest.mark.parametrize(
    ("attribute", "wire"),
    [
        ("id", "id"),
        ("is_sso_required", "isSsoRequired"),
        ("invited_to_airtable_by_user_id", "invitedToAirtableByUserId"),
        ("payload_version", "payloadVersion"),
        ("is_two_factor_auth_enabled", "isTwoFactorAuthEnabled"),
    ],
)
def test_wire_name_is_camel_case(attribute: str, wire: str) -> None:
    assert wire_name(attribute) == wire


def test_structure_renames_parses_and_keeps_unknown_fields() -> None:
    outer = converter.structure(WIRE, Outer)
    assert outer.is_sso_required is True
    assert outer.created_time == datetime(2019, 1, 3, 12, 33, 12, 421000, tzinfo=UTC)
    assert outer.last_activity_time is None
    assert outer.odd == "x"
    assert outer.base_collaborations[0].permission_level == "edit"
    assert outer.raw["someFieldAddedNextYear"] == {"a": 1}
    assert outer.base_collaborations[0].raw["new"] == 1


def test_raw_takes_no_part_in_equality_or_repr() -> None:
    decoded = converter.structure(WIRE, Outer)
    built = attrs.evolve(decoded)
    assert built == decoded
    assert "someFieldAddedNextYear" not in repr(decoded)
    made = Inner(base_id="appX", permission_level="read")
    assert made.raw is EMPTY_RAW


def test_unstructure_round_trips_to_wire_names() -> None:
    decoded = converter.structure(WIRE, Outer)
    wire = converter.unstructure(decoded)
    assert wire == {
        "id": "usrL2PNC5o3H4lBEi",
        "isSsoRequired": True,
        "createdTime": "2019-01-03T12:33:12.421Z",
        "ODD_key": "x",
        "baseCollaborations": [{"baseId": "appLkNDICXNqxSDhG", "permissionLevel": "edit"}],
    }
    assert converter.structure(wire, Outer) == decoded


def test_models_are_frozen() -> None:
    decoded = converter.structure(WIRE, Outer)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.id = "usrOther"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-01-03T12:33:12.421Z", datetime(2019, 1, 3, 12, 33, 12, 421000, tzinfo=UTC)),
        ("2023-01-20T15:58:30Z", datetime(2023, 1, 20, 15, 58, 30, tzinfo=UTC)),
        ("2023-01-20T17:58:30+02:00", datetime(2023, 1, 20, 15, 58, 30, tzinfo=UTC)),
        ("2023-01-20T15:58:30", datetime(2023, 1, 20, 15, 58, 30, tzinfo=UTC)),
        (datetime(2023, 1, 1), datetime(2023, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime(value: object, expected: datetime) -> None:
    assert parse_datetime(value) == expected
    assert parse_datetime(value).tzinfo is not None


@pytest.mark.parametrize("value", [12, None, "yesterday", date(2023, 1, 1)])
def test_parse_datetime_rejects_what_is_not_a_timestamp(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        parse_datetime(value)


def test_format_datetime_is_utc_with_milliseconds_and_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2023, 1, 20, 17, 58, 30, tzinfo=plus_two)) == (
        "2023-01-20T15:58:30.000Z"
    )
    naive = datetime(2023, 6, 1, 12, 0)
    assert format_datetime(naive) == format_datetime(naive.astimezone())  # naive = local time
