"""Cohort assignment through the service, the ``assign`` command and the admin page."""

import json
import re

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Introduction, OPEN_INTRO_STATES, Partnership
from matchmaker.services import cohort
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_admin, find_user
from matchmaker.services.dismissals import dismiss
from matchmaker.services.reviews import review_pair
from matchmaker.services.validation import ValidationError

from .conftest import MENTORS, NEWCOMERS, load, make_user, profile

PASSWORD = "correct horse battery"

# Two mentors with one slot each. "Breed" offers both themes, "Rubric" only assessment.
# A (first in line) wants both themes, B only beginning teachers. Greedy gives A its best,
# Breed, and leaves B with almost nothing; the optimum gives A Rubric and B Breed.
COHORT = [
    profile(
        key="wacht-a",
        name="Wachtende A",
        founded=2025,
        open_to_mentor=False,
        mentor_capacity=0,
        challenges="Onze stagebeoordeling verschilt per school en beginnende docenten missen een coach.",
    ),
    profile(
        key="wacht-b",
        name="Wachtende B",
        founded=2025,
        open_to_mentor=False,
        mentor_capacity=0,
        challenges="Startende leraren stoppen na een jaar; hoe begeleiden we beginnende docenten met een coach?",
    ),
    profile(
        key="breed",
        name="Breed Netwerk",
        mentor_capacity=1,
        experiences="Wij beoordelen stagiairs met één gedeelde rubric en scholen beoordelaars samen. "
        "Elke beginnende docent krijgt een coach en bezoekt de startersacademie.",
    ),
    profile(
        key="rubric",
        name="Rubricnetwerk",
        mentor_capacity=1,
        experiences="Alle scholen beoordelen stagiairs met één gedeelde rubric; beoordelaars worden elk jaar samen geschoold. "
        "Ook docenten leren daarvan.",  # a little for B too: greedy leaves B a weak match
    ),
]


@pytest.fixture
def cohort_app(app):
    with app.app_context():
        load(*COHORT)
        create_admin("admin@example.org", PASSWORD)
        make_user("member@example.org", PASSWORD, partnership_key="wacht-a")
    return app


@pytest.fixture
def admin_client(cohort_app, client, auth):
    assert auth.login("admin@example.org", PASSWORD).status_code == 302
    return client


def P(key):
    return profile_service.get_partnership(key)


def pairs(items):
    return {(a.mentee, a.mentor) for a in items}


def intro_pairs():
    rows = db.session.execute(
        select(Partnership.key, Introduction.mentor_id, Introduction.state).join(
            Partnership, Partnership.id == Introduction.mentee_id
        )
    ).all()
    keys = {p.id: p.key for p in db.session.scalars(select(Partnership))}
    return {(mentee, keys[mentor_id], state) for mentee, mentor_id, state in rows}


# --- the service ---------------------------------------------------------------------------------


def test_proposal_beats_the_greedy_choice(cohort_app):
    with cohort_app.app_context():
        proposal = cohort.propose()
        result = proposal.result
        assert [p.key for p in proposal.mentees] == ["wacht-a", "wacht-b"]  # oldest first
        assert pairs(result.greedy) == {("wacht-a", "breed"), ("wacht-b", "rubric")}
        assert pairs(result.assignments) == {("wacht-a", "rubric"), ("wacht-b", "breed")}
        assert result.total_score > result.greedy_total_score
        assert result.total_score == pytest.approx(sum(a.score for a in result.assignments))
        assert result.unassigned == []


def test_default_selection_is_who_is_still_looking(cohort_app):
    with cohort_app.app_context():
        admin = find_user("admin@example.org")
        intro = intro_service.request_introduction(
            P("wacht-a"), P("breed"), "", admin, by_admin=True
        )
        proposal = cohort.propose()
        assert [p.key for p in proposal.mentees] == ["wacht-b"]
        # Breed's only slot is taken by the open introduction.
        assert pairs(proposal.result.assignments) == {("wacht-b", "rubric")}
        assert proposal.capacities == {"rubric": 1}

        intro_service.transition(intro, "decline", admin)
        proposal = cohort.propose()
        assert [p.key for p in proposal.mentees] == [
            "wacht-a",
            "wacht-b",
        ]  # declined: looking again
        assert ("wacht-a", "breed") not in pairs(
            proposal.result.assignments
        )  # but not that mentor again


def test_rejected_and_dismissed_pairs_are_never_assigned(cohort_app):
    with cohort_app.app_context():
        admin = find_user("admin@example.org")
        review_pair(P("wacht-a"), P("rubric"), "rejected", "past niet", admin)
        dismiss(P("wacht-b"), P("breed"))
        proposal = cohort.propose(with_options=True)
        every = pairs(proposal.result.assignments) | pairs(proposal.result.greedy)
        assert ("wacht-a", "rubric") not in every and ("wacht-b", "breed") not in every
        assert "rubric" not in dict(proposal.options["wacht-a"])
        assert "breed" not in dict(proposal.options["wacht-b"])
        assert pairs(proposal.result.assignments) == {("wacht-a", "breed"), ("wacht-b", "rubric")}

        # Even when asked for explicitly, approval refuses an excluded pair.
        outcome = cohort.apply([("wacht-a", "rubric")], admin)
        assert outcome.created == [] and [r.error.code for r in outcome.refused] == ["excluded"]
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 0


