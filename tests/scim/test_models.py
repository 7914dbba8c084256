"""SCIM models and request bodies against the REFERENCE fixtures (§12)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airtable_enterprise import (
    AsyncApi,
    InvalidInputError,
    PatchOperation,
    ResponseValidationError,
    ScimEnterpriseUser,
    ScimPatch,
)
from airtable_enterprise._core.convert import converter
from airtable_enterprise.models.scim import (
    SCHEMA_ENTERPRISE_USER,
    ScimGroup,
    ScimGroupList,
    ScimManager,
    ScimUser,
    ScimUserList,
)
from airtable_enterprise.scim import member_filter_path, user_body
from tests.helpers import load_fixture


def test_get_scim_user_fixture() -> None:
    user = converter.structure(load_fixture("GetScimUser.response.json"), ScimUser)
    assert user.id == "usrogvSbotRtzdtZW"
    assert user.user_name == "foo@bar.com"
    assert user.is_active
    assert user.given_name == "Doe"
    assert user.family_name == "Jane"
    assert user.meta is not None
    assert user.meta.resource_type == "User"
    assert user.meta.created == datetime(2021, 6, 2, 7, 37, 19, tzinfo=UTC)
    assert user.enterprise is None
    assert user.groups == ()


def test_patch_scim_user_response_keeps_extension_and_unknown_keys() -> None:
    data = load_fixture("PatchScimUser.response.json")
    data["someFutureField"] = {"x": 1}
    user = converter.structure(data, ScimUser)
    assert user.title == "Manager"
    assert user.locale == "en-US"
    assert user.external_id == "00u19pelnizu7vExD0h8"
    assert user.enterprise == ScimEnterpriseUser(
        cost_center="Example Cost Center", department="Example Department",
        division="Example Division",
    )  # fmt: skip
    assert user.emails[0].primary is True
    assert user.emails[0].value == user.user_name
    assert user.raw["someFutureField"] == {"x": 1}


def test_list_fixtures() -> None:
    users = converter.structure(load_fixture("ListScimUsers.response.json"), ScimUserList)
    assert (users.total_results, users.start_index, users.items_per_page) == (3, 2, 1)
    assert [u.id for u in users.resources] == ["usrogvSbotRtzdtZW"]
    groups = converter.structure(load_fixture("ListScimGroups.response.json"), ScimGroupList)
    assert [g.display_name for g in groups.resources] == ["ExampleGroup"]
    assert groups.resources[0].members == ()  # list items carry no members (§12)


def test_get_scim_group_fixture() -> None:
    group = converter.structure(load_fixture("GetScimGroup.response.json"), ScimGroup)
    assert group.id == "ugpQ7PJ2boxzMAKFU"
    assert group.member_ids == ("usrI7HMkO7sAefUHk", "usrM4UuTPOjRlDOHT")


def test_a_present_but_wrong_type_is_refused() -> None:
    data = load_fixture("GetScimUser.response.json")
    data["emails"] = 5
    with pytest.raises(ResponseValidationError, match="ScimUser"):
        AsyncApi("patX.y").structure(data, ScimUser, method="GET", path="/scim/v2/Users/x")


def test_create_body_equals_the_reference_request() -> None:
    body = user_body(
        "foo@bar.com",
        given_name="Doe",
        family_name="Jane",
        title="Manager",
        enterprise=ScimEnterpriseUser(
            cost_center="Example cost center",
            department="Example department",
            division="Example division",
            organization="Example organization",
            manager=ScimManager(display_name="John Doe", value="foo@bam.com"),
        ),
    )
    assert body == load_fixture("CreateScimUser.request.json")


def test_patch_builder_equals_the_reference_request() -> None:
    assert ScimPatch().replace("title", "Manager").body() == load_fixture(
        "PatchScimUser.request.json"
    )


def test_patch_builder_shortcuts_in_order() -> None:
    patch = (
        ScimPatch()
        .set_active(False)
        .set_name(given_name="Ann")
        .set_enterprise(department="Sales", costCenter=None)
        .add_members(["usrAAAAAAAAAAAAAA"])
        .remove_members(["usrBBBBBBBBBBBBBB"])
        .rename("Team")
    )
    assert patch.body()["Operations"] == [
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": "name.givenName", "value": "Ann"},
        {"op": "replace", "path": f"{SCHEMA_ENTERPRISE_USER}:department", "value": "Sales"},
        {"op": "remove", "path": f"{SCHEMA_ENTERPRISE_USER}:costCenter"},
        {"op": "add", "path": "members", "value": [{"value": "usrAAAAAAAAAAAAAA"}]},
        {"op": "remove", "path": 'members[value eq "usrBBBBBBBBBBBBBB"]'},
        {"op": "replace", "path": "displayName", "value": "Team"},
    ]
    assert member_filter_path('usr"x') == 'members[value eq "usr\\"x"]'


@pytest.mark.parametrize(
    "build",
    [
        lambda: PatchOperation("move", "title", "x"),  # type: ignore[arg-type]
        lambda: PatchOperation("remove", None),
        lambda: PatchOperation("replace", "title"),
        lambda: PatchOperation("add", None, "not an object"),
        lambda: PatchOperation("add", " ", "x"),
        lambda: ScimPatch().body(),
        lambda: ScimPatch().set_active("no"),  # type: ignore[arg-type]
        lambda: ScimPatch().add_members(["someone@example.com"]),
        lambda: ScimPatch().rename(""),
        lambda: user_body("not-an-email", given_name="A", family_name="B"),
        lambda: user_body("a@b.com", given_name=" ", family_name="B"),
    ],
)
def test_bad_patch_and_body_input_is_refused(build: object) -> None:
    with pytest.raises(InvalidInputError):
        build()  # type: ignore[operator]
