"""Text that parses but cannot be kept: lone surrogates, a key written twice, invisible format
characters in one-line fields, documents too deep or numbers too long. Each is refused where it
comes in (API, CLI import, validation) with the place named, and nothing is written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from matchmaker import json_input
from matchmaker.extensions import db
from matchmaker.models import Partnership
from matchmaker.services import accounts, profiles
from matchmaker.services.validation import ValidationError

from .conftest import load, make_user, profile

PASSWORD = "correct horse battery"


@pytest.fixture
def tokens(network):
    """Bearer headers of the coordinator of nieuw-assessment and of an admin."""
    with network.app_context():
        coordinator = make_user("coordinator@example.org", partnership_key="nieuw-assessment")
        admin = accounts.create_admin("admin@example.org", PASSWORD)
        _row, mine = accounts.create_token(coordinator, "script")
        _row, theirs = accounts.create_token(admin, "import")
    return (
        {"Authorization": f"Bearer {mine}", "Content-Type": "application/json"},
        {"Authorization": f"Bearer {theirs}", "Content-Type": "application/json"},
    )


def own_record(app) -> dict:
    with app.app_context():
        record = profiles.to_record(profiles.get_partnership("nieuw-assessment"))
    record.pop("key")
    return record


def partnership_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Partnership.id)))


# --- the reader shared by the API and the CLI ---------------------------------------------------


@pytest.mark.parametrize(
    "text, place",
    [
        ('{"institutions": ["Pabo \\ud800"]}', "institutions[0]"),
        ('{"partnerships": [{"key": "a", "region": "Utrecht\\udfff"}]}', "partnerships[0].region"),
        ('{"contact": {"name": "\\udc00X"}}', "contact.name"),
        ('"\\ud800"', "the document"),
    ],
)
def test_a_lone_surrogate_is_refused_with_its_place(text, place):
    with pytest.raises(json_input.BadDocument) as caught:
        json_input.read_document(text)
    assert str(caught.value).startswith(f"{place}: ") and "surrogate" in str(caught.value)


def test_a_lone_surrogate_in_a_key_is_refused():
    with pytest.raises(json_input.BadDocument, match="a key holds a lone surrogate"):
        json_input.read_document('{"contact": {"\\ud800": 1}}')


def test_a_surrogate_pair_is_a_character_and_passes():
    assert json_input.read_document('{"name": "Pabo \\ud83d\\ude00"}') == {"name": "Pabo 😀"}


@pytest.mark.parametrize(
    "text, words",
    [
        ('{"name": "A", "name": "B"}', '"name" twice'),
        ('{"partnerships": [{"key": "a", "sectors": ["po"], "sectors": ["vo"]}]}', '"sectors"'),
        ("[" * 40 + "]" * 40, "nested more than 32"),
        ("[" * 100_000 + "]" * 100_000, "nested more than 32"),
        ('{"founded": ' + "9" * 5000 + "}", "number too large"),
    ],
)
def test_documents_python_would_read_but_the_service_must_not(text, words):
    with pytest.raises(json_input.BadDocument, match=words):
        json_input.read_document(text)


def test_malformed_json_is_left_to_the_caller():
    with pytest.raises(json.JSONDecodeError):
        json_input.read_document('{"name": ')


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("institutions", ["Hogeschool \ud800"]),
        ("name", "Naam \udfff"),
        ("region", "Utrecht\ud800"),
        ("challenges", "Wij zoeken \ud800 hulp"),
    ],
)
def test_the_api_refuses_a_lone_surrogate_and_changes_nothing(network, tokens, field, value):
    mine, _admin = tokens
    client = network.test_client()
    before = client.get("/api/v1/me/partnership", headers=mine)
    record = dict(before.json, **{field: value})
    record.pop("key")
    body = json.dumps(record)  # ensure_ascii: the surrogate travels as \ud800, as a client sends it
    response = client.put(
        "/api/v1/me/partnership", data=body, headers={**mine, "If-Match": before.headers["ETag"]}
    )
    assert response.status_code == 400
    assert field in response.json["error"]["message"]
    assert "surrogate" in response.json["error"]["message"]
    assert client.get("/api/v1/me/partnership", headers=mine).json == before.json
    assert client.get("/partnerships/nieuw-assessment").status_code == 200


def test_the_api_refuses_a_field_written_twice(network, tokens):
    mine, _admin = tokens
    client = network.test_client()
    before = client.get("/api/v1/me/partnership", headers=mine)
    body = json.dumps(own_record(network))[:-1] + ', "name": "Overschreven"}'
    response = client.put(
        "/api/v1/me/partnership", data=body, headers={**mine, "If-Match": before.headers["ETag"]}
    )
    assert response.status_code == 400
    assert '"name" twice' in response.json["error"]["message"]
    assert client.get("/api/v1/me/partnership", headers=mine).json["name"] != "Overschreven"


def test_the_admin_import_refuses_a_lone_surrogate_and_imports_nothing(network, tokens):
    _mine, admin = tokens
    before = partnership_count(network)
    good = profile(key="goed-een")
    bad = profile(key="slecht-twee", institutions=["Pabo \ud800"])
    response = network.test_client().post(
        "/api/v1/admin/import", data=json.dumps({"partnerships": [good, bad]}), headers=admin
    )
    assert response.status_code == 400
    assert "partnerships[1].institutions[0]" in response.json["error"]["message"]
    assert partnership_count(network) == before


# --- validation, whoever calls it ------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["name", "description", "challenges", "experiences", "institutions", "region"]
)
def test_validation_names_a_field_with_a_lone_surrogate(app, field):
    record = profile(key="surrogaat")
    record[field] = ["Pabo \ud800"] if field == "institutions" else "Utrecht\ud800"
    with app.app_context(), pytest.raises(ValidationError) as caught:
        load(record)
    [message] = [m for where, m in caught.value.fields.items() if where.endswith(field)]
    assert "surrogate" in message


def test_long_texts_keep_ordinary_unicode(app):
    text = "Wij werken met één visie — “samen opleiden” — en 😀 in de nieuwsbrief."
    with app.app_context():
        load(profile(key="unicode", experiences=text, name="Café Ñandú"))
        assert profiles.get_partnership("unicode").experiences == text


# --- the CLI ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, words",
    [
        ('{"partnerships": [{"key": "x", "name": "\\ud800"}]}', "partnerships[0].name"),
        ('{"partnerships": [], "partnerships": []}', '"partnerships" twice'),
        ('{"partnerships": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than"),
        ('{"partnerships": [{"founded": ' + "9" * 5000 + "}]}", "number too large"),
    ],
    ids=["surrogate", "duplicate-key", "deep", "long-number"],
)
def test_import_profiles_refuses_without_a_traceback(app, runner, tmp_path, body, words):
    path = tmp_path / "import.json"
    path.write_text(body, encoding="utf-8")
    before = partnership_count(app)
    result = runner.invoke(args=["import-profiles", str(path)])
    assert result.exit_code == 1
    assert words in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, RecursionError | ValueError)
    assert partnership_count(app) == before
