"""The front page, role pages, learning groups, and what every page has in common."""
import re

import pytest

from app.extensions import db
from app.models import User
from app.services.contributing.cases import CaseInput, submit_case
from app.services.contributing.reflections import ReflectionInput, submit_reflection
from app.services.reading.browse import ROLE_PAGE_ITEMS
from tests.support import publish, statements_for

PAGES = ["/", "/rollen", "/rollen/responsief", "/casussen/",
         "/casussen/geluidsmaatregelen-hsl-zuid", "/reflecties/", "/reflecties/1",
         "/leergroepen/", "/leergroepen/water", "/zoeken",
         "/zoeken?q=water", "/inloggen", "/toegankelijkheid", "/privacy", "/bestaat-niet"]


def quadrant_counts(html):
    """Role name -> its figures, as the squares of the quadrant's SVG name them."""
    return dict(re.findall(r'class="quadrant__cell [^"]+" data-position="[^"]+" '
                           r'aria-label="([^:"]+): ([^"]+)"', html))


def test_the_front_page_shows_the_quadrant_with_counts_and_links(browser):
    html = browser.get("/").get_data(as_text=True)
    assert quadrant_counts(html) == {
        "Rechtmatige overheid": "1 casus · 1 reflectie",
        "Presterende overheid": "0 casussen · 0 reflecties",
        "Netwerkende overheid": "2 casussen · 1 reflectie",
        "Responsieve overheid": "1 casus · 1 reflectie",
    }
    for role in ("rechtmatig", "presterend", "netwerkend", "responsief"):
        assert f'href="/rollen/{role}"' in html
    for axis in ("Overheid centraal", "Samenleving centraal", "Hoe: proces en waarden",
                 "Wat: resultaten"):
        assert axis in html


def test_the_counts_follow_what_the_reader_may_see(member):
    counts = quadrant_counts(member.get("/").get_data(as_text=True))
    assert counts["Presterende overheid"] == "1 casus · 1 reflectie"
    assert counts["Responsieve overheid"] == "2 casussen · 1 reflectie"


def test_the_quadrant_places_each_role_by_its_position(browser):
    html = browser.get("/").get_data(as_text=True)
    squares = dict(re.findall(
        r'class="quadrant__cell role--(\w+)" data-position="[\w-]+" aria-label="[^"]+">\s*'
        r'<rect x="(\d+" y="\d+)"', html))
    assert squares == {"rechtmatig": '48" y="45', "presterend": '337" y="45',
                       "responsief": '48" y="215', "netwerkend": '337" y="215'}


def test_the_quadrant_has_a_title_a_description_and_a_table_of_its_figures(browser):
    html = browser.get("/").get_data(as_text=True)
    assert 'aria-labelledby="home-quadrant-title" aria-describedby="home-quadrant-desc"' in html
    assert '<title id="home-quadrant-title">De vier overheidsrollen' in html
    table = html[html.index('<details class="quadrant__table">'):]
    assert re.search(r'<th scope="row"><a href="/rollen/netwerkend">Netwerkende overheid</a>'
                     r'</th><td>2 casussen · 1 reflectie</td>', table)


def test_the_front_page_lists_the_newest_published_cases(browser):
    html = browser.get("/").get_data(as_text=True)
    newest = html[html.index("Nieuwste casussen"):]
    assert newest.index("Waterschappen en regenwater") < newest.index("Geluidsmaatregelen")
    assert "Interne dijkcasus" not in newest


def test_a_role_page_shows_its_description_and_items(browser):
    html = browser.get("/rollen/netwerkend").get_data(as_text=True)
    assert "Netwerkende overheid</h1>" in html
    assert "De rol netwerkend in een testbeschrijving." in html
    assert "<li>Gedrag een van netwerkend</li>" in html
    assert "Casussen met deze rol (2)" in html and "Reflecties met deze rol (1)" in html
    assert "Aan tafel met bewoners en onderhoudsbedrijf" in html   # asked-for role counts


def test_a_busy_role_page_shows_the_newest_and_links_to_all(app, users, browser):
    with app.app_context():
        author = db.session.get(User, users["outsider"])
        for number in range(ROLE_PAGE_ITEMS + 3):
            publish(submit_case(author, CaseInput(
                title=f"Peilbeheer {number:02}", summary="Peilbeheer", body="Over peilbeheer.",
                roles=["presterend"], policy_domain="water", visibility="public")))
    html = browser.get("/rollen/presterend").get_data(as_text=True)
    shown = re.findall(r">Peilbeheer (\d\d)</a>", html)
    assert shown == [f"{n:02}" for n in range(ROLE_PAGE_ITEMS + 2, 2, -1)]   # newest first
    assert f"Casussen met deze rol ({ROLE_PAGE_ITEMS + 3})" in html
    assert f"De {ROLE_PAGE_ITEMS} nieuwste." in html
    assert (f'<a href="/casussen/?rol=presterend">Alle {ROLE_PAGE_ITEMS + 3} casussen met deze '
            "rol</a>") in html
    listed = browser.get("/casussen/?rol=presterend").get_data(as_text=True)
    assert f"{ROLE_PAGE_ITEMS + 3} casussen" in listed


