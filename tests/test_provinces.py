"""Regions as provinces: the place table, validation and import, forms, filters, migration."""

import logging

import pytest
from sqlalchemy import select, text

from matchmaker.extensions import db
from matchmaker.models import Partnership
from matchmaker.provinces import PROVINCES, UnknownRegion, parse_region, places, province_part
from matchmaker.services import profiles as profile_service
from matchmaker.services.validation import ValidationError, validate_document, validate_profile

from .conftest import load, make_user, profile


def test_the_table_has_every_municipality_of_each_province():
    municipalities = [p for p in places().values() if p.kind == "gemeente"]
    per_province = {
        name: sum(1 for p in municipalities if p.province == name) for name in PROVINCES
    }
    assert len(municipalities) == 342
    assert per_province == {
        "Groningen": 10,
        "Friesland": 18,
        "Drenthe": 12,
        "Overijssel": 25,
        "Flevoland": 6,
        "Gelderland": 51,
        "Utrecht": 26,
        "Noord-Holland": 44,
        "Zuid-Holland": 50,
        "Zeeland": 13,
        "Noord-Brabant": 56,
        "Limburg": 31,
    }


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Gelderland", "Gelderland"),
        ("gelderland", "Gelderland"),
        ("Gelderland, Apeldoorn", "Gelderland, Apeldoorn"),
        ("Apeldoorn", "Gelderland, Apeldoorn"),
        ("  apeldoorn ", "Gelderland, Apeldoorn"),
        ("Apeldoorn, Gelderland", "Gelderland, Apeldoorn"),
        ("Fryslân", "Friesland"),
        ("Fryslân, Drachten", "Friesland, Drachten"),
        ("Drachten", "Friesland, Drachten"),
        ("Den Haag", "Zuid-Holland, Den Haag"),
        ("'s-Hertogenbosch", "Noord-Brabant, 's-Hertogenbosch"),
        ("Den Bosch", "Noord-Brabant, Den Bosch"),
        ("Súdwest-Fryslân", "Friesland, Súdwest-Fryslân"),
        ("Provincie Utrecht", "Utrecht"),
        ("Twente", "Overijssel, Twente"),
        ("Regio Twente", "Overijssel, Regio Twente"),
        ("Zeeuws-Vlaanderen", "Zeeland, Zeeuws-Vlaanderen"),
        ("West-Brabant", "Noord-Brabant, West-Brabant"),
        ("Zuid-Limburg", "Limburg, Zuid-Limburg"),
        ("De Kempen", "Noord-Brabant, De Kempen"),
        ("Rotterdam-Zuid", "Zuid-Holland, Rotterdam-Zuid"),
        ("Amsterdam Nieuw-West", "Noord-Holland, Amsterdam Nieuw-West"),
        ("Noord-Holland Noord", "Noord-Holland, Noord-Holland Noord"),
        ("Limburg (Zuid)", "Limburg, Limburg (Zuid)"),
        ("Twente en Salland", "Overijssel, Twente en Salland"),
        ("Zuid-Holland, Rotterdam-Zuid", "Zuid-Holland, Rotterdam-Zuid"),
        ("Utrecht, Utrecht", "Utrecht, Utrecht"),
        ("", None),
    ],
)
def test_parse_region(raw, stored):
    assert parse_region(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "Bergen",
        "Velp",
        "Holland",
        "Atlantis",
        "Randstad",
        "De Peel",
        "Gelderse Vallei",
        "Noord-Nederland",
        "Groningen en Drenthe",
        "Twente en Achterhoek",
        "Utrecht/Gelderland",
        "landelijk",
    ],
)
def test_ambiguous_or_unknown_places_are_never_guessed(raw):
    with pytest.raises(UnknownRegion):
        parse_region(raw)


def test_province_part_compares_by_province():
    assert province_part("Gelderland, Apeldoorn") == province_part("Gelderland") == "Gelderland"
    assert (
        province_part("Ergens anders") == "Ergens anders"
    )  # an unmapped old row compares with itself
    assert province_part(None) is None


def test_validation_maps_a_place_and_names_the_field(app):
    with app.app_context():
        assert validate_profile(profile(region="Apeldoorn"))["region"] == "Gelderland, Apeldoorn"
        assert validate_profile(profile(region="Gelderland"))["region"] == "Gelderland"
        with pytest.raises(ValidationError) as exc:
            validate_document(
                {"partnerships": [profile(key="een"), profile(key="twee", region="Bergen")]}
            )
    assert list(exc.value.fields) == ["record 1 (key 'twee'): region"]
    assert "Bergen" in exc.value.fields["record 1 (key 'twee'): region"]


