"""One meaning for SUGGESTION_LIMIT: every surface shows that many suggestions unless asked for more."""

import json

import pytest

from matchmaker.services import matching as matching_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_token, find_user

from .conftest import make_user, second_app


@pytest.fixture
def seeded(app, runner):
    """The demo data, and a partnership with more than three suggestions at the default limit."""
    assert runner.invoke(args=["seed"]).exit_code == 0
    with app.app_context():
        for p in profile_service.list_partnerships(per_page=500).items:
            if p.challenges and len(matching_service.suggest(p.key)) > 3:
                make_user("limit@example.org", partnership_key=p.key)
                return p.key
    pytest.fail("the demo data has no partnership with more than three suggestions")


def test_every_surface_shows_suggestion_limit_suggestions(seeded, database_url):
    with second_app(database_url, SUGGESTION_LIMIT=3) as app:
        client = app.test_client()

        cli = app.test_cli_runner().invoke(args=["suggest", seeded, "--json"])
        assert cli.exit_code == 0, cli.output
        assert len(json.loads(cli.output)[seeded]) == 3

        public_api = client.get(f"/api/v1/partnerships/{seeded}/suggestions")
        assert public_api.status_code == 200
        assert len(public_api.get_json()) == 3

        page = client.get(f"/partnerships/{seeded}").get_data(as_text=True)
        assert page.count('<article class="card suggestion"') == 3

        client.post(
            "/login", data={"email": "limit@example.org", "password": "correct horse battery"}
        )
        member_page = client.get("/suggestions").get_data(as_text=True)
        assert member_page.count('<li class="card suggestion"') == 3

        with app.app_context():
            _, token = create_token(find_user("limit@example.org"), "limit test")
        mine = app.test_client().get(
            "/api/v1/me/suggestions", headers={"Authorization": f"Bearer {token}"}
        )
        assert mine.status_code == 200
        assert len(mine.get_json()) == 3


def test_a_caller_may_ask_for_more_than_the_limit(seeded, database_url):
    with second_app(database_url, SUGGESTION_LIMIT=3) as app:
        more = app.test_client().get(f"/api/v1/partnerships/{seeded}/suggestions?limit=4")
        assert more.status_code == 200
        assert len(more.get_json()) == 4
        cli = app.test_cli_runner().invoke(args=["suggest", seeded, "--json", "--limit", "4"])
        assert len(json.loads(cli.output)[seeded]) == 4
