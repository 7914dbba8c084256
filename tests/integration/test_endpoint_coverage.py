"""72 of 72: every endpoint of REFERENCE §2 is served by the emulator and called by the
client (issue 24). The CLI's side is tests/cli/test_reachability.py.

The catalogue below is REFERENCE §2 with its compound rows (29-32, 33-37, 38-40,
41-43, 52-63, 69-71) written out, one endpoint per line, paths with ``{}`` for each
parameter. The client's side runs one method per endpoint against the emulator, and
the emulator's per-route counter proves each endpoint was called.
"""

from __future__ import annotations

import re

import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.http.routes import ROUTES
from airtable_enterprise.testing.world.state import Grant, InviteLink

pytestmark = pytest.mark.anyio

_E = "/v0/meta/enterpriseAccounts/{}"
_W = "/v0/meta/workspaces/{}"
_B = "/v0/meta/bases/{}"
_I = f"{_B}/interfaces/{{}}"

#: REFERENCE §2, one (method, path) per endpoint, in the table's order.
CATALOGUE: tuple[tuple[str, str], ...] = (
    ("GET", _E),  # 1
    ("POST", f"{_E}/descendants"),
    ("GET", f"{_E}/users"),
    ("GET", f"{_E}/users/{{}}"),
    ("PATCH", f"{_E}/users/{{}}"),  # 5
    ("PATCH", f"{_E}/users"),
    ("DELETE", f"{_E}/users/{{}}"),
    ("DELETE", f"{_E}/users"),
    ("POST", f"{_E}/users/{{}}/logout"),
    ("POST", f"{_E}/users/claim"),  # 10
    ("POST", f"{_E}/users/grantAdminAccess"),
    ("POST", f"{_E}/users/revokeAdminAccess"),
    ("POST", f"{_E}/users/{{}}/remove"),
    ("GET", "/v0/meta/groups/{}"),
    ("POST", f"{_E}/moveGroups"),  # 15
    ("POST", "/v0/meta/workspaces"),
    ("DELETE", _W),
    ("GET", _W),
    ("POST", f"{_W}/moveBase"),
    ("POST", f"{_W}/updateRestrictions"),  # 20
    ("POST", f"{_W}/collaborators"),
    ("PATCH", f"{_W}/collaborators/{{}}"),
    ("DELETE", f"{_W}/collaborators/{{}}"),
    ("DELETE", f"{_W}/invites/{{}}"),
    ("POST", f"{_E}/moveWorkspaces"),  # 25
    ("POST", "/v0/meta/bases"),
    ("DELETE", _B),
    ("GET", _B),
    ("POST", f"{_B}/collaborators"),
    ("PATCH", f"{_B}/collaborators/{{}}"),  # 30
    ("DELETE", f"{_B}/collaborators/{{}}"),
    ("DELETE", f"{_B}/invites/{{}}"),
    ("GET", _I),
    ("POST", f"{_I}/collaborators"),
    ("PATCH", f"{_I}/collaborators/{{}}"),  # 35
    ("DELETE", f"{_I}/collaborators/{{}}"),
    ("DELETE", f"{_I}/invites/{{}}"),
    ("GET", f"{_B}/shares"),
    ("PATCH", f"{_B}/shares/{{}}"),
    ("DELETE", f"{_B}/shares/{{}}"),  # 40
    ("GET", f"{_B}/blockInstallations"),
    ("PATCH", f"{_B}/blockInstallations/{{}}"),
    ("DELETE", f"{_B}/blockInstallations/{{}}"),
    ("GET", f"{_E}/auditLogEvents"),
    ("GET", f"{_E}/auditLogs"),  # 45
    ("POST", f"{_E}/auditLogs"),
    ("GET", f"{_E}/auditLogs/{{}}"),
    ("GET", f"{_E}/exports"),
    ("POST", f"{_E}/exports"),
    ("GET", f"{_E}/exports/{{}}"),  # 50
    ("GET", f"{_E}/changeEvents"),
    ("GET", "/scim/v2/Users"),
    ("POST", "/scim/v2/Users"),
    ("GET", "/scim/v2/Users/{}"),
    ("PUT", "/scim/v2/Users/{}"),  # 55
    ("PATCH", "/scim/v2/Users/{}"),
    ("DELETE", "/scim/v2/Users/{}"),
    ("GET", "/scim/v2/Groups"),
    ("POST", "/scim/v2/Groups"),
    ("GET", "/scim/v2/Groups/{}"),  # 60
    ("PUT", "/scim/v2/Groups/{}"),
    ("PATCH", "/scim/v2/Groups/{}"),
    ("DELETE", "/scim/v2/Groups/{}"),
    ("GET", f"{_E}/packages"),
    ("POST", f"{_E}/packages/{{}}/install"),  # 65
    ("GET", f"{_E}/personalAccessTokens"),
    ("POST", f"{_E}/personalAccessTokens/revoke"),
    ("POST", f"{_E}/workspaceAiAllowlist"),
    ("POST", "/v0/{}/{}/getRecords"),
    ("PUT", "/v0/{}/{}/upsertRecords"),  # 70
    ("POST", "/v0/{}/{}/deleteRecords"),
    ("GET", "/v0/meta/whoami"),
)


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_the_catalogue_has_the_72_documented_endpoints_once() -> None:
    assert len(CATALOGUE) == 72
    assert len(set(CATALOGUE)) == 72


