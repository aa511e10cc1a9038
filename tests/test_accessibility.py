"""WCAG 2.2 AA in a real browser (Debian's Chromium through Playwright).

axe-core (the npm package pinned in package-lock.json, installed into node_modules/ by
`make test`) checks every kind of page, signed out and signed in: zero violations of the
WCAG 2.x A/AA rules and of axe's best practices. What axe cannot judge is tested apart:
using a form with the keyboard alone, a visible focus, targets of at least 24 by 24 pixels
and reflow at 320 CSS pixels wide.

One app, one server and one browser serve the whole file, with one browser context
(cookies) per kind of reader, signed in once; every test opens one page. Without Chromium
or axe-core the tests skip, unless CASUSBANK_REQUIRE_BROWSER=1 (set by .ci/run), where
that is a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, LearningGroup, MissedSearch, Reflection, User, utcnow
from app.services.contributing.cases import CaseInput, submit_case, update_case
from app.services.editorial import workflow
from app.services.people.accounts import create_user
from app.services.reading import reading_list
from tests.support import (
    CHROMIUM,
    PASSWORD,
    app_from,
    close_app,
    publish,
)

pytestmark = pytest.mark.browser
PROJECT = Path(__file__).resolve().parent.parent
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
REQUIRED = bool(os.environ.get("CASUSBANK_REQUIRE_BROWSER"))
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices (landmarks, one h1,
# heading order, region, …), which the WCAG tags alone leave out.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

if not os.path.exists(CHROMIUM) and not REQUIRED:
    pytest.skip(f"no browser at {CHROMIUM} (.ci/run installs Debian's chromium)",
                allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

EMAILS = {"member": "lid@example.nl", "editor": "redactie@example.nl",
          "admin": "beheer@example.nl"}
HISTORY_CASE = "peilbesluit-in-de-polder"
PEILBESLUIT = {"title": "Peilbesluit in de polder",
               "summary": "Boeren en natuur willen elk een ander waterpeil.",
               "body": "De provincie besloot snel over het peil.",
               "roles": ["netwerkend"], "policy_domain": "water", "visibility": "internal"}


# --- the instance, the server, the browser ---------------------------------------------

def _write_content() -> dict[str, str]:
    """Accounts, a case edited twice (for the history diff), one waiting for review and
    one sent back (for the desk and Mijn bijdragen), a search that found little (for the
    editors' list of them); the addresses the tests need."""
    member = create_user(EMAILS["member"], "Lid Water", PASSWORD, "participant", ["water"])
    editor = create_user(EMAILS["editor"], "Redactie", PASSWORD, "editor")
    create_user(EMAILS["admin"], "Beheer", PASSWORD, "admin")
    case = submit_case(member, CaseInput(**PEILBESLUIT))
    case.slug = HISTORY_CASE   # instead of its random tail: an address the tests name
    publish(case)
    update_case(member, case, CaseInput(**{
        **PEILBESLUIT, "body": "De gemeente besloot snel over het peil."}))
    update_case(member, case, CaseInput(**{
        **PEILBESLUIT, "body": "De gemeente besloot na overleg over het peil.",
        "roles": ["netwerkend", "responsief"]}))
    submit_case(member, CaseInput(**{
        **PEILBESLUIT, "title": "Zandmotor voor de kust", "body": "Zand voor de kust."}))
    sent_back = submit_case(member, CaseInput(**{
        **PEILBESLUIT, "title": "Dijkwacht met vrijwilligers", "body": "Vrijwilligers."}))
    workflow.send_back(editor, sent_back, "Noem de rol van het waterschap.")
    water = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
    for slug in ("waterschappen-en-regenwater", "groepscasus-water"):  # buttons to check
        listed = db.session.scalar(select(Case).where(Case.slug == slug))
        reading_list.add(member, water, "case", listed.id, "Lees dit eerst.")
    for searcher in ("a" * 32, "b" * 32):   # two readers who found little: a table row
        db.session.add(MissedSearch(day=utcnow().date(), query="windpark op zee",
                                    searcher=searcher, searches=2))
    db.session.commit()
    reflection = db.session.scalar(select(Reflection).where(
        Reflection.title == "Aan tafel met bewoners en onderhoudsbedrijf"))
    return {"reflection": f"/reflecties/{reflection.id}",
            "member": f"/beheer/gebruikers/{member.id}"}


@pytest.fixture(scope="module")
def instance(tmp_path_factory, fixture_library):
    app = app_from(fixture_library, tmp_path_factory.mktemp("accessibility"))
    with app.app_context():
        addresses = _write_content()
        index_worker.sync(search_index())
    yield app, addresses
    close_app(app)


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        reason = (f"axe-core is missing at {AXE.relative_to(PROJECT)}: run `make test` with "
                  "npm installed (.ci/run installs Debian's npm)")
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_text("U bent ingelogd als")).to_be_visible()


