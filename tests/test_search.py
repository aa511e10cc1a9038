"""Search through the web page: Dutch matching, the role filter, permissions, bad input."""
import re
from pathlib import Path

import pytest
from markupsafe import Markup

from app.extensions import db
from app.models import User
from app.search.index import POINTER
from app.search.query import marked_html
from app.services.contributing.cases import CaseInput, submit_case
from app.services.contributing.reflections import ReflectionInput, submit_reflection
from app.services.reading.search import search_items
from tests.support import publish, statements_for, sync_index


def titles(response):
    """The titles of the hits on a results page, in order."""
    html = response.get_data(as_text=True)
    return re.findall(r'<h3 class="result__title"><a href="[^"]+">([^<]+)</a>', html)


def search(client, query="", **params):
    response = client.get("/zoeken", query_string={"q": query, **params})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("query, expected", [
    ("maatregel", "Geluidsmaatregelen HSL-Zuid Lansingerland"),        # plural in the text
    ("omwonende", "Geluidsmaatregelen HSL-Zuid Lansingerland"),        # omwonenden
    ("waterschap", "Waterschappen en regenwater in de wijk"),          # undoubled stem
    ("cooperatie", "Waterschappen en regenwater in de wijk"),          # coöperatie
    ("financiele ideeen", "Waterschappen en regenwater in de wijk"),   # financiële ideeën
    ("Financiële", "Waterschappen en regenwater in de wijk"),
])
def test_dutch_word_forms_and_accents_match(browser, query, expected):
    assert expected in titles(search(browser, query))


def test_the_title_weighs_more_than_the_body(browser):
    assert titles(search(browser, "waterschappen"))[0] == "Waterschappen en regenwater in de wijk"


def test_a_hit_shows_its_type_roles_and_a_highlighted_excerpt(browser):
    html = search(browser, "onderhoudsbedrijf").get_data(as_text=True)
    first = html.split('<li class="result">')[1]
    assert 'class="result__meta">Reflectie' in first
    assert re.search(r"het <mark[^>]*>onderhoudsbedrijf</mark> aan tafel", first)
    assert "Rechtmatige overheid" in first and "Responsieve overheid" in first


def test_excerpts_escape_text_that_looks_like_markup(browser):
    html = search(browser, "formule").get_data(as_text=True)
    assert "a &lt; b &amp; c" in html


def test_the_role_filter_keeps_exactly_the_items_with_that_role(member):
    everything = set(titles(search(member, "bewoners")))
    assert everything == {"Waterschappen en regenwater in de wijk",
                          "Geluidsmaatregelen HSL-Zuid Lansingerland",
                          "Aan tafel met bewoners en onderhoudsbedrijf",
                          "Groepscasus van de leergroep"}
    assert set(titles(search(member, "bewoners", rol="netwerkend"))) == {
        "Waterschappen en regenwater in de wijk", "Geluidsmaatregelen HSL-Zuid Lansingerland",
        "Aan tafel met bewoners en onderhoudsbedrijf"}      # asked-for roles count too
    assert set(titles(search(member, "bewoners", rol="responsief"))) == {
        "Geluidsmaatregelen HSL-Zuid Lansingerland", "Aan tafel met bewoners en onderhoudsbedrijf",
        "Groepscasus van de leergroep"}
    assert titles(search(member, "bewoners", rol="presterend")) == []


def test_several_roles_widen_the_filter(browser):
    one = set(titles(search(browser, "", rol="presterend")))
    two = set(titles(search(browser, "", rol=["presterend", "responsief"])))
    assert one < two


def test_a_role_alone_browses_everything_with_it(browser):
    found = titles(search(browser, "", rol="responsief"))
    assert "Geluidsmaatregelen HSL-Zuid Lansingerland" in found


def test_unknown_roles_in_the_address_are_ignored(browser):
    assert titles(search(browser, "waterschap", rol="koninklijk")) == \
        titles(search(browser, "waterschap"))


