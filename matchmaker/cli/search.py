"""``flask --app wsgi search "TEXT"``: partnerships and public stories that meet a text, as the
search page finds them (services/search.py)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..models import SECTORS, STORY_OUTCOMES
from ..services import search as search_service
from ..services.validation import ValidationError


@click.command("search")
@with_appcontext
@click.argument("text")
@click.option(
    "--type",
    "kind",
    type=click.Choice(search_service.TYPES),
    help="Only partnerships or only stories.",
)
@click.option("--sector", type=click.Choice(SECTORS))
@click.option("--region")
@click.option(
    "--tip",
    type=click.IntRange(1, 5),
    help="Stories touching this tip of the seed publication.",
)
@click.option("--outcome", type=click.Choice(STORY_OUTCOMES))
@click.option(
    "--limit", type=click.IntRange(1, search_service.MAX_RESULTS), default=10, show_default=True
)
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"partnerships": [...], "stories": [...]}.'
)
def search_command(text, kind, sector, region, tip, outcome, limit, as_json) -> None:
    """Partnerships and stories that meet TEXT, best first, with the passage that matched."""
    try:
        found = search_service.search(
            text, type=kind, sector=sector, region=region, tip=tip, outcome=outcome, limit=limit
        )
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    if found["too_little_text"]:
        click.echo(
            "The text says too little to search on: describe what you are looking for.",
            err=True,
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "partnerships": [
                        {k: h[k] for k in ("key", "name", "score", "evidence")}
                        for h in found["partnerships"]
                    ],
                    "stories": [
                        {
                            k: h[k]
                            for k in (
                                "partnership",
                                "title",
                                "score",
                                "evidence",
                                "id",
                                "outcome",
                                "tips",
                            )
                        }
                        for h in found["stories"]
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    for title, hits, name_of in (
        ("Partnerships", found["partnerships"], lambda h: f"{h['key']} — {h['name']}"),
        ("Stories", found["stories"], lambda h: f"{h['partnership']}: {h['title']}"),
    ):
        click.echo(f"{title}:")
        if not hits:
            click.echo("  (none)")
        for i, h in enumerate(hits, 1):
            click.echo(f"  {i}. {name_of(h)} (score {h['score']:.2f})")
            for e in h["evidence"][:1]:
                click.echo(f"     “{e['mentor_text']}”")
