"""/api/v1/me/team: the caller's team (accounts and open invitations), read-only, on the same
blueprint and in the same error shape as the other endpoints (blueprint.py). Managing the team is
done on the /team page; the rules live in services/team.py."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from marshmallow import fields as f
from marshmallow import validate as v

from ..models import TEAM_ROLES
from ..services import team
from .blueprint import blp, errors, own_partnership, signed_in


class TeamAccount(ma.Schema):
    """One account of the team: its email, role and when it joined and last signed in."""

    email = f.String(required=True)
    role = f.String(required=True, validate=v.OneOf(TEAM_ROLES + ("admin",)))
    joined_at = f.DateTime(required=True)
    last_login_at = f.DateTime(allow_none=True, required=True)


class TeamInvitation(ma.Schema):
    """An open invitation to join the team, invited or expired."""

    email = f.String(required=True)
    role = f.String(required=True, validate=v.OneOf(TEAM_ROLES))
    state = f.String(required=True, validate=v.OneOf(["invited", "expired"]))
    expires_at = f.DateTime(required=True)


class Team(ma.Schema):
    """The caller's team: its accounts and open invitations."""

    partnership = f.String(required=True, metadata={"description": "the partnership's key"})
    can_act = f.Boolean(
        required=True,
        metadata={"description": "whether the caller may manage the team (a coordinator)"},
    )
    accounts = f.List(f.Nested(TeamAccount), required=True)
    invitations = f.List(f.Nested(TeamInvitation), required=True)


@blp.get("/me/team")
@signed_in
@blp.response(200, Team)
@errors(401, 404)
def my_team() -> dict[str, Any]:
    """The accounts of the caller's partnership (coordinators first) and its open invitations."""
    p = own_partnership()
    return {
        "partnership": p.key,
        "can_act": team.may_manage(current_user, p),
        "accounts": [
            {
                "email": u.email,
                "role": u.role,
                "joined_at": u.created_at,
                "last_login_at": u.last_login_at,
            }
            for u in team.members_of(p)
        ],
        "invitations": [
            {"email": i.email, "role": i.role, "state": i.state(), "expires_at": i.expires_at}
            for i in team.open_invitations(p)
        ],
    }
