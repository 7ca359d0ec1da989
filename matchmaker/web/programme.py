"""Programme pages for admins: assign a whole cohort, see unmet needs, and the programme's charts.

Thin like the other blueprints: each view parses, calls one service (services/cohort.py,
services/reports.py) and renders. Charts are SVG made with pygal on the server and served from
their own URLs as images, so the pages need neither inline SVG nor scripts (strict CSP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pygal
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_decimal, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from pygal.style import Style
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..matching.assignment import Assignment
from ..services import cohort, reports
from ..services.validation import ValidationError
from .admin import admin_required
from .forms import MultiCheckboxField, apply_errors
from .helpers import POSSIBLE_MATCH, SECTOR_NAMES, STATE_NAMES, locale_code
from .intros import error_message

bp = Blueprint("programme", __name__, url_prefix="/admin")


# --- cohort assignment ---------------------------------------------------------------------------


class CohortForm(FlaskForm):
    mentees = MultiCheckboxField(_l("Partnerschappen in dit cohort"), choices=[])
    spread_load = BooleanField(
        _l(
            "Spreid de kennismakingen over meer ervaren partnerschappen als de scores dicht bij elkaar liggen"
        )
    )
    min_score = StringField(
        _l("Laagste matchscore die nog wordt voorgesteld"),
        default=str(POSSIBLE_MATCH).replace(".", ","),
        description=_l(
            "Een getal van 0 tot 1: vanaf 0,12 heet een match mogelijk, vanaf 0,20 goed, vanaf 0,30 sterk. Een ervaren partnerschap dat lager scoort, wordt niet voorgesteld; het vragende partnerschap blijft dan liever zonder dan met een zwakke match."
        ),
        render_kw={"inputmode": "decimal"},
    )


class ApproveForm(FlaskForm):
    selection = HiddenField()
    spread_load = HiddenField()
    min_score = HiddenField()
    message = TextAreaField(
        _l("Bericht bij elke kennismaking (optioneel)"), validators=[Optional(), Length(max=2000)]
    )
    confirm = BooleanField(_l("Ja, verstuur deze kennismakingen en e-mails"))


@dataclass
class Row:
    mentee: object
    proposed: Assignment | None
    greedy: Assignment | None
    options: list  # (Partnership, score)
    selected: str  # mentor key, "" for none


def _rows(proposal: cohort.Proposal, choices: dict[str, str] | None = None) -> list[Row]:
    rows = []
    for mentee in proposal.mentees:
        proposed = proposal.proposed_of(mentee.key)
        options = [(proposal.partnerships[k], s) for k, s in proposal.options.get(mentee.key, [])]
        selected = (
            choices.get(mentee.key, "")
            if choices is not None
            else (proposed.mentor if proposed else "")
        )
        if (
            selected
            and selected not in {p.key for p, _s in options}
            and selected in proposal.partnerships
        ):
            options.append((proposal.partnerships[selected], None))
        rows.append(Row(mentee, proposed, proposal.greedy_of(mentee.key), options, selected))
    return rows


def _render_cohort(
    form: CohortForm, proposal: cohort.Proposal | None, choices=None, errors=(), status=200
):
    approve = ApproveForm()
    if proposal is not None:
        approve.selection.data = ",".join(p.key for p in proposal.mentees)
        approve.spread_load.data = "1" if proposal.spread_load else ""
        approve.min_score.data = repr(proposal.min_score)
    looking = {p.key for p in cohort.looking()}
    return render_template(
        "programme/cohort.html",
        form=form,
        approve=approve,
        proposal=proposal,
        rows=_rows(proposal, choices) if proposal else [],
        looking=looking,
        errors=list(errors),
    ), status


def _cohort_form() -> CohortForm:
    form = CohortForm()
    form.mentees.choices = [(p.key, p.name) for p in cohort.candidates()]
    return form


@bp.get("/cohort")
@admin_required
def cohort_page():
    form = _cohort_form()
    proposal = cohort.propose(
        min_score=POSSIBLE_MATCH, with_options=True
    )  # not down to 0: no weak matches by default
    form.mentees.data = [p.key for p in proposal.mentees]
    form.min_score.data = format_decimal(POSSIBLE_MATCH, format="0.0#")
    return _render_cohort(form, proposal)


@bp.post("/cohort")
@admin_required
def cohort_propose():
    form = _cohort_form()
    if not form.validate_on_submit():
        return _render_cohort(form, None, status=400)
    try:
        proposal = cohort.propose(
            form.mentees.data or [],
            bool(form.spread_load.data),
            (form.min_score.data or "0").replace(",", "."),
            with_options=True,
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return _render_cohort(form, None, status=400)
    return _render_cohort(form, proposal)


@bp.post("/cohort/apply")
@admin_required
def cohort_apply():
    approve = ApproveForm()
    if not approve.validate_on_submit():
        abort(400)
    keys = [k for k in (approve.selection.data or "").split(",") if k]
    choices = {k: (request.form.get(f"mentor-{k}") or "").strip() for k in keys}
    if (
        not approve.confirm.data
    ):  # nothing is sent before the admin has read the summary and ticked the box
        return _proposal_again(
            approve,
            keys,
            choices,
            [
                _l(
                    "Er is niets verstuurd: vink eerst aan dat deze kennismakingen en e-mails verstuurd mogen worden."
                )
            ],
        )
    try:
        outcome = cohort.apply(list(choices.items()), current_user, approve.message.data or "")
    except cohort.CapacityError as exc:
        return _proposal_again(approve, keys, choices, list(exc.fields.values()))
    refused = [(r, error_message(r.error)) for r in outcome.refused]
    return render_template("programme/cohort_done.html", outcome=outcome, refused=refused)


def _proposal_again(approve: ApproveForm, keys: list[str], choices: dict, errors: list):
    """The proposal once more with the admin's choices kept, and why nothing was made."""
    form = _cohort_form()
    spread, min_score = approve.spread_load.data == "1", approve.min_score.data or "0"
    try:
        proposal = cohort.propose(keys, spread, min_score, with_options=True)
    except ValidationError:  # a partnership left meanwhile: start again from who is looking now
        proposal, choices = cohort.propose(min_score=POSSIBLE_MATCH, with_options=True), None
    form.mentees.data = [p.key for p in proposal.mentees]
    form.spread_load.data = proposal.spread_load
    form.min_score.data = format_decimal(proposal.min_score, format="0.0#")
    return _render_cohort(form, proposal, choices, errors=errors, status=400)


