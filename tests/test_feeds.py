"""Atom feeds: valid RFC 4287 documents that only ever hold what an anonymous reader may
read, escaped, filtered per role and learning group, and found from the pages they follow."""
from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, LearningGroup, Reflection, Role, Term, User
from app.services.contributing.cases import CaseInput, case_as_input, submit_case, update_case
from tests.support import publish

A = "{http://www.w3.org/2005/Atom}"
FEEDS = ["/feeds/casussen.atom", "/feeds/reflecties.atom", "/feeds/rollen/netwerkend.atom",
         "/feeds/leergroepen/water.atom"]
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
VISIBILITIES = ("private", "group", "internal", "public")
STATUSES = ("draft", "submitted", "sent_back", "published", "archived")


def feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.get_data())


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(f"{A}{name}")


def one(element: ET.Element, name: str) -> ET.Element:
    found = children(element, name)
    assert len(found) == 1, (name, len(found))
    return found[0]


def assert_links(element: ET.Element) -> None:
    """RFC 4287 §4.2.7: every link has an href; at most one alternate per type and
    language."""
    links = children(element, "link")
    assert all(link.get("href") for link in links)
    alternates = [(link.get("type"), link.get("hreflang")) for link in links
                  if link.get("rel", "alternate") == "alternate"]
    assert len(alternates) == len(set(alternates))


def assert_text_construct(element: ET.Element) -> None:
    assert element.get("type", "text") == "text"
    assert len(element) == 0 and (element.text or "").strip()


def assert_entry(entry: ET.Element) -> None:
    """RFC 4287 §4.1.2, for entries without content (as ours are)."""
    assert urlsplit(one(entry, "id").text).scheme
    assert_text_construct(one(entry, "title"))
    assert RFC3339.match(one(entry, "updated").text)
    assert len(children(entry, "published")) <= 1
    assert RFC3339.match(one(entry, "published").text)
    assert not children(entry, "content")
    assert any(link.get("rel", "alternate") == "alternate" for link in children(entry, "link"))
    assert_links(entry)
    assert len(children(entry, "summary")) <= 1
    assert all(category.get("term") for category in children(entry, "category"))


def assert_valid_atom(root: ET.Element, url: str) -> None:
    """The elements RFC 4287 §4.1.1 requires of a feed, and the links we promise."""
    assert root.tag == f"{A}feed"
    assert urlsplit(one(root, "id").text).scheme
    assert_text_construct(one(root, "title"))
    assert RFC3339.match(one(root, "updated").text)
    authors = children(root, "author")
    entries = children(root, "entry")
    assert authors or all(children(entry, "author") for entry in entries)
    assert all(one(author, "name").text for author in authors)
    selves = [link for link in children(root, "link") if link.get("rel") == "self"]
    assert [link.get("href") for link in selves] == [f"http://localhost{url}"]
    assert any(link.get("rel") == "alternate" for link in children(root, "link"))
    assert_links(root)
    tags = [child.tag for child in root]
    assert tags[len(tags) - len(entries):] == [f"{A}entry"] * len(entries)  # entries last
    for entry in entries:
        assert_entry(entry)
    ids = [one(entry, "id").text for entry in entries]
    assert len(ids) == len(set(ids))


def titles(root: ET.Element) -> list[str]:
    return [one(entry, "title").text for entry in children(root, "entry")]


def _role(role_id: str) -> Role:
    return db.session.get(Role, role_id)


def _group(slug: str) -> LearningGroup:
    return db.session.scalar(select(LearningGroup).where(LearningGroup.slug == slug))


def add_grid(app, owner_id: int) -> dict[tuple[str, str, str], str]:
    """A case and a reflection in Leergroep Water, with role `presterend`, for every
    visibility × status; returns (kind, visibility, status) -> title."""
    made = {}
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with app.app_context():
        water, role = _group("water"), _role("presterend")
        for number, (visibility, status) in enumerate(itertools.product(VISIBILITIES,
                                                                        STATUSES)):
            common = dict(visibility=visibility, status=status, owner_id=owner_id,
                          published_at=moment + timedelta(hours=number)
                          if status in ("published", "archived") else None)
            case_title = f"Rooster casus {visibility} {status}"
            db.session.add(Case(slug=f"rooster-{number}", title=case_title, summary="Kort.",
                                body_md="Tekst.", groups=[water], roles=[role], **common))
            reflection_title = f"Rooster reflectie {visibility} {status}"
            db.session.add(Reflection(title=reflection_title, situation="Iets.", group=water,
                                      roles_acted=[role], **common))
            made["case", visibility, status] = case_title
            made["reflection", visibility, status] = reflection_title
        db.session.commit()
    return made


