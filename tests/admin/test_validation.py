"""Bad input raises InvalidInputError naming the value, before any request is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from airtable_enterprise import AsyncApi, Base, InvalidInputError, UserUpdate

from .helpers import no_requests

pytestmark = pytest.mark.anyio

USR = "usrL2PNC5o3H4lBEi"
TABLES = [{"name": "Tasks", "fields": [{"name": "Name", "type": "singleLineText"}]}]

Call = Callable[[AsyncApi], Awaitable[Any]]


def ent(api: AsyncApi) -> Any:
    return api.enterprise("entUBq2RGdihxl3vU")


def wsp(api: AsyncApi) -> Any:
    return api.workspace("wspmhESAta6clCCwF")


CASES: list[tuple[str, Call, str]] = [
    # (case id, call, text the error must contain: the bad value or the argument)
    ("info flag not bool", lambda a: ent(a).info(aggregated="yes"), "'yes'"),
    ("descendant name blank", lambda a: ent(a).create_descendant("  "), "'  '"),
    ("descendant name not str", lambda a: ent(a).create_descendant(None), "None"),
    ("user bad id", lambda a: ent(a).user("usrShort"), "'usrShort'"),
    ("user wrong prefix", lambda a: ent(a).user("ugp1mKGb3KXUyQfOZ"), "'ugp1mKGb3KXUyQfOZ'"),
    ("user bad email", lambda a: ent(a).user("a@b@c.com"), "'a@b@c.com'"),
    ("user flag not bool", lambda a: ent(a).user(USR, collaborations=1), "collaborations=1"),
    ("users empty", lambda a: ent(a).users([]), "ids_or_emails"),
    ("users a bare string", lambda a: ent(a).users("foo@bar.com"), "'foo@bar.com'"),
    ("users one bad item", lambda a: ent(a).users([USR, "nope"]), "ids_or_emails[1]='nope'"),
    ("users email too long", lambda a: ent(a).users([f"{'a' * 250}@b.com"]), "aaaa"),
    ("remove bad user", lambda a: ent(a).remove_user("usr123"), "'usr123'"),
    ("remove bad replacement", lambda a: ent(a).remove_user(USR, "x"), "replacement='x'"),
    ("remove dry_run not bool", lambda a: ent(a).remove_user(USR, dry_run="no"), "'no'"),
    ("claim empty", lambda a: ent(a).claim_users({}), "users"),
    ("claim bad state", lambda a: ent(a).claim_users({USR: "provisioned"}), "'provisioned'"),
    ("claim bad key", lambda a: ent(a).claim_users({"bob": "managed"}), "'bob'"),
    ("delete_users not emails", lambda a: ent(a).delete_users([USR]), USR),
    ("delete_users empty", lambda a: ent(a).delete_users([]), "emails"),
    ("grant nobody", lambda a: ent(a).grant_admin(), "users"),
    ("grant bad id", lambda a: ent(a).grant_admin("usrNOPE"), "'usrNOPE'"),
    ("revoke bad value", lambda a: ent(a).revoke_admin(42), "42"),
    ("update_user nothing", lambda a: ent(a).update_user(USR), "update_user"),
    (
        "update_user managed is not a user state",
        lambda a: ent(a).update_user(USR, state="managed"),
        "'managed'",
    ),
    ("update_user bad email", lambda a: ent(a).update_user(USR, email="x"), "email='x'"),
    ("update_user blank name", lambda a: ent(a).update_user(USR, first_name=""), "first_name"),
    ("update_users empty", lambda a: ent(a).update_users([]), "updates"),
    (
        "update_users no target",
        lambda a: ent(a).update_users([UserUpdate(state="deactivated")]),
        "updates[0]",
    ),
    (
        "update_users changes nothing",
        lambda a: ent(a).update_users([{"id": USR}]),
        "changes nothing",
    ),
    (
        "update_users unknown key",
        lambda a: ent(a).update_users([{"id": USR, "firstName": "A"}]),
        "first_name",
    ),
    (
        "update_users bad state",
        lambda a: ent(a).update_users([{"email": "a@b.com", "state": "gone"}]),
        "updates[0].state='gone'",
    ),
    ("delete_user bad id", lambda a: ent(a).delete_user("appLkNDICXNqxSDhG"), "appLkNDI"),
    ("logout bad id", lambda a: ent(a).logout_user(""), "''"),
    ("group grp prefix", lambda a: ent(a).group("grp1234567890abcd"), "'grp1234567890abcd'"),
    ("groups empty", lambda a: ent(a).groups([]), "group_ids"),
    (
        "move_groups over 100",
        lambda a: ent(a).move_groups([f"ugp{n:014d}" for n in range(101)], "entJ9ZQ5vz9ZQ5vz9"),
        "101",
    ),
    (
        "move_groups bad target",
        lambda a: ent(a).move_groups(["ugp1mKGb3KXUyQfOZ"], "wspmhESAta6clCCwF"),
        "target='wspmhESAta6clCCwF'",
    ),
    (
        "move_workspaces over 100",
        lambda a: ent(a).move_workspaces([f"wsp{n:014d}" for n in range(101)], "entJ9ZQ5vz9ZQ5vz9"),
        "101",
    ),
    (
        "move_workspaces bad replacement",
        lambda a: ent(a).move_workspaces(
            ["wspmhESAta6clCCwF"], "entJ9ZQ5vz9ZQ5vz9", replacement_owner="ugp1mKGb3KXUyQfOZ"
        ),
        "replacement_owner",
    ),
    ("create_workspace blank", lambda a: ent(a).create_workspace(""), "name"),
    ("create_base no tables", lambda a: wsp(a).create_base("B", []), "tables"),
    (
        "create_base table no fields",
        lambda a: wsp(a).create_base("B", [{"name": "T"}]),
        "tables[0]",
    ),
    ("create_base blank name", lambda a: wsp(a).create_base(" ", TABLES), "name"),
    ("move_base bad base", lambda a: wsp(a).move_base("tblX", "wspHvvm4dAktsStZH"), "'tblX'"),
    (
        "move_base negative index",
        lambda a: wsp(a).move_base("appLkNDICXNqxSDhG", "wspHvvm4dAktsStZH", index=-1),
        "index=-1",
    ),
    (
        "move_base bool index",
        lambda a: wsp(a).move_base("appLkNDICXNqxSDhG", "wspHvvm4dAktsStZH", index=True),
        "index=True",
    ),
    (
        "move_base bad target",
        lambda a: wsp(a).move_base("appLkNDICXNqxSDhG", "appSW9R5uCNmRmfl6"),
        "target",
    ),
    (
        "add_collaborator bad level",
        lambda a: wsp(a).add_collaborator(USR, "admin"),
        "'admin'",
    ),
    (
        "add_collaborator group owner",
        lambda a: wsp(a).add_collaborator("ugp1mKGb3KXUyQfOZ", "owner"),
        "group cannot be the owner",
    ),
    (
        "add_collaborator email",
        lambda a: wsp(a).add_collaborator("foo@bar.com", "edit"),
        "'foo@bar.com'",
    ),
    (
        "update_collaborator bad level",
        lambda a: wsp(a).update_collaborator(USR, "none"),
        "'none'",
    ),
    ("remove_collaborator bad id", lambda a: wsp(a).remove_collaborator("wsp1"), "'wsp1'"),
    ("restrictions nothing", lambda a: wsp(a).update_restrictions(), "update_restrictions"),
    (
        "restrictions bad value",
        lambda a: wsp(a).update_restrictions(share_creation="owners"),
        "'owners'",
    ),
    ("delete_invite bad id", lambda a: wsp(a).delete_invite("usrL2PNC5o3H4lBEi"), "invite_id"),
    ("collaborators force", lambda a: wsp(a).collaborators(force=None), "force"),
    (
        "base add bad level",
        lambda a: Base(a, "appLkNDICXNqxSDhG").add_collaborator(USR, "boss"),
        "'boss'",
    ),
]


@pytest.mark.parametrize(("call", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_bad_input_is_refused_before_any_request(
    router: respx.MockRouter, api: AsyncApi, call: Call, expected: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await call(api)
    assert expected in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert no_requests(router)


@pytest.mark.parametrize(
    "make",
    [
        lambda a: a.enterprise("entShort"),
        lambda a: a.workspace("appLkNDICXNqxSDhG"),
        lambda a: Base(a, "wspmhESAta6clCCwF"),
    ],
)
async def test_handles_check_their_id(api: AsyncApi, make: Callable[[AsyncApi], Any]) -> None:
    with pytest.raises(InvalidInputError):
        make(api)
