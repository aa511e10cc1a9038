"""The main flows in a real browser: Debian's Chromium driven by Playwright.

The app runs in a thread on a free port, with the indexer in another thread, exactly as
gunicorn and `flask search worker` run beside each other in production.
"""
import os
import re

import pytest

from tests.support import CHROMIUM, PASSWORD, running_indexer, serving_live

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM) and not os.environ.get("CASUSBANK_REQUIRE_BROWSER"):
    pytest.skip(f"no browser at {CHROMIUM} (.ci/run installs Debian's chromium)",
                allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def live_server(app, users):
    with serving_live(app) as address, running_indexer(app, poll_seconds=0.1):
        yield address


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, base):
    page.goto(base + "/inloggen")
    page.get_by_label("E-mailadres").fill("lid@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    playwright_api.expect(page.get_by_text("U bent ingelogd als Lid Water.")).to_be_visible()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Ga direct naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_quadrant_leads_to_a_role_page(page, live_server):
    page.goto(live_server + "/")
    page.get_by_role("link", name=re.compile("^Responsieve overheid")).click()
    playwright_api.expect(page.get_by_role("heading", level=1)).to_have_text(
        "Responsieve overheid")


def test_an_invalid_case_shows_the_error_summary_with_focus(page, live_server):
    sign_in(page, live_server)
    page.goto(live_server + "/casussen/nieuw")
    page.get_by_role("button", name="Opslaan en indienen").click()
    assert page.title().startswith("Fout: ")
    summary = page.locator("[data-error-summary]")
    playwright_api.expect(summary).to_be_focused()
    playwright_api.expect(summary).to_contain_text("Vul een titel in.")
    summary.get_by_role("link", name="Vul een titel in.").click()
    playwright_api.expect(page.locator("#field-title")).to_be_visible()
    assert page.url.endswith("#field-title")


def test_submit_a_case_see_it_and_find_it(page, live_server):
    sign_in(page, live_server)
    page.goto(live_server + "/casussen/nieuw")
    page.get_by_label("Titel").fill("Zoetwaterbuffer op het eiland")
    page.get_by_label("Samenvatting").fill("Boeren en het waterschap legden samen een buffer aan.")
    page.get_by_label("Beschrijving").fill("## Aanpak\n\nDe **zoetwaterbuffer** kwam er samen.")
    page.get_by_role("group", name="Overheidsrollen").get_by_label("Netwerkende overheid").check()
    page.get_by_label("Beleidsterrein").select_option("water")
    # Only the author may read it: then it needs no review, and the author finds it at once.
    page.get_by_role("group", name="Wie mag dit lezen").get_by_label("Alleen ik").check()
    page.get_by_role("button", name="Opslaan en indienen").click()
    playwright_api.expect(page.get_by_role("heading", level=1)).to_have_text(
        "Zoetwaterbuffer op het eiland")
    playwright_api.expect(page.locator(".prose strong")).to_have_text("zoetwaterbuffer")

    for _attempt in range(50):  # the indexer thread picks the change up within moments
        page.goto(live_server + "/zoeken?q=zoetwaterbuffer")
        if page.get_by_role("link", name="Zoetwaterbuffer op het eiland").count():
            break
        page.wait_for_timeout(100)
    page.get_by_role("link", name="Zoetwaterbuffer op het eiland").click()
    assert re.search(r"/casussen/zoetwaterbuffer-op-het-eiland-[a-z0-9]{4}$", page.url)


def test_search_with_a_role_filter_from_the_form(page, live_server):
    page.goto(live_server + "/zoeken")
    page.get_by_label("Zoekwoorden").fill("bewoners")
    page.get_by_label("Responsieve overheid").check()
    page.get_by_role("button", name="Zoeken").click()
    assert "rol=responsief" in page.url
    playwright_api.expect(page.get_by_role("list", name="Gekozen filters")).to_contain_text(
        "Overheidsrol: Responsieve overheid")
