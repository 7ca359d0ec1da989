"""Layout and accessibility on every page, in a real browser (see conftest.py for the live server).

1. The phone header: at 390 × 844 the main menu sits behind one "Menu" button (a details/summary,
   no JavaScript) that opens with the keyboard and whose links are then reachable with Tab; on a
   wide screen the same menu shows as an ordinary row of links.
2. At 390 px no page scrolls sideways as a whole (``scrollWidth <= innerWidth``).
3. axe-core (from the ``axe-playwright-python`` wheel, never downloaded at run time) with the
   wcag2a, wcag2aa, wcag21aa and best-practice rules finds nothing, at 1280 px and at 390 px.

Pages 2 and 3 are checked on: every GET route of ``app.url_map`` that needs no ids (API, health
and static routes aside) plus a few with seed ids, for an anonymous visitor, a new partnership's
coordinator, an experienced partnership's coordinator and an admin. Each persona has one browser
context and one page, visited once per width: the results are gathered once per persona and
the tests read them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import TIMEOUT_MS
from .test_journeys import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips (or, in CI, fails) every test here with the reason
    expect = None

try:
    import axe_playwright_python
except ImportError:  # pragma: no cover - requirements-dev.txt installs it
    AXE_JS = None
else:
    AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(
        encoding="utf-8"
    )

pytestmark = pytest.mark.e2e

REPORT = (
    Path(__file__).resolve().parents[2] / "test-artifacts" / "layout-report.json"
)  # what the last run saw
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]

NEWCOMER_KEY = "opleidingskring-boterbloem"  # a new partnership no other browser test acts for
SKIPPED_PREFIXES = ("/api/", "/static/", "/healthz", "/readyz", "/dev/")
ANONYMOUS, NEWCOMER, MENTOR, ADMIN = "anonymous", "newcomer", "mentor", "admin"
ANONYMOUS_EN = "anonymous-en"  # the public pages once more in English (a browser set to English)
PERSONAS = [ANONYMOUS, ANONYMOUS_EN, NEWCOMER, MENTOR, ADMIN]
# (persona, path) → a button whose answer is a page of its own: the cohort proposal, forms with errors
AFTER_A_CLICK = {
    (ADMIN, "/admin/cohort"): "Voorstel maken",
    (ANONYMOUS, "/login"): "Inloggen",
    (ANONYMOUS, "/register"): "Aanmelden",
}
NOT_FOUND = "/bestaat-niet"  # the 404 page is a page too


@dataclass
class Survey:
    """What one persona's pages showed: sideways overflow at 390 px and axe's violations."""

    pages: list[str] = field(default_factory=list)
    overflow: dict[str, str] = field(default_factory=dict)  # path → what sticks out
    violations: dict[str, list[str]] = field(default_factory=dict)  # "path @ width" → summaries


def _seed_ids(live_server) -> dict:
    """Ids the id-taking pages need: a public story, a session and its organiser's edit page,
    two introductions the newcomer asked for, one accepted (with experienced partnerships other than
    the one the journeys use), and a third partnership to ask."""
    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import Introduction, Partnership, PracticeSession, Story
    from matchmaker.services import introductions, profiles
    from matchmaker.services.accounts import find_user
    from matchmaker.services.matching import suggest

    newcomer = live_server.member_for(NEWCOMER_KEY)
    with live_server.app.app_context():
        story = db.session.scalars(
            select(Story).where(Story.visibility == "public").order_by(Story.id)
        ).first()
        mentor = profiles.get_partnership(live_server.mentor_key)
        session = db.session.scalars(
            select(PracticeSession)
            .where(PracticeSession.partnership_id == mentor.id)
            .order_by(PracticeSession.id)
        ).first()
        mentee = profiles.get_partnership(NEWCOMER_KEY)
        others = [s.key for s in suggest(NEWCOMER_KEY, limit=10) if s.key != live_server.mentor_key]
        asked = {
            db.session.get(Partnership, intro.mentor_id).key: intro.id
            for intro in db.session.scalars(
                select(Introduction).where(Introduction.mentee_id == mentee.id)
            )
        }
        if not asked:  # one accepted (contact details, messages) and one still open
            accepted = introductions.request_introduction(
                mentee,
                profiles.get_partnership(others[0]),
                "Graag kennismaken.",
                find_user(newcomer.email),
            )
            introductions.transition(
                accepted, "accept", find_user(live_server.member_for(others[0]).email)
            )
            asked[others[0]] = accepted.id
            asked[others[1]] = introductions.request_introduction(
                mentee, profiles.get_partnership(others[1]), "", find_user(newcomer.email)
            ).id
        story_owner = db.session.get(Partnership, story.partnership_id).key
        return {
            "story": f"/partnerships/{story_owner}/stories/{story.id}",
            "session": f"/sessies/{session.id}",
            "intro": f"/introductions/{asked[others[0]]}",
            "open_intro": f"/introductions/{asked[others[1]]}",
            "new_intro": f"/introductions/new/{others[2]}",
        }


def _pages(live_server, persona: str, ids: dict) -> list[str]:
    """The paths to check for ``persona``: the id-free GET routes plus seeded ones."""
    app = live_server.app
    paths = sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and not rule.arguments
            and not rule.rule.startswith(SKIPPED_PREFIXES)
        }
    )
    paths.append("/api/v1/docs")  # the API's one HTML page
    paths += [
        f"/partnerships/{live_server.mentor_key}",
        ids["story"],
        ids["session"],
        "/zoeken?q=beoordelen+met+een+rubric",
        "/?sector=po",
        NOT_FOUND,
    ]
    if persona == NEWCOMER:
        paths += [ids["intro"], ids["open_intro"], ids["new_intro"]]
    if persona == MENTOR:
        paths += [ids["session"] + "/bewerken"]
    if persona == ADMIN:
        paths += [f"/admin/partnerships/{NEWCOMER_KEY}", ids["intro"]]
    return paths


_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && el.checkVisibility()) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                   (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      wide.push(name + ' (' + Math.round(box.right) + 'px)');
    }
  }
  return document.documentElement.scrollWidth + 'px wide: ' + wide.slice(0, 12).join(', ');
}"""