# --- unmet needs ---------------------------------------------------------------------------------


@bp.get("/unmet-needs")
@admin_required
def unmet_needs():
    raw = (request.args.get("threshold") or "").strip().replace(",", ".")
    error = None
    try:
        report = reports.unmet_needs(raw) if raw else reports.unmet_needs()
    except ValidationError as exc:
        error = exc.fields.get("threshold")
        report = reports.unmet_needs()
    return render_template(
        "programme/unmet_needs.html",
        report=report,
        lang=locale_code(),
        error=error,
        threshold=raw or report.threshold,
    ), 400 if error else 200


# --- reports and charts --------------------------------------------------------------------------

CHART_STYLE = Style(
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2433",
    foreground_strong="#1d2433",
    foreground_subtle="#d9dee7",
    opacity="1",
    opacity_hover="1",
    colors=("#0b5cad", "#9fb8d6", "#1d7a46", "#9a5b00", "#b3261e"),
    value_colors=("#1d2433", "#1d2433"),  # values are printed beside the bars, on white
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=15,
    legend_font_size=15,
    no_data_font_size=24,
)
# Horizontal bars print their values just past the end of the bar, not centred on it.
_PYGAL_CSS = (
    Path(pygal.__file__).parent / "css"
)  # absolute: a relative name would be looked up in the cwd first
HORIZONTAL_CSS = [
    f"file://{_PYGAL_CSS / 'style.css'}",
    f"file://{_PYGAL_CSS / 'graph.css'}",
    "inline:.text-overlay text.value { text-anchor: start; }",
]
MAX_BARS = 40  # the capacity chart shows the busiest experienced partnerships; its table and CSV have them all
COUNT_TICKS = 6  # at most this many gridlines on a chart of counts


