"""Programme pages for admins: assign a whole cohort, see unmet needs, and the programme's charts.

Thin like the other blueprints: each view parses, calls one service (services/cohort.py,
services/reports.py) and renders. Charts are SVG made with pygal on the server (web/charts.py)
and served from their own URLs as images, so the pages need neither inline SVG nor scripts
(strict CSP).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_decimal, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..matching.assignment import Assignment
from ..models import Partnership
from ..services import cohort, reports
from ..services.validation import ValidationError
from .admin import admin_required
from .charts import CHARTS, FUNNEL_LABELS, MAX_BARS, render_chart
from .forms import Form, MultiCheckboxField, apply_errors
from .helpers import POSSIBLE_MATCH, locale_code
from .intros import error_message

bp = Blueprint("programme", __name__, url_prefix="/admin")


# --- cohort assignment ---------------------------------------------------------------------------


class CohortForm(Form):
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


class ApproveForm(Form):
    selection = HiddenField()
    spread_load = HiddenField()
    min_score = HiddenField()
    message = TextAreaField(
        _l("Bericht bij elke kennismaking (optioneel)"), validators=[Optional(), Length(max=2000)]
    )
    confirm = BooleanField(_l("Ja, verstuur deze kennismakingen en e-mails"))


@dataclass
class Row:
    """One mentee's row on the cohort page: the proposed and greedy mentor, the mentors to choose
    from, and the one chosen."""

    mentee: Partnership
    proposed: Assignment | None
    greedy: Assignment | None
    options: list[tuple[Partnership, float | None]]  # score None: chosen, but not eligible now
    selected: str  # mentor key, "" for none


def _rows(proposal: cohort.Proposal, choices: dict[str, str] | None = None) -> list[Row]:
    rows = []
    for mentee in proposal.mentees:
        proposed = proposal.proposed_of(mentee.key)
        options: list[tuple[Partnership, float | None]] = [
            (proposal.partnerships[k], s) for k, s in proposal.options.get(mentee.key, [])
        ]
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


def _proposal_again(
    approve: ApproveForm, keys: list[str], choices: dict[str, str] | None, errors: list
):
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
