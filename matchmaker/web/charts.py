"""The programme's charts: one SVG per report (services/reports.py), drawn on the server with
pygal in the house style, labelled in the reader's language, without scripts (the pages' CSP
allows none) and without web fonts. ``CHARTS`` names each chart, its alt text and its table's
column labels."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pygal
from flask_babel import format_decimal, lazy_gettext as _l
from pygal.style import Style

from ..services import reports
from .helpers import SECTOR_NAMES, STATE_NAMES

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
    """How one report is shown: its title, the image's alt text and its table's column labels."""

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