def _new_context(chromium, locale: str = "nl-NL"):
    return chromium.new_context(locale=locale, viewport={"width": 1280, "height": 900})


@pytest.fixture(scope="module")
def contexts(chromium, live_server):
    """One browser context (a set of cookies) per reader, signed in once: anonymous, a
    member of Leergroep Water, an editor and an admin. No test signs in or out in these."""
    made = {"anonymous": _new_context(chromium),
            "english": _new_context(chromium, "en-GB")}  # Accept-Language: English pages
    for who, email in EMAILS.items():
        made[who] = _new_context(chromium)
        page = made[who].new_page()
        _sign_in(page, live_server, email)
        page.close()
    yield made
    for context in made.values():
        context.close()


@pytest.fixture
def open_page(contexts):
    """open_page(who, width=1280): a new page in the context of `who`, closed afterwards."""
    pages = []

    def opener(who: str = "anonymous", width: int = 1280):
        page = contexts[who].new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.set_default_timeout(10_000)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


@pytest.fixture
def fresh_page(chromium):
    """A page in a context of its own, for a test that signs in."""
    context = _new_context(chromium)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# --- axe on every kind of page -----------------------------------------------------------

def _post_empty(form_address: str, button: str):
    def steps(page, base):
        page.goto(base + form_address)
        page.get_by_role("button", name=button).click()
        expect(page.locator("[data-error-summary]")).to_be_focused()
    return steps


def _failed_sign_in(page, base):
    page.goto(base + "/inloggen")
    page.get_by_label("E-mailadres").fill(EMAILS["member"])
    page.get_by_label("Wachtwoord").fill("niet het wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()


# Every kind of page, with what it is called in a failure; {reflection} is filled in.
PUBLIC_PAGES = {
    "home": "/",
    "roles": "/rollen",
    "role": "/rollen/responsief",
    "cases": "/casussen",
    "case": "/casussen/geluidsmaatregelen-hsl-zuid",
    "reflections": "/reflecties",
    "reflection": "{reflection}",
    "patterns": "/reflecties/patronen",
    "groups": "/leergroepen",
    "group": "/leergroepen/water",
    "group-by-role": "/leergroepen/water?rol=netwerkend",
    "reflections-switch": "/reflecties/?van=rechtmatig&naar=responsief",
    "cases-by-year": "/casussen/?jaar=2020",
    "browse": "/bladeren",
    "browse-facet": "/bladeren/beleidsterrein",
    "search-form": "/zoeken",
    "search": "/zoeken?q=bewoners",
    "search-filtered": "/zoeken?q=bewoners&rol=responsief",
    "search-nothing": "/zoeken?q=zwxqvbnonsens",
    "accessibility": "/toegankelijkheid",
    "privacy": "/privacy",
    "not-found": "/casussen/bestaat-niet",
}
MEMBER_PAGES = {
    "own-items": "/mijn-bijdragen",
    "history": f"/casussen/{HISTORY_CASE}/geschiedenis?van=1&naar=2",
    "own-case": f"/casussen/{HISTORY_CASE}",
    "password": "/account/wachtwoord",
    "account": "/account/",
    "new-case-with-errors": _post_empty("/casussen/nieuw", "Opslaan en indienen"),
    "new-reflection-with-errors": _post_empty("/reflecties/nieuw", "Opslaan en indienen"),
}
EDITOR_PAGES = {
    "desk": "/redactie",
    "history": f"/casussen/{HISTORY_CASE}/geschiedenis?van=1&naar=2",
    "merge": "/redactie/samenvoegen",
    "search-gaps": "/redactie/zoekvragen",
    "case": f"/casussen/{HISTORY_CASE}",
    "reflection": "{reflection}",
    "own-items": "/mijn-bijdragen",
    "group": "/leergroepen/water",
}
ADMIN_PAGES = {
    "users": "/beheer/gebruikers",
    "user": "{member}",
    "new-user-with-errors": _post_empty("/beheer/gebruikers/nieuw", "Account aanmaken"),
    "audit-log": "/beheer/logboek",
}
# The English interface on the page types with the most text of their own.
ENGLISH_PAGES = ("home", "case", "search", "search-nothing", "group", "patterns", "browse",
                 "accessibility", "privacy", "not-found")
CASES = (
    [("anonymous", name, target) for name, target in PUBLIC_PAGES.items()]
    + [("anonymous", "sign-in", "/inloggen"), ("anonymous", "sign-in-failed", _failed_sign_in)]
    + [("member", name, target) for name, target in {**PUBLIC_PAGES, **MEMBER_PAGES}.items()]
    + [("editor", name, target) for name, target in EDITOR_PAGES.items()]
    + [("admin", name, target) for name, target in ADMIN_PAGES.items()]
    + [("english", name, PUBLIC_PAGES[name]) for name in ENGLISH_PAGES]
)


def describe(violations: list[dict]) -> str:
    """One block per rule: id, impact, what it asks, and the selector of every node."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {' > '.join(map(str, node['target']))}  — {summary}")
    return "\n".join(lines)


def axe_violations(page) -> list[dict]:
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})
                   .then(results => results.violations)""", AXE_TAGS)