@pytest.mark.parametrize("url", FEEDS)
def test_every_feed_is_a_valid_atom_document(browser, url):
    assert_valid_atom(feed(browser, url), url)


def test_an_empty_feed_is_still_valid(browser):
    root = feed(browser, "/feeds/leergroepen/energie.atom")
    assert not children(root, "entry")
    assert_valid_atom(root, "/feeds/leergroepen/energie.atom")


@pytest.mark.parametrize("url", ["/feeds/rollen/koninklijk.atom",
                                 "/feeds/leergroepen/schaken.atom", "/feeds/rollen/.atom",
                                 "/feeds/casussen.rss", "/feeds/"])
def test_unknown_feeds_are_not_found(browser, url):
    assert browser.get(url).status_code == 404


def test_the_case_feed_holds_the_public_published_cases_newest_first(app, browser):
    root = feed(browser, "/feeds/casussen.atom")
    assert titles(root) == ["Waterschappen en regenwater in de wijk",
                            "Geluidsmaatregelen HSL-Zuid Lansingerland"]
    entry = children(root, "entry")[1]
    assert one(entry, "link").get("href") == (
        "http://localhost/casussen/geluidsmaatregelen-hsl-zuid")
    assert one(entry, "published").text == "2017-11-20T00:00:00Z"
    assert re.fullmatch(r"tag:localhost,\d{4}-\d\d-\d\d:casus-\d+", one(entry, "id").text)
    assert [c.get("term") for c in children(entry, "category")] == [
        "rechtmatig", "netwerkend", "responsief"]
    assert children(entry, "category")[0].get("label") == "Rechtmatige overheid"
    assert one(entry, "summary").text.startswith("Omwonenden hadden last")


@pytest.mark.parametrize("viewer", ["browser", "member", "outsider", "editor"])
def test_feeds_hold_only_what_an_anonymous_reader_may_read_whoever_asks(
        app, users, request, viewer):
    client = request.getfixturevalue(viewer)
    grid = add_grid(app, users["member"])
    public = {title for (kind, visibility, status), title in grid.items()
              if visibility == "public" and status == "published"}
    hidden = set(grid.values()) - public
    seen = set()
    for url in [*FEEDS, "/feeds/rollen/presterend.atom"]:
        shown = set(titles(feed(client, url)))
        assert not shown & hidden, (url, shown & hidden)
        seen |= shown
    assert public <= seen
    # The fixture content's internal and group items stay out too.
    assert not seen & {"Interne dijkcasus", "Groepscasus water"}


def test_a_signed_in_reader_gets_the_same_feed_as_everyone(app, users, browser, member):
    add_grid(app, users["member"])
    for url in FEEDS:
        assert member.get(url).get_data() == browser.get(url).get_data()


def test_titles_and_summaries_are_escaped_text(app, users, browser):
    with app.app_context():
        author = db.session.get(User, users["member"])
        case = submit_case(author, CaseInput(
            title="<script>alert(1)</script> Wegen & water", summary="Dijken & <b>duinen</b>",
            body="Tekst.", roles=["netwerkend"], policy_domain="water", visibility="public"))
        publish(case)
    raw = browser.get("/feeds/casussen.atom").get_data(as_text=True)
    assert "<script>" not in raw and "<b>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Wegen &amp; water" in raw
    assert "Dijken &amp; &lt;b&gt;duinen&lt;/b&gt;" in raw
    entry = children(ET.fromstring(raw), "entry")[0]
    assert one(entry, "title").text == "<script>alert(1)</script> Wegen & water"
    assert one(entry, "summary").text == "Dijken & <b>duinen</b>"


