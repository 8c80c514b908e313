"""What each scope means, in words a user reads on the consent page (Frame.io's scopes from
its developer docs; Adobe IMS's from the Adobe Developer Console)."""

from __future__ import annotations

_FRAMEIO_RESOURCES = {
    "project": "projects",
    "asset": "assets (files, folders, versions)",
    "comment": "comments",
    "reviewlink": "review links",
    "presentation": "presentations",
    "webhook": "webhooks",
    "action": "custom actions",
}
_ACTIONS = {"read": "See", "create": "Create", "update": "Change", "delete": "Delete"}

SCOPE_MEANINGS: dict[str, str] = {
    "account.read": "See your account and its settings",
    "team.read": "See your teams and their members",
    "team.create": "Create teams",
    "team.update": "Change your teams",
    "auditlog.read": "See your account's audit log",
    "offline": "Stay connected when you are away (a refresh token)",
    **{
        f"{resource}.{action}": f"{verb} your {noun}"
        for resource, noun in _FRAMEIO_RESOURCES.items()
        for action, verb in _ACTIONS.items()
    },
    "openid": "Confirm who you are (sign you in)",
    "offline_access": "Stay connected when you are away (a refresh token)",
    "email": "See your email address",
    "profile": "See your name and profile",
    "AdobeID": "Use your Adobe ID",
    "additional_info": "See additional details of your Adobe profile",
    "additional_info.roles": "See your roles in your organizations",
    "additional_info.projectedProductContext": "See which Adobe products you use",
    "frame.s2s.all": "Full access to Frame.io as a server integration",
}


def meaning(scope: str) -> str:
    return SCOPE_MEANINGS.get(scope, "")
