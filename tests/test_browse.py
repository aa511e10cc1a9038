"""Browsing by facet (/bladeren): the counts follow what each reader may see, each count
is what its link lists, and every count is one grouped query."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from html import unescape

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import event, select

from app.extensions import db
from app.models import Case, LearningGroup, Role, Term, User
from app.services.people.accounts import create_user
from app.services.reading.browse_facets import FACETS, facet_values
from tests.support import PASSWORD, signed_in

SEGMENTS = ("beleidsterrein", "organisatie", "belanghebbende", "jaar")
VIEWERS = ("browser", "member", "outsider", "editor", "author")
# title, visibility, status, domain, organisation, stakeholder types, first year, last year
EXTRA = [
    ("Bladeren openbaar", "public", "published", "energie-klimaat", "Rijkswaterstaat",
     ["bewoners"], 2020, 2022),
    ("Bladeren intern", "internal", "published", "water", "Rijkswaterstaat",
     ["waterschap"], 2021, None),
    ("Bladeren groep", "group", "published", "water", "Geheime directie", ["bedrijven"],
     2018, 2019),
    ("Bladeren concept", "public", "draft", "mobiliteit", "Concept-organisatie",
     ["bewoners"], 2020, None),
    ("Bladeren privé", "private", "published", "mobiliteit", "Privé-organisatie",
     ["bewoners"], 2020, None),
    ("Bladeren archief", "public", "archived", "mobiliteit", "Oude directie", ["bedrijven"],
     2015, None),
]
ROW = re.compile(r'<th scope="row"[^>]*><a href="([^"]+)">([^<]+)</a></th>\s*<td>(\d+)</td>')


@pytest.fixture
def author(app, users):
    """A member of Leergroep Water who wrote the private case of EXTRA."""
    with app.app_context():
        create_user("auteur@example.nl", "Auteur", PASSWORD, "participant", ["water"])
    return signed_in(app, "auteur@example.nl")


@pytest.fixture
def extra(app, users, author):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "auteur@example.nl"))
        water = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
        terms = {term.slug: term for term in db.session.scalars(select(Term))}
        for number, (title, visibility, status, domain, organisation, kinds, first,
                     last) in enumerate(EXTRA):
            db.session.add(Case(
                slug=f"bladeren-{number}", title=title, summary="Kort.", body_md="Tekst.",
                roles=[db.session.get(Role, "netwerkend")], groups=[water],
                visibility=visibility, status=status, policy_domain=terms[domain],
                organisation=organisation, stakeholder_types=[terms[k] for k in kinds],
                year_start=first, year_end=last, owner_id=owner.id,
                published_at=datetime(2025, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()


def listed_for(viewer: str, case: Case) -> bool:
    """The rule for shared lists, written out apart from services/permissions.py."""
    if case.status != "published":
        return False
    if viewer == "author" and case.owner is not None and case.owner.email.startswith("auteur"):
        return True
    if case.visibility == "private":
        return False
    if viewer == "editor" or case.visibility == "public":
        return True
    if case.visibility == "internal":
        return viewer != "browser"
    return viewer in ("member", "author") and "water" in [g.slug for g in case.groups]


def expected_counts(app, viewer: str) -> dict[str, dict[str, int]]:
    """Facet segment -> {label: number of cases}, counted in Python over every case."""
    counts = {segment: {} for segment in SEGMENTS}

    def add(segment, label):
        counts[segment][label] = counts[segment].get(label, 0) + 1

    with app.app_context():
        for case in db.session.scalars(select(Case)):
            if not listed_for(viewer, case):
                continue
            if case.policy_domain:
                add("beleidsterrein", case.policy_domain.label)
            # An organisation of the vocabulary counts for those it is part of too.
            organisation = case.organisation_term
            while organisation is not None:
                add("organisatie", organisation.label)
                organisation = organisation.parent
            if case.organisation:
                add("organisatie", case.organisation)
            for kind in case.stakeholder_types:
                add("belanghebbende", kind.label)
            if case.year_start:  # to this year while it runs, as search counts it too
                last = case.year_end or max(date.today().year, case.year_start)
                for year in range(case.year_start, last + 1):
                    add("jaar", str(year))
    return counts


def facet_rows(client, segment: str) -> list[tuple[str, str, int]]:
    response = client.get(f"/bladeren/{segment}")
    assert response.status_code == 200
    return [(unescape(href), unescape(label), int(count))
            for href, label, count in ROW.findall(response.get_data(as_text=True))]


def listed_total(client, address: str) -> int:
    response = client.get(address)
    assert response.status_code == 200, address
    found = re.search(r'class="result-count">(\d+) casus', response.get_data(as_text=True))
    return int(found.group(1))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_counts_are_what_the_reader_may_see_and_links_list_that_many(
        app, extra, request, viewer):
    client = request.getfixturevalue(viewer)
    expected = expected_counts(app, viewer)
    for segment in SEGMENTS:
        rows = facet_rows(client, segment)
        assert {label: count for _href, label, count in rows} == expected[segment], segment
        for href, _label, count in rows:
            assert href.startswith(f"/casussen/?{segment}=")
            assert listed_total(client, href) == count, href


def test_a_case_counts_in_every_year_it_ran(app, extra, browser):
    rows = {label: count for _href, label, count in facet_rows(browser, "jaar")}
    # Anonymous readers see "Bladeren openbaar" (2020–2022) and the fixtures' public
    # cases; a case with a start year only runs to this year, as in search.
    assert {"2020", "2021", "2022"} <= set(rows)
    assert max(map(int, rows)) == date.today().year
    html = browser.get("/casussen/?jaar=2020").get_data(as_text=True)
    assert "Bladeren openbaar" in html and "Waterschappen en regenwater" in html
    assert "Bladeren concept" not in html and "Bladeren privé" not in html


def test_the_year_page_lists_the_years_newest_first(app, extra, browser, member):
    """In year order, newest first (browse_facets._years says why): this year, where
    every running case counts, at the top, then back in time (the fixture's running case
    from 2017 leaves no year out)."""
    for client in (browser, member):
        years = [int(label) for _href, label, _count in facet_rows(client, "jaar")]
        assert years == list(range(date.today().year, min(years) - 1, -1))


def test_the_overview_shows_the_years_with_most_cases_newest_first(app, extra, browser):
    html = browser.get("/bladeren").get_data(as_text=True)
    section = html[html.index('id="facet-jaar"'):]
    section = section[:section.index("</section>")]
    years = [int(year) for year in re.findall(r'<li><a href="[^"]+">(\d+) <span', section)]
    counts = {label: count for _href, label, count in facet_rows(browser, "jaar")}
    assert len(years) == 5 and years == sorted(years, reverse=True), years
    assert sorted((counts[str(year)] for year in years), reverse=True) == sorted(
        counts.values(), reverse=True)[:5]


def test_values_only_others_may_see_are_not_shown(app, extra, browser, member):
    anonymous = {label for _h, label, _c in facet_rows(browser, "organisatie")}
    assert anonymous == {"Ministerie van Infrastructuur en Waterstaat",
                         "Directoraat-generaal Mobiliteit", "Directie Openbaar Vervoer en Spoor",
                         "Rijkswaterstaat"}
    members = {label for _h, label, _c in facet_rows(member, "organisatie")}
    assert "Geheime directie" in members
    assert not members & {"Privé-organisatie", "Concept-organisatie", "Oude directie"}


@pytest.mark.parametrize("viewer", ["browser", "member", "editor"])
def test_the_overview_shows_each_facet_with_its_largest_values(app, extra, request, viewer):
    client = request.getfixturevalue(viewer)
    expected = expected_counts(app, viewer)
    html = client.get("/bladeren").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert re.findall(r'<h2 id="facet-(\w+)">', html) == list(SEGMENTS)
    with app.app_context():
        total = sum(listed_for(viewer, case) for case in db.session.scalars(select(Case)))
    assert f"U kunt {total} casussen lezen" in html
    for segment in SEGMENTS:
        section = html[html.index(f'id="facet-{segment}"'):]
        section = section[:section.index("</section>")]
        shown = re.findall(r'<li><a href="[^"]+">([^<]+) <span class="browse-values__count">'
                           r'\((\d+) casus', section)
        largest = sorted(expected[segment].values(), reverse=True)[:5]
        assert sorted((int(count) for _label, count in shown), reverse=True) == largest
        for label, count in shown:
            assert expected[segment][unescape(label)] == int(count)
        assert f'href="/bladeren/{segment}"' in section


def test_each_facet_is_counted_in_one_query(app, extra, users):
    readers = {"anonymous": AnonymousUserMixin()}
    with app.app_context():
        member = db.session.get(User, users["member"])
        assert member.group_ids  # loaded now, as for the request's user at sign-in
        readers["member"] = member
        statements = []

        def count(*_args, **_kwargs):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for reader in readers.values():
                for facet in FACETS:
                    statements.clear()
                    assert facet_values(reader, facet)
                    assert len(statements) == 1, facet
        finally:
            event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("url", [
    "/bladeren/onbekend", "/bladeren/rol", "/casussen/?organisatie=Bestaat+niet",
    "/casussen/?organisatie=Geheime+directie", "/casussen/?organisatie=Bladeren+concept",
    "/casussen/?jaar=1850", "/casussen/?jaar=twintig", "/casussen/?jaar=20201",
    "/casussen/?jaar=+2020", "/casussen/?belanghebbende=aliens",
])
def test_unknown_facets_and_values_are_not_found(app, extra, browser, url):
    assert browser.get(url).status_code == 404


def test_an_organisation_only_members_may_see_is_found_by_members(app, extra, browser, member):
    address = "/casussen/?organisatie=Geheime+directie"
    assert browser.get(address).status_code == 404
    assert listed_total(member, address) == 1


def test_the_case_list_says_which_browse_filter_is_chosen_and_keeps_it(app, extra, browser):
    html = browser.get("/casussen/?organisatie=Rijkswaterstaat&belanghebbende=bewoners"
                       "&jaar=2021").get_data(as_text=True)
    assert "Organisatie: Rijkswaterstaat" in html
    assert "Soort belanghebbende: Bewoners en omwonenden" in html
    assert "Jaar: 2021" in html
    for name, value in (("organisatie", "Rijkswaterstaat"), ("belanghebbende", "bewoners"),
                        ("jaar", "2021")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    assert re.search(r'class="result-count">1 casus gevonden', html)


def test_the_facet_page_is_an_accessible_table(app, extra, browser):
    html = browser.get("/bladeren/belanghebbende").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "<caption>3 soorten belanghebbenden, met het aantal casussen</caption>" in html
    assert '<th scope="col">Soort belanghebbende</th>' in html
    assert 'href="/bladeren" aria-current="page"' in html


def test_an_empty_facet_says_so(app, browser):
    with app.app_context():
        for case in db.session.scalars(select(Case)):
            case.stakeholder_types = []
        db.session.commit()
    html = browser.get("/bladeren/belanghebbende").get_data(as_text=True)
    assert "Er zijn nog geen casussen die u kunt lezen" in html
    assert "<table" not in html