def test_an_unknown_role_is_404(browser):
    assert browser.get("/rollen/koninklijk").status_code == 404


def test_the_learning_group_page_shows_subthemes_and_cases_by_role(member):
    html = member.get("/leergroepen/water").get_data(as_text=True)
    assert "<h1>Leergroep Water</h1>" in html
    for theme in ("Watercoalitie", "ONS Water", "Bestuursakkoord Water"):
        assert f'<h3 class="card__title">{theme}</h3>' in html
    by_role = html[html.index("Casussen per rol"):html.index("Reflecties uit de leergroep")]
    assert re.findall(r'<h3 id="cases-(\w+)">', by_role) == ["presterend", "netwerkend",
                                                            "responsief"]
    assert "Wie bepaalt het resultaat" in html


def test_the_learning_group_page_hides_what_visitors_may_not_see(browser):
    html = browser.get("/leergroepen/water").get_data(as_text=True)
    assert "Groepscasus van de leergroep" not in html and "Interne dijkcasus" not in html
    assert "Waterschappen en regenwater in de wijk" in html


def test_the_learning_groups_are_listed(browser):
    html = browser.get("/leergroepen/").get_data(as_text=True)
    assert "Leergroep Water" in html and "Leergroep Energie" in html


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_landmarks_and_one_h1(browser, url):
    html = browser.get(url).get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert re.search(r"<title>[^<]+ \| Casusbank</title>", html)
    assert html.index('class="skip-link" href="#main"') < html.index("<nav")
    assert '<main id="main"' in html and '<nav aria-label="Hoofdmenu"' in html
    assert "<header" in html and "<footer" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'href="/toegankelijkheid"' in html and 'href="/privacy"' in html


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_security_headers(browser, url):
    headers = browser.get(url).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_is_sent_over_https_only(app, browser):
    assert "Strict-Transport-Security" not in browser.get("/").headers
    secure = app.test_client().get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_page_has_inline_script(browser):
    for url in PAGES:
        html = browser.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url


@pytest.mark.parametrize("url", [
    "/casussen/?page=99999999999999999999",
    "/casussen/?page=-5",
    "/casussen/?page=twee",
    "/reflecties/?page=9223372036854775807",
    "/zoeken?q=water&page=99999999999999999999",
    "/zoeken?q=water&page=0",
    "/casussen/?rol=netwerkend&_anchor=x&_external=1&_method=POST&_scheme=ftp",
    "/zoeken?rol=netwerkend&_external=1&_anchor=x",
])
def test_odd_addresses_get_a_page_not_an_error(browser, url):
    assert browser.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/reflecties/99999999999999999999999", "/reflecties/-1",
                                 "/reflecties/abc", "/casussen/%00", "/rollen/%F0%9F%98%80"])
def test_odd_item_addresses_are_not_found(browser, url):
    assert browser.get(url).status_code == 404


def test_page_links_keep_filters_and_stay_on_this_site(app):
    from app.web.templating import url_for_page
    with app.test_request_context("/zoeken?q=water&rol=netwerkend&_external=1&page=3"):
        assert url_for_page(4) == "/zoeken?q=water&rol=netwerkend&_external=1&page=4"


def test_search_results_open_with_the_quadrant_of_their_roles(browser):
    html = browser.get("/zoeken?q=bewoners").get_data(as_text=True)
    counts = quadrant_counts(html)
    assert set(counts) == {"Rechtmatige overheid", "Presterende overheid",
                           "Netwerkende overheid", "Responsieve overheid"}
    assert all(re.fullmatch(r"\d+ resultaten?", text) for text in counts.values())
    assert 'href="/zoeken?q=bewoners&amp;rol=netwerkend"' in html
    assert "quadrant__svg" not in browser.get("/zoeken?q=qqqonbekend").get_data(as_text=True)


LISTS = ["/casussen/", "/reflecties/", "/rollen/netwerkend"]


def test_lists_take_as_many_statements_for_many_items_as_for_few(app, users, browser):
    """Each card's roles, context and policy domain come in one query per relation, not
    one per item: on PostgreSQL each statement is a round trip (0.15 ms, 49 on the
    reflection list before)."""
    few = {url: statements_for(app, browser, url) for url in LISTS}
    with app.app_context():
        author = db.session.get(User, users["member"])
        for number in range(6):
            publish(submit_case(author, CaseInput(
                title=f"Overleg {number}", summary="Overleg", body="Over overleg.",
                roles=["netwerkend", "responsief"], policy_domain="water",
                visibility="public")))
            publish(submit_reflection(author, ReflectionInput(
                title=f"Aan tafel {number}", situation="Aan tafel.", intention="Luisteren.",
                roles_acted=["netwerkend"], roles_asked=["responsief"], context="stakeholderdiner",
                visibility="public")))
    assert {url: statements_for(app, browser, url) for url in LISTS} == few