@dataclass(frozen=True)
class ChartSpec:
    title: object  # lazy string
    alt: object
    headers: tuple  # column labels for the HTML table, in the report's column order


CHARTS: dict[str, ChartSpec] = {
    "funnel": ChartSpec(
        _l("Van suggestie tot afgeronde kennismaking"),
        _l(
            "Staafdiagram van de trechter: partnerschappen met een suggestie, en kennismakingen die zijn aangevraagd, geaccepteerd en afgerond. De tabel ernaast geeft dezelfde aantallen."
        ),
        (_l("Stap"), _l("Aantal")),
    ),
    "over-time": ChartSpec(
        _l("Kennismakingen per maand"),
        _l(
            "Staafdiagram van het aantal nieuwe kennismakingen per maand. De tabel ernaast geeft dezelfde aantallen."
        ),
        (_l("Maand"), _l("Kennismakingen")),
    ),
    "acceptance": ChartSpec(
        _l("Geaccepteerd per sector"),
        _l(
            "Staafdiagram van het percentage beantwoorde verzoeken dat is geaccepteerd, per sector van het vragende partnerschap. De tabel ernaast geeft dezelfde cijfers."
        ),
        (_l("Sector"), _l("Beantwoord"), _l("Geaccepteerd"), _l("Percentage")),
    ),
    "reply-time": ChartSpec(
        _l("Dagen tot een antwoord per sector (mediaan)"),
        _l(
            "Staafdiagram van het mediane aantal dagen tot een antwoord, per sector van het vragende partnerschap. De tabel ernaast geeft dezelfde cijfers."
        ),
        (_l("Sector"), _l("Antwoorden"), _l("Dagen (mediaan)")),
    ),
    "mentor-load": ChartSpec(
        _l("Lopende kennismakingen en capaciteit per ervaren partnerschap"),
        _l(
            "Liggend staafdiagram met per ervaren partnerschap het aantal lopende kennismakingen naast de capaciteit. De tabel ernaast geeft dezelfde aantallen."
        ),
        (_l("Ervaren partnerschap"), _l("Lopend"), _l("Capaciteit")),
    ),
    "regions": ChartSpec(
        _l("Partnerschappen per regio"),
        _l(
            "Liggend staafdiagram van het aantal actieve partnerschappen per regio. De tabel ernaast geeft dezelfde aantallen."
        ),
        (_l("Regio"), _l("Partnerschappen")),
    ),
}
FUNNEL_LABELS = {"suggested": _l("met een suggestie"), **STATE_NAMES}


def _number(value) -> str:
    return format_decimal(value, format="#,##0.#")


def count_ticks(values) -> list[int]:
    """Whole-number axis labels from 0 past the largest count (no "0.1 introductions")."""
    top = max([v for v in values if v is not None] + [1])
    step = max(1, math.ceil(top / (COUNT_TICKS - 1)))
    return list(range(0, step * math.ceil(top / step) + 1, step))


