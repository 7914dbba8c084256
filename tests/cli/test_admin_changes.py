"""The change commands of issue 26 preview and confirm, refuse what is not there
(exit 5, nothing changed), and call a change already made a success with a note."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from .test_reachability import Scene, make_scene


def _world(scene: Scene):  # type: ignore[no-untyped-def]
    return scene.emulator.world


def test_the_listing_is_still_the_default_of_collaborators(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    code, out, err = scene.run(["workspaces", "collaborators", scene.ws, "-f", "jsonl"])
    assert code == 0, err
    assert scene.user in {json.loads(line)["id"] for line in out.splitlines()}


def test_remove_previews_asks_and_only_then_removes(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    grants = _world(scene).workspace(scene.ws).grants
    args = ["workspaces", "collaborators", "remove", scene.ws, scene.user_email]
    code, _, err = scene.run([*args, "--dry-run"])
    assert code == 0
    assert "Would remove" in err
    assert scene.user in grants
    from click.testing import CliRunner

    from airtable_enterprise.cli import cli
    from airtable_enterprise.cli._session import EmulatorSpec

    declined = CliRunner().invoke(cli, args, input="n\n", obj=EmulatorSpec(emulator=scene.emulator))
    assert declined.exit_code == 1
    assert scene.user in grants
    code, _, err = scene.run([*args, "--yes"])
    assert code == 0, err
    assert scene.user not in grants
    code, _, err = scene.run([*args, "--yes"])  # again: not a collaborator any more
    assert code == 5
    assert "not a collaborator" in err


def test_add_twice_is_a_note_the_second_time(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    args = ["bases", "collaborators", "add", scene.base, scene.spare_email, "comment"]
    assert scene.run(args)[0] == 0
    code, _, err = scene.run(args)
    assert code == 0
    assert "nothing to do" in err
    code, _, err = scene.run([*args[:-1], "edit"])
    assert code == 1
    assert "collaborators update" in err
    assert _world(scene).base(scene.base).grants[scene.spare].permission_level == "comment"


def test_an_invite_that_is_not_outstanding_exits_5(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    code, _, err = scene.run(
        ["workspaces", "invites", "delete", scene.ws, "invAAAAAAAAAAAAAA", "--yes"]
    )
    assert code == 5
    assert "no outstanding invite" in err


def test_block_installations_idempotent_and_checked(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    installations = _world(scene).base(scene.base).block_installations
    state = installations[scene.bli].state
    verb = "enable" if state == "enabled" else "disable"
    code, _, err = scene.run(["bases", "block-installations", verb, scene.base, scene.bli])
    assert code == 0
    assert "nothing to do" in err
    before = set(installations)
    code, _, err = scene.run(
        [
            "bases",
            "block-installations",
            "delete",
            scene.base,
            scene.bli,
            "bliAAAAAAAAAAAAAA",
            "--yes",
        ]
    )
    assert code == 5
    assert set(installations) == before


def test_users_delete_checks_every_user_before_deleting_any(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    code, _, err = scene.run(["users", "delete", scene.spare, "nobody@globex.example", "--yes"])
    assert code == 5, err
    assert scene.spare in _world(scene).users


def test_scim_user_replace_keeps_the_state_and_refuses_unknown_keys(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    scene.run(["scim", "users", "deactivate", scene.user])
    document = {"userName": scene.user_email, "name": {"givenName": "New", "familyName": "Name"}}
    path = scene.json_file("u.json", document)
    code, _, err = scene.run(["scim", "users", "replace", scene.user, "--input", path, "--dry-run"])
    assert code == 0
    assert "givenName" in err
    assert _world(scene).user(scene.user).first_name != "New"
    code, out, err = scene.run(
        ["scim", "users", "replace", scene.user, "--input", path, "--yes", "-f", "json"]
    )
    assert code == 0, err
    assert json.loads(out)["active"] is False  # `active` left out: the state is kept
    assert _world(scene).user(scene.user).first_name == "New"
    bad = scene.json_file("bad.json", {**document, "locale": "fr"})
    code, _, err = scene.run(["scim", "users", "replace", scene.user, "--input", bad, "--yes"])
    assert code == 2
    assert "locale" in err


def test_scim_group_replace_shows_who_joins_and_leaves(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    document = {"displayName": "Reachability", "members": [{"value": scene.spare}]}
    path = scene.json_file("g.json", document)
    code, _, err = scene.run(["scim", "groups", "replace", scene.group, "--input", path, "--yes"])
    assert code == 0, err
    assert f"+ {scene.spare}" in err
    assert f"- {scene.user}" in err
    assert set(_world(scene).group(scene.group).members) == {scene.spare}


def test_a_user_named_by_id_and_email_is_deleted_once(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    code, _, err = scene.run(["users", "delete", scene.spare, scene.spare_email.upper(), "--yes"])
    assert code == 0, err
    assert scene.spare not in _world(scene).users


def _zoe(scene: Scene) -> tuple[str, str]:
    """A user whose email has a non-ASCII letter: (ID, the email typed in NFD)."""
    domain = scene.spare_email.rsplit("@", 1)[1]
    user = scene.emulator.make_user(unicodedata.normalize("NFC", f"zoë@{domain}"))
    return user.id, unicodedata.normalize("NFD", user.email).upper()


def test_a_user_named_by_id_and_by_email_in_nfd_is_deleted_once(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    user_id, typed = _zoe(scene)
    code, _, err = scene.run(["users", "delete", user_id, typed, "--yes"])
    assert code == 0, err  # was 1: casefold() alone saw two users and deleted twice
    assert user_id not in _world(scene).users


def test_audit_user_given_in_nfd_is_the_same_user(tmp_path: Path) -> None:
    scene = make_scene(tmp_path)
    _, typed = _zoe(scene)
    code, _, err = scene.run(["audit", "summary", "--user", typed])
    assert code == 0, err  # was a KeyError traceback (exit 1)
    assert "KeyError" not in err
