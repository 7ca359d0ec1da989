"""One set of profile rules: every rule has a bad-input case that names the field."""

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Partnership
from matchmaker.services import importing
from matchmaker.services import profiles as profile_service
from matchmaker.services.validation import ValidationError, validate_document, validate_profile

from .conftest import profile


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"key": "Hoofdletters"}, "key", "a-z"),
        ({"key": "-start"}, "key", "a-z"),
        ({"key": "a" * 65}, "key", "64"),
        ({"key": 12}, "key", "a-z"),
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 201}, "name", "200"),
        ({"name": ["not", "text"]}, "name", "text"),
        ({"sectors": []}, "sectors", "required"),
        ({"sectors": ["hbo"]}, "sectors", "unknown sector"),
        ({"sectors": ["sbo"]}, "sectors", "unknown sector"),  # primary by law, special in practice
        ({"sectors": ["po", "PO"]}, "sectors", "twice"),
        ({"sectors": "vo"}, "sectors", "list"),
        ({"sectors": ["vo", "vo"]}, "sectors", "twice"),
        ({"region": "r" * 101}, "region", "100"),
        ({"founded": 1949}, "founded", "1950"),
        ({"founded": 3000}, "founded", "1950"),
        ({"founded": "2010"}, "founded", "whole number"),
        ({"founded": True}, "founded", "whole number"),
        ({"founded": 2010.5}, "founded", "whole number"),
        ({"schools_count": 0}, "schools_count", "1 to 1000"),
        ({"schools_count": 1001}, "schools_count", "1 to 1000"),
        ({"institutions": "Fontys"}, "institutions", "list"),
        ({"institutions": [""]}, "institutions", "1–200"),
        ({"description": "d" * 5001}, "description", "5000"),
        ({"challenges": "c" * 5001}, "challenges", "5000"),
        ({"experiences": "e" * 5001}, "experiences", "5000"),
        ({"experiences": 5}, "experiences", "text"),
        ({"open_to_mentor": "yes"}, "open_to_mentor", "true or false"),
        ({"mentor_capacity": 21}, "mentor_capacity", "0 to 20"),
        ({"mentor_capacity": -1}, "mentor_capacity", "0 to 20"),
        ({"contact": "me@example.org"}, "contact", "object"),
        ({"contact": {"name": "A", "email": "not-an-email"}}, "contact.email", "valid email"),
        ({"contact": {"name": "n" * 201, "email": "a@example.org"}}, "contact.name", "200"),
        ({"contact": {"email": "a@example.org", "phone": "06"}}, "contact.phone", "unknown field"),
        ({"website": "https://example.org"}, "website", "unknown field"),
    ],
)
def test_each_rule_names_its_field(overrides, field, fragment):
    with pytest.raises(ValidationError) as err:
        validate_profile(profile(**overrides))
    assert field in err.value.fields
    assert fragment in err.value.fields[field]


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        (["PO"], ["po"]),
        (["vo", "MBO"], ["vo", "mbo"]),
        (["Primair onderwijs"], ["po"]),
        (["vmbo", "havo", "vwo"], ["vo"]),
        (["secondary education"], ["vo"]),
        (["middelbaar beroepsonderwijs"], ["mbo"]),
        (["(v)so"], ["so"]),
        (["Speciaal  onderwijs", "basisonderwijs"], ["po", "so"]),
    ],
)
def test_a_sector_is_read_as_people_write_it_and_stored_as_its_code(written, codes):
    assert validate_profile(profile(sectors=written))["sectors"] == codes


@pytest.mark.parametrize("missing", ["key", "name", "sectors", "founded"])
def test_required_fields(missing):
    record = profile()
    del record[missing]
    with pytest.raises(ValidationError) as err:
        validate_profile(record)
    assert err.value.fields[missing] == "is required"


def test_defaults_and_cleaning():
    record = {"key": "k", "name": "  Naam  ", "sectors": ["so", "po"], "founded": 2000}
    clean = validate_profile(record)
    assert clean["name"] == "Naam"
    assert clean["sectors"] == ["po", "so"]
    assert clean["open_to_mentor"] is True and clean["mentor_capacity"] == 2
    assert clean["contact"] == {"name": None, "email": None}


def test_this_year_is_allowed_next_year_is_not():
    assert validate_profile(profile(founded=2026), this_year=2026)["founded"] == 2026
    with pytest.raises(ValidationError):
        validate_profile(profile(founded=2027), this_year=2026)


def test_document_errors_name_record_index_key_and_field():
    doc = {
        "partnerships": [
            profile(key="goed"),
            profile(key="fout", founded="gisteren"),
            "geen object",
        ]
    }
    with pytest.raises(ValidationError) as err:
        validate_document(doc)
    message = str(err.value)
    assert "record 1 (key 'fout'): founded" in message
    assert "record 2: record: must be a JSON object" in message
    assert "goed" not in message


def test_duplicate_key_within_file():
    with pytest.raises(ValidationError) as err:
        validate_document({"partnerships": [profile(key="dubbel"), profile(key="dubbel")]})
    assert "record 1 (key 'dubbel'): key" in str(err.value)
    assert "duplicate" in str(err.value)


@pytest.mark.parametrize(
    "document",
    [[], {"profiles": []}, {"partnerships": {}}, {"partnerships": [], "extra": 1}, "text"],
)
def test_document_shape(document):
    with pytest.raises(ValidationError):
        validate_document(document)


def count_partnerships() -> int:
    return db.session.scalar(select(func.count(Partnership.id)))


def test_bad_record_anywhere_writes_nothing(app):
    with app.app_context():
        importing.import_document({"partnerships": [profile(key="bestaand", name="Oud")]})
        doc = {
            "partnerships": [
                profile(key="bestaand", name="Nieuw"),
                profile(key="nieuw-een"),
                profile(key="kapot", sectors=["x"]),
            ]
        }
        with pytest.raises(ValidationError):
            importing.import_document(doc)
        db.session.rollback()
        assert count_partnerships() == 1
        assert profile_service.get_partnership("bestaand").name == "Oud"


def test_import_upserts_by_key(app):
    with app.app_context():
        first = importing.import_document({"partnerships": [profile(key="a"), profile(key="b")]})
        assert (first.created, first.updated) == (2, 0)
        second = importing.import_document(
            {
                "partnerships": [
                    profile(key="b", name="B nieuw", sectors=["po", "so"]),
                    profile(key="c"),
                ]
            }
        )
        assert (second.created, second.updated) == (1, 1)
        b = profile_service.get_partnership("b")
        assert b.name == "B nieuw" and b.sectors == ["po", "so"]
        assert count_partnerships() == 3


def test_save_profile_rejects_a_key_in_use(app):
    with app.app_context():
        importing.import_document({"partnerships": [profile(key="a"), profile(key="b")]})
        a = profile_service.get_partnership("a")
        with pytest.raises(ValidationError) as err:
            profile_service.save_profile(profile(key="b"), existing=a)
        assert err.value.fields == {"key": "is already used by another partnership"}


def test_every_import_bumps_the_data_version(app):
    with app.app_context():
        before = profile_service.data_version()
        importing.import_document({"partnerships": [profile(key="a")]})
        assert profile_service.data_version() == before + 1