def test_a_role_feed_holds_only_items_with_that_role(app, browser):
    root = feed(browser, "/feeds/rollen/responsief.atom")
    # The reflection is there because the situation asked for the role; it acted from another.
    assert titles(root) == ["Geluidsmaatregelen HSL-Zuid Lansingerland",
                            "Aan tafel met bewoners en onderhoudsbedrijf"]
    for entry in children(root, "entry"):
        assert "responsief" in [c.get("term") for c in children(entry, "category")]
    # Only group items of the fixture content have this role.
    assert titles(feed(browser, "/feeds/rollen/presterend.atom")) == []


def test_a_group_feed_holds_only_the_groups_items(app, users, browser):
    with app.app_context():
        energie, role = _group("energie"), _role("responsief")
        domain = db.session.scalar(select(Term).where(Term.slug == "energie-klimaat"))
        db.session.add(Case(slug="energiecoop", title="Energiecoöperatie in het dorp",
                            summary="Kort.", body_md="Tekst.", groups=[energie], roles=[role],
                            policy_domain=domain, visibility="public", status="published",
                            published_at=datetime(2025, 5, 1, tzinfo=timezone.utc)))
        db.session.add(Reflection(title="Reflectie bij energie", situation="Iets.",
                                  group=energie, roles_acted=[role], visibility="public",
                                  status="published",
                                  published_at=datetime(2025, 6, 1, tzinfo=timezone.utc)))
        db.session.commit()
    assert titles(feed(browser, "/feeds/leergroepen/energie.atom")) == [
        "Reflectie bij energie", "Energiecoöperatie in het dorp"]
    assert titles(feed(browser, "/feeds/leergroepen/water.atom")) == [
        "Waterschappen en regenwater in de wijk"]


def test_a_feed_holds_the_newest_fifty(app, browser):
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with app.app_context():
        role = _role("netwerkend")
        for number in range(55):
            db.session.add(Case(slug=f"veel-{number}", title=f"Veel {number:02d}",
                                summary="Kort.", body_md="Tekst.", roles=[role],
                                visibility="public", status="published",
                                published_at=start + timedelta(days=number)))
        db.session.commit()
    for url in ("/feeds/casussen.atom", "/feeds/rollen/netwerkend.atom"):
        root = feed(browser, url)
        assert titles(root) == [f"Veel {number:02d}" for number in range(54, 4, -1)]
        published = [one(entry, "published").text for entry in children(root, "entry")]
        assert published == sorted(published, reverse=True)
        assert one(root, "updated").text == max(
            one(entry, "updated").text for entry in children(root, "entry"))


def test_an_entry_keeps_its_id_when_the_case_is_edited(app, users, browser):
    def case_ids():
        root = feed(browser, "/feeds/casussen.atom")
        return {one(e, "title").text: one(e, "id").text for e in children(root, "entry")}

    before = case_ids()["Geluidsmaatregelen HSL-Zuid Lansingerland"]
    with app.app_context():
        editor = db.session.get(User, users["editor"])
        case = db.session.scalar(select(Case).where(Case.slug == "geluidsmaatregelen-hsl-zuid"))
        data = case_as_input(case)
        data.title = "Geluidsmaatregelen HSL-Zuid, herzien"
        update_case(editor, case, data)
    assert case_ids()["Geluidsmaatregelen HSL-Zuid, herzien"] == before


@pytest.mark.parametrize("url, feeds", [
    ("/", ["/feeds/casussen.atom", "/feeds/reflecties.atom"]),
    ("/casussen/", ["/feeds/casussen.atom"]),
    ("/reflecties/", ["/feeds/reflecties.atom"]),
    ("/rollen/responsief", ["/feeds/rollen/responsief.atom"]),
    ("/leergroepen/water", ["/feeds/leergroepen/water.atom"]),
    ("/zoeken", []),
    ("/rollen/koninklijk", []),
])
def test_pages_point_to_their_feeds(browser, url, feeds):
    html = browser.get(url).get_data(as_text=True)
    head = html[:html.index("</head>")]
    found = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
                       r'href="([^"]+)">', head)
    assert found == feeds
    for address in found:
        assert browser.get(address).status_code == 200
