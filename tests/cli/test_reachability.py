"""Every endpoint of REFERENCE §2 is reachable from the command line (issue 26).

The catalogue is read from REFERENCE §2's table (the project's copy in
``tests/fixtures/REFERENCE.endpoints.md``, checked against the shared REFERENCE when it
is beside the checkout), its compound rows expanded into single endpoints, and each
endpoint mapped to a command. Each command then runs against the emulator, and the
emulator's per-route counter proves the endpoint was called.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from airtable_enterprise.cli import cli
from airtable_enterprise.cli._session import EmulatorSpec
from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.http.routes import ROUTES
from airtable_enterprise.testing.world.state import Grant, InviteLink

COPY = Path(__file__).parents[1] / "fixtures" / "REFERENCE.endpoints.md"
#: Row numbers and endpoints Airtable documents (REFERENCE §2).
ENDPOINT_COUNT = 72


def shared_reference() -> Path | None:
    """The shared REFERENCE.md when it is beside this checkout (or one above)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "api" / "REFERENCE.md"
        if candidate.is_file():
            return candidate
    return None


def section_2(text: str) -> str:
    """The table of '## 2. Endpoint catalogue'."""
    start = text.index("## 2. Endpoint catalogue")
    end = text.index("\n## 3.", start)
    return text[start:end]


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])


def _split_top(text: str, separator: str) -> list[str]:
    """``text`` split on ``separator`` outside brackets."""
    parts, depth, current = [], 0, ""
    i = 0
    while i < len(text):
        if text[i] == "[":
            depth += 1
        elif text[i] == "]":
            depth -= 1
        if depth == 0 and text.startswith(separator, i):
            parts.append(current)
            current = ""
            i += len(separator)
            continue
        current += text[i]
        i += 1
    parts.append(current)
    return [part.strip() for part in parts]


def expand(pattern: str) -> list[str]:
    """The paths of a catalogue path pattern: ``A[/B[/C] | /D]`` -> A, A/B, A/B/C, A/D;
    ``A/x | y`` -> A/x, A/y (an alternative replaces the last segment)."""
    alternatives = _split_top(pattern, "|")
    if len(alternatives) > 1:
        first = expand(alternatives[0])
        head = first[0].rsplit("/", 1)[0]
        return first + [f"{head}/{alt.strip().lstrip('/')}" for alt in alternatives[1:]]
    at = pattern.find("[")
    if at < 0:
        return [pattern]
    close, depth = at, 0
    for close in range(at, len(pattern)):
        depth += {"[": 1, "]": -1}.get(pattern[close], 0)
        if depth == 0:
            break
    head, inner, tail = pattern[:at], pattern[at + 1 : close], pattern[close + 1 :]
    paths = [head + tail]
    for alternative in _split_top(inner, "|"):
        paths += [head + sub + tail for sub in expand(alternative)]
    return paths


