"""Every surface that imports names near-identical mentors (services/importing.py): the
``import-profiles`` command on stderr, the admin API in its JSON. Suggestions show such a pair once."""

from matchmaker.services import accounts, importing

from .conftest import MENTORS, make_user, profile

TEXT = "Wij hebben een jaarplanning voor het overleg tussen school en opleiding, met vaste data."


def _document() -> dict:
    return {
        "partnerships": [
            profile(key="origineel", experiences=TEXT),
            profile(key="kopie", experiences=TEXT.replace("vaste", "vier")),
            *MENTORS,
        ]
    }


def _admin_headers(app) -> dict:
    with app.app_context():
        admin = make_user("admin@example.org", role="admin")
        _, token = accounts.create_token(admin, "import script")
    return {"Authorization": f"Bearer {token}"}


def test_the_api_import_names_near_duplicate_mentors(app, client):
    response = client.post("/api/v1/admin/import", json=_document(), headers=_admin_headers(app))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["created"] == 2 + len(MENTORS) and body["updated"] == 0
    assert body["duplicate_check_skipped"] is False
    assert [(d["key"], d["other"]) for d in body["near_duplicates"]] == [("kopie", "origineel")]
    assert body["near_duplicates"][0]["similarity"] >= 0.9


def test_an_import_without_twins_reports_none_and_a_bad_one_writes_nothing(app, client):
    headers = _admin_headers(app)
    response = client.post("/api/v1/admin/import", json={"partnerships": MENTORS}, headers=headers)
    assert response.status_code == 200 and response.json["near_duplicates"] == []
    bad = {"partnerships": [profile(key="nieuw-een"), profile(key="nieuw-twee", founded="x")]}
    response = client.post("/api/v1/admin/import", json=bad, headers=headers)
    assert response.status_code == 422 and "founded" in str(response.json)
    with app.app_context():
        from matchmaker.services import profiles

        assert profiles.by_keys(["nieuw-een"]) == {}


def test_a_large_document_skips_the_check_and_says_so(app, monkeypatch):
    monkeypatch.setattr(importing, "DUPLICATE_CHECK_LIMIT", 3)
    with app.app_context():
        report = importing.import_profiles(_document())
    assert report.duplicate_check_skipped and report.near_duplicates == ()
    assert report.total == 2 + len(MENTORS)


def test_the_api_documents_the_same_limit():
    from matchmaker.api.schemas import ImportResult

    assert f"{importing.DUPLICATE_CHECK_LIMIT:,}" in (ImportResult.__doc__ or "")
