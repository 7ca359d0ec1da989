"""Flask commands. Each one parses its arguments and calls the same services the web uses.

Every command is a module-level click command (one module per concern) that runs inside an app
context; ``register`` adds them all to an app's ``flask`` command line."""

from __future__ import annotations

import click
from flask import Flask

from . import accounts, mail, matching, profiles, programme, search

COMMANDS: tuple[click.Command, ...] = (
    profiles.init_db,
    profiles.seed,
    profiles.import_profiles,
    profiles.export_profiles,
    matching.suggest_command,
    matching.evaluate_command,
    accounts.create_admin_command,
    profiles.build_index_command,
    programme.assign_command,
    programme.unmet_needs_command,
    accounts.invite_command,
    accounts.set_role_command,
    mail.send_mail_command,
    mail.worker_command,
    search.search_command,
)


def register(app: Flask) -> None:
    """Add every command to ``app.cli`` (``flask --app wsgi COMMAND``)."""
    for command in COMMANDS:
        app.cli.add_command(command)
