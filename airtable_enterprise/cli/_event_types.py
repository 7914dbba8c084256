"""The audit-log event types Airtable documents (REFERENCE §8.6, a partial list), to
explain a mistyped ``--event-type`` that matched nothing instead of staying silent."""

from __future__ import annotations

import difflib

__all__ = ["KNOWN_EVENT_TYPES", "unknown_event_type_warning"]

KNOWN_EVENT_TYPES = frozenset(
    (
        "createBase",
        "deleteBase",
        "moveBase",
        "duplicateBase",
        "viewBase",
        "restoreBaseFromSnapshot",
        "restoreBaseFromTrash",
        "downloadAttachment",
        "updateBaseName",
        "updateBaseGuideText",
        "addBaseInviteLink",
        "removeBaseInviteLink",
        "configureBaseInviteLink",
        "inviteBaseCollaborator",
        "addBaseCollaborator",
        "changeBaseCollaboratorPermission",
        "changeBaseInvitePermission",
        "uninviteBaseCollaborator",
        "removeBaseCollaborator",
        "createGroup",
        "deleteGroup",
        "moveGroup",
        "addGroupMember",
        "changeGroupMemberRole",
        "removeGroupMember",
        "deleteGroupInvite",
        "resendGroupInvite",
        "inviteGroupMember",
        "createRole",
        "enableShare",
        "disableShare",
        "configureShare",
        "regenerateShare",
        "viewShare",
        "loginUser",
        "claimUser",
        "unclaimUser",
        "createUser",
        "deleteUser",
        "provisionUser",
        "deactivateUser",
        "updateUserEmail",
        "changePassword",
        "updateUserProfilePicture",
        "userAssignedLicense",
    )
)


def unknown_event_type_warning(event_type: str) -> str | None:
    """A warning for an event type Airtable does not document (with the closest
    documented one), or ``None`` for a documented one."""
    if event_type in KNOWN_EVENT_TYPES:
        return None
    close = difflib.get_close_matches(event_type, sorted(KNOWN_EVENT_TYPES), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return (
        f"warning: --event-type {event_type} is not an event type Airtable documents "
        f"(the list is partial){hint}"
    )
