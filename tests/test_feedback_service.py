"""Feedback moves later rankings a little, says so in the reasons, and never buries a clearly
better text match."""

from matchmaker.matching.feedback import MAX_SWING
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_admin, find_user
from matchmaker.services.matching import suggest
from matchmaker.services.reviews import review_pair

from .conftest import load, make_user, profile

PASSWORD = "correct horse battery"
# Two mentors on the same theme in other words (the same text twice would be shown once).
PEOPLE = [
    profile(
        key="tweeling-a",
        name="Tweeling A",
        experiences="Beginnende docenten krijgen een coach en lesbezoeken; zo blijven starters behouden.",
    ),
    profile(
        key="tweeling-b",
        name="Tweeling B",
        experiences="Startende docenten krijgen een buddy en lesbezoeken, zodat minder starters stoppen.",
    ),
    profile(
        key="ver-weg",
        name="Ver weg",
        experiences="Wij organiseren een jaarlijkse sportdag voor leerlingen; ook docenten doen mee.",
    ),
    profile(
        key="nieuw",
        name="Nieuw",
        founded=2025,
        open_to_mentor=False,
        mentor_capacity=0,
        challenges="Startende docenten stoppen snel; hoe begeleiden we beginnende leraren beter?",
    ),
]


def scores(key="nieuw"):
    return {s.key: s for s in suggest(key, limit=10)}


def test_endorsement_lifts_the_pair_and_says_so(app):
    with app.app_context():
        load(*PEOPLE)
        admin = create_admin("admin@example.org", PASSWORD)
        before = scores()
        review_pair(
            profile_service.get_partnership("nieuw"),
            profile_service.get_partnership("tweeling-b"),
            "endorsed",
            "",
            admin,
        )
        after = scores()
        lift = after["tweeling-b"].score - before["tweeling-b"].score
        assert 0 < lift <= MAX_SWING + 1e-6
        assert after["tweeling-a"].score == before["tweeling-a"].score
        assert "aanbevolen door de beheerder" in after["tweeling-b"].reason_texts()


def test_good_ratings_lift_and_bad_ratings_lower_a_mentor(app):
    with app.app_context():
        load(
            *PEOPLE,
            profile(key="ander-1", founded=2025, challenges="starters"),
            profile(key="ander-2", founded=2025, challenges="starters"),
        )
        admin = create_admin("admin@example.org", PASSWORD)
        before = scores()
        for mentee, mentor, rating in (
            ("ander-1", "tweeling-a", 5),
            ("ander-2", "tweeling-a", 5),
            ("ander-1", "tweeling-b", 1),
            ("ander-2", "tweeling-b", 2),
        ):
            intro = intro_service.request_introduction(
                profile_service.get_partnership(mentee),
                profile_service.get_partnership(mentor),
                "",
                admin,
                by_admin=True,
            )
            intro_service.transition(intro, "accept", admin)
            intro_service.transition(intro, "complete", admin, rating=rating)
        after = scores()
        assert after["tweeling-a"].score > before["tweeling-a"].score
        assert after["tweeling-b"].score < before["tweeling-b"].score
        assert "gewaardeerd met 5,0 door 2 partnerschappen" in after["tweeling-a"].reason_texts()
        assert any(t.startswith("gewaardeerd met 1,5") for t in after["tweeling-b"].reason_texts())


def test_feedback_never_buries_a_much_better_text_match(app):
    with app.app_context():
        load(*PEOPLE)
        admin = create_admin("admin@example.org", PASSWORD)
        plain = scores()
        assert plain["tweeling-a"].text_score - plain["ver-weg"].text_score > MAX_SWING
        review_pair(
            profile_service.get_partnership("nieuw"),
            profile_service.get_partnership("ver-weg"),
            "endorsed",
            "",
            admin,
        )
        after = scores()
        assert after["tweeling-a"].score > after["ver-weg"].score


def test_the_web_shows_the_feedback_reason(app, client):
    with app.app_context():
        load(*PEOPLE)
        create_admin("admin@example.org", PASSWORD)
        make_user("nieuw@example.org", partnership_key="nieuw")
        review_pair(
            profile_service.get_partnership("nieuw"),
            profile_service.get_partnership("tweeling-a"),
            "endorsed",
            "",
            find_user("admin@example.org"),
        )
    client.post("/login", data={"email": "nieuw@example.org", "password": PASSWORD})
    assert "aanbevolen door de beheerder" in client.get("/suggestions").get_data(as_text=True)
