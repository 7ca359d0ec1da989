"""Schemathesis over the OpenAPI document, against the app running in its own process on 127.0.0.1.

Every generated request must get no server error, a documented status code, the declared
content type and a body that matches its schema. At least 1,000 cases run.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from matchmaker import create_app
from matchmaker.config import TEST_CONFIG
from matchmaker.extensions import db
from matchmaker.services import accounts
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service

from .conftest import _drop_everything
from .live_server import serve_process

EXAMPLES_PER_OPERATION = 100
MINIMUM_CASES = 1000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def live(tmp_path_factory, postgres_url):
    url = postgres_url or f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _drop_everything()
        db.create_all()
        app.test_cli_runner().invoke(args=["seed"])
        # One caller who can reach everything: an admin who also coordinates a partnership.
        partnership = profile_service.get_partnership("stedelijk-college-eindhoven-flot")
        user = accounts.create_user(
            "fuzz@example.org", "fuzzing password", role="admin", partnership=partnership
        )
        mentor = profile_service.get_partnership("rpo-rijnmond-vo-mbo")
        intro = intro_service.request_introduction(partnership, mentor, "hallo", user)
        _row, token = accounts.create_token(user, "schemathesis")
        intro_id = intro.id
    with serve_process(url) as base_url:
        yield base_url, token, intro_id
    with app.app_context():
        db.session.remove()
        _drop_everything()
        db.engine.dispose()


def test_api_conforms_to_its_openapi_document(live):
    """Every operation, EXAMPLES_PER_OPERATION generated cases each (schemathesis + hypothesis)."""
    base_url, token, _intro = live
    schema = schemathesis.openapi.from_dict(
        requests.get(f"{base_url}/api/v1/openapi.json", timeout=60).json()
    )
    headers = {"Authorization": f"Bearer {token}"}
    count = 0
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
        )
        def run(case):
            nonlocal count
            count += 1
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

        run()
    assert count >= MINIMUM_CASES, f"only {count} cases ran"
