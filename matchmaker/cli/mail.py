"""Mail commands: ``send-mail`` delivers what is due in the outbox once; ``worker`` keeps doing it
(services/mail.py) and sends the reminders that are due first (services/reminders.py). Run one or
more workers beside the web processes in production."""

from __future__ import annotations

import signal
import time
from datetime import datetime, timezone

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import mail, reminders


def parse_now(value: str | None) -> datetime | None:
    """An ISO time for --now; without a zone it is UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"not an ISO time such as 2026-12-01T09:00: {value!r}", param_hint="--now"
        ) from None
    if not 2000 <= moment.year <= 2200:  # the rounds add days and years to it (OverflowError)
        raise click.BadParameter(
            f"must be a time between the years 2000 and 2200: {value!r}", param_hint="--now"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _report(outcome: mail.Delivery) -> str:
    return f"{outcome.sent} sent, {outcome.retrying} to retry, {outcome.failed} failed."


@click.command("send-mail")
@with_appcontext
@click.option(
    "--limit",
    default=mail.DEFAULT_LIMIT,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="At most this many messages.",
)
@click.option("--now", "now", help="Deliver as if at this ISO time (for tests and operators).")
def send_mail_command(limit: int, now: str | None) -> None:
    """Deliver the outbox's due messages once and print what happened; exit 1 if any failed to send."""
    outcome = mail.deliver_due(now=parse_now(now), limit=limit)
    click.echo(_report(outcome))
    if outcome.retrying or outcome.failed:
        raise click.exceptions.Exit(1)


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run one round and stop.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.05, 3600),
    help="Seconds between rounds.",
)
@click.option("--now", "now", help="With --once: run the round as if at this ISO time.")
def worker_command(once: bool, interval: float, now: str | None) -> None:
    """Send due reminders and keep delivering the outbox (retrying with backoff for a day) until stopped."""
    moment = parse_now(now)
    if moment is not None and not once:
        raise click.UsageError("--now only goes with --once")
    name = mail.worker_name()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"worker {name} started, every {interval:g}s", err=True)
    while not stopping:
        failures: list[str] = []
        reminded = remind(moment, failures)
        if reminded:
            click.echo(f"{reminded} reminder email(s) queued.", err=not once)
        outcome = run_round(name, moment, failures)
        if outcome.attempted:
            click.echo(_report(outcome), err=not once)
        elif once:
            click.echo(_report(outcome))
        if once:
            if failures:  # a cron job running --once must see that the round broke
                raise click.ClickException(f"the round failed: {'; '.join(failures)} (see the log)")
            return
        if outcome.attempted < mail.DEFAULT_LIMIT:  # a full batch: go on at once
            _sleep(interval, stopping)
    click.echo(f"worker {name} stopped", err=True)


def remind(now: datetime | None = None, failures: list[str] | None = None) -> int:
    """The reminders due at ``now``, queued in the outbox before the round delivers it; a failure
    is logged (and noted in ``failures``), never fatal to a running worker."""
    try:
        return reminders.run_reminders(now)
    except Exception as exc:
        reminders.log.exception("reminders round failed")
        db.session.rollback()
        if failures is not None:
            failures.append(f"reminders: {type(exc).__name__}")
        return 0


def run_round(
    worker: str, now: datetime | None = None, failures: list[str] | None = None
) -> mail.Delivery:
    """One round of the worker: deliver due mail; a broken round is logged (and noted in
    ``failures``), never fatal to a running worker."""
    try:
        return mail.deliver_due(now=now, worker=worker)
    except Exception as exc:
        mail.log.exception("worker round failed")
        if failures is not None:
            failures.append(f"delivery: {type(exc).__name__}")
        return mail.Delivery()


def _sleep(seconds: float, stopping: list) -> None:
    deadline = time.monotonic() + seconds
    while not stopping and time.monotonic() < deadline:
        time.sleep(min(0.2, seconds))
