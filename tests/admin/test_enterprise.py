"""Enterprise: every method's request (method, path, query, body) and structured answer."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

from airtable_enterprise import (
    Enterprise,
    PermissionDeniedError,
    UnprocessableEntityError,
    UserInfo,
    UserNotFoundError,
    UserUpdate,
    Workspace,
)
from tests.helpers import load_fixture

from .conftest import ENT
from .helpers import body, last_request, query

pytestmark = pytest.mark.anyio

URL = f"/v0/meta/enterpriseAccounts/{ENT}"
USER_1 = load_fixture("GetUserById.response.json")  # usrL2PNC5o3H4lBEi foo@bar.com
USER_2 = load_fixture("GetUsersByIdOrEmail.users-item0.json")  # usrsOEchC9xuwRgKk baz@bar.com


def users_answer(*users: dict[str, object]) -> httpx.Response:
    return httpx.Response(200, json={"users": list(users)})


# ------------------------------------------------------------------ account


async def test_info_sends_no_include_by_default(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.get(URL).respond(json=load_fixture("GetEnterprise.response.json"))
    info = await enterprise.info()
    assert query(last_request(route)) == []
    assert info.id == ENT
    assert info.created_time == datetime(2019, 1, 3, 12, 33, 12, 421000, tzinfo=UTC)
    assert info.user_count == 3
    assert info.workspace_ids == ("wspmhESAta6clCCwF", "wspHvvm4dAktsStZH")
    assert info.group_ids == ("ugp1mKGb3KXUyQfOZ", "ugpR8ZT9KtIgp8Bh3")
    assert info.descendant_enterprise_account_ids == ("entJ9ZQ5vz9ZQ5vz9",)
    assert info.email_domains[0].email_domain == "foobar.com"
    assert info.email_domains[0].is_sso_required is True
    assert info.is_root
    assert info.aggregated is None
    assert info.descendants is None


async def test_info_with_aggregated_and_descendants(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # REFERENCE §3.1: descendants is an object keyed by account ID.
    route = router.get(URL).respond(
        json=load_fixture("GetEnterprise.response-hub.handwritten.json")
    )
    info = await enterprise.info(aggregated=True, descendants=True)
    assert query(last_request(route)) == [("include[]", "aggregated"), ("include[]", "descendants")]
    assert "include%5B%5D=aggregated" in str(last_request(route).url)
    assert info.aggregated is not None
    assert info.aggregated.user_count == 4
    assert info.aggregated.workspace_ids[-1] == "wspSW9R5uCNmRmfl6"
    assert info.descendants is not None
    [child] = info.descendants
    assert child.id == "entJ9ZQ5vz9ZQ5vz9"
    assert child.user_ids == ("usrqccqnMB2eHylqB",)
    assert child.user_count == 1
    assert child.raw == {
        "groupIds": ["ugp1UdbspZKMrIOjk"],
        "userIds": ["usrqccqnMB2eHylqB"],
        "workspaceIds": ["wspSW9R5uCNmRmfl6"],
    }


async def test_create_descendant_returns_a_handle(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.post(f"{URL}/descendants").respond(
        json={"id": "entJ9ZQ5vz9ZQ5vz9"}  # shape of CreateDescendantEnterprise.response.json
    )
    child = await enterprise.create_descendant("Example name")
    assert body(last_request(route)) == load_fixture("CreateDescendantEnterprise.request.json")
    assert isinstance(child, Enterprise)
    assert child.id == "entJ9ZQ5vz9ZQ5vz9"
    assert child.api is enterprise.api


# -------------------------------------------------------------------- users


async def test_user_by_email_includes_collaborations(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.get(f"{URL}/users").mock(return_value=users_answer(USER_2))
    user = await enterprise.user("baz@bar.com")
    request = last_request(route)
    assert query(request) == [("email[]", "baz@bar.com"), ("include[]", "collaborations")]
    assert "email%5B%5D=baz%40bar.com" in str(request.url)
    assert user.id == "usrsOEchC9xuwRgKk"
    assert user.name == "baz bar"
    assert user.state == "provisioned"
    assert user.is_admin is False
    assert user.is_managed is True
    assert user.group_ids == ("ugpR8ZT9KtIgp8Bh3",)
    assert user.collaborations is not None
    assert user.collaborations.bases[0].base_id == "appLkNDICXNqxSDhG"
    assert user.collaborations.workspaces == ()
    assert user.raw == USER_2


async def test_user_by_id_with_every_include(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.get(f"{URL}/users").mock(return_value=users_answer(USER_1))
    user = await enterprise.user("usrL2PNC5o3H4lBEi", aggregated=True, descendants=True)
    assert query(last_request(route)) == [
        ("id[]", "usrL2PNC5o3H4lBEi"),
        ("include[]", "collaborations"),
        ("include[]", "aggregated"),
        ("include[]", "descendants"),
    ]
    assert user.is_admin is True
    assert user.collaborations is not None
    [workspace] = user.collaborations.workspaces
    assert workspace.workspace_id == "wspmhESAta6clCCwF"
    assert workspace.permission_level == "owner"
    [interface] = user.collaborations.interfaces
    assert interface.interface_id == "pbdyGA3PsOziEHPDE"
    assert user.last_activity_time == datetime(2019, 1, 3, 12, 33, 12, 421000, tzinfo=UTC)


async def test_user_without_collaborations_sends_no_include(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    answer = {k: v for k, v in USER_1.items() if k != "collaborations"}
    route = router.get(f"{URL}/users").mock(return_value=users_answer(answer))
    user = await enterprise.user("usrL2PNC5o3H4lBEi", collaborations=False)
    assert query(last_request(route)) == [("id[]", "usrL2PNC5o3H4lBEi")]
    assert user.collaborations is None


async def test_user_hub_values_are_tuples_keyed_by_account(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # REFERENCE §4.1: aggregated and descendants (keyed by account ID).
    answer = {
        **USER_1,
        "aggregated": {"lastActivityTime": None, "isAdmin": True, "licenseType": "editor"},
        "descendants": {
            "entJ9ZQ5vz9ZQ5vz9": {
                "lastActivityTime": "2024-02-04T02:28:06.000Z",
                "isAdmin": False,
                "isManaged": True,
                "groups": [{"id": "ugp1UdbspZKMrIOjk"}],
            }
        },
    }
    router.get(f"{URL}/users").mock(return_value=users_answer(answer))
    user = await enterprise.user("usrL2PNC5o3H4lBEi", descendants=True, aggregated=True)
    assert user.aggregated is not None
    assert user.aggregated.license_type == "editor"
    assert user.aggregated.last_activity_time is None
    assert user.descendants is not None
    [child] = user.descendants
    assert child.enterprise_account_id == "entJ9ZQ5vz9ZQ5vz9"
    assert child.is_managed is True
    assert child.groups[0].id == "ugp1UdbspZKMrIOjk"


async def test_user_not_found_raises_a_typed_error(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/users").mock(return_value=users_answer())
    with pytest.raises(UserNotFoundError) as caught:
        await enterprise.user("nobody@bar.com")
    assert caught.value.id_or_email == "nobody@bar.com"
    assert isinstance(caught.value, LookupError)
    assert "nobody@bar.com" in str(caught.value)


async def test_users_keep_input_order_and_report_missing(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.get(f"{URL}/users").mock(return_value=users_answer(USER_1, USER_2))
    found = await enterprise.users(
        ["BAZ@bar.com", "usrL2PNC5o3H4lBEi", "gone@bar.com", "usrGcrteE5fUMqq0R"]
    )
    assert route.call_count == 1
    # httpx groups repeated keys: all email[] first, in input order, then all id[].
    assert query(last_request(route)) == [
        ("email[]", "BAZ@bar.com"),
        ("email[]", "gone@bar.com"),
        ("id[]", "usrL2PNC5o3H4lBEi"),
        ("id[]", "usrGcrteE5fUMqq0R"),
        ("include[]", "collaborations"),
    ]
    assert [user.id for user in found] == ["usrsOEchC9xuwRgKk", "usrL2PNC5o3H4lBEi"]
    assert found.missing == ("gone@bar.com", "usrGcrteE5fUMqq0R")
    assert isinstance(found, list)


async def test_users_matched_by_id_and_email_appear_once(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # The answer may carry the same user twice (asked by ID and by email).
    route = router.get(f"{URL}/users").mock(return_value=users_answer(USER_1, USER_1))
    found = await enterprise.users(["foo@bar.com", "usrL2PNC5o3H4lBEi", "foo@bar.com"])
    assert [user.id for user in found] == ["usrL2PNC5o3H4lBEi"]
    assert found.missing == ()
    # Repeated inputs are sent once.
    assert query(last_request(route))[:2] == [
        ("email[]", "foo@bar.com"),
        ("id[]", "usrL2PNC5o3H4lBEi"),
    ]
    assert len(query(last_request(route))) == 3


def fake_user(n: int) -> dict[str, object]:
    return {
        **USER_1,
        "id": f"usr{n:014d}",
        "email": f"user{n}@bar.com",
        "name": f"User {n}",
    }


def answer_from_query(request: httpx.Request) -> httpx.Response:
    """Answer a get-users request with the users it names (by ID or email), reversed."""
    users = []
    for key, value in request.url.params.multi_items():
        if key == "id[]":
            users.append(fake_user(int(value[3:])))
        elif key == "email[]":
            users.append(fake_user(int(value.split("@")[0][4:])))
    return users_answer(*reversed(users))


async def test_users_split_into_batches_of_100_sent_concurrently(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    import anyio

    arrived = 0
    all_in_flight = anyio.Event()

    async def side_effect(request: httpx.Request) -> httpx.Response:
        nonlocal arrived
        arrived += 1
        if arrived == 3:
            all_in_flight.set()
        # Answer only once all three batches are in flight: proves they run concurrently
        # (sequential batches would wait here forever; fail_after turns that into a failure).
        await all_in_flight.wait()
        return answer_from_query(request)

    route = router.get(f"{URL}/users").mock(side_effect=side_effect)
    inputs = [f"usr{n:014d}" if n % 2 else f"user{n}@bar.com" for n in range(250)]
    with anyio.fail_after(10):
        found = await enterprise.users(inputs, collaborations=False)
    assert route.call_count == 3
    sizes = sorted(len(query(call.request)) for call in route.calls)
    assert sizes == [50, 100, 100]
    assert [user.email for user in found] == [f"user{n}@bar.com" for n in range(250)]
    assert found.missing == ()


async def test_users_report_progress_as_each_request_lands(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/users").mock(side_effect=answer_from_query)
    inputs = [f"usr{n:014d}" for n in range(250)]
    reported: list[int] = []
    found = await enterprise.users([*inputs, inputs[0]], on_progress=reported.append)
    assert sorted(reported) == [50, 100, 100]  # one call per request, distinct inputs
    assert len(found) == 250


async def test_users_batches_shrink_to_keep_urls_under_16000_chars(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.get(f"{URL}/users").mock(side_effect=answer_from_query)
    # 100 emails of ~240 characters: about 24,000 characters in one URL.
    inputs = [f"user{n}@{'x' * 220}.com" for n in range(100)]
    found = await enterprise.users(inputs)
    assert route.call_count >= 2
    assert all(len(str(call.request.url)) <= 16_000 for call in route.calls)
    sent = [
        value for call in route.calls for key, value in query(call.request) if key != "include[]"
    ]
    assert sorted(sent) == sorted(inputs)
    assert all(("include[]", "collaborations") in query(call.request) for call in route.calls)
    # answer_from_query names users user{n}@bar.com, so the long emails are unmatched:
    assert len(found) == 100
    assert found.missing == tuple(inputs)


async def test_users_error_in_one_batch_raises_it_plainly(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/users").respond(
        403, json=load_fixture("Error.InvalidPermissionsOrModelNotFound.json")
    )
    with pytest.raises(PermissionDeniedError) as caught:
        await enterprise.users([f"usr{n:014d}" for n in range(150)])
    assert caught.value.error_type == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"


async def test_remove_user_resolves_both_emails_with_one_lookup(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    lookup = router.get(f"{URL}/users").mock(
        return_value=users_answer(
            {**USER_1, "email": "departing@bar.com"},
            {**USER_2, "email": "replacement@bar.com"},
        )
    )
    remove = router.post(f"{URL}/users/usrL2PNC5o3H4lBEi/remove").respond(
        json=load_fixture("RemoveUserFromEnterprise.response.handwritten.json")
    )
    result = await enterprise.remove_user("departing@bar.com", replacement="Replacement@bar.com")
    assert lookup.call_count == 1
    assert query(last_request(lookup)) == [
        ("email[]", "departing@bar.com"),
        ("email[]", "Replacement@bar.com"),
    ]
    assert body(last_request(remove)) == {
        "isDryRun": False,
        "replacementOwnerId": "usrsOEchC9xuwRgKk",
    }
    assert result.was_user_removed_as_admin is True
    assert result.shared.workspaces[0].workspace_name == "Workspace name"
    assert result.shared.workspaces[0].deleted_time is None
    [base] = result.unshared.bases
    assert (base.base_id, base.former_permission_level) == ("appLkNDICXNqxSDhG", "edit")
    [interface] = result.unshared.interfaces
    assert interface.deleted_time == datetime(2024, 2, 4, 2, 28, 6, tzinfo=UTC)
    assert result.unshared.workspaces[0].enterprise_account_id is None


async def test_remove_user_by_id_sends_no_lookup(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    lookup = router.get(f"{URL}/users")
    remove = router.post(f"{URL}/users/usrL2PNC5o3H4lBEi/remove").respond(
        json={"wasUserRemovedAsAdmin": False, "shared": {"workspaces": []}, "unshared": {}}
    )
    result = await enterprise.remove_user("usrL2PNC5o3H4lBEi", descendants=True)
    assert lookup.call_count == 0
    assert body(last_request(remove)) == load_fixture(
        "RemoveUserFromEnterprise.request-descendants.pyairtable.json"
    )
    assert result.was_user_removed_as_admin is False
    assert result.unshared.bases == ()


async def test_remove_user_dry_run(router: respx.MockRouter, enterprise: Enterprise) -> None:
    remove = router.post(f"{URL}/users/usrL2PNC5o3H4lBEi/remove").respond(
        json={"wasUserRemovedAsAdmin": True, "shared": {"workspaces": []}, "unshared": {}}
    )
    replacement = UserInfo(
        id="usrGcrteE5fUMqq0R",
        email="r@bar.com",
        name="R",
        state="provisioned",
        is_service_account=False,
        is_sso_required=False,
        is_two_factor_auth_enabled=False,
        last_activity_time=None,
    )
    await enterprise.remove_user("usrL2PNC5o3H4lBEi", replacement, dry_run=True)
    assert body(last_request(remove)) == {
        "isDryRun": True,
        "replacementOwnerId": "usrGcrteE5fUMqq0R",
    }


async def test_remove_user_unknown_email_raises_before_removing(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/users").mock(return_value=users_answer(USER_1))
    remove = router.post(f"{URL}/users/usrL2PNC5o3H4lBEi/remove")
    with pytest.raises(UserNotFoundError) as caught:
        await enterprise.remove_user("foo@bar.com", replacement="ghost@bar.com")
    assert caught.value.id_or_email == "ghost@bar.com"
    assert remove.call_count == 0


async def test_remove_user_error_is_typed(router: respx.MockRouter, enterprise: Enterprise) -> None:
    router.post(f"{URL}/users/usrL2PNC5o3H4lBEi/remove").respond(
        403, json=load_fixture("RemoveUserFromEnterprise.error.Self.json")
    )
    with pytest.raises(PermissionDeniedError, match="on yourself"):
        await enterprise.remove_user("usrL2PNC5o3H4lBEi")


async def test_claim_users_posts_to_users_claim(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # REFERENCE §18: users/claim, not pyairtable's claim/users.
    route = router.post(f"{URL}/users/claim").respond(
        json=load_fixture("ManageUserMembership.response.pyairtable.json")
    )
    result = await enterprise.claim_users(
        {"usrL2PNC5o3H4lBEi": "managed", "someone@example.com": "unmanaged"}
    )
    expected = load_fixture("ManageUserMembership.request.pyairtable.json")
    expected["users"][0]["id"] = "usrL2PNC5o3H4lBEi"
    assert body(last_request(route)) == expected
    assert result.ok
    assert result.errors == ()


async def test_claim_users_partial_failure(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.post(f"{URL}/users/claim").respond(
        json={
            "errors": [
                {
                    "email": "someone@example.com",
                    "type": "INVALID_PERMISSIONS",
                    "message": "Domain not verified",
                }
            ]
        }
    )
    result = await enterprise.claim_users({"someone@example.com": "managed"})
    assert not result.ok
    [error] = result.errors
    assert (error.email, error.id, error.target) == (
        "someone@example.com",
        None,
        "someone@example.com",
    )
    assert error.message == "Domain not verified"


async def test_claim_users_422_is_typed(router: respx.MockRouter, enterprise: Enterprise) -> None:
    router.post(f"{URL}/users/claim").respond(
        422, json=load_fixture("ManageUserMembership.error.NoIdOrEmail.json")
    )
    with pytest.raises(UnprocessableEntityError) as caught:
        await enterprise.claim_users({"usrL2PNC5o3H4lBEi": "managed"})
    assert caught.value.error_type == "INVALID_REQUEST_UNKNOWN"


async def test_grant_admin_mixes_ids_emails_and_user_objects(
    router: respx.MockRouter, enterprise: Enterprise, api: object
) -> None:
    route = router.post(f"{URL}/users/grantAdminAccess").respond(json={"errors": []})
    user = UserInfo(
        id="usrGcrteE5fUMqq0R",
        email="g@bar.com",
        name="G",
        state="provisioned",
        is_service_account=False,
        is_sso_required=False,
        is_two_factor_auth_enabled=False,
        last_activity_time=None,
    )
    result = await enterprise.grant_admin(
        "usrL2PNC5o3H4lBEi", "foo@bar.com", "bam@bam.com", "usrsOEchC9xuwRgKk", "foo@bam.com", user
    )
    assert body(last_request(route)) == load_fixture("GrantAdminAccess.request.json")
    assert result.ok


async def test_revoke_admin_reports_per_user_errors(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.post(f"{URL}/users/revokeAdminAccess").respond(
        json=load_fixture("RevokeAdminAccess.response.json")
    )
    result = await enterprise.revoke_admin(
        "usrL2PNC5o3H4lBEi", "foo@bar.com", "bam@bam.com", "usrsOEchC9xuwRgKk", "foo@bam.com"
    )
    assert body(last_request(route)) == load_fixture("RevokeAdminAccess.request.json")
    assert not result.ok
    assert [(e.type, e.target) for e in result.errors] == [
        ("NOT_FOUND", "bam@bam.com"),
        ("USER_ID_NOT_FOUND", "usrsOEchC9xuwRgKk"),
        ("USER_NOT_ASSIGNED_ADMIN", "foo@bam.com"),
    ]


async def test_delete_users_by_email(router: respx.MockRouter, enterprise: Enterprise) -> None:
    route = router.delete(f"{URL}/users").respond(
        json=load_fixture("DeleteUsersByEmail.response.handwritten.json")
    )
    result = await enterprise.delete_users(["foo@bar.com", "bam@bam.com"])
    request = last_request(route)
    assert query(request) == [("email[]", "foo@bar.com"), ("email[]", "bam@bam.com")]
    assert request.content == b""
    assert [(u.id, u.email) for u in result.deleted_users] == [("usrL2PNC5o3H4lBEi", "foo@bar.com")]
    assert not result.ok
    assert result.errors[0].email == "bam@bam.com"


async def test_delete_users_splits_long_lists_by_url_length_and_merges(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    def side_effect(request: httpx.Request) -> httpx.Response:
        emails = [value for _, value in query(request)]
        deleted = [{"id": f"usr{n:014d}", "email": e} for n, e in enumerate(emails)]
        return httpx.Response(200, json={"deletedUsers": deleted, "errors": []})

    route = router.delete(f"{URL}/users").mock(side_effect=side_effect)
    emails = [f"user{n}@{'y' * 200}.com" for n in range(120)]
    result = await enterprise.delete_users(emails)
    assert route.call_count >= 2
    assert all(len(str(call.request.url)) <= 16_000 for call in route.calls)
    assert sorted(u.email for u in result.deleted_users) == sorted(emails)
    assert result.raw["deletedUsers"][0]["email"] in emails
    assert result.ok


async def test_update_user_sends_only_given_fields(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.patch(f"{URL}/users/usrL2PNC5o3H4lBEi").respond(204)
    result = await enterprise.update_user(
        "usrL2PNC5o3H4lBEi", state="provisioned", email="foo@bar.com"
    )
    assert result is None
    assert body(last_request(route)) == load_fixture("ManageUser.request.pyairtable.json")

    await enterprise.update_user("usrL2PNC5o3H4lBEi", first_name="Ann", last_name="Lee")
    assert body(last_request(route)) == {"firstName": "Ann", "lastName": "Lee"}


async def test_update_user_by_email_resolves_it(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/users").mock(return_value=users_answer(USER_1))
    route = router.patch(f"{URL}/users/usrL2PNC5o3H4lBEi").respond(200)
    await enterprise.update_user("foo@bar.com", state="deactivated")
    assert body(last_request(route)) == {"state": "deactivated"}


async def test_update_user_email_in_use_is_typed(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.patch(f"{URL}/users/usrL2PNC5o3H4lBEi").respond(
        422, json=load_fixture("ManageUser.error.EmailAlreadyInUse.json")
    )
    with pytest.raises(UnprocessableEntityError) as caught:
        await enterprise.update_user("usrL2PNC5o3H4lBEi", email="taken@bar.com")
    assert caught.value.error_type == "EMAIL_ALREADY_IN_USE"


async def test_update_users_batched_body_and_answer(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.patch(f"{URL}/users").respond(
        json=load_fixture("ManageUsersBatched.response.handwritten.json")
    )
    result = await enterprise.update_users(
        [
            UserUpdate(id="usrL2PNC5o3H4lBEi", state="deactivated"),
            {"id": "usrsOEchC9xuwRgKk", "email": "taken@bar.com"},
            {"email": "ann@bar.com", "first_name": "Ann", "last_name": "Lee"},
        ]
    )
    assert body(last_request(route)) == {
        "users": [
            {"id": "usrL2PNC5o3H4lBEi", "state": "deactivated"},
            {"id": "usrsOEchC9xuwRgKk", "email": "taken@bar.com"},
            {"email": "ann@bar.com", "firstName": "Ann", "lastName": "Lee"},
        ]
    }
    assert [u.id for u in result.updated_users] == ["usrL2PNC5o3H4lBEi", "usrGcrteE5fUMqq0R"]
    assert result.updated_users[0].state == "deactivated"
    assert result.updated_users[1].first_name == "Ann"
    assert result.errors[0].type == "EMAIL_ALREADY_IN_USE"
    assert not result.ok


async def test_update_users_chunks_by_10_and_merges_in_order(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    def side_effect(request: httpx.Request) -> httpx.Response:
        users = body(request)["users"]
        return httpx.Response(
            200, json={"updatedUsers": [{"id": u["id"]} for u in users], "errors": []}
        )

    route = router.patch(f"{URL}/users").mock(side_effect=side_effect)
    ids = [f"usr{n:014d}" for n in range(25)]
    result = await enterprise.update_users(UserUpdate(id=i, state="deactivated") for i in ids)
    sizes = sorted(len(body(call.request)["users"]) for call in route.calls)
    assert sizes == [5, 10, 10]
    assert [u.id for u in result.updated_users] == ids
    assert result.ok


async def test_update_users_failed_chunk_lets_others_finish(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    def side_effect(request: httpx.Request) -> httpx.Response:
        users = body(request)["users"]
        if users[0]["id"] == "usr00000000000010":
            return httpx.Response(403, json=load_fixture("UserAdmin.error.ActionOnSelf.json"))
        return httpx.Response(200, json={"updatedUsers": [], "errors": []})

    route = router.patch(f"{URL}/users").mock(side_effect=side_effect)
    ids = [f"usr{n:014d}" for n in range(30)]
    with pytest.raises(PermissionDeniedError) as caught:
        await enterprise.update_users({"id": i, "state": "deactivated"} for i in ids)
    assert route.call_count == 3
    assert caught.value.__notes__ == ["request 2 of 3 failed; requests 1, 3 completed"]


async def test_delete_user_and_logout_user(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    delete = router.delete(f"{URL}/users/usrL2PNC5o3H4lBEi").respond(200)
    logout = router.post(f"{URL}/users/usrL2PNC5o3H4lBEi/logout").respond(200)
    assert await enterprise.delete_user("usrL2PNC5o3H4lBEi") is None
    assert await enterprise.logout_user("usrL2PNC5o3H4lBEi") is None
    assert last_request(delete).content == b""
    assert last_request(logout).content == b""


async def test_delete_user_error_is_typed(router: respx.MockRouter, enterprise: Enterprise) -> None:
    router.delete(f"{URL}/users/usrL2PNC5o3H4lBEi").respond(
        403, json=load_fixture("UserAdmin.error.ActionOnSelf.json")
    )
    with pytest.raises(PermissionDeniedError, match="Cannot perform action on self"):
        await enterprise.delete_user("usrL2PNC5o3H4lBEi")


# ------------------------------------------------------------------- groups


async def test_group_with_collaborations(router: respx.MockRouter, enterprise: Enterprise) -> None:
    route = router.get("/v0/meta/groups/ugp1mKGb3KXUyQfOZ").respond(
        json=load_fixture("GetUserGroup.response.handwritten.json")
    )
    group = await enterprise.group("ugp1mKGb3KXUyQfOZ")
    assert query(last_request(route)) == [("include[]", "collaborations")]
    assert group.name == "Group name"
    assert group.user_ids == ("usrL2PNC5o3H4lBEi", "usrsOEchC9xuwRgKk")
    assert group.members[1].first_name is None
    assert group.members[0].role == "manager"
    assert group.mapped_user_license_type == "editor"
    assert group.updated_time == datetime(2022, 9, 2, 10, 10, 35, tzinfo=UTC)
    assert group.collaborations is not None
    [workspace] = group.collaborations.workspaces
    assert (workspace.workspace_id, workspace.permission_level) == ("wspmhESAta6clCCwF", "read")


async def test_group_without_collaborations(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    answer = load_fixture("GetUserGroup.response.handwritten.json")
    del answer["collaborations"]
    route = router.get("/v0/meta/groups/ugp1mKGb3KXUyQfOZ").respond(json=answer)
    group = await enterprise.group("ugp1mKGb3KXUyQfOZ", collaborations=False)
    assert query(last_request(route)) == []
    assert group.collaborations is None


async def test_groups_fetched_concurrently_in_input_order(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    template = load_fixture("GetUserGroup.response.handwritten.json")

    def side_effect(request: httpx.Request, group_id: str) -> httpx.Response:
        return httpx.Response(200, json={**template, "id": group_id, "name": group_id})

    route = router.get(path__regex=r"^/v0/meta/groups/(?P<group_id>\w+)$").mock(
        side_effect=side_effect
    )
    ids = ["ugpR8ZT9KtIgp8Bh3", "ugp1mKGb3KXUyQfOZ", "ugpR8ZT9KtIgp8Bh3"]
    groups = await enterprise.groups(ids)
    assert [g.id for g in groups] == ["ugpR8ZT9KtIgp8Bh3", "ugp1mKGb3KXUyQfOZ"]
    assert route.call_count == 2


async def test_move_groups(router: respx.MockRouter, enterprise: Enterprise, api: object) -> None:
    route = router.post(f"{URL}/moveGroups").respond(
        json=load_fixture("MoveUserGroups.response.handwritten.json")
    )
    request = load_fixture("MoveUserGroups.request.json")
    target = Enterprise(enterprise.api, request["targetEnterpriseAccountId"])
    result = await enterprise.move_groups(request["groupIds"], target=target)
    assert body(last_request(route)) == request
    assert [g.id for g in result.moved_groups] == ["ugp1mKGb3KXUyQfOZ", "ugpR8ZT9KtIgp8Bh3"]
    assert result.moved_groups[1].removed_user_ids == ("usrsOEchC9xuwRgKk",)
    assert result.moved_groups[0].removed_user_ids == ()
    [error] = result.errors
    assert (error.id, error.message) == ("ugp1UdbspZKMrIOjk", "Invalid permissions")


# --------------------------------------------------------------- workspaces


async def test_move_workspaces(router: respx.MockRouter, enterprise: Enterprise) -> None:
    route = router.post(f"{URL}/moveWorkspaces").respond(
        json=load_fixture("MoveWorkspaces.response.handwritten.json")
    )
    result = await enterprise.move_workspaces(["wspmhESAta6clCCwF"], "entJ9ZQ5vz9ZQ5vz9")
    assert body(last_request(route)) == {
        "workspaceIds": ["wspmhESAta6clCCwF"],
        "targetEnterpriseAccountId": "entJ9ZQ5vz9ZQ5vz9",
    }
    assert [w.id for w in result.moved_workspaces] == ["wspmhESAta6clCCwF"]
    assert result.ok


async def test_move_workspaces_with_replacement_owner_email(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/users").mock(return_value=users_answer(USER_2))
    route = router.post(f"{URL}/moveWorkspaces").respond(json={"movedWorkspaces": [], "errors": []})
    await enterprise.move_workspaces(
        ["wspmhESAta6clCCwF"], "entJ9ZQ5vz9ZQ5vz9", replacement_owner="baz@bar.com"
    )
    assert body(last_request(route))["replacementOwnerId"] == "usrsOEchC9xuwRgKk"


async def test_create_workspace_returns_a_named_handle(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.post("/v0/meta/workspaces").respond(
        json=load_fixture("CreateWorkspace.response.json")
    )
    workspace = await enterprise.create_workspace("My New Workspace")
    assert body(last_request(route)) == load_fixture("CreateWorkspace.request.json")
    assert isinstance(workspace, Workspace)
    assert workspace.id == "wspmhESAta6clCCwF"
    assert workspace.name == "My New Workspace"