@pytest.mark.parametrize(("who", "name", "target"), CASES,
                         ids=[f"{who}-{name}" for who, name, _target in CASES])
def test_axe_finds_nothing(open_page, live_server, instance, axe_source, who, name, target):
    page = open_page(who)
    if callable(target):
        target(page, live_server)
    else:
        response = page.goto(live_server + target.format(**instance[1]))
        assert response.status == (404 if name == "not-found" else 200), response.url
    expected_language = "en" if who == "english" else "nl"
    assert page.locator("html").get_attribute("lang") == expected_language
    page.evaluate(axe_source)  # not a script tag: the Content-Security-Policy would stop it
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


# --- the keyboard alone ------------------------------------------------------------------

def focused(page, expression: str = "el.id"):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


def tab_to(page, check: str, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `check` (JavaScript over `el`) holds for the focus."""
    for _press in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focused(page, check):
            return
    raise AssertionError(f"Tab never reached an element where {check}")


def test_a_reflection_with_the_keyboard_alone(fresh_page, live_server, instance):
    page = fresh_page
    page.goto(live_server + "/inloggen")
    tab_to(page, "el.id === 'field-email'")
    page.keyboard.type(EMAILS["member"])
    page.keyboard.press("Tab")
    assert focused(page) == "field-password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("U bent ingelogd als Lid Water.")).to_be_visible()

    tab_to(page, "el.textContent === 'Reflecties'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reflecties/")
    tab_to(page, "el.textContent === 'Schrijf een reflectie'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reflecties/nieuw")

    # Only a title, then Enter in its field: the form comes back with the errors.
    tab_to(page, "el.id === 'field-title'")
    page.keyboard.type("Schakelen aan de keukentafel")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Fout: ")
    assert focused(page, "el.hasAttribute('data-error-summary')"), "summary not focused"
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Beschrijf de situatie.")

    # The summary's first link leads to the first field with an error: the situation.
    page.keyboard.press("Tab")
    assert focused(page, "el.getAttribute('href')") == "#field-situation"
    page.keyboard.press("Enter")
    assert focused(page) == "field-situation"
    assert page.url.endswith("#field-situation")
    page.keyboard.type("In het werkatelier zat ik aan tafel met bewoners en het waterschap.")

    tab_to(page, "el.id === 'field-roles_acted'")  # the first role of the group
    page.keyboard.press("Space")
    assert focused(page, "el.checked") is True
    tab_to(page, "el.id === 'field-intention'")
    page.keyboard.type("Ik vraag eerst wat de ander nodig heeft.")
    # The radio group is one Tab stop, on the chosen option (the learning group); the arrow
    # keys choose another: up to 'Alleen ik', which needs no learning group.
    tab_to(page, "el.name === 'visibility'")
    assert focused(page, "el.value") == "group"
    page.keyboard.press("ArrowUp")
    assert focused(page, "el.checked && el.value") == "private"
    tab_to(page, "el.textContent.trim() === 'Opslaan en indienen'")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schakelen aan de keukentafel", timeout=2000)
    assert not page.title().startswith("Fout: ")
    app, _addresses = instance
    with app.app_context():
        saved = db.session.scalar(select(Reflection).where(
            Reflection.title == "Schakelen aan de keukentafel"))
        author = db.session.get(User, saved.owner_id)
        assert author.email == EMAILS["member"]
        assert saved.situation.startswith("In het werkatelier")
        assert [role.id for role in saved.roles_acted] == ["rechtmatig"]


# --- what axe cannot see: focus, target size, reflow -------------------------------------

FOCUS_STYLE = """(() => {
    const style = getComputedStyle(document.activeElement);
    return {tag: document.activeElement.tagName, outline: style.outlineStyle,
            width: parseFloat(style.outlineWidth), shadow: style.boxShadow};
})()"""


def assert_focus_visible(page) -> None:
    style = page.evaluate(FOCUS_STYLE)
    ring = style["outline"] != "none" and style["width"] >= 2
    assert ring or style["shadow"] != "none", style


def test_the_focus_is_visible_on_links_and_buttons(open_page, live_server):
    page = open_page("member")
    page.goto(live_server + "/zoeken")
    tab_to(page, "el.tagName === 'A' && el.closest('header') !== null")  # a header link
    assert_focus_visible(page)
    tab_to(page, "el.tagName === 'BUTTON' && el.closest('header') !== null")  # Uitloggen
    assert_focus_visible(page)
    tab_to(page, "el.tagName === 'INPUT'")
    assert_focus_visible(page)
    tab_to(page, "el.tagName === 'BUTTON' && el.closest('main') !== null")  # Zoeken
    assert_focus_visible(page)
    page.goto(live_server + "/casussen")
    tab_to(page, "el.tagName === 'A' && el.closest('main') !== null")
    assert_focus_visible(page)


TARGETS = """selector => [...document.querySelectorAll(selector)]
    .filter(el => el.checkVisibility() && el.type !== 'hidden')
    .map(el => { const box = el.getBoundingClientRect();
                 return {what: el.outerHTML.slice(0, 80), width: box.width,
                         height: box.height}; })"""


@pytest.mark.parametrize(("who", "address", "selector"), [
    ("anonymous", "/", "header a, header button, footer a"),
    ("member", "/", "header a, header button, footer a"),
    ("editor", "/redactie", "header a, header button"),
    ("admin", "/beheer/gebruikers", "header a, header button, input, select, button"),
    ("member", "/casussen/nieuw", "input, select, button"),
    ("member", "/reflecties/nieuw", "input, select, button"),
    ("anonymous", "/zoeken", "input, button"),
    ("anonymous", "/zoeken?q=bewoners", ".facet a, main button"),
    ("anonymous", "/zoeken?q=bewoners&rol=responsief", ".active-filters a, .facet a"),
    ("member", f"/casussen/{HISTORY_CASE}/geschiedenis", "input, button"),
])
def test_targets_are_at_least_24_pixels(open_page, live_server, who, address, selector):
    page = open_page(who)
    page.goto(live_server + address)
    targets = page.evaluate(TARGETS, selector)
    assert targets, selector
    small = [target for target in targets if target["width"] < 24 or target["height"] < 24]
    assert not small, "\n".join(f"{t['width']:.0f}×{t['height']:.0f} {t['what']}"
                                for t in small)


@pytest.mark.parametrize(("who", "address"), [
    ("anonymous", "/"),
    ("anonymous", "/casussen/geluidsmaatregelen-hsl-zuid"),
    ("member", "/casussen/nieuw"),
    ("member", "/reflecties/nieuw"),
    ("anonymous", "/zoeken?q=bewoners"),
    ("editor", f"/casussen/{HISTORY_CASE}/geschiedenis?van=1&naar=2"),
    ("member", "/mijn-bijdragen"),
    ("admin", "/beheer/gebruikers"),
    ("admin", "/beheer/logboek"),
    ("member", "/leergroepen/water"),
    ("anonymous", "/reflecties/patronen"),
    ("anonymous", "/bladeren/organisatie"),
])
def test_pages_reflow_at_320_pixels_wide(open_page, live_server, who, address):
    """400 % zoom of a 1280 pixel wide window: no scrolling sideways (WCAG 1.4.10)."""
    page = open_page(who, width=320)
    page.goto(live_server + address)
    widths = page.evaluate("""(() => ({scroll: document.documentElement.scrollWidth,
                                        client: document.documentElement.clientWidth,
                                        wide: [...document.querySelectorAll('body *')]
                                          .filter(el => el.getBoundingClientRect().right > 321)
                                          .slice(0, 5).map(el => el.outerHTML.slice(0, 80))}))()""")
    assert widths["scroll"] <= widths["client"], widths