def _local_name(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _only_the_image(title: str):
    """An xml filter: pygal always writes a config <script>, which an image needs none of (and CSP
    forbids); the chart's <title> names the chart (the page shows the title as a heading)."""

    def apply(root):
        for parent in list(root.iter()):
            for child in list(parent):
                if _local_name(child) == "script":
                    parent.remove(child)
                elif _local_name(child) == "title" and parent is root:
                    child.text = title
        return root

    return apply


def _chart(kind, spec: ChartSpec, **options):
    """A pygal chart with the house style, no scripts (``js=[]`` and stripped) and no web fonts."""
    settings = dict(
        style=CHART_STYLE,
        js=[],
        width=640,
        height=360,
        show_legend=False,
        print_values=True,
        print_values_position="top",
        truncate_label=-1,
        truncate_legend=-1,
        no_data_text=str(_l("Nog geen gegevens")),
        value_formatter=_number,
        margin=16,
        spacing=12,
    )
    chart = kind(**{**settings, **options})
    chart.add_xml_filter(_only_the_image(str(spec.title)))
    return chart


def _horizontal(spec: ChartSpec, bars: int, per_bar: int, **options):
    """Horizontal bars, as tall as they need, with room on the right for the printed values."""
    options.setdefault("height", 90 + per_bar * max(1, bars))
    return _chart(pygal.HorizontalBar, spec, css=HORIZONTAL_CSS, margin_right=56, **options)


def render_chart(name: str, report: reports.Report) -> str:
    """The SVG of one report, labelled in the reader's language."""
    spec = CHARTS[name]
    if name == "funnel":
        chart = _chart(pygal.Bar, spec, y_labels=count_ticks(report.column("count")))
        chart.x_labels = [str(FUNNEL_LABELS.get(s, s)) for s in report.column("stage")]
        chart.add(str(spec.headers[1]), report.column("count"))
    elif name == "over-time":
        chart = _chart(
            pygal.Bar,
            spec,
            x_label_rotation=-40 if len(report.rows) > 12 else 0,
            y_labels=count_ticks(report.column("introductions")),
        )
        chart.x_labels = report.column("month")
        chart.add(str(spec.headers[1]), report.column("introductions"))
    elif name == "acceptance":
        rows = report.rows[::-1]  # horizontal bars are drawn bottom-up: the first sector on top
        chart = _horizontal(
            spec,
            len(rows),
            56,
            range=(0, 100),
            y_labels=[0, 25, 50, 75, 100],
            value_formatter=lambda v: f"{v:.0f}%",
        )
        chart.x_labels = [str(SECTOR_NAMES[r[0]]) for r in rows]
        chart.add(str(spec.headers[3]), [None if r[3] is None else r[3] * 100 for r in rows])
    elif name == "reply-time":
        rows = report.rows[::-1]
        chart = _horizontal(spec, len(rows), 56)
        chart.x_labels = [str(SECTOR_NAMES[r[0]]) for r in rows]
        chart.add(str(spec.headers[2]), [r[2] for r in rows])
    elif name == "mentor-load":
        rows = report.rows[:MAX_BARS][::-1]  # horizontal bars are drawn bottom-up: busiest on top
        chart = _horizontal(
            spec,
            len(rows),
            40,
            show_legend=True,
            legend_at_bottom=True,
            legend_at_bottom_columns=1,
            y_labels=count_ticks([r[2] for r in rows] + [r[3] for r in rows]),
        )
        chart.x_labels = [r[1] for r in rows]
        chart.add(str(spec.headers[1]), [r[2] for r in rows])
        chart.add(str(spec.headers[2]), [r[3] for r in rows])
    elif name == "regions":
        rows = report.rows[::-1]
        chart = _horizontal(spec, len(rows), 32, y_labels=count_ticks([r[1] for r in rows]))
        chart.x_labels = [r[0] or "—" for r in rows]
        chart.add(str(spec.headers[1]), [r[1] for r in rows])
    else:  # pragma: no cover - CHARTS and this function list the same names
        raise KeyError(name)
    return chart.render(is_unicode=True)


def _report_or_404(name: str) -> reports.Report:
    if name not in CHARTS:
        abort(404)
    return reports.report(name)


@bp.get("/reports")
@admin_required
def reports_page():
    charts = [(name, spec, reports.report(name)) for name, spec in CHARTS.items()]
    return render_template(
        "programme/reports.html",
        charts=charts,
        funnel_labels=FUNNEL_LABELS,
        max_bars=MAX_BARS,
        sessions=reports.upcoming_sessions(),
    )


@bp.get("/reports/<chart>.svg")
@admin_required
def chart_svg(chart: str):
    svg = render_chart(chart, _report_or_404(chart))
    response = Response(svg, mimetype="image/svg+xml")
    # Opened on its own the SVG is a document: its own styles may apply, scripts never.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/reports/<chart>.csv")
@admin_required
def chart_csv(chart: str):
    report = _report_or_404(chart)
    return Response(
        reports.to_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="matchmaker-{report.name}.csv"'},
    )