def _axe(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(
            content=AXE_JS
        )  # the context bypasses the app's CSP for this script only
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): "
        + "; ".join(
            " ".join(node["target"])
            if isinstance(node["target"][0], str)
            else json.dumps(node["target"])
            for node in v["nodes"][:4]
        )
        for v in results["violations"]
    ]


@pytest.fixture(scope="module")
def surveys(browser, live_server):
    """survey(persona) → that persona's Survey, made on first use (one context, one page)."""
    if AXE_JS is None:
        pytest.fail(
            "axe-playwright-python (axe-core's JavaScript) is not installed: pip install -r requirements-dev.txt"
        )
    ids = _seed_ids(live_server)
    accounts = {
        NEWCOMER: live_server.member_for(NEWCOMER_KEY),
        MENTOR: live_server.mentor,
        ADMIN: live_server.admin,
    }
    done: dict[str, Survey] = {}
    contexts = []

    def survey(persona: str) -> Survey:
        if persona in done:
            return done[persona]
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-GB" if persona == ANONYMOUS_EN else "nl-NL",
            viewport=DESKTOP,
            bypass_csp=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if persona in accounts:
            log_in(page, accounts[persona])
        result = Survey()

        def check(name: str) -> None:
            result.pages.append(name)
            lang = page.evaluate("document.documentElement.lang")
            if lang != ("en" if persona == ANONYMOUS_EN else "nl"):
                pytest.fail(f"{persona} sees {name} in {lang!r}")
            for viewport in (DESKTOP, PHONE):
                page.set_viewport_size(viewport)
                if viewport is PHONE:
                    wide = page.evaluate(_OVERFLOW_JS)
                    if wide:
                        result.overflow[name] = wide
                found = _axe(page)
                if found:
                    result.violations[f"{name} @ {viewport['width']}px"] = found
            page.set_viewport_size(DESKTOP)

        checked: set[str] = set()
        for path in _pages(live_server, persona, ids):
            response = page.goto(path)
            ok = response is not None and (response.ok or path == NOT_FOUND)
            if not ok or "text/html" not in response.headers.get("content-type", ""):
                continue  # not a page for this persona (404, 403) or not HTML
            landed = urlsplit(page.url).path
            if landed != urlsplit(path).path and landed in checked:
                continue  # a redirect to a page already checked (e.g. /login)
            checked.add(landed)
            check(path)
            if (persona, path) in AFTER_A_CLICK:
                button = AFTER_A_CLICK[persona, path]
                page.get_by_role("button", name=button, exact=True).click()
                page.wait_for_load_state()
                check(f"{path} → {button}")
        done[persona] = result
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(
            json.dumps(
                {name: vars(found) for name, found in done.items()}, indent=2, ensure_ascii=False
            )
        )
        return result

    yield survey
    for context in contexts:
        context.close()


