"""Language: Dutch by default, English selectable; one message catalog, two translations.

Source strings in templates/ and matchmaker/web are Dutch and are translated in the English
catalog; messages of the service layer (matchmaker/services) are English (the CLI and API speak
English) and are translated in the Dutch catalog. Strings from anywhere else count as interface
text and need an English translation.

When a test here fails after you added or changed text: re-extract, update, translate and compile
(see "Translations" in the README):

    pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot .
    pybabel update -i messages.pot -d translations
    # fill in the empty msgstr entries in translations/{en,nl}/LC_MESSAGES/messages.po
    pybabel compile -d translations
"""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import render_template_string

from matchmaker.services.validation import ValidationError, validate_profile

from .conftest import make_user, profile

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LOCALES = ("en", "nl")
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
}  # as `pybabel extract -k _l -k lazy_gettext`
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
# Interface words that must not survive in English and must appear in Dutch.
DUTCH_WORDS = ("Partnerschappen", "Inloggen", "Uitdagingen")
MORE_DUTCH = (
    "Kennismaking",
    "Suggesties",
    "Wachtwoord",
    "Uitloggen",
    "Opslaan",
    "Zoeken",
    "Aanmelden",
    "Mijn partnerschap",
)
PASSWORD = "correct horse battery"


# --- the catalogs -------------------------------------------------------------------------------