def test_import_stores_the_province_form(app):
    with app.app_context():
        load(profile(key="a", region="Apeldoorn"), profile(key="b", region="Fryslân, Sneek"))
        regions = dict(db.session.execute(select(Partnership.key, Partnership.region)).all())
        assert regions == {"a": "Gelderland, Apeldoorn", "b": "Friesland, Sneek"}
        exported = {
            r["key"]: r["region"] for r in profile_service.export_document()["partnerships"]
        }
        assert exported == regions


def test_filters_and_engine_compare_provinces(app, client):
    with app.app_context():
        load(
            profile(key="apeldoorn", name="OS Apeldoorn", region="Gelderland, Apeldoorn"),
            profile(key="gelderland", name="OS Gelderland", region="Gelderland"),
            profile(key="utrecht", name="OS Utrecht", region="Utrecht"),
        )
        assert profile_service.regions() == ["Gelderland", "Utrecht"]
        listing = profile_service.list_partnerships(region="Gelderland")
        assert {p.key for p in listing.items} == {"apeldoorn", "gelderland"} and listing.total == 2
        listing = profile_service.list_partnerships(region="Apeldoorn")  # a place: its province
        assert {p.key for p in listing.items} == {"apeldoorn", "gelderland"}
        engine = profile_service.to_engine_profile(profile_service.get_partnership("apeldoorn"))
        assert engine.region == "Gelderland"
    html = client.get("/?region=Gelderland").get_data(as_text=True)
    assert "OS Apeldoorn" in html and "OS Gelderland" in html and "OS Utrecht" not in html
    assert '<option value="Gelderland, Apeldoorn"' not in html


def register_data(**overrides):
    data = {
        "email": "coordinator@example.org",
        "password": "correct horse battery",
        "name": "Opleidingsschool Één & Twee",
        "sectors": ["po"],
        "province": "",
        "place": "",
        "founded": "2020",
        "challenges": "Beginnende leraren stoppen snel.",
        "mentor_capacity": "0",
    }
    data.update(overrides)
    return data


def test_register_form_uses_a_province_select_and_makes_the_key(app, client):
    html = client.get("/register").get_data(as_text=True)
    assert "<select" in html and 'name="province"' in html and '<option value="Gelderland">' in html
    assert 'name="place"' in html and "<details" in html and 'name="key"' in html
    assert 'aria-required="true"' in html and 'class="required"' in html
    response = client.post("/register", data=register_data(place="Apeldoorn"))
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(
        "/register",
        data=register_data(email="tweede@example.org", province="Gelderland", place="Ede"),
    )
    assert response.status_code == 302
    with app.app_context():
        rows = dict(db.session.execute(select(Partnership.key, Partnership.region)).all())
    assert rows == {
        "opleidingsschool-een-twee": "Gelderland, Apeldoorn",
        "opleidingsschool-een-twee-2": "Gelderland, Ede",
    }


def test_register_with_an_unmappable_place_names_the_region(app, client):
    response = client.post(
        "/register", data=register_data(place="Bergen"), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "twelve provinces" in html and 'id="province-error"' in html


def test_unique_key(app):
    with app.app_context():
        assert (
            profile_service.key_from_name("Academische Opleidingsschool Noord-Oost!")
            == "academische-opleidingsschool-noord-oost"
        )
        assert profile_service.key_from_name("!!!") == "partnerschap"
        load(profile(key="os-zuid"), profile(key="os-zuid-2"))
        assert profile_service.unique_key("OS Zuid") == "os-zuid-3"
        assert len(profile_service.unique_key("x" * 300)) <= 64


def test_edit_form_shows_province_and_place(app, client, auth):
    with app.app_context():
        load(profile(key="voorbeeld", region="Gelderland, Apeldoorn"))
        make_user(partnership_key="voorbeeld")
    auth.login()
    html = client.get("/profile/edit").get_data(as_text=True)
    assert (
        '<option selected value="Gelderland">' in html
        or '<option value="Gelderland" selected>' in html
    )
    assert 'value="Apeldoorn"' in html


def test_migration_maps_existing_regions_and_logs_the_rest(app, caplog):
    from importlib import import_module

    migration = import_module("migrations.versions.b8c9d0e1f2a3_challenge_visibility")
    with app.app_context():
        load(profile(key="a"), profile(key="b"), profile(key="c"))
        db.session.execute(text("UPDATE partnership SET region = 'Apeldoorn' WHERE key = 'a'"))
        db.session.execute(text("UPDATE partnership SET region = 'Bergen' WHERE key = 'b'"))
        db.session.commit()
        with caplog.at_level(logging.WARNING):
            with db.engine.begin() as connection:
                migration.map_regions(connection)
        regions = dict(db.session.execute(select(Partnership.key, Partnership.region)).all())
    assert regions == {"a": "Gelderland, Apeldoorn", "b": "Bergen", "c": "Utrecht"}
    assert "Bergen" in caplog.text
