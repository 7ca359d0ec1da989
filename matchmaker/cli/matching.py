"""Matching commands: ``suggest`` mentors for partnerships and ``evaluate`` the matcher on labelled
data (services/matching.py, services/evaluation.py)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..services import matching as matching_service
from ..services import profiles as profile_service
from ..services.evaluation import BASELINES, evaluate_baseline, evaluate_document
from ..services.matching import suggest
from ..services.validation import ValidationError
from .common import progress_bar, read_json


@click.command("suggest")
@with_appcontext
@click.argument("keys", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 100), help="How many (default: SUGGESTION_LIMIT).")
@click.option(
    "--as-of",
    "as_of",
    type=click.IntRange(1950, 2200),
    help="Count mentors' years from this year.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object keyed by partnership.")
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


@click.command("evaluate")
@with_appcontext
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
    document = read_json(data, "Data")
    label_doc = read_json(labels, "Labels")
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
