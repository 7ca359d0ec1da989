"""Profile commands: ``init-db``, ``seed``, ``import-profiles``, ``export-profiles`` and
``build-index``, through the same services as the web and the API (services/profiles.py, services/importing.py,
services/matching.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..services import importing
from ..services import profiles as profile_service
from ..services import session_seeds
from ..services.matching import current_index
from ..services.validation import ValidationError
from .common import progress_bar, read_json

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


def _import(document, source: str) -> None:
    try:
        report = importing.import_profiles(document, progress=progress_bar("Importing"))
    except ValidationError as exc:
        raise click.ClickException(
            f"{source} was not imported, nothing was written:\n{exc}"
        ) from None
    except importing.ImportConflict as exc:
        raise click.ClickException(f"{source} was not imported: {exc}") from None
    click.echo(
        f"Imported {report.total} profiles from {source}: {report.created} created, {report.updated} updated."
    )
    if report.duplicate_check_skipped:
        click.echo(
            "Near-duplicate check skipped: more than "
            f"{importing.DUPLICATE_CHECK_LIMIT} profiles in one file.",
            err=True,
        )
    for a, b, cosine in report.near_duplicates:
        click.echo(
            f"Near-duplicate experiences: {a} and {b} (similarity {cosine:.2f}); suggestions show one of them.",
            err=True,
        )


def _safe_url() -> str:
    return db.engine.url.render_as_string(hide_password=True)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"Database schema is up to date ({_safe_url()}).")


@click.command("seed")
@with_appcontext
@click.option(
    "--dir",
    "directory",
    default=str(SEEDS),
    show_default=True,
    help="Folder of exchange files.",
)
def seed(directory: str) -> None:
    """Load the demo profiles in seeds/ (upsert by key)."""
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise click.ClickException(f"no .json files in {directory}")
    for path in files:
        if path.name != session_seeds.SEED_FILE:
            _import(read_json(str(path), "Seed"), path.name)
    sessions = Path(directory) / session_seeds.SEED_FILE
    if sessions.is_file():  # after the profiles: the sessions name their partnerships
        try:
            added = session_seeds.load_seed_sessions(read_json(str(sessions), "Seed"))
        except ValidationError as exc:
            raise click.ClickException(
                f"{sessions.name} was not loaded, nothing was written:\n{exc}"
            ) from None
        click.echo(f"Added {added} sessions from {sessions.name}.")


@click.command("import-profiles")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def import_profiles(file: str) -> None:
    """Validate FILE (exchange format) completely, then upsert its profiles by key."""
    _import(read_json(file, "Import"), file)


@click.command("export-profiles")
@with_appcontext
@click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
def export_profiles(file: str | None) -> None:
    """Write all active profiles in the exchange format to FILE (default: stdout)."""
    text = json.dumps(profile_service.export_document(), ensure_ascii=False, indent=2) + "\n"
    if file:
        try:
            Path(file).write_text(text, encoding="utf-8")
        except OSError as exc:  # a folder that does not exist, no permission, a full disk
            raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
        click.echo(f"Exported to {file}.", err=True)
    else:
        click.echo(text, nl=False)


@click.command("build-index")
@with_appcontext
def build_index_command() -> None:
    """Fit the matcher's index now (it is otherwise fitted on first use)."""
    index = current_index(progress=progress_bar("Analysing profiles"))
    click.echo(f"Index built over {len(index)} profiles.")
