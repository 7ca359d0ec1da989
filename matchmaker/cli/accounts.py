"""Account commands: ``create-admin``; ``invite`` people of imported partnerships, through the same
service as the admin's partnership pages (services/invitations.py), and ``set-role`` for an account
of a partnership's team (services/team.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..models import TEAM_ROLES
from ..services import invitations
from ..services import profiles as profile_service
from ..services import team
from ..services.accounts import create_admin, find_user
from ..services.validation import ValidationError


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.password_option("--password", help="Asked for when not given.")
def create_admin_command(email: str, password: str) -> None:
    """Create an admin account (or make an existing account admin)."""
    try:
        user = create_admin(email, password)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Admin {user.email} is ready.")


@click.command("invite")
@with_appcontext
@click.argument("keys", nargs=-1)
@click.option(
    "--all-without-account",
    is_flag=True,
    help="Also every active partnership that has no account yet.",
)
@click.option(
    "--email", help="Invite this address instead of the partnership's contact (one KEY only)."
)
@click.option(
    "--role",
    type=click.Choice(TEAM_ROLES),
    default="coordinator",
    show_default=True,
    help="The role the invited account gets: coordinator (edits and acts) or member (reads).",
)
def invite_command(
    keys: tuple[str, ...], all_without_account: bool, email: str | None, role: str
) -> None:
    """Mail a one-time link to join partnership KEY (default address: its contact email);
    the link is valid INVITATION_DAYS. Prints who was invited; problems go to stderr and
    make the exit status 1."""
    if not keys and not all_without_account:
        raise click.UsageError("give at least one KEY, or --all-without-account")
    if email and (all_without_account or len(keys) != 1):
        raise click.UsageError("--email goes with exactly one KEY")
    targets, failed = [], False
    for key in keys:
        try:
            targets.append(profile_service.get_partnership(key, include_inactive=True))
        except profile_service.NotFound:
            click.echo(f"{key}: unknown partnership key", err=True)
            failed = True
    if all_without_account:
        chosen = {p.id for p in targets}
        targets += [p for p in invitations.without_account() if p.id not in chosen]
    for p in targets:
        try:
            invitation = invitations.invite(p, email, role=role)
        except ValidationError as exc:
            click.echo(f"{p.key}: not invited: {exc}", err=True)
            failed = True
            continue
        click.echo(
            f"Invited {invitation.email} to {p.key} ({p.name}) as {invitation.role}; "
            f"the link is valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        )
    if failed:
        raise SystemExit(1)


@click.command("set-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=click.Choice(TEAM_ROLES))
def set_role_command(email: str, role: str) -> None:
    """Make the account EMAIL a coordinator or a member of its partnership's team (the last
    coordinator cannot be made a member)."""
    user = find_user(email)
    partnership = user.partnership if user is not None else None
    if user is None or partnership is None:
        raise click.ClickException(f"{email}: no account of a partnership")
    try:
        team.change_role(None, user, role)
    except (team.TeamError, ValidationError) as exc:
        raise click.ClickException(f"{email}: {exc}") from None
    click.echo(f"{user.email} is now {role} of {partnership.key}.")