def test_apply_creates_introductions_and_collects_refusals(cohort_app):
    with cohort_app.app_context():
        admin = find_user("admin@example.org")
        cohort_app.config["REQUIRE_ADMIN_APPROVAL"] = True
        outcome = cohort.apply(
            [("wacht-a", "rubric"), ("wacht-b", "wacht-a"), ("wacht-b", "")], admin, "Welkom"
        )
        assert [(i.mentee.key, i.mentor.key, i.state) for i in outcome.created] == [
            ("wacht-a", "rubric", "requested")
        ]
        assert outcome.created[0].by_admin and outcome.created[0].message == "Welkom"
        # wacht-a does not mentor: refused by the introductions' own rules; "" means no mentor.
        assert [(r.mentee, r.mentor, r.error.code) for r in outcome.refused] == [
            ("wacht-b", "wacht-a", "closed")
        ]


def test_apply_refuses_rows_that_overfill_a_mentor(cohort_app):
    with cohort_app.app_context():
        admin = find_user("admin@example.org")
        with pytest.raises(cohort.CapacityError) as caught:
            cohort.apply([("wacht-a", "breed"), ("wacht-b", "breed")], admin)
        assert "Breed Netwerk" in str(caught.value)
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 0


def test_apply_is_for_admins_only(cohort_app):
    with cohort_app.app_context():
        with pytest.raises(intro_service.NotAllowed):
            cohort.apply([("wacht-a", "breed")], find_user("member@example.org"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mentee_keys": ["wacht-a", "onbekend"]}, "mentees"),
        ({"min_score": 1.5}, "min_score"),
        ({"min_score": "x"}, "min_score"),
    ],
)
def test_propose_names_bad_input(cohort_app, kwargs, field):
    with cohort_app.app_context():
        with pytest.raises(ValidationError) as caught:
            cohort.propose(**kwargs)
        assert field in caught.value.fields


def test_min_score_leaves_weak_pairs_unassigned(cohort_app):
    with cohort_app.app_context():
        full = cohort.propose()
        weakest = min(a.score for a in full.result.assignments)
        proposal = cohort.propose(["wacht-b", "wacht-a"], min_score=weakest + 1e-6)
        assert [p.key for p in proposal.mentees] == [
            "wacht-b",
            "wacht-a",
        ]  # explicit keys keep their order
        assert all(a.score >= weakest for a in proposal.result.assignments)
        assert proposal.result.unassigned


# --- the command ---------------------------------------------------------------------------------