def endpoints(table: str, routes: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(row label, METHOD, normalised path) of every endpoint of the table."""
    found: list[tuple[str, str, str]] = []
    for line in table.splitlines():
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if not cells or not re.fullmatch(r"\d+(–\d+)?", cells[0]):
            continue
        label, methods_cell, paths_cell = cells[0], cells[1], cells[2]
        first, _, last = label.partition("–")
        size = int(last or first) - int(first) + 1
        methods = [m for group in methods_cell.split(",") for m in group.strip().split("/")]
        groups = _split_top(paths_cell.replace("…", "").split("?", 1)[0], ",")
        root = groups[0].split("[")[0].rsplit("/", 1)[0]
        paths: list[str] = []
        for group in groups:
            full = group if group.startswith(("/v0", "/scim")) else root + group
            paths += [_normal(p) for p in expand(full)]
        if len(methods) == len(paths):
            pairs = list(zip(methods, paths, strict=True))
        else:  # compound rows: the method/path pairs that are routes
            pairs = [(m, p) for p in paths for m in dict.fromkeys(methods) if (m, p) in routes]
        assert len(pairs) == size, f"row {label}: {pairs}"
        found += [(f"#{label} {m} {p}", m, p) for m, p in pairs]
    return found


ROUTE_SET = {(method, _normal(path)) for method, path, _ in ROUTES}
CATALOGUE = endpoints(section_2(COPY.read_text(encoding="utf-8")), ROUTE_SET)


def test_the_copy_of_the_catalogue_is_the_shared_one() -> None:
    shared = shared_reference()
    if shared is None:
        pytest.skip("the shared REFERENCE is not beside this checkout")
    assert section_2(shared.read_text(encoding="utf-8")) == section_2(COPY.read_text("utf-8"))


def test_the_catalogue_has_every_documented_endpoint_once() -> None:
    assert len(CATALOGUE) == ENDPOINT_COUNT
    assert len({(m, p) for _, m, p in CATALOGUE}) == ENDPOINT_COUNT


# ------------------------------------------------------------------- the scene


@attrs.define
class Scene:
    """A small enterprise with one of everything a command needs, the token's admin
    owning the workspace (``ws``) the commands change."""

    emulator: Emulator
    tmp: Path
    ws: str = ""
    ws2: str = ""
    base: str = ""
    interface: str = ""
    share: str = ""
    bli: str = ""
    user: str = ""  # an internal user with grants on ws, base and interface
    user_email: str = ""
    spare: str = ""  # an internal user with no grant
    spare_email: str = ""
    other: str = ""
    group: str = ""
    descendant: str = ""
    token: str = ""
    package: str = ""

    def run(self, args: list[str]) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, args, obj=EmulatorSpec(emulator=self.emulator))
        return result.exit_code, result.stdout, result.stderr

    def invite(self, holder: object) -> str:
        world = self.emulator.world
        invite = InviteLink(
            id=world.new_id("inv"),
            type="singleUse",
            created_time=world.now(),
            invited_email=self.spare_email,
            referred_by=self.emulator.admin_id,
            permission_level="read",
        )
        holder.invites[invite.id] = invite  # type: ignore[attr-defined]
        return invite.id

    def json_file(self, name: str, data: object) -> str:
        path = self.tmp / name
        path.write_text(json.dumps(data))
        return str(path)


def make_scene(tmp: Path) -> Scene:
    world = generate_enterprise(seed=3, users=60, events=600)
    emulator = Emulator(world, job_duration=0.0)
    scene = Scene(emulator, tmp)
    now = world.now()
    admin = emulator.admin_id
    base = next(
        b
        for b in world.bases.values()
        if b.interfaces
        and b.shares
        and b.block_installations
        and world.workspace(b.workspace_id).account_id == world.root_id
    )
    workspace = world.workspace(base.workspace_id)
    scene.ws, scene.base = workspace.id, base.id
    scene.ws2 = next(
        w.id
        for w in world.workspaces.values()
        if w.account_id == world.root_id and w.id != scene.ws
    )
    interface = next(iter(base.interfaces.values()))
    scene.interface = interface.id
    scene.share = next(iter(base.shares))
    scene.bli = next(iter(base.block_installations))
    user = emulator.make_user(first_name="Ula")
    spare = emulator.make_user(first_name="Sam")
    other = emulator.make_user(first_name="Oli")
    scene.user, scene.user_email = user.id, user.email
    scene.spare, scene.spare_email = spare.id, spare.email
    scene.other = other.id
    for holder in (workspace, base, interface):
        holder.grants[user.id] = Grant(user.id, "edit", now, admin)
    workspace.grants[admin] = Grant(admin, "owner", now, admin)
    for ws_id in (scene.ws, scene.ws2):
        world.workspace(ws_id).grants[admin] = Grant(admin, "owner", now, admin)
    scene.group = emulator.make_group("Reachability", members=[user]).id
    scene.descendant = world.descendant_ids()[0]
    scene.token = next(t.id for t in world.access_tokens.values() if t.state == "active")
    return scene


def _period(scene: Scene) -> str:
    return scene.emulator.world.now().strftime("%Y-%m")


def _created(scene: Scene, args: list[str]) -> str:
    code, out, err = scene.run(args)
    assert code == 0, err
    return str(json.loads(out)["id"])


def _scim_user(scene: Scene) -> list[str]:
    document = {"userName": scene.user_email, "name": {"givenName": "U", "familyName": "L"}}
    path = scene.json_file("user.json", document)
    return ["scim", "users", "replace", scene.user, "--input", path, "--yes"]


def _scim_group(scene: Scene) -> list[str]:
    document = {"displayName": "Reachability 2", "members": [{"value": scene.spare}]}
    path = scene.json_file("group.json", document)
    return ["scim", "groups", "replace", scene.group, "--input", path, "--yes"]


E = "/v0/meta/enterpriseAccounts/{}"
W = "/v0/meta/workspaces/{}"
B = "/v0/meta/bases/{}"
I = f"{B}/interfaces/{{}}"  # noqa: E741

#: Each endpoint -> the command that calls it (given the scene).
COMMANDS: dict[tuple[str, str], Callable[[Scene], list[str]]] = {
    ("GET", E): lambda s: ["info"],
    ("POST", f"{E}/descendants"): lambda s: ["descendants", "create", "Org unit 2"],
    ("GET", f"{E}/users"): lambda s: ["users", "get", s.user_email],
    ("GET", f"{E}/users/{{}}"): lambda s: ["users", "update", s.user, "--first-name", "Ula"],
    ("PATCH", f"{E}/users/{{}}"): lambda s: ["users", "update", s.user, "--last-name", "Ray"],
    ("PATCH", f"{E}/users"): lambda s: ["users", "update", s.user, s.spare, "--last-name", "Ray"],
    ("DELETE", f"{E}/users/{{}}"): lambda s: ["users", "delete", s.spare, "--yes"],
    ("DELETE", f"{E}/users"): lambda s: ["users", "delete", s.spare_email, "--yes"],
    ("POST", f"{E}/users/{{}}/logout"): lambda s: ["users", "logout", s.user_email],
    ("POST", f"{E}/users/claim"): lambda s: ["users", "claim", s.user_email],
    ("POST", f"{E}/users/grantAdminAccess"): lambda s: ["admins", "grant", s.spare],
    ("POST", f"{E}/users/revokeAdminAccess"): lambda s: ["admins", "revoke", _admin(s)],
    ("POST", f"{E}/users/{{}}/remove"): lambda s: ["users", "offboard", s.user, "--dry-run"],
    ("GET", "/v0/meta/groups/{}"): lambda s: ["groups", "show", s.group],
    ("POST", f"{E}/moveGroups"): lambda s: ["groups", "move", s.descendant, s.group, "--yes"],
    ("POST", "/v0/meta/workspaces"): lambda s: ["workspaces", "create", "Ops"],
    ("DELETE", W): lambda s: ["workspaces", "delete", s.ws2, "--yes"],
    ("GET", W): lambda s: ["workspaces", "collaborators", s.ws],
    ("POST", f"{W}/moveBase"): lambda s: ["workspaces", "move-base", s.ws, s.base, s.ws2],
    ("POST", f"{W}/updateRestrictions"): lambda s: [
        "workspaces",
        "restrictions",
        s.ws,
        "--invites",
        "onlyOwners",
    ],
    ("POST", f"{W}/collaborators"): lambda s: [
        "workspaces",
        "collaborators",
        "add",
        s.ws,
        s.spare_email,
        "read",
    ],
    ("PATCH", f"{W}/collaborators/{{}}"): lambda s: [
        "workspaces",
        "collaborators",
        "update",
        s.ws,
        s.user,
        "comment",
    ],
    ("DELETE", f"{W}/collaborators/{{}}"): lambda s: [
        "workspaces",
        "collaborators",
        "remove",
        s.ws,
        s.user_email,
        "--yes",
    ],
    ("DELETE", f"{W}/invites/{{}}"): lambda s: [
        "workspaces",
        "invites",
        "delete",
        s.ws,
        s.invite(s.emulator.world.workspace(s.ws)),
        "--yes",
    ],
    ("POST", f"{E}/moveWorkspaces"): lambda s: [
        "workspaces",
        "move-workspaces",
        s.descendant,
        s.ws2,
        "--yes",
    ],
    ("POST", "/v0/meta/bases"): lambda s: ["bases", "create", s.ws, "Plans"],
    ("DELETE", B): lambda s: ["bases", "delete", s.base, "--yes"],
    ("GET", B): lambda s: ["bases", "collaborators", s.base],
    ("POST", f"{B}/collaborators"): lambda s: [
        "bases",
        "collaborators",
        "add",
        s.base,
        s.spare,
        "read",
    ],
    ("PATCH", f"{B}/collaborators/{{}}"): lambda s: [
        "bases",
        "collaborators",
        "update",
        s.base,
        s.user,
        "read",
    ],
    ("DELETE", f"{B}/collaborators/{{}}"): lambda s: [
        "bases",
        "collaborators",
        "remove",
        s.base,
        s.user,
        "--yes",
    ],
    ("DELETE", f"{B}/invites/{{}}"): lambda s: [
        "bases",
        "invites",
        "delete",
        s.base,
        s.invite(s.emulator.world.base(s.base)),
        "--yes",
    ],
    ("GET", I): lambda s: ["interfaces", "show", s.base, s.interface],
    ("POST", f"{I}/collaborators"): lambda s: [
        "interfaces",
        "collaborators",
        "add",
        s.base,
        s.interface,
        s.spare,
        "comment",
    ],
    ("PATCH", f"{I}/collaborators/{{}}"): lambda s: [
        "interfaces",
        "collaborators",
        "update",
        s.base,
        s.interface,
        s.user,
        "read",
    ],
    ("DELETE", f"{I}/collaborators/{{}}"): lambda s: [
        "interfaces",
        "collaborators",
        "remove",
        s.base,
        s.interface,
        s.user,
        "--yes",
    ],
    ("DELETE", f"{I}/invites/{{}}"): lambda s: [
        "interfaces",
        "invites",
        "delete",
        s.base,
        s.interface,
        s.invite(s.emulator.world.base(s.base).interfaces[s.interface]),
        "--yes",
    ],
    ("GET", f"{B}/shares"): lambda s: ["bases", "shares", s.base],
    ("PATCH", f"{B}/shares/{{}}"): lambda s: [
        "bases",
        "shares",
        s.base,
        "--enable",
        s.share,
        "--yes",
    ],
    ("DELETE", f"{B}/shares/{{}}"): lambda s: [
        "bases",
        "shares",
        s.base,
        "--delete",
        s.share,
        "--yes",
    ],
    ("GET", f"{B}/blockInstallations"): lambda s: ["bases", "block-installations", "list", s.base],
    ("PATCH", f"{B}/blockInstallations/{{}}"): lambda s: [
        "bases",
        "block-installations",
        "disable",
        s.base,
        s.bli,
    ],
    ("DELETE", f"{B}/blockInstallations/{{}}"): lambda s: [
        "bases",
        "block-installations",
        "delete",
        s.base,
        s.bli,
        "--yes",
    ],
    ("GET", f"{E}/auditLogEvents"): lambda s: ["audit", "summary", "--since", "7d"],
    ("GET", f"{E}/auditLogs"): lambda s: ["audit", "requests", "list"],
    ("POST", f"{E}/auditLogs"): lambda s: ["audit", "requests", "create", "--period", _period(s)],
    ("GET", f"{E}/auditLogs/{{}}"): lambda s: [
        "audit",
        "requests",
        "get",
        _created(s, ["audit", "requests", "create", "--period", _period(s), "-f", "json"]),
    ],
    ("GET", f"{E}/exports"): lambda s: ["exports", "list"],
    ("POST", f"{E}/exports"): lambda s: ["exports", "create", "--base", s.base],
    ("GET", f"{E}/exports/{{}}"): lambda s: [
        "exports",
        "get",
        _created(s, ["exports", "create", "--base", s.base, "-f", "json"]),
    ],
    ("GET", f"{E}/changeEvents"): lambda s: [
        "changes",
        "export",
        "--lag",
        "0",
        "--out",
        str(s.tmp / "c.jsonl"),
    ],
    ("GET", "/scim/v2/Users"): lambda s: ["scim", "users", "list"],
    ("POST", "/scim/v2/Users"): lambda s: [
        "scim",
        "users",
        "create",
        s.spare_email.replace("@", ".new@"),
        "--first-name",
        "N",
        "--last-name",
        "U",
    ],
    ("GET", "/scim/v2/Users/{}"): lambda s: ["scim", "users", "get", s.user],
    ("PUT", "/scim/v2/Users/{}"): _scim_user,
    ("PATCH", "/scim/v2/Users/{}"): lambda s: ["scim", "users", "deactivate", s.user],
    ("DELETE", "/scim/v2/Users/{}"): lambda s: ["scim", "users", "delete", s.spare],
    ("GET", "/scim/v2/Groups"): lambda s: ["scim", "groups", "list"],
    ("POST", "/scim/v2/Groups"): lambda s: ["scim", "groups", "create", "Team 9"],
    ("GET", "/scim/v2/Groups/{}"): lambda s: ["scim", "groups", "show", s.group],
    ("PUT", "/scim/v2/Groups/{}"): _scim_group,
    ("PATCH", "/scim/v2/Groups/{}"): lambda s: ["scim", "groups", "add-members", s.group, s.spare],
    ("DELETE", "/scim/v2/Groups/{}"): lambda s: ["scim", "groups", "delete", s.group],
    ("GET", f"{E}/packages"): lambda s: ["packages", "list"],
    ("POST", f"{E}/packages/{{}}/install"): lambda s: [
        "packages",
        "install",
        _package(s),
        s.ws,
        "From a package",
    ],
    ("GET", f"{E}/personalAccessTokens"): lambda s: ["tokens", "list"],
    ("POST", f"{E}/personalAccessTokens/revoke"): lambda s: ["tokens", "revoke", s.token, "--yes"],
    ("POST", f"{E}/workspaceAiAllowlist"): lambda s: ["ai", "allow", s.ws],
    ("GET", "/v0/meta/whoami"): lambda s: ["whoami"],
    # HyperDB (REFERENCE §16): `data-tables records|upsert|delete`.
    ("POST", "/v0/{}/{}/getRecords"): lambda s: ["data-tables", "records", _data_table(s)],
    ("PUT", "/v0/{}/{}/upsertRecords"): lambda s: [
        "data-tables",
        "upsert",
        _data_table(s),
        "--input",
        s.json_file("records.json", [{"primaryKey": "k1", "fields": {"Name": "One"}}]),
    ],
    ("POST", "/v0/{}/{}/deleteRecords"): lambda s: [
        "data-tables",
        "delete",
        _data_table(s),
        _existing_key(s),
        "--yes",
    ],
}


def _admin(scene: Scene) -> str:
    scene.emulator.world.user(scene.spare).is_admin = True
    return scene.spare


def _package(scene: Scene) -> str:
    world = scene.emulator.world
    return next(p.id for p in world.packages.values() if p.account_id == world.root_id)


def _data_table(scene: Scene) -> str:
    return next(iter(scene.emulator.world.data_tables))


def _existing_key(scene: Scene) -> str:
    # A preview that finds no such record sends nothing: delete one that exists.
    return sorted(scene.emulator.world.data_tables[_data_table(scene)].records)[0]


def test_every_endpoint_has_a_command() -> None:
    assert {(m, p) for _, m, p in CATALOGUE} == set(COMMANDS)


@pytest.mark.parametrize(("label", "method", "path"), CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_the_command_reaches_the_endpoint(
    label: str, method: str, path: str, tmp_path: Path
) -> None:
    scene = make_scene(tmp_path)
    args = COMMANDS[(method, path)](scene)
    stats = scene.emulator.stats
    stats.reset()
    code, _, err = scene.run(args)
    called = sum(n for key, n in stats.routes.items() if _normal(key) == f"{method} {path}")
    assert called, f"{args} did not call {method} {path}: {dict(stats.routes)}\n{err}"
    assert code == 0, f"{args} exited {code}: {err}"
