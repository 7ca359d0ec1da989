"""Paged lists (``db.paginate``): the partnerships, the admins' introductions and the review
queue. For each, the first page, the last page and a page past the last, through the service and
through the pages (and API) that show them; a page past the last is an empty page, never an
error."""

from __future__ import annotations

import pytest

from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services import reviews as review_service
from matchmaker.services.accounts import create_admin, create_token, find_user
from matchmaker.web import admin as admin_views
from matchmaker.web import main as main_views

from .conftest import load, profile

PASSWORD = "correct horse battery"
ADMIN = "admin@example.org"

# Seven partnerships named out of key order: the list is by name.
LISTED = [
    profile(key=f"p{n}", name=f"Partnerschap {name}", challenges="", experiences="")
    for n, name in enumerate(["Goud", "Amber", "Fluweel", "Brons", "Eik", "Diamant", "Cipres"])
]
BY_NAME = ["p1", "p3", "p6", "p5", "p4", "p2", "p0"]

# Three experienced mentors and seven newcomers with challenges, each founded a year apart.
MENTOR_KEYS = ["mentor-a", "mentor-b", "mentor-c"]
MENTORS = [
    profile(
        key=key,
        name=f"Mentor {key[-1].upper()}",
        founded=2005,
        mentor_capacity=10,
        experiences="Wij begeleiden startende leraren met coaching en intervisie in de eerste jaren.",
    )
    for key in MENTOR_KEYS
]
MENTEE_KEYS = [f"nieuw-{n}" for n in range(7)]
MENTEES = [
    profile(
        key=key,
        name=f"Nieuw {n}",
        founded=2015 + n,
        open_to_mentor=False,
        mentor_capacity=0,
        challenges="Startende leraren stoppen na een jaar; hoe houden we jonge docenten vast?",
    )
    for n, key in enumerate(MENTEE_KEYS)
]


def keys(items) -> list[str]:
    return [p.key for p in items]


@pytest.fixture
def admin(app):
    with app.app_context():
        create_admin(ADMIN, PASSWORD)
    return app


def log_in_as_admin(client) -> None:
    response = client.post("/login", data={"email": ADMIN, "password": PASSWORD})
    assert response.status_code == 302


# --- partnerships ---------------------------------------------------------------------------------


@pytest.fixture
def listed(admin):
    with admin.app_context():
        load(*LISTED)
    return admin


def test_partnerships_first_last_and_past_the_last_page(listed):
    with listed.app_context():
        first = profile_service.list_partnerships(page=1, per_page=3)
        assert keys(first.items) == BY_NAME[:3]
        assert (first.page, first.pages, first.total) == (1, 3, 7)
        assert first.has_next and not first.has_prev

        last = profile_service.list_partnerships(page=3, per_page=3)
        assert keys(last.items) == BY_NAME[6:]
        assert (last.page, last.pages, last.total) == (3, 3, 7)
        assert not last.has_next

        past = profile_service.list_partnerships(page=4, per_page=3)
        assert past.items == [] and past.total == 7 and past.pages == 3

        # A page below the first is the first (as the hand-written paging had it).
        assert keys(profile_service.list_partnerships(page=0, per_page=3).items) == BY_NAME[:3]


def test_partnerships_filtered_page_counts_only_the_matches(listed):
    with listed.app_context():
        page = profile_service.list_partnerships(q="partnerschap", page=2, per_page=5)
        assert keys(page.items) == BY_NAME[5:] and page.total == 7
        nothing = profile_service.list_partnerships(q="bestaat niet", page=1, per_page=5)
        assert (nothing.items, nothing.total, nothing.pages) == ([], 0, 0)


def test_partnership_pages_link_on_and_survive_a_page_past_the_last(listed, client, monkeypatch):
    monkeypatch.setattr(main_views, "PER_PAGE", 3)
    first = client.get("/?q=partnerschap")
    assert first.status_code == 200 and "Partnerschap Amber" in first.text
    assert (
        "Pagina 1 van 3" in first.text and "page=2" in first.text and "q=partnerschap" in first.text
    )
    last = client.get("/?q=partnerschap&page=3")
    assert last.status_code == 200 and "Pagina 3 van 3" in last.text
    assert "Partnerschap Goud" in last.text and "Volgende" not in last.text
    past = client.get("/?page=99")
    assert past.status_code == 200 and not any(p["name"] in past.text for p in LISTED)

    log_in_as_admin(client)
    monkeypatch.setattr(admin_views, "ADMIN_PAGE", 3)
    first = client.get("/admin/partnerships")
    assert first.status_code == 200 and "Pagina 1 van 3" in first.text
    assert "Partnerschap Amber" in first.text and "Partnerschap Goud" not in first.text
    last = client.get("/admin/partnerships?page=3")
    assert last.status_code == 200 and "Partnerschap Goud" in last.text
    past = client.get("/admin/partnerships?page=99")
    assert past.status_code == 200 and "Partnerschap Goud" not in past.text


