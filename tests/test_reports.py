"""Programme reports and unmet needs: the numbers, the charts (SVG), the tables, the CSV files."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from matchmaker.extensions import db
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services import reports
from matchmaker.services.accounts import create_admin, find_user
from matchmaker.services.validation import ValidationError
from matchmaker.web.programme import CHARTS

from .conftest import make_user

PASSWORD = "correct horse battery"
CHART_NAMES = list(CHARTS)


def P(key):
    return profile_service.get_partnership(key)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=11, tzinfo=timezone.utc)


def backdate(intro, created: datetime, reply_days: float | None = None) -> None:
    intro.created_at = created
    if reply_days is not None:
        intro.responded_at = created + timedelta(days=reply_days)
    db.session.commit()


@pytest.fixture
def history(network):
    """Three introductions: one completed (January), one declined and one still open (March)."""
    with network.app_context():
        admin = create_admin("admin@example.org", PASSWORD)
        make_user("member@example.org", PASSWORD, partnership_key="nieuw-assessment")
        done = intro_service.request_introduction(
            P("nieuw-assessment"), P("beoordeling-west"), "", admin, by_admin=True
        )
        intro_service.transition(done, "accept", admin)
        intro_service.transition(done, "complete", admin, rating=5)
        backdate(done, at("2026-01-15"), reply_days=2)
        declined = intro_service.request_introduction(
            P("nieuw-starters"), P("starters-oost"), "", admin, by_admin=True
        )
        intro_service.transition(declined, "decline", admin)
        backdate(declined, at("2026-03-10"), reply_days=4)
        waiting = intro_service.request_introduction(
            P("nieuw-assessment"), P("onderzoek-zuid"), "", admin, by_admin=True
        )
        backdate(waiting, at("2026-03-20"))
    return network


@pytest.fixture
def admin_client(history, client, auth):
    assert auth.login("admin@example.org", PASSWORD).status_code == 302
    return client


# --- the numbers ---------------------------------------------------------------------------------


def test_funnel_counts_partnerships_with_suggestions_and_introductions_by_recorded_state(history):
    with history.app_context():
        report = reports.report("funnel")
    # Both newcomers have challenges and eligible mentors; three introductions were requested,
    # one of them was accepted and then completed.
    assert report.rows == [("suggested", 2), ("requested", 3), ("accepted", 1), ("completed", 1)]


def test_suggested_counts_exactly_the_partnerships_the_matcher_has_a_suggestion_for(history):
    from matchmaker.services.dismissals import dismiss
    from matchmaker.services.matching import current_index, match_context

    with history.app_context():
        for mentor in ("beoordeling-west", "krimp-noord", "onderzoek-zuid", "starters-oost"):
            dismiss(P("nieuw-starters"), P(mentor))  # nothing left to suggest to it
        index, context = current_index(), match_context(None)
        by_rank = sum(
            1 for key in ("nieuw-assessment", "nieuw-starters") if index.rank(key, context, limit=1)
        )
        assert reports.report("funnel").rows[0] == ("suggested", by_rank) == ("suggested", 1)


def test_introductions_per_month_fill_the_gaps(history):
    with history.app_context():
        assert reports.report("over-time").rows == [("2026-01", 1), ("2026-02", 0), ("2026-03", 2)]


def test_acceptance_and_reply_time_by_sector_of_the_mentee(history):
    with history.app_context():
        acceptance = {row[0]: row[1:] for row in reports.report("acceptance").rows}
        reply = {row[0]: row[1:] for row in reports.report("reply-time").rows}
    assert acceptance["vo"] == (
        2,
        1,
        0.5,
    )  # answered: completed + declined; accepted: the completed one
    assert acceptance["po"] == (0, 0, None)
    assert reply["vo"] == (2, 3.0)  # median of 2 and 4 days
    assert reply["mbo"] == (0, None)


def test_mentor_load_against_capacity(history):
    with history.app_context():
        report = reports.report("mentor-load")
    assert report.columns == ("key", "name", "open_introductions", "capacity")
    assert report.rows[0] == ("onderzoek-zuid", "Onderzoeksschool Zuid", 1, 2)  # busiest first
    assert {row[0] for row in report.rows} == {
        "beoordeling-west",
        "starters-oost",
        "krimp-noord",
        "onderzoek-zuid",
    }
    assert all(
        row[2] == 0 for row in report.rows[1:]
    )  # completed and declined introductions are not load


def test_partnerships_by_region(history):
    with history.app_context():
        rows = reports.report("regions").rows
    assert rows[0] == ("Gelderland", 2)
    assert sorted(rows) == sorted(
        [("Gelderland", 2), ("Noord-Holland", 1), ("Groningen", 1), ("Limburg", 1), ("Utrecht", 1)]
    )


def test_reports_work_on_an_empty_network(app):
    with app.app_context():
        for name in CHART_NAMES:
            report = reports.report(name)
            assert report.columns
        assert reports.report("funnel").rows == [
            ("suggested", 0),
            ("requested", 0),
            ("accepted", 0),
            ("completed", 0),
        ]
        assert reports.report("over-time").rows == []


# --- charts, tables and CSV ----------------------------------------------------------------------


@pytest.mark.parametrize("name", CHART_NAMES)
def test_each_chart_is_a_script_free_svg_image(admin_client, name):
    response = admin_client.get(f"/admin/reports/{name}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert "<script" not in body.lower()
    assert (
        "googleapis" not in body and "xml-stylesheet" not in body
    )  # no web fonts, no external CSS
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    for element in root.iter():
        for attribute, value in element.attrib.items():
            if attribute.endswith("href"):
                assert not value.startswith(("http:", "https:", "//")), value
    assert root.find("{http://www.w3.org/2000/svg}title").text == str(CHARTS[name].title)
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", CHART_NAMES)
def test_charts_render_without_data(app, client, auth, name):
    with app.app_context():
        create_admin("admin@example.org", PASSWORD)
    auth.login("admin@example.org", PASSWORD)
    response = client.get(f"/admin/reports/{name}.svg")
    assert response.status_code == 200 and b"<script" not in response.data


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_downloads_hold_the_same_numbers(admin_client):
    response = admin_client.get("/admin/reports/funnel.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="matchmaker-funnel.csv"'
    assert read_csv(response) == [
        ["stage", "count"],
        ["suggested", "2"],
        ["requested", "3"],
        ["accepted", "1"],
        ["completed", "1"],
    ]
    assert read_csv(admin_client.get("/admin/reports/acceptance.csv"))[:3] == [
        ["sector", "answered", "accepted", "acceptance_rate"],
        ["po", "0", "0", ""],
        ["vo", "2", "1", "0.5"],
    ]
    rows = read_csv(admin_client.get("/admin/reports/mentor-load.csv"))
    assert rows[0] == ["key", "name", "open_introductions", "capacity"]
    assert rows[1] == ["onderzoek-zuid", "Onderzoeksschool Zuid", "1", "2"]


def test_csv_quotes_awkward_values(history, admin_client):
    with history.app_context():
        p = P("onderzoek-zuid")
        p.name = 'Zuid, "de onderzoeksschool"'
        db.session.commit()
    rows = read_csv(admin_client.get("/admin/reports/mentor-load.csv"))
    assert rows[1][1] == 'Zuid, "de onderzoeksschool"'


@pytest.mark.parametrize(
    "path",
    ["/admin/reports/nothing.svg", "/admin/reports/nothing.csv", "/admin/reports/funnel.png"],
)
def test_unknown_charts_are_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_reports_page_embeds_images_with_tables_and_csv_links(admin_client):
    response = admin_client.get("/admin/reports")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in CHART_NAMES:
        assert f'<img src="/admin/reports/{name}.svg" alt="' in html
        assert f'href="/admin/reports/{name}.csv"' in html
    assert "<svg" not in html and "<script" not in html and "style=" not in html
    assert "programme.css" in html
    assert "2026-03" in html and "Onderzoeksschool Zuid" in html
    assert "50" in html  # the acceptance rate of vo, as a percentage


# --- unmet needs ---------------------------------------------------------------------------------


def test_unmet_needs_groups_partnerships_below_the_threshold(history):
    with history.app_context():
        everyone = reports.unmet_needs(threshold=1.0)
        nobody = reports.unmet_needs(threshold=0.0)
    assert set(everyone.best_scores) == {"nieuw-assessment", "nieuw-starters"}
    assert sorted(k for g in everyone.groups for k in g.mentee_keys) == [
        "nieuw-assessment",
        "nieuw-starters",
    ]
    assert all(g.label_words for g in everyone.groups)
    assert nobody.groups == [] and nobody.count == 0
    with history.app_context(), pytest.raises(ValidationError):
        reports.unmet_needs(threshold=2)


def test_unmet_needs_page_lists_groups_with_labels_and_links(admin_client, history):
    with history.app_context():
        groups = reports.unmet_needs(threshold=1.0).groups
    html = admin_client.get("/admin/unmet-needs?threshold=1").get_data(as_text=True)
    for group in groups:
        assert group.label("nl") in html
    assert (
        'href="/partnerships/nieuw-assessment"' in html
        and 'href="/partnerships/nieuw-starters"' in html
    )
    html_en = admin_client.get(
        "/admin/unmet-needs?threshold=1", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    for group in groups:
        assert group.label("en") in html_en


def test_unmet_needs_page_names_a_bad_threshold(admin_client):
    response = admin_client.get("/admin/unmet-needs?threshold=veel")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_unmet_needs_command(history, runner):
    result = runner.invoke(args=["unmet-needs", "--json", "--threshold", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["threshold"] == 1.0 and data["considered"] == 2
    assert {k for g in data["groups"] for k in g["mentees"]} == {
        "nieuw-assessment",
        "nieuw-starters",
    }
    assert all(
        {"label_words", "mentees", "mean_best_score", "best_scores"} <= set(g)
        for g in data["groups"]
    )
    text = runner.invoke(args=["unmet-needs", "--threshold", "1"])
    assert text.exit_code == 0 and "nieuw-starters" in text.output
    assert runner.invoke(args=["unmet-needs", "--threshold", "3"]).exit_code != 0


# --- who may see them ----------------------------------------------------------------------------

NEW_PAGES = [
    ("get", "/admin/cohort"),
    ("post", "/admin/cohort"),
    ("post", "/admin/cohort/apply"),
    ("get", "/admin/unmet-needs"),
    ("get", "/admin/reports"),
    *[("get", f"/admin/reports/{name}.svg") for name in CHART_NAMES],
    *[("get", f"/admin/reports/{name}.csv") for name in CHART_NAMES],
]


@pytest.mark.parametrize(("method", "path"), NEW_PAGES)
def test_members_get_403_on_every_programme_page(history, client, auth, method, path):
    assert auth.login("member@example.org", PASSWORD).status_code == 302
    response = getattr(client, method)(
        path, data={"selection": "nieuw-starters", "mentor-nieuw-starters": "krimp-noord"}
    )
    assert response.status_code == 403
    with history.app_context():
        assert find_user("member@example.org").partnership.key == "nieuw-assessment"
        assert (
            intro_service.for_partnership(P("nieuw-starters"))[0][0].state == "declined"
        )  # nothing new made


@pytest.mark.parametrize(("method", "path"), NEW_PAGES[:5])
def test_anonymous_visitors_are_sent_to_log_in(history, client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