def test_search_never_shows_what_the_reader_may_not_see(browser, users):
    assert titles(search(browser, "dijkversterking")) == []
    browser.sign_in("buiten@example.nl")
    assert titles(search(browser, "dijkversterking")) == ["Interne dijkcasus"]
    assert titles(search(browser, "beek")) == []          # group item, not a member


def test_members_find_their_group_items(member):
    assert "Groepscasus van de leergroep" in titles(search(member, "beek"))


@pytest.mark.parametrize("query", ["visibility:internal", "status:published dijk",
                                   "owner:1", "groups:1 OR roles:netwerkend", "key:case:1"])
def test_typed_field_syntax_only_searches_the_text_fields(query):
    from app.search.parsing import parse_user_query
    from app.search.schema import TEXT_FIELDS, build_schema
    parsed = parse_user_query(query, build_schema())
    assert {field for field, _text in parsed.iter_all_terms()} <= set(TEXT_FIELDS)


@pytest.mark.parametrize("query, included, excluded", [
    ("waterschap NIET formule", [], ["Waterschappen en regenwater in de wijk"]),
    ("waterschap NOT formule", [], ["Waterschappen en regenwater in de wijk"]),
    ("onderhoudsbedrijf OF coöperatie", ["Waterschappen en regenwater in de wijk",
                                          "Geluidsmaatregelen HSL-Zuid Lansingerland"], []),
    ("onderhoudsbedrijf EN coöperatie", [], ["Waterschappen en regenwater in de wijk",
                                             "Geluidsmaatregelen HSL-Zuid Lansingerland"]),
    ('"financiële ideeën"', ["Waterschappen en regenwater in de wijk"], []),
    ('"ideeën financiële"', [], ["Waterschappen en regenwater in de wijk"]),
])
def test_operators_in_dutch_and_english_and_phrases(browser, query, included, excluded):
    found = titles(search(browser, query))
    assert set(included) <= set(found) and not set(excluded) & set(found)


def test_no_results_says_so_and_offers_a_way_on(browser):
    html = search(browser, "zeppelinhaven", rol="netwerkend").get_data(as_text=True)
    assert "Geen resultaten voor ‘zeppelinhaven’" in html
    assert "Controleer de spelling" in html
    assert "Zoek zonder de gekozen filters" in html
    assert "Log in" in html


@pytest.mark.parametrize("query", [
    '"', '"geluid', "(((", ")", "AND", "OR OR", "NOT", "*", "?", "a:b", "title:", "[a TO",
    "{", "^2", "~", "geluid~", "\\", "'", "-", "+", "<script>alert(1)</script>",
    "%", "\u202eomgekeerd", "😀 water", "العربية", "a" * 800,
])
def test_malformed_or_strange_queries_never_fail(browser, query):
    html = search(browser, query).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html


def test_a_very_long_query_is_shortened_with_a_notice(browser):
    html = search(browser, "water " * 130).get_data(as_text=True)   # 780 of 800
    assert "Uw zoekvraag was erg lang" in html


def test_pages_of_results(app, users, browser):
    with app.app_context():
        author = db.session.get(User, users["outsider"])
        for number in range(23):
            publish(submit_case(author, CaseInput(
                title=f"Peilbeheer {number}", summary="Peilbeheer", body="Over peilbeheer.",
                roles=["presterend"], policy_domain="water", visibility="public")))
    sync_index(app)
    first = search(browser, "peilbeheer")
    assert len(titles(first)) == 20
    assert "23 resultaten" in first.get_data(as_text=True)
    second = search(browser, "peilbeheer", page=2)
    assert len(titles(second)) == 3
    assert not set(titles(first)) & set(titles(second))
    past_the_end = search(browser, "peilbeheer", page=99)
    assert titles(past_the_end) == titles(second)          # the last page, not an empty one
    assert "Pagina 2 van 2" in past_the_end.get_data(as_text=True)


def test_without_an_index_the_page_explains_instead_of_failing(app, browser):
    (Path(app.config["SEARCH_INDEX_DIR"]) / POINTER).unlink()
    html = search(browser, "water").get_data(as_text=True)
    assert "De zoekfunctie wordt op dit moment klaargezet" in html