def test_partnerships_api_pages(listed, client):
    first = client.get("/api/v1/partnerships?per_page=3&page=1").get_json()
    assert [p["key"] for p in first["items"]] == BY_NAME[:3]
    assert (first["page"], first["per_page"], first["total"]) == (1, 3, 7)
    last = client.get("/api/v1/partnerships?per_page=3&page=3").get_json()
    assert [p["key"] for p in last["items"]] == BY_NAME[6:]
    past = client.get("/api/v1/partnerships?per_page=3&page=4")
    assert past.status_code == 200
    assert past.get_json()["items"] == [] and past.get_json()["total"] == 7


# --- introductions (admin) --------------------------------------------------------------------


@pytest.fixture
def introduced(admin):
    """Seven introductions, one per newcomer, made by the admin in order."""
    with admin.app_context():
        load(*MENTORS, *MENTEES)
        actor = find_user(ADMIN)
        for n, mentee in enumerate(MENTEE_KEYS):
            intro_service.request_introduction(
                profile_service.get_partnership(mentee),
                profile_service.get_partnership(MENTOR_KEYS[n % 3]),
                "",
                actor,
                by_admin=True,
            )
    return admin


def mentee_keys(intros) -> list[str]:
    return [i.mentee.key for i in intros]


NEWEST_FIRST = MENTEE_KEYS[::-1]


def test_introductions_first_last_and_past_the_last_page(introduced):
    with introduced.app_context():
        first = intro_service.list_all(page=1, per_page=3)
        assert mentee_keys(first.items) == NEWEST_FIRST[:3]
        assert (first.page, first.pages, first.total) == (1, 3, 7)

        last = intro_service.list_all(page=3, per_page=3)
        assert mentee_keys(last.items) == NEWEST_FIRST[6:]

        past = intro_service.list_all(page=4, per_page=3)
        assert past.items == [] and past.total == 7

        filtered = intro_service.list_all(q="mentor b", page=1, per_page=3)
        assert mentee_keys(filtered.items) == ["nieuw-4", "nieuw-1"] and filtered.total == 2
        assert intro_service.list_all(state="declined").total == 0


def test_admin_introductions_page_has_a_pager(introduced, client, monkeypatch):
    log_in_as_admin(client)
    monkeypatch.setattr(admin_views, "INTRO_PAGE", 3)
    first = client.get("/admin/introductions?q=nieuw")
    assert first.status_code == 200 and "Nieuw 6" in first.text
    assert "Pagina 1 van 3" in first.text and "page=2" in first.text and "q=nieuw" in first.text
    last = client.get("/admin/introductions?q=nieuw&page=3")
    assert last.status_code == 200 and "Pagina 3 van 3" in last.text and "Nieuw 0" in last.text
    assert "Nieuw 6" not in last.text
    past = client.get("/admin/introductions?page=99")
    assert past.status_code == 200 and "Nieuw 0" not in past.text


def test_introductions_api_for_an_admin_pages(introduced, client):
    with introduced.app_context():
        _row, token = create_token(find_user(ADMIN), "pages")
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get("/api/v1/introductions?page=1", headers=headers)
    assert first.status_code == 200 and first.get_json()["total"] == 7
    assert len(first.get_json()["items"]) == 7  # 50 a page
    past = client.get("/api/v1/introductions?page=2", headers=headers)
    assert past.status_code == 200
    assert past.get_json() == {"items": [], "total": 7}


# --- review queue ------------------------------------------------------------------------------


@pytest.fixture
def waiting(admin):
    with admin.app_context():
        load(*MENTORS, *MENTEES)
    return admin


YOUNGEST_FIRST = MENTEE_KEYS[::-1]  # founded 2021 down to 2015


def test_review_queue_first_last_and_past_the_last_page(waiting):
    with waiting.app_context():
        first, items = review_service.review_queue(page=1, per_page=3)
        assert keys(first.items) == YOUNGEST_FIRST[:3]
        assert [item.mentee.key for item in items] == YOUNGEST_FIRST[:3]
        assert (first.page, first.pages, first.total) == (1, 3, 7)
        assert all(item.suggestions for item in items)
        assert all(s.key in item.mentors for item in items for s in item.suggestions)

        last, items = review_service.review_queue(page=3, per_page=3)
        assert [item.mentee.key for item in items] == YOUNGEST_FIRST[6:]

        past, items = review_service.review_queue(page=4, per_page=3)
        assert items == [] and past.items == [] and past.total == 7

        found, items = review_service.review_queue(q="nieuw 2", page=1, per_page=3)
        assert [item.mentee.key for item in items] == ["nieuw-2"] and found.total == 1


def test_review_page_pages_on_and_survives_a_page_past_the_last(waiting, client, monkeypatch):
    log_in_as_admin(client)
    monkeypatch.setattr(admin_views, "REVIEW_PAGE", 3)
    first = client.get("/admin/review")
    assert first.status_code == 200 and "Nieuw 6" in first.text and "Nieuw 0" not in first.text
    assert "Pagina 1 van 3" in first.text and "page=2" in first.text
    last = client.get("/admin/review?page=3")
    assert last.status_code == 200 and "Pagina 3 van 3" in last.text and "Nieuw 0" in last.text
    past = client.get("/admin/review?page=99")
    assert past.status_code == 200 and "Nieuw 6" not in past.text