def test_assign_json_has_exactly_the_documented_shape(cohort_app, runner):
    result = runner.invoke(args=["assign", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"assignments", "total_score", "greedy_total_score", "unassigned"}
    assert all(set(a) == {"mentee", "mentor", "score"} for a in data["assignments"])
    assert {(a["mentee"], a["mentor"]) for a in data["assignments"]} == {
        ("wacht-a", "rubric"),
        ("wacht-b", "breed"),
    }
    assert data["total_score"] > data["greedy_total_score"]
    assert data["unassigned"] == []
    with cohort_app.app_context():  # without --apply nothing is made
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 0


def test_assign_text_and_keys(cohort_app, runner):
    result = runner.invoke(args=["assign", "wacht-b"])
    assert result.exit_code == 0, result.output
    assert "wacht-b" in result.output and "wacht-a" not in result.output
    assert "total score" in result.output
    result = runner.invoke(args=["assign", "onbekend"])
    assert result.exit_code != 0 and "onbekend" in result.output


def test_assign_apply_needs_an_admin(app, runner):
    with app.app_context():
        load(*COHORT)
    result = runner.invoke(args=["assign", "--apply"])
    assert result.exit_code != 0
    assert "create an admin first with create-admin" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 0


CROWD = [
    *[{**m, "mentor_capacity": c} for m, c in zip(MENTORS, (1, 2, 1, 1))],
    *NEWCOMERS,
    *[
        profile(
            key=f"nieuw-{i}",
            name=f"Nieuw {i}",
            founded=2025,
            open_to_mentor=False,
            mentor_capacity=0,
            challenges=text,
        )
        for i, text in enumerate(
            [
                "Wij willen stagiairs eerlijk beoordelen met één rubric voor alle scholen.",
                "Beginnende docenten hebben een coach nodig in hun eerste jaar.",
                "Kleine dorpsscholen in een krimpregio vinden geen stageplekken.",
                "Hoe doen leraren en studenten samen praktijkonderzoek?",
                "Beoordelaars oordelen verschillend over dezelfde stagiair.",
                "Startende leraren voelen zich alleen en haken af.",
            ]
        )
    ],
]


def open_load():
    rows = db.session.execute(
        select(Introduction.mentor_id, func.count())
        .where(Introduction.state.in_(OPEN_INTRO_STATES))
        .group_by(Introduction.mentor_id)
    ).all()
    return {db.session.get(Partnership, mentor_id).key: n for mentor_id, n in rows}


def test_capacities_are_never_exceeded_after_apply(app, runner):
    with app.app_context():
        load(*CROWD)
        admin = create_admin("admin@example.org", PASSWORD)
        # One of Startersnetwerk Oost's two slots is already taken.
        intro_service.request_introduction(
            P("nieuw-starters"), P("starters-oost"), "", admin, by_admin=True
        )
        capacity = {p.key: p.mentor_capacity for p in db.session.scalars(select(Partnership))}
    for _round in range(2):  # a second run finds every mentor full and makes nothing more
        result = runner.invoke(args=["assign", "--apply", "--json"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            load_now = open_load()
            assert all(n <= capacity[key] for key, n in load_now.items()), load_now
    assert sum(load_now.values()) == sum(
        c for key, c in capacity.items() if key in {m["key"] for m in MENTORS}
    )
    data = json.loads(result.stdout)  # the outcome goes to stderr: stdout stays one JSON object
    # Seven were looking; the first run filled the four free slots, the second had none left.
    assert data["assignments"] == [] and len(data["unassigned"]) == 3


# --- the page ------------------------------------------------------------------------------------


def test_page_shows_proposal_beside_greedy_with_a_select_per_row(admin_client):
    response = admin_client.get("/admin/cohort")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("Wachtende A", "Wachtende B", "Breed Netwerk", "Rubricnetwerk"):
        assert name in html
    assert 'name="mentor-wacht-a"' in html and 'name="mentor-wacht-b"' in html
    assert '<option value="rubric" selected>' in html  # A's proposed mentor
    assert '<option value="">' in html  # "none"
    checkbox = re.search(r'<input[^>]*value="wacht-a"[^>]*>', html).group(0)
    assert "checked" in checkbox and 'type="checkbox"' in checkbox
    assert "<script" not in html


def test_page_proposes_for_a_chosen_selection(admin_client):
    response = admin_client.post("/admin/cohort", data={"mentees": ["wacht-b"], "min_score": "0,1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="mentor-wacht-b"' in html and 'name="mentor-wacht-a"' not in html

    response = admin_client.post("/admin/cohort", data={"mentees": ["wacht-b"], "min_score": "7"})
    assert response.status_code == 400
    assert 'name="mentor-wacht-b"' not in response.get_data(as_text=True)


def test_admin_overrides_a_row_and_approves(admin_client, cohort_app):
    data = {
        "selection": "wacht-a,wacht-b",
        "mentor-wacht-a": "breed",
        "mentor-wacht-b": "",
        "message": "Hallo",
        "confirm": "y",
    }
    response = admin_client.post("/admin/cohort/apply", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Breed Netwerk" in html
    with cohort_app.app_context():
        assert intro_pairs() == {("wacht-a", "breed", "requested")}


def test_approval_refuses_two_rows_overfilling_a_mentor(admin_client, cohort_app):
    data = {
        "selection": "wacht-a,wacht-b",
        "mentor-wacht-a": "breed",
        "mentor-wacht-b": "breed",
        "confirm": "y",
    }
    response = admin_client.post("/admin/cohort/apply", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Breed Netwerk" in html and "Er is niets aangemaakt" in html
    # The admin's choices are kept for the next try.
    assert html.count('<option value="breed" selected>') == 2
    with cohort_app.app_context():
        assert intro_pairs() == set()


def test_approval_reports_refused_rows(admin_client, cohort_app):
    with cohort_app.app_context():
        review_pair(P("wacht-b"), P("rubric"), "rejected", "", find_user("admin@example.org"))
    data = {
        "selection": "wacht-a,wacht-b",
        "mentor-wacht-a": "breed",
        "mentor-wacht-b": "rubric",
        "confirm": "y",
    }
    response = admin_client.post("/admin/cohort/apply", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Deze combinatie is niet beschikbaar." in html
    with cohort_app.app_context():
        assert intro_pairs() == {("wacht-a", "breed", "requested")}


@pytest.mark.parametrize(
    "odd", ["bad\x00key", "wacht b", "WACHT-B", "'; drop table partnership; --"]
)
def test_odd_keys_are_refused_rather_than_sent_to_the_database(admin_client, cohort_app, odd):
    data = {
        "selection": f"wacht-a,{odd}",
        "mentor-wacht-a": "breed",
        f"mentor-{odd}": "rubric",
        "confirm": "y",
    }
    response = admin_client.post("/admin/cohort/apply", data=data)
    # NUL is refused at the door for the whole request; other odd keys are refused per row.
    assert response.status_code == (400 if "\x00" in odd else 200)
    with cohort_app.app_context():
        assert intro_pairs() == (set() if "\x00" in odd else {("wacht-a", "breed", "requested")})
        with pytest.raises(ValidationError):
            cohort.propose([odd])
        outcome = cohort.apply([("wacht-b", odd)], find_user("admin@example.org"))
        assert [r.error.code for r in outcome.refused] == ["not_found"]