def test_an_empty_search_shows_just_the_form(browser):
    html = search(browser, "").get_data(as_text=True)
    assert 'id="search-q"' in html and "resultaten" not in html


HOSTILE_BODY = ("Over het gemaal: <script>alert(1)</script> en <img src=x onerror=alert(2)>, "
                "de opmaak &lt;b&gt;vet&lt;/b&gt; en \"><svg onload=alert(3)> bij de sluis.")
ONLY_MARKS = re.compile(r'</?mark(?: class="match term\d")?>')


@pytest.mark.parametrize("query", ["gemaal", "script", "onerror", "vet", "<b>vet</b>",
                                   '"><svg onload=1>', "<script>alert(1)</script>",
                                   "&lt;b&gt; sluis"])
def test_neither_an_items_markup_nor_the_query_puts_a_tag_in_an_excerpt(app, users, browser,
                                                                        query):
    """An excerpt is escaped text with only <mark> added (search/query.py marked_html),
    on the results page and in the API alike; it is Markup, so the page inserts it
    without |safe. What the query holds only picks the words to mark."""
    with app.app_context():
        author = db.session.get(User, users["outsider"])
        publish(submit_case(author, CaseInput(
            title="Opmaak in een casus", summary="Een casus met opmaak in de tekst.",
            body=HOSTILE_BODY, roles=["presterend"], policy_domain="water",
            visibility="public")))
    sync_index(app)
    page = search(browser, query).get_data(as_text=True)
    shown = re.findall(r'<p class="result__excerpt">(.*?)</p>', page, re.S)
    found = browser.get("/api/v1/search", query_string={"q": query}).get_json()["items"]
    sent = [hit["excerpt_html"] for hit in found if hit["title"] == "Opmaak in een casus"]
    texts = [ONLY_MARKS.sub("", excerpt) for excerpt in [*shown, *sent]]
    assert sent and shown, (query, shown, sent)
    for text in texts:
        assert "<" not in text, (query, text)
        assert "&lt;" in text, (query, text)  # the markup is there, as text
    for tag in ("<script>alert", "<img src=x", "<svg onload", "<b>vet"):
        assert tag not in page, (query, tag)
    with app.app_context():
        hits = search_items(None, query, {}).results.hits
    assert hits and all(isinstance(hit.excerpt_html, Markup) for hit in hits)


def test_marked_html_escapes_the_text_and_the_marked_words_alike():
    """Quotes stay: excerpts are element content, never an attribute's value."""
    marked = marked_html('<b>x</b> & "y"', [(12, 13), (3, 4), (0, 3), (0, 1)])
    assert isinstance(marked, Markup)
    assert marked == ('<mark class="match term0">&lt;b&gt;</mark><mark class="match term1">x'
                      '</mark>&lt;/b&gt; &amp; "<mark class="match term2">y</mark>"')


# -- results first (issue 16): what a hit says in one line, what comes before the hits ------

def meta_lines(html: str) -> dict[str, str]:
    """Title -> the line beside a hit's type, as text (a screen reader's words included)."""
    lines = {}
    for hit in html.split('<li class="result">')[1:]:
        title = re.search(r'class="result__title"><a href="[^"]+">([^<]+)</a>', hit).group(1)
        meta = re.search(r'<p class="result__meta">(.*?)</p>', hit, re.S).group(1)
        lines[title] = " ".join(re.sub(r"<[^>]+>", "", meta).split())
    return lines


