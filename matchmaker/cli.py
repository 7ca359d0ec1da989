"""Flask commands. Each one parses its arguments and calls the same services the web uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app

from . import cli_accounts, cli_mail, cli_programme, cli_search
from .extensions import db
from .services import matching as matching_service
from .services import profiles as profile_service
from .services import session_seeds
from .services.accounts import create_admin
from .services.evaluation import BASELINES, evaluate_baseline, evaluate_document
from .services.matching import current_index, suggest
from .services.validation import ValidationError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def progress_bar(label: str):
    """A click progress bar on a terminal; silent otherwise (logs, CI, pipes)."""

    def wrap(items):
        items = list(items)
        if not sys.stderr.isatty() or len(items) < 50:
            return items
        return _Bar(items, label)

    return wrap


class _Bar:
    def __init__(self, items, label):
        self.items, self.label = items, label

    def __iter__(self):
        with click.progressbar(self.items, label=self.label, show_eta=True, file=sys.stderr) as bar:
            yield from bar


def _read_json(path: str, what: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise click.ClickException(f"{what} file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{what} file {path} is not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{what} file {path} is not valid JSON: line {exc.lineno}: {exc.msg}"
        ) from None


DUPLICATE_CHECK_LIMIT = 5000  # profiles per file checked for near-duplicate mentors after an import


def _import(document, source: str) -> None:
    try:
        result = profile_service.import_document(document, progress=progress_bar("Importing"))
    except ValidationError as exc:
        raise click.ClickException(
            f"{source} was not imported, nothing was written:\n{exc}"
        ) from None
    click.echo(
        f"Imported {result.total} profiles from {source}: {result.created} created, {result.updated} updated."
    )
    keys = [r["key"] for r in document.get("partnerships", []) if isinstance(r, dict)]
    if len(keys) > DUPLICATE_CHECK_LIMIT:
        click.echo(
            f"Near-duplicate check skipped: more than {DUPLICATE_CHECK_LIMIT} profiles in one file.",
            err=True,
        )
        return
    for a, b, cosine in matching_service.near_duplicates(keys):
        click.echo(
            f"Near-duplicate experiences: {a} and {b} (similarity {cosine:.2f}); suggestions show one of them.",
            err=True,
        )


def register(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema (Alembic migrations)."""
        from flask_migrate import upgrade

        upgrade(directory=current_app.extensions["migrate"].directory)
        click.echo(f"Database schema is up to date ({_safe_url()}).")

    @app.cli.command("seed")
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
                _import(_read_json(str(path), "Seed"), path.name)
        sessions = Path(directory) / session_seeds.SEED_FILE
        if sessions.is_file():  # after the profiles: the sessions name their partnerships
            try:
                added = session_seeds.load_seed_sessions(_read_json(str(sessions), "Seed"))
            except ValidationError as exc:
                raise click.ClickException(
                    f"{sessions.name} was not loaded, nothing was written:\n{exc}"
                ) from None
            click.echo(f"Added {added} sessions from {sessions.name}.")

    @app.cli.command("import-profiles")
    @click.argument("file", type=click.Path(dir_okay=False))
    def import_profiles(file: str) -> None:
        """Validate FILE (exchange format) completely, then upsert its profiles by key."""
        _import(_read_json(file, "Import"), file)

    @app.cli.command("export-profiles")
    @click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
    def export_profiles(file: str | None) -> None:
        """Write all active profiles in the exchange format to FILE (default: stdout)."""
        text = json.dumps(profile_service.export_document(), ensure_ascii=False, indent=2) + "\n"
        if file:
            Path(file).write_text(text, encoding="utf-8")
            click.echo(f"Exported to {file}.", err=True)
        else:
            click.echo(text, nl=False)

    @app.cli.command("suggest")
    @click.argument("keys", nargs=-1, required=True)
    @click.option(
        "--limit", type=click.IntRange(1, 100), help="How many (default: SUGGESTION_LIMIT)."
    )
    @click.option(
        "--as-of",
        "as_of",
        type=click.IntRange(1950, 2200),
        help="Count mentors' years from this year.",
    )
    @click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON object keyed by partnership."
    )
    def suggest_command(
        keys: tuple[str, ...], limit: int | None, as_of: int | None, as_json: bool
    ) -> None:
        """Suggested mentors for each partnership KEY, best first, with reasons and evidence.

        A partnership whose challenges say too little to match on gets no list; why is said on stderr.
        """
        results = {}
        for key in keys:
            try:
                results[key] = suggest(key, limit=limit, as_of=as_of)
                if not results[key] and matching_service.too_little_text(key):
                    click.echo(f"{key}: {matching_service.TOO_LITTLE_TEXT}", err=True)
            except profile_service.NotFound:
                raise click.ClickException(f"unknown partnership key {key!r}") from None
        if as_json:
            click.echo(
                json.dumps(
                    {k: [s.to_dict() for s in v] for k, v in results.items()}, ensure_ascii=False
                )
            )
            return
        for key, suggestions in results.items():
            click.echo(f"{key}:")
            if not suggestions:
                click.echo("  (no suggestions)")
            for i, s in enumerate(suggestions, 1):
                click.echo(f"  {i}. {s.key} — {s.name} (score {s.score:.2f})")
                if s.reasons:
                    click.echo("     " + "; ".join(s.reason_texts()))
                for e in s.evidence:
                    click.echo(f"     “{e.own_text}” ↔ “{e.mentor_text}”")

    @app.cli.command("evaluate")
    @click.argument("data", type=click.Path(dir_okay=False))
    @click.argument("labels", type=click.Path(dir_okay=False))
    @click.option(
        "--as-of",
        "as_of",
        type=click.IntRange(1950, 2200),
        help="Count mentors' years from this year.",
    )
    @click.option(
        "--baseline",
        type=click.Choice(sorted(BASELINES)),
        help="Score a plain reference ranking instead of the matcher.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
    def evaluate_command(
        data: str, labels: str, as_of: int | None, baseline: str | None, as_json: bool
    ) -> None:
        """hit@1, hit@3, MRR, margins and results per category of the matcher on DATA with LABELS."""
        document = _read_json(data, "Data")
        label_doc = _read_json(labels, "Labels")
        try:
            if baseline:
                result = evaluate_baseline(document, label_doc, baseline, as_of=as_of)
            else:
                result = evaluate_document(
                    document, label_doc, as_of=as_of, progress=progress_bar("Building index")
                )
        except ValidationError as exc:
            raise click.ClickException(f"{data} is not valid:\n{exc}") from None
        except KeyError as exc:
            raise click.ClickException(str(exc.args[0])) from None
        if as_json:
            click.echo(json.dumps(result.as_dict()))
            return
        for mentee, detail in result.details.items():
            rank = detail["rank"] or "-"
            margin = "" if detail["margin"] is None else f"; margin {detail['margin']:+.3f}"
            click.echo(
                f"  {mentee:<32} primary at rank {rank}{margin}; top 3: {', '.join(detail['top3'])}"
            )
        for category, row in result.categories.items():
            click.echo(
                f"  [{category}] n={row['n']} hit@1 {row['hit@1']:.3f} hit@3 {row['hit@3']:.3f} MRR {row['mrr']:.3f}"
            )
        margin = "-" if result.smallest_margin is None else f"{result.smallest_margin:.3f}"
        click.echo(
            f"hit@1 {result.hit_at_1:.3f}  hit@3 {result.hit_at_3:.3f}  MRR {result.mrr:.3f}  "
            f"MRR(first acceptable) {result.mrr_acceptable:.3f}  smallest margin {margin}  "
            f"ineligible {result.ineligible}  decoys in top 3 {result.decoys_in_top3}  "
            f"unexplained in top 3 {result.unexplained_top3}  (n={result.n})"
        )

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.password_option("--password", help="Asked for when not given.")
    def create_admin_command(email: str, password: str) -> None:
        """Create an admin account (or make an existing account admin)."""
        try:
            user = create_admin(email, password)
        except ValidationError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Admin {user.email} is ready.")

    @app.cli.command("build-index")
    def build_index_command() -> None:
        """Fit the matcher's index now (it is otherwise fitted on first use)."""
        index = current_index(progress=progress_bar("Analysing profiles"))
        click.echo(f"Index built over {len(index)} profiles.")

    cli_programme.register(app)
    cli_accounts.register(app)
    cli_mail.register(app)
    cli_search.register(app)


def _safe_url() -> str:
    return db.engine.url.render_as_string(hide_password=True)
