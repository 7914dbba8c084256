"""Input SCIM cannot send, refused before the limiter (issue 23, point 13), and one key
for an email however it is typed (point 5), in the client and the sync planner."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from airtable_enterprise import AsyncApi, InvalidInputError, ScimPatch
from airtable_enterprise._core.batch import merge_users, unique_users
from airtable_enterprise._core.text import check_json, check_text, email_key
from airtable_enterprise.models.scim import SCHEMA_ENTERPRISE_USER, ScimName, ScimUser
from airtable_enterprise.models.users import UserInfo
from airtable_enterprise.scim import PatchOperation
from airtable_enterprise.scim.people import read_people
from airtable_enterprise.scim.sync import Directory, held_back, plan_sync
from airtable_enterprise.testing import Emulator

USER = "usrogvSbotRtzdtZW"
GROUP = "ugpQ7PJ2boxzMAKFU"
NFC = unicodedata.normalize("NFC", "zoë@ours.example")
NFD = unicodedata.normalize("NFD", "zoë@ours.example")


class Opaque:
    pass


cycle: list[Any] = []
cycle.append(cycle)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 1, tzinfo=UTC),
        {"a", "b"},
        b"bytes",
        math.nan,
        math.inf,
        -math.inf,
        Opaque(),
        {1: "int key"},
        {"nested": [1, {"deep": math.nan}]},
        "lone \ud800 surrogate",
        cycle,
    ],
    ids=repr,
)
@pytest.mark.anyio
async def test_patch_values_json_cannot_carry_are_refused_before_any_request(
    api: AsyncApi, value: object
) -> None:
    with pytest.raises(InvalidInputError):
        await api.scim.patch_user(USER, ScimPatch().replace("title", value))
    with pytest.raises(InvalidInputError):
        PatchOperation("add", None, {"title": value})
    assert api.stats.calls == 0  # the limiter never let a request go


def test_json_values_that_can_be_sent_pass() -> None:
    value = {"a": [1, 2.5, True, None, "ü👨‍👩‍👧"], "b": {"c": -0.0}}
    assert check_json("value", value) is value


@pytest.mark.parametrize(
    "name",
    ["Ann\x00", "Ann\r\nBcc: x", "Ann\n", "Ann\tB", "\u202eevil", "a\u2066b\u2069", "x\u2028y"],
    ids=repr,
)
@pytest.mark.anyio
async def test_names_with_controls_or_bidi_are_refused_as_emails_are(
    api: AsyncApi, name: str, domain: str
) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: api.scim.create_user(f"a@{domain}", given_name=name, family_name="B"),
        lambda: api.scim.create_user(f"a@{domain}", given_name="A", family_name="B", title=name),
        lambda: api.scim.create_group(name),
        lambda: api.scim.rename_group(GROUP, name),
        lambda: api.scim.patch_user(USER, ScimPatch().set_name(given_name=name)),
        lambda: api.scim.patch_user(USER, ScimPatch().set_enterprise(department=name)),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError, match="control or bidi"):
            await call()
    assert api.stats.calls == 0


@pytest.mark.anyio
async def test_names_with_joiners_and_accents_are_sent(
    api: AsyncApi, emulator: Emulator, domain: str
) -> None:
    family = "Ünal 👨‍👩‍👧"  # the emoji holds zero-width joiners, which stay allowed
    created = await api.scim.create_user(f"u@{domain}", given_name="Zoë", family_name=family)
    assert created.family_name == family
    assert check_text("name", family) == family


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (NFC, NFD),
        ("Zoë@Ours.Example", NFD),
        (f"  {NFC} ", NFD.upper()),
        ("STRAẞE@x.io", "straße@x.io"),  # capital sharp s
        ("Kim@x.io", "kim@x.io"),  # the Kelvin sign is a K in NFC
    ],
)
def test_one_key_per_email(a: str, b: str) -> None:
    assert email_key(a) == email_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("straße@x.io", "strasse@x.io"),
        ("ﬁona@x.io", "fiona@x.io"),
        ("ſam@x.io", "sam@x.io"),
        ("İlker@x.io", "ilker@x.io"),
        ("ｚｏｅ@x.io", "zoe@x.io"),  # full-width letters
    ],
)
def test_different_addresses_keep_different_keys(a: str, b: str) -> None:
    # casefold() merged the first three: a row for straße@ acted on the user strasse@.
    assert email_key(a) != email_key(b)


def test_a_row_for_strasse_never_touches_the_user_strasse() -> None:
    people = read_people("email,first name,last name,active\nstraße@x.io,Zoë,B,false\n")
    directory = Directory((scim_user(USER, "strasse@x.io"),), ())
    assert plan_sync(people, directory) == []  # before: "update user" deactivating USER


def test_the_clients_user_lookups_merge_nfc_and_nfd() -> None:
    assert unique_users([NFC, NFD, NFC.upper()]) == [NFC]
    found = UserInfo(
        id=USER,
        email=NFC,
        name="Zoë",
        state="provisioned",
        is_service_account=False,
        is_sso_required=False,
        is_two_factor_auth_enabled=False,
        last_activity_time=None,
    )
    users, missing = merge_users([NFD], [found])
    assert ([u.id for u in users], missing) == ([USER], [])


def test_the_file_reports_the_same_email_typed_two_ways_with_both_lines() -> None:
    text = f"email,first name,last name\n{NFC},Zoë,A\n{NFD},Zoë,B\n {NFC.upper()} ,Zoë,C\n"
    people = read_people(text)
    assert [(p.line, p.reason) for p in people.problems] == [
        (3, "duplicate email (first on line 2)"),
        (4, "duplicate email (first on line 2)"),
    ]


def scim_user(user_id: str, email: str, *, active: bool = True) -> ScimUser:
    return ScimUser(
        id=user_id,
        user_name=email,
        active=active,
        name=ScimName(given_name="Zoë", family_name="A"),
    )


def test_a_directory_user_in_nfd_is_the_files_user_in_nfc() -> None:
    people = read_people(f"email,first name,last name\n{NFC.upper()},Zoë,A\n")
    directory = Directory((scim_user(USER, NFD),), ())
    assert plan_sync(people, directory) == []  # not "create user": the same person
    assert people.people[0].email == unicodedata.normalize("NFC", NFC.upper())


def test_the_tokens_own_user_is_never_deactivated_by_a_row() -> None:
    people = read_people(f"email,first name,last name,active\n{NFD},Zoë,B,false\n")
    directory = Directory((scim_user(USER, NFC),), ())
    unguarded = plan_sync(people, directory)
    assert [(c.action, c.deactivates) for c in unguarded] == [("update user", True)]
    guarded = plan_sync(people, directory, keep_active={USER})
    assert [(c.action, c.detail, c.deactivates) for c in guarded] == [
        ("update user", "name: Zoë A -> Zoë B", False)  # the rest of the row still applies
    ]
    [held] = held_back(people, directory, keep_active={USER})
    assert (held.action, held.line, held.detail) == ("keep active", 2, "the file says inactive")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("name.givenName", "Ann\n"),
        ("NAME.familyName", "\u202eevil"),
        ("displayName", "crew\x00"),
        ("name", {"givenName": "A\r\nB"}),
        (None, {"name": {"familyName": "B\u2066"}}),
        (None, {"title": "Boss\t"}),
        (None, {SCHEMA_ENTERPRISE_USER: {"department": "R&D\n"}}),
        (f"{SCHEMA_ENTERPRISE_USER}:department", "R&D\u200f"),
        ("userName", "not an email"),
    ],
)
def test_generic_operations_refuse_names_with_controls_too(path: str | None, value: object) -> None:
    with pytest.raises(InvalidInputError):
        ScimPatch().replace(path, value)
    with pytest.raises(InvalidInputError):
        ScimPatch().add(path, value)


def test_generic_operations_keep_other_values() -> None:
    patch = ScimPatch().replace(None, {"active": False, "name": {"givenName": "Zoë"}})
    patch.replace("addresses", [{"formatted": "1 Main St\nSpringfield"}])  # not a name
    assert len(patch) == 2


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_names_in_the_other_normal_form_are_not_an_update_every_run(form: str) -> None:
    other = "NFD" if form == "NFC" else "NFC"
    name = unicodedata.normalize(form, "Zoë")
    people = read_people(f"email,first name,last name,title\n{NFC},{name},Ünal,Ré\n")
    directory_user = ScimUser(
        id=USER,
        user_name=NFC,
        name=ScimName(
            given_name=unicodedata.normalize(other, "Zoë"),
            family_name=unicodedata.normalize(other, "Ünal"),
        ),
        title=unicodedata.normalize(other, "Ré"),
    )
    assert plan_sync(people, Directory((directory_user,), ())) == []


def test_a_row_matching_two_directory_users_is_refused_not_applied_to_one() -> None:
    # Two users whose emails have one key (NFC and NFD): the plan picked the last one
    # read and deactivated it, whichever person the row meant.
    people = read_people(f"email,first name,last name,active\n{NFC},Zoë,A,false\n")
    twins = (scim_user(USER, NFD), scim_user("usrBBBBBBBBBBBBBB", NFC.upper()))
    with pytest.raises(InvalidInputError, match=f"line 2: .* 2 SCIM users \\({USER}, usrB"):
        plan_sync(people, Directory(twins, ()))
    others = read_people("email,first name,last name\nann@ours.example,Ann,A\n")
    assert [c.action for c in plan_sync(others, Directory(twins, ()))] == ["create user"]


def test_a_file_separated_by_semicolons_is_named_in_the_error() -> None:
    # An Excel export in a comma-decimal locale: BOM, CRLF, ";". The error named the
    # columns by their internal keys ("firstname") and gave no clue why.
    with pytest.raises(ValueError, match="no email, first name, last name column") as caught:
        read_people("email;first name;last name\r\nann@ours.example;Ann;A\r\n")
    assert "looks separated otherwise" in str(caught.value)