def extracted() -> dict[tuple[str, str | None], dict]:
    """Every message in the source, as `pybabel extract -F babel.cfg ... .` finds it:
    (msgid, context) → its plural (or None) and the files it comes from (relative to the repository)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[tuple[str, str | None], dict] = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid, plural = (message, None) if isinstance(message, str) else (message[0], message[1])
        if not msgid:
            continue
        entry = found.setdefault((msgid, context), {"plural": plural, "files": set()})
        entry["files"].add(Path(filename).as_posix())
    return found


def catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def needs(locale: str, files: set[str]) -> bool:
    from_services = any(f.startswith("matchmaker/services/") for f in files)
    elsewhere = any(not f.startswith("matchmaker/services/") for f in files)
    return from_services if locale == "nl" else elsewhere


def forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_babel_cfg_covers_the_templates_and_views():
    messages = extracted()
    files = set().union(*(m["files"] for m in messages.values()))
    assert any(f.startswith("templates/") for f in files)
    assert any(f.startswith("matchmaker/web/") for f in files)
    assert any(f.startswith("matchmaker/services/") for f in files)
    assert not any(f.startswith((".venv/", "tests/", "bench/")) for f in files)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    """Dutch interface text → English in en; English service messages → Dutch in nl."""
    po = catalog(locale)
    problems = []
    for (msgid, context), entry in sorted(
        extracted().items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        if not needs(locale, entry["files"]):
            continue
        where = ", ".join(sorted(entry["files"])) + (f"; context {context!r}" if context else "")
        message = po.get(msgid, context=context)
        if message is None:
            problems.append(
                f"not in the {locale} catalog (run pybabel update): {msgid!r} ({where})"
            )
        elif message.fuzzy:
            problems.append(f"fuzzy in {locale}, check and clear the flag: {msgid!r} ({where})")
        elif not all(s.strip() for s in forms(message)):
            problems.append(f"not translated in {locale}: {msgid!r} ({where})")
        elif entry["plural"] is not None and len(forms(message)) != po.num_plurals:
            problems.append(f"needs {po.num_plurals} plural forms in {locale}: {msgid!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    po = catalog(locale)
    problems = [f"{m.id!r}: {errors}" for m, errors in po.check() if errors]
    for message in po:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = set().union(*(placeholders(i) for i in ids))
        for text in forms(message):
            if text and placeholders(text) != expected:
                problems.append(
                    f"{message.id!r} → {text!r}: placeholders {sorted(placeholders(text))} ≠ {sorted(expected)}"
                )
    assert not problems, "\n".join(problems)


def test_english_catalog_leaves_service_messages_alone_and_dutch_leaves_interface_text_alone():
    """Each msgid is translated in exactly the catalog of the other language."""
    messages = extracted()
    for locale in LOCALES:
        for message in catalog(locale):
            entry = messages.get(
                (message.id if isinstance(message.id, str) else message.id[0], message.context)
            )
            if message.id and entry and not needs(locale, entry["files"]):
                assert not any(forms(message)), (
                    f"{locale} translates a message in its own language: {message.id!r}"
                )


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogs_are_up_to_date(locale):
    """messages.mo holds exactly the translations of messages.po (run `pybabel compile -d translations`)."""
    po = catalog(locale)
    mo_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run pybabel compile -d translations"
    with open(mo_path, "rb") as f:
        mo = read_mo(f)

    def key(message):
        return (message.id if isinstance(message.id, str) else message.id[0], message.context)

    fresh = BytesIO()
    write_mo(fresh, po)  # what `pybabel compile` makes of the .po now
    fresh.seek(0)
    wanted = {key(m): tuple(forms(m)) for m in read_mo(fresh) if m.id}
    compiled = {key(m): tuple(forms(m)) for m in mo if m.id}
    assert compiled == wanted


# --- pages in the chosen language ---------------------------------------------------------------


def choose(client, lang: str) -> None:
    response = client.post("/language", data={"lang": lang, "next": "/"})
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/partnerships/nieuw-assessment"])
def test_english_pages_have_no_dutch_interface_words(network, client, path):
    choose(client, "en")
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    for word in DUTCH_WORDS + MORE_DUTCH:
        assert word not in html, f"{word!r} on {path} in English"
    assert "Partnerships" in html and "Log in" in html


@pytest.mark.parametrize("path", ["/register", "/partnerships/nieuw-assessment"])
def test_dutch_pages_show_the_dutch_words(network, client, path):
    choose(client, "en")
    choose(client, "nl")
    html = client.get(path).get_data(as_text=True)
    assert '<html lang="nl">' in html
    for word in DUTCH_WORDS:
        assert word in html


def test_dutch_is_the_default_and_the_browser_may_ask_for_english(network, client):
    assert "Inloggen" in client.get("/").get_data(as_text=True)
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Log in" in html and "Inloggen" not in html
    choose(client, "nl")  # the choice in the session beats the browser
    assert "Inloggen" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/home", "/suggestions", "/introductions/", "/profile/edit", "/account/password"]
)
def test_member_pages_in_english(network, client, auth, path):
    with network.app_context():
        make_user(partnership_key="nieuw-assessment")
    choose(client, "en")
    auth.login()
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for word in DUTCH_WORDS + MORE_DUTCH:
        assert word not in html, f"{word!r} on {path} in English"


def register_data(**overrides) -> dict:
    data = {
        "email": "coordinator@example.org",
        "password": PASSWORD,
        "key": "nieuw-partnerschap",
        "name": "Nieuw Partnerschap",
        "sectors": ["po"],
        "founded": "2025",
        "mentor_capacity": "0",
    }
    data.update(overrides)
    return data


def field_errors(html: str, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html)


@pytest.mark.parametrize(
    ("lang", "founded", "password"),
    [
        ("nl", "moet een jaartal van 1950 tot en met", "moet minstens 8 tekens lang zijn"),
        ("en", "must be a year from 1950 to", "must be at least 8 characters"),
    ],
)
def test_register_errors_beside_the_field_in_the_chosen_language(
    app, client, lang, founded, password
):
    choose(client, lang)
    response = client.post("/register", data=register_data(founded="3000", password="kort"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert any(founded in e for e in field_errors(html, "founded")), field_errors(html, "founded")
    assert field_errors(html, "password") == [password]


def test_service_messages_stay_english_outside_a_request(app):
    """The command line and the import report in English, whatever the web uses."""
    with app.app_context():
        with pytest.raises(ValidationError) as exc:
            validate_profile(profile(founded="vorig jaar", mentor_capacity=50))
    assert exc.value.fields["founded"] == "must be a whole number (a year)"
    assert exc.value.fields["mentor_capacity"] == "must be a whole number from 0 to 20"


def test_service_messages_follow_the_language_of_the_request(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        with pytest.raises(ValidationError) as exc:
            validate_profile(profile(founded=3000, sectors=["hbo"]))
    assert exc.value.fields["founded"].startswith("moet een jaartal van 1950 tot en met ")
    assert exc.value.fields["sectors"] == "onbekende sector 'hbo'; gebruik po, vo, mbo of so"


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "winter", "summer"),
    [
        ("nl", "5 mrt 2026, 15:30:00", "5 jul 2026, 16:30:00"),
        ("en", "Mar 5, 2026", "Jul 5, 2026"),
    ],
)
def test_dates_in_the_chosen_locale_and_dutch_time(app, lang, winter, summer):
    """Stored times are UTC; pages show them in Europe/Amsterdam, formatted for the reader."""
    with app.test_request_context(headers={"Accept-Language": lang}):
        rendered = render_template_string(
            "{{ a|datetimeformat('medium') }} | {{ b|datetimeformat('medium') }}",
            a=datetime(2026, 3, 5, 14, 30),
            b=datetime(2026, 7, 5, 14, 30),
        )
    first, second = rendered.split(" | ")
    assert first.startswith(winter) and second.startswith(summer)
    if lang == "en":
        assert "3:30" in first and "4:30" in second