def test_phone_menu_opens_and_its_links_are_reachable_by_keyboard(
    new_page, live_server, screenshot_dir
):
    page = new_page()
    log_in(page, live_server.mentor)  # on a wide screen: the helper looks for the log-out button
    page.set_viewport_size(PHONE)
    page.goto("/")
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= 72, "the closed phone header stays one row"
    menu_button = page.locator(".site-menu > summary")
    expect(menu_button).to_be_visible()
    expect(menu_button).to_have_text("Menu")
    expect(page.get_by_role("link", name="Praktijkverhalen")).to_be_hidden()
    page.screenshot(path=screenshot_dir / "phone-menu-closed.png")  # the screen, not the whole page

    # Keyboard only: the skip link, the brand, then the menu button; Enter opens it.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.site-menu > summary')")
    page.keyboard.press("Enter")
    expect(page.locator(".site-menu")).to_have_attribute("open", "")
    expect(
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Praktijkverhalen"
        )
    ).to_be_visible()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Partnerschappen"
    for _ in range(20):
        if page.evaluate("document.activeElement.textContent.trim()") == "Sessies":
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("the Sessies link is not reachable with Tab")
    page.screenshot(path=screenshot_dir / "phone-menu-open.png")  # the screen, not the whole page
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Praktijk-in-zicht-sessies")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Closed again on the new page, and Space opens it as well.
    expect(page.locator(".site-menu")).not_to_have_attribute("open", "")
    page.locator(".site-menu > summary").focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_wide_screen_shows_the_menu_without_a_button(new_page, live_server, screenshot_dir):
    page = new_page(viewport=DESKTOP)
    log_in(page, live_server.admin)
    page.goto("/admin/reports")
    expect(
        page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Overzicht")
    ).to_be_visible()
    page.screenshot(
        path=screenshot_dir / "wide-admin-header.png",
        clip={"x": 0, "y": 0, "width": 1280, "height": 300},
    )
    page.get_by_role("button", name="Uitloggen").click()
    page.goto("/")
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Praktijkverhalen"
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()


def test_admin_subnavigation_fits_a_phone(new_page, live_server, screenshot_dir):
    page = new_page()
    log_in(page, live_server.admin)
    page.set_viewport_size(PHONE)
    page.goto("/admin/reports")
    subnav = page.get_by_role("navigation", name="Beheer")
    assert subnav.bounding_box()["height"] <= 60, "the closed admin menu is one row"
    subnav.locator("summary").click()
    expect(subnav.get_by_role("link", name="Rapportage")).to_have_attribute("aria-current", "page")
    page.screenshot(
        path=screenshot_dir / "phone-admin-menu-open.png"
    )  # the screen, not the whole page
    subnav.get_by_role("link", name="Overzicht").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")


def test_favicon_is_linked_and_served(page):
    page.goto("/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_scrolls_sideways_on_a_phone(surveys, persona):
    survey = surveys(persona)
    assert len(survey.pages) >= 8, survey.pages
    assert not survey.overflow, "\n".join(
        f"{path}: {what}" for path, what in survey.overflow.items()
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_axe_finds_no_violations(surveys, persona):
    survey = surveys(persona)
    assert not survey.violations, "\n" + "\n".join(
        f"{where}:\n    " + "\n    ".join(found) for where, found in survey.violations.items()
    )
