"""The models structure every fixture and expose the spec's friendly names."""

from __future__ import annotations

import pytest

from airtable_enterprise import ResponseValidationError
from airtable_enterprise._core.convert import converter
from airtable_enterprise.api import AsyncApi
from airtable_enterprise.models import (
    BaseCollaborators,
    EnterpriseInfo,
    ManageUsersResponse,
    UserGroup,
    UserInfo,
    UserList,
    WorkspaceCollaborators,
)
from tests.helpers import load_fixture


@pytest.mark.parametrize(
    ("fixture", "cls"),
    [
        ("GetEnterprise.response.json", EnterpriseInfo),
        ("GetEnterprise.response-hub.handwritten.json", EnterpriseInfo),
        ("GetUserById.response.json", UserInfo),
        ("GetUsersByIdOrEmail.users-item0.json", UserInfo),
        ("GetUserGroup.response.handwritten.json", UserGroup),
        ("GetWorkspaceCollaborators.response.handwritten.json", WorkspaceCollaborators),
        ("GetBaseCollaborators.response.json", BaseCollaborators),
        ("RevokeAdminAccess.response.json", ManageUsersResponse),
    ],
)
def test_fixture_round_trips_through_the_converter(fixture: str, cls: type) -> None:
    data = load_fixture(fixture)
    model = converter.structure(data, cls)
    assert model.raw == data
    # Unstructuring gives the wire shape back for every documented field, keyed
    # collections (descendants, interfaces) included.
    again = converter.structure(converter.unstructure(model), cls)
    assert again == model


def test_user_state_is_the_wire_value() -> None:
    user = converter.structure(load_fixture("GetUserById.response.json"), UserInfo)
    assert user.state == "provisioned"
    assert not user.is_deactivated
    assert user.invited_to_airtable_by_user_id == "usrsOEchC9xuwRgKk"
    assert user.is_super_admin is None


def test_missing_required_field_is_a_validation_error() -> None:
    data = load_fixture("GetUserById.response.json")
    del data["email"]
    api = AsyncApi("patX")
    with pytest.raises(ResponseValidationError, match="UserInfo"):
        api.structure(data, UserInfo, method="GET", path="/v0/x")


def test_user_list_is_a_list_with_missing() -> None:
    users = UserList([], ["a@b.com"])
    assert users == []
    assert users.missing == ("a@b.com",)
    assert "missing=('a@b.com',)" in repr(users)
