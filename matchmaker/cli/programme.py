"""Programme commands: ``assign`` a cohort and list ``unmet-needs``, through the same services as
the admin pages (services/cohort.py, services/reports.py)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..matching.topics import WEAK_SCORE
from ..models import User
from ..services import cohort, reports
from ..services.validation import ValidationError


def first_admin() -> User | None:
    return db.session.scalar(
        select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id).limit(1)
    )


@click.command("assign")
@with_appcontext
@click.argument("keys", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the proposal as one JSON object.")
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Create the introductions, as the first admin account.",
)
@click.option("--spread-load", is_flag=True, help="Prefer another mentor when scores are close.")
@click.option(
    "--min-score",
    default=0.0,
    show_default=True,
    type=float,
    help="Leave a partnership without a mentor rather than below this score.",
)
def assign_command(
    keys: tuple[str, ...], as_json: bool, apply_: bool, spread_load: bool, min_score: float
) -> None:
    """Propose one mentor for each partnership KEY (default: all still looking), maximising
    the total match score within the mentors' capacities. With --apply the introductions are
    made (reported on stderr); the exit status is 1 when any of them was refused."""
    actor = None
    if apply_:
        actor = first_admin()
        if actor is None:
            raise click.ClickException("create an admin first with create-admin")
    try:
        proposal = cohort.propose(list(keys) or None, spread_load=spread_load, min_score=min_score)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(proposal.to_dict(), ensure_ascii=False))
    else:
        _print_proposal(proposal)
    if actor is None:
        return
    try:
        outcome = cohort.apply(proposal.result.assignments, actor)
    except ValidationError as exc:
        raise click.ClickException(f"nothing was created: {exc}") from None
    for intro in outcome.created:
        click.echo(
            f"created introduction {intro.id}: {intro.mentee.key} -> {intro.mentor.key} ({intro.state})",
            err=True,
        )
    for refusal in outcome.refused:
        click.echo(f"refused {refusal.mentee} -> {refusal.mentor}: {refusal.message}", err=True)
    click.echo(
        f"{len(outcome.created)} introductions created, {len(outcome.refused)} refused.",
        err=True,
    )
    if outcome.refused:
        raise click.exceptions.Exit(1)


@click.command("unmet-needs")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print the groups as one JSON object.")
@click.option(
    "--threshold",
    default=WEAK_SCORE,
    show_default=True,
    type=float,
    help="A best suggestion below this score is weak.",
)
def unmet_needs_command(as_json: bool, threshold: float) -> None:
    """Themes the network cannot answer yet: partnerships whose best suggestion is weak, grouped."""
    try:
        report = reports.unmet_needs(threshold)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    if not report.groups:
        click.echo(f"No partnership has a best suggestion below {threshold:.2f}.")
        return
    click.echo(
        f"{report.count} of {len(report.best_scores)} partnerships have a best suggestion below {threshold:.2f}:"
    )
    for group in report.groups:
        label = group.label("en") or "(no recognisable words)"
        click.echo(
            f"\n{label} — {group.size} partnerships, mean best score {group.mean_best_score:.2f}"
        )
        for key in group.mentee_keys:
            click.echo(
                f"  {key:<36} {report.best_scores[key]:.2f}  {report.partnerships[key].name}"
            )


def _print_proposal(proposal: cohort.Proposal) -> None:
    result = proposal.result
    if not proposal.mentees:
        click.echo("Nobody to assign: no partnership is looking for a mentor.")
        return
    width = max(len(p.key) for p in proposal.mentees)
    for mentee in proposal.mentees:
        chosen = proposal.proposed_of(mentee.key)
        greedy = proposal.greedy_of(mentee.key)
        mine = f"{chosen.mentor} ({chosen.score:.2f})" if chosen else "— no mentor"
        theirs = f"{greedy.mentor} ({greedy.score:.2f})" if greedy else "—"
        click.echo(f"{mentee.key:<{width}}  -> {mine:<44} greedy: {theirs}")
    click.echo(
        f"total score {result.total_score:.3f} (greedy {result.greedy_total_score:.3f}); "
        f"{len(result.assignments)} assigned, {len(result.unassigned)} without a mentor"
    )
