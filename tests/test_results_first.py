"""Results first, on every screen (issue 16), in a real browser (Debian's Chromium through
Playwright): on a search page the first hit starts above the fold on a laptop (1280×800)
and on a phone (375×667), signed out and signed in (a longer header), with and without a
chosen filter; the filters, which come after the hits on a phone, are reached from the
top with a link that needs no JavaScript, by mouse and by keyboard.

One app and one server for the file (the fixture content, indexed), one browser context
per reader and screen. Without Chromium the tests skip, unless CASUSBANK_REQUIRE_BROWSER=1
(set by .ci/run), where that is a failure.
"""
from __future__ import annotations

import os
import re

import pytest

from app.services.people.accounts import create_user
from tests.support import CHROMIUM, PASSWORD, app_from, close_app

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM) and not os.environ.get("CASUSBANK_REQUIRE_BROWSER"):
    pytest.skip(f"no browser at {CHROMIUM} (.ci/run installs Debian's chromium)",
                allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

LAPTOP, PHONE = (1280, 800), (375, 667)
MEMBER = "lid@example.nl"
# Realistic searches in the fixture content: a word that finds cases and a reflection
# (members also find the group's case), alone and with a chosen role (one line more
# above the hits).
SEARCHES = ["/zoeken?q=bewoners", "/zoeken?q=bewoners&rol=responsief"]


@pytest.fixture(scope="module")
def instance(tmp_path_factory, fixture_library):
    app = app_from(fixture_library, tmp_path_factory.mktemp("results-first"))
    with app.app_context():
        create_user(MEMBER, "Lid Water", PASSWORD, "participant", ["water"])
    yield app, {}
    close_app(app)


@pytest.fixture
def open_page(chromium, live_server):
    """open_page(size, who="anonymous", javascript=True): a page of that size in a context
    of its own (signed in when who="member"), closed afterwards."""
    contexts = []

    def opener(size: tuple[int, int], who: str = "anonymous", javascript: bool = True):
        context = chromium.new_context(locale="nl-NL", java_script_enabled=javascript,
                                       viewport={"width": size[0], "height": size[1]})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if who == "member":
            page.goto(live_server + "/inloggen")
            page.get_by_label("E-mailadres").fill(MEMBER)
            page.get_by_label("Wachtwoord").fill(PASSWORD)
            page.get_by_role("button", name="Inloggen").click()
            expect(page.get_by_text("U bent ingelogd als Lid Water.")).to_be_visible()
        return page

    yield opener
    for context in contexts:
        context.close()


def top_of(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, locator
    return box["y"]


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1280x800", "375x667"])
@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("address", SEARCHES)
def test_the_first_hit_starts_above_the_fold(open_page, live_server, size, who, address):
    page = open_page(size, who)
    page.goto(live_server + address)
    first = page.locator("ol.results > li.result").first
    expect(first).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    assert top_of(first) < size[1], f"the first hit starts at {top_of(first):.0f} px"
    # At least the first line of its title, the link that opens it, is whole on the screen.
    line = first.locator(".result__title a").evaluate(
        "a => { const line = a.getClientRects()[0]; return [line.top, line.bottom]; }")
    assert line[1] <= size[1], f"the first line of its title is at {line}"
    # The quadrant comes after the hits, and is still there.
    assert top_of(page.locator("figure.quadrant")) > top_of(first)


def test_screen_readers_keep_the_tips_and_the_quadrant(open_page, live_server):
    """Folded away, the search tips are still the field's description; below the hits the
    quadrant keeps its name, its description and the table of its figures."""
    page = open_page(PHONE)
    page.goto(live_server + SEARCHES[0])
    expect(page.locator("details.search-tips")).not_to_have_attribute("open", re.compile(".*"))
    assert page.locator(".search-tips summary").bounding_box()["height"] >= 24   # WCAG 2.5.8
    expect(page.get_by_role("searchbox", name="Zoekwoorden")).to_have_accessible_description(
        re.compile(r"^Zoek op woorden of op een"))
    expect(page.get_by_role("heading", level=2, name="De resultaten per overheidsrol")
           ).to_be_attached()
    expect(page.get_by_role("group", name="De resultaten per overheidsrol")
           ).to_have_accessible_description(re.compile(r"^Vier vlakken in twee rijen"))
    page.get_by_text("Toon de cijfers als tabel").click()
    table = page.get_by_role("table", name="De resultaten per overheidsrol")
    expect(table.get_by_role("row")).to_have_count(5)   # a header and the four roles


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_on_a_phone_the_filters_are_reached_from_the_top(open_page, live_server, javascript):
    page = open_page(PHONE, javascript=javascript)
    page.goto(live_server + SEARCHES[0])
    link = page.get_by_role("link", name="Naar de filters")
    expect(link).to_be_visible()
    assert top_of(link) < top_of(page.locator("li.result").first) < PHONE[1]
    facets = page.locator("#facets-heading")
    assert top_of(facets) > 2 * PHONE[1]   # after all the hits and the quadrant
    link.click()
    assert page.url.endswith("#facets-heading")
    expect(facets).to_be_in_viewport()
    expect(page.locator(".facet").first).to_be_in_viewport()
    # A filter chosen there narrows the search.
    page.locator(".facet").filter(has_text="Soort").get_by_role("link", name="Casus").click()
    assert "type=casus" in page.url
    expect(page.get_by_role("list", name="Gekozen filters")).to_contain_text("Soort: Casus")


def focused(page, expression: str = "el.id"):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


def tab_to(page, check: str, limit: int) -> int:
    """Press Tab until `check` (JavaScript over `el`) holds for the focus; the presses."""
    for press in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused(page, check):
            return press
    raise AssertionError(f"{limit} presses of Tab never reached an element where {check}")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["375x667", "1280x800"])
def test_the_link_to_the_filters_works_with_the_keyboard(open_page, live_server, size):
    """From the search field: the button, then the link (before any hit);
    Enter moves the focus to the filters' heading and the next Tab to the first filter.
    Beside the results (1280) the link only shows while it has the focus."""
    page = open_page(size)
    page.goto(live_server + SEARCHES[0])
    shown = page.locator(".result-tools__filters")   # the link's paragraph, as drawn
    if size == LAPTOP:   # beside the results it is not shown until it has the focus
        assert shown.bounding_box()["width"] <= 1
    page.locator("#search-q").focus()
    assert tab_to(page, "el.getAttribute('href') === '#facets-heading'", limit=2) == 2
    expect(shown).to_be_in_viewport()
    box = page.get_by_role("link", name="Naar de filters").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    assert shown.bounding_box()["width"] >= box["width"]
    page.keyboard.press("Enter")
    expect(page.locator("#facets-heading")).to_be_focused()
    expect(page.locator("#facets-heading")).to_be_in_viewport()
    page.keyboard.press("Tab")
    assert focused(page, "el.closest('.facet') !== null && el.tagName === 'A'")