def test_the_emulator_serves_every_endpoint() -> None:
    served = {(method, _normal(path)) for method, path, _ in ROUTES}
    missing = [endpoint for endpoint in CATALOGUE if endpoint not in served]
    assert missing == []
    # Beyond the catalogue: list bases (pyairtable's lookups) and pyairtable's claim path.
    assert served - set(CATALOGUE) == {
        ("GET", "/v0/meta/bases"),
        ("POST", f"{_E}/claim/users"),
    }


def _invite(emulator: Emulator) -> InviteLink:
    world = emulator.world
    return InviteLink(
        id=world.new_id("inv"),
        type="multiUse",
        created_time=world.now(),
        invited_email=None,
        referred_by=emulator.admin_id,
        permission_level="read",
    )


async def test_the_client_calls_every_endpoint() -> None:
    # The world's own clock (the client checks an audit-log period against today).
    world = generate_enterprise(seed=3, users=60, events=300)
    now = world.now()
    emulator = Emulator(world, job_duration=0.0)
    admin = emulator.admin_id
    base = next(
        b for b in world.bases.values() if b.interfaces and b.shares and b.block_installations
    )
    workspace = world.workspaces[base.workspace_id]
    workspace.grants[admin] = Grant(admin, "owner", now, admin)
    interface = next(iter(base.interfaces.values()))
    for holder in (workspace, base, interface):
        invite = _invite(emulator)
        holder.invites[invite.id] = invite
    domain = next(iter(world.root.email_domains))
    user = emulator.make_user(f"cover.user@{domain}")
    spare = emulator.make_user(f"cover.spare@{domain}")
    group = emulator.make_group("Coverage", members=[user])
    descendant = world.descendant_ids()[0]
    token = next(t.id for t in world.access_tokens.values() if t.state == "active")
    table = next(iter(world.data_tables))
    package = next(p for p in world.packages.values() if p.latest_release_id)
    tables = [{"name": "T", "fields": [{"name": "Name", "type": "singleLineText"}]}]

    async with emulator.api() as api:
        ent = api.enterprise(emulator.enterprise_id)
        await api.whoami()
        await ent.info()
        await ent.create_descendant("Coverage unit")
        await ent.users([user.email])
        await ent.user_by_id(user.id)
        await ent.update_user(user.id, last_name="Covered")
        await ent.update_users([{"id": user.id, "last_name": "Batched"}])
        await ent.logout_user(user.id)
        await ent.claim_users({user.id: "managed"})
        await ent.grant_admin(spare.id)
        await ent.revoke_admin(spare.id)
        await ent.remove_user(user.id, dry_run=True)
        await ent.group(group.id)
        await ent.move_groups([group.id], descendant)
        created = await ent.create_workspace("Coverage")
        await created.collaborators()
        new_base = await created.create_base("Coverage base", tables)
        await created.move_base(new_base, workspace.id)
        await created.update_restrictions(invite_creation="onlyOwners")
        await created.add_collaborator(spare.id, "read")
        await created.update_collaborator(spare.id, "comment")
        await created.remove_collaborator(spare.id)
        ws = api.workspace(workspace.id)
        await ws.delete_invite(next(iter(workspace.invites)))
        handle = api.base(base.id)
        await handle.collaborators()
        await handle.add_collaborator(spare.id, "read")
        await handle.update_collaborator(spare.id, "edit")
        await handle.remove_collaborator(spare.id)
        await handle.delete_invite(next(iter(base.invites)))
        pbd = handle.interface(interface.id)
        await pbd.collaborators()
        await pbd.add_collaborator(spare.id, "read")
        await pbd.update_collaborator(spare.id, "edit")
        await pbd.remove_collaborator(spare.id)
        await pbd.delete_invite(next(iter(interface.invites)))
        share = next(iter(base.shares))
        await handle.shares()
        await handle.disable_share(share)
        await handle.delete_share(share)
        installation = next(iter(base.block_installations))
        await handle.block_installations()
        await handle.disable_block_installation(installation)
        await handle.delete_block_installation(installation)
        [page async for page in ent.audit_log(page_size=10, page_limit=1)]
        request = await ent.create_audit_log_request(now.date())
        await ent.audit_log_request(request.id)
        [r async for r in ent.audit_log_requests()]
        export = await ent.create_export(base.id)
        await ent.export(export.id)
        [e async for e in ent.exports()]
        changes = ent.change_events()
        async for _ in changes:
            break
        scim = api.scim
        [u async for u in scim.users(page_size=10)]
        scim_user = await scim.create_user(
            f"cover.scim@{domain}", given_name="Sc", family_name="Im"
        )
        await scim.get_user(scim_user.id)
        await scim.replace_user(
            scim_user.id, f"cover.scim@{domain}", given_name="S", family_name="I"
        )
        await scim.deactivate_user(scim_user.id)
        [g async for g in scim.groups()]
        scim_group = await scim.create_group("Coverage SCIM")
        await scim.get_group(scim_group.id)
        await scim.replace_group(scim_group.id, "Coverage SCIM 2")
        await scim.add_members(scim_group.id, [scim_user.id])
        await scim.delete_group(scim_group.id)
        await scim.delete_user(scim_user.id)
        await ent.packages()
        await ent.create_base_from_package(workspace.id, "From package", package.id)
        await ent.access_tokens()
        await ent.revoke_access_tokens([token])
        await ent.allow_ai({workspace.id: True})
        data = ent.data_table(table)
        [r async for r in data.records(max_records=5)]
        await data.upsert([{"primaryKey": "cover-1", "fields": {"n": 1}}])
        await data.delete(["cover-1"])
        await handle.delete()
        await ent.delete_users([spare.email])
        await ent.delete_user(user.id)
        moved = await ent.create_workspace("Coverage moved")
        await ent.move_workspaces([moved.id], descendant)
        await created.delete()

    called = {
        (name.split(" ", 1)[0], _normal(name.split(" ", 1)[1]))
        for name, count in emulator.stats.routes.items()
        if count and name != "unknown"
    }
    missing = [endpoint for endpoint in CATALOGUE if endpoint not in called]
    assert missing == []
    assert emulator.stats.statuses.keys() <= {200}, emulator.stats.statuses