def test_each_hit_shows_domain_organisation_years_and_roles_beside_its_type(member):
    """A case: policy domain, organisation, its years (running: "tot nu", as on its page),
    roles; a reflection has no domain or organisation, only its year and roles."""
    assert meta_lines(search(member, "bewoners").get_data(as_text=True)) == {
        "Geluidsmaatregelen HSL-Zuid Lansingerland":
            "Casus · Mobiliteit · Directie Openbaar Vervoer en Spoor · 2017 tot nu · "
            "Overheidsrollen: Rechtmatige overheid, Netwerkende overheid, Responsieve overheid",
        "Waterschappen en regenwater in de wijk":
            "Casus · Water · 2019 tot 2021 · Overheidsrollen: Netwerkende overheid",
        "Aan tafel met bewoners en onderhoudsbedrijf":
            "Reflectie · 2017 · Overheidsrollen: Rechtmatige overheid, Netwerkende overheid, "
            "Responsieve overheid",
        "Groepscasus van de leergroep": "Casus · Water · Overheidsrollen: Responsieve overheid",
    }


def test_a_hits_line_is_in_the_readers_language(member):
    html = member.get("/zoeken?q=geluid", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert meta_lines(html)["Geluidsmaatregelen HSL-Zuid Lansingerland"] == (
        "Case · Mobility · Public Transport and Rail Directorate · 2017 to date · Government "
        "roles: Rechtmatig government, Netwerkend government, Responsief government")


def test_the_hits_come_before_the_quadrant_which_keeps_its_table(browser):
    """Nothing above the hits but the count, chosen filters, the link to the filters and
    the sort; the quadrant follows them, with its text and its table of figures."""
    html = search(browser, "bewoners", rol="responsief").get_data(as_text=True)
    count, hits = html.index('id="results-heading"'), html.index('<ol class="results"')
    between = html[count:hits]
    assert "quadrant" not in between
    assert 'href="#facets-heading"' in between and 'Sorteer op:' in between
    assert 'id="facets-heading"' in html[hits:]
    roles = html.index('id="search-roles-heading"')
    assert hits < roles < html.index("quadrant__svg") < html.index('id="facets-heading"')
    table = html[html.index('<details class="quadrant__table">', roles):]
    assert len(re.findall(r'<tr><th scope="row"><a href="/zoeken\?q=bewoners[^"]*">',
                          table[:table.index("</table>")])) == 4


def test_the_search_tips_fold_away_above_results_and_stay_the_fields_description(browser):
    results = search(browser, "bewoners").get_data(as_text=True)
    tips = results[results.index('<details class="search-tips">'):]
    assert tips.index('id="search-hint"') < tips.index("</details>")
    assert results.count('aria-describedby="search-hint"') == 1
    assert results.count('id="search-hint"') == 1
    form = search(browser, "").get_data(as_text=True)   # no results: the tips stay open
    assert 'id="search-hint"' in form and "search-tips" not in form


def test_the_facts_of_twenty_hits_take_no_more_statements_than_of_two(app, users, browser):
    """Domain, organisation and years come with the query that re-checks the hits: a page
    of hits costs no statement per hit. (The search log, which counts searches that find
    fewer than three items, is off here: it would add its own statements to the two.)"""
    app.config["SEARCH_LOG_DAYS"] = 0

    def add(number: int) -> None:
        publish(submit_case(author, CaseInput(
            title=f"Overleg {number}", summary="Overleg", body="Over overleg.",
            roles=["netwerkend"], policy_domain="water", organisation=f"Gemeente {number}",
            visibility="public")))
        publish(submit_reflection(author, ReflectionInput(
            title=f"Aan tafel {number}", situation="Overleg aan tafel.", intention="Luisteren.",
            roles_acted=["netwerkend"], context="stakeholderdiner", visibility="public")))

    with app.app_context():
        author = db.session.get(User, users["outsider"])
        add(0)
    sync_index(app)
    few = statements_for(app, browser, "/zoeken?q=overleg")
    with app.app_context():
        author = db.session.get(User, users["outsider"])
        for number in range(1, 12):
            add(number)
    sync_index(app)
    assert len(titles(search(browser, "overleg"))) == 20
    assert statements_for(app, browser, "/zoeken?q=overleg") == few
    assert "Casus · Water · Gemeente 3" in " ".join(
        meta_lines(search(browser, "overleg").get_data(as_text=True)).values())
