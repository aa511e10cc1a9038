"""Learning-group pages: the quadrant of the group, its role balance, newest activity, the
role filter, and the reading list ("leerpad") that members and editors keep in order."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Case, LearningGroup, ReadingListEntry, Reflection
from tests.test_pages import quadrant_counts

GROUP = "/leergroepen/water"


def _ids(app) -> dict[str, str]:
    """Form values ("case:3") of the fixture items of Leergroep Water."""
    with app.app_context():
        cases = {c.slug: f"case:{c.id}" for c in db.session.scalars(select(Case))}
        reflections = {r.source_key: f"reflection:{r.id}"
                       for r in db.session.scalars(select(Reflection))}
        return {**cases, **reflections}


def _reading_list(html: str) -> list[str]:
    if '<ol class="reading-list">' not in html:
        return []
    listed = html[html.index('<ol class="reading-list">'):html.index("</ol>",
                  html.index('<ol class="reading-list">'))]
    return re.findall(r'<li id="leerpad-\d+" tabindex="-1">\s*<a href="[^"]+"[^>]*>([^<]+)</a>',
                      listed)


def _add(browser, item: str, note: str = ""):
    return browser.submit(GROUP, {"item": item, "note": note}, post_url=f"{GROUP}/leerpad")


def test_the_group_quadrant_counts_what_the_reader_may_see(browser, member):
    assert quadrant_counts(browser.get(GROUP).get_data(as_text=True)) == {
        "Rechtmatige overheid": "0 casussen · 0 reflecties",
        "Presterende overheid": "0 casussen · 0 reflecties",
        "Netwerkende overheid": "1 casus · 0 reflecties",
        "Responsieve overheid": "0 casussen · 0 reflecties",
    }
    assert quadrant_counts(member.get(GROUP).get_data(as_text=True)) == {
        "Rechtmatige overheid": "1 casus · 0 reflecties",
        "Presterende overheid": "1 casus · 1 reflectie",
        "Netwerkende overheid": "1 casus · 1 reflectie",
        "Responsieve overheid": "1 casus · 0 reflecties",
    }


def test_the_balance_names_the_roles_the_group_hardly_touches(browser, member):
    outside = browser.get(GROUP).get_data(as_text=True)
    note = outside[outside.index('class="balance-note"'):]
    note = note[:note.index("</p>")]
    assert "Rechtmatige overheid (0)" in note and "Netwerkende" not in note
    assert 'class="balance-note"' not in member.get(GROUP).get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">Netwerkende overheid</th><td>1</td><td>33%</td>",
                     member.get(GROUP).get_data(as_text=True))


def test_a_square_narrows_the_page_to_its_role(member):
    html = member.get(f"{GROUP}?rol=presterend").get_data(as_text=True)
    cases = html[html.index('id="casussen"'):]
    assert "Interne dijkcasus" in cases and "Waterschappen en regenwater" not in cases
    assert "alleen Presterende overheid" in cases
    assert member.get(f"{GROUP}?rol=bestaat-niet").status_code == 404
    assert 'href="/leergroepen/water?rol=netwerkend#casussen"' in html


def test_newest_activity_comes_first(app, member):
    html = member.get(GROUP).get_data(as_text=True)
    activity = html[html.index('id="activity-heading"'):]
    titles = re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a>', activity[:activity.index("</ul>")])
    with app.app_context():
        water = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
        items = [*db.session.scalars(select(Case).where(Case.groups.contains(water))),
                 *db.session.scalars(select(Reflection).where(Reflection.group == water))]
        newest = [item.title for item in sorted(items, key=lambda i: i.published_at,
                                                reverse=True)]
    assert titles == newest and len(titles) == 4


def test_members_build_and_order_the_reading_list(app, member):
    ids = _ids(app)
    for item in ("waterschappen-en-regenwater", "interne-dijkcasus", "leergroep-water-groep"):
        assert _add(member, ids[item], "Goed om mee te beginnen").status_code == 303
    titles = _reading_list(member.get(GROUP).get_data(as_text=True))
    assert titles[0] == "Waterschappen en regenwater in de wijk" and len(titles) == 3
    with app.app_context():
        last = db.session.scalars(select(ReadingListEntry).order_by(
            ReadingListEntry.position.desc())).first().id
    member.submit(GROUP, {}, post_url=f"{GROUP}/leerpad/{last}/omhoog")
    back = member.submit(GROUP, {}, post_url=f"{GROUP}/leerpad/{last}/omhoog")
    assert back.headers["Location"].endswith(f"#leerpad-{last}")  # keyboard users stay put
    moved = _reading_list(member.get(GROUP).get_data(as_text=True))
    assert moved[0] == titles[2] and moved[1:] == titles[:2]
    member.submit(GROUP, {}, post_url=f"{GROUP}/leerpad/{last}/verwijderen")
    assert _reading_list(member.get(GROUP).get_data(as_text=True)) == titles[:2]
    again = _add(member, ids["interne-dijkcasus"])
    assert "Dit staat al in het leerpad." in member.get(again.headers["Location"]).get_data(
        as_text=True)


def test_readers_see_only_entries_they_may_read(app, member, browser):
    ids = _ids(app)
    _add(member, ids["groepscasus-water"])
    _add(member, ids["waterschappen-en-regenwater"])
    assert _reading_list(browser.get(GROUP).get_data(as_text=True)) == [
        "Waterschappen en regenwater in de wijk"]
    assert "Groepscasus" not in browser.get(GROUP).get_data(as_text=True)


def test_only_members_and_editors_keep_the_list(app, member, outsider, editor):
    ids = _ids(app)
    assert _add(outsider, ids["waterschappen-en-regenwater"]).status_code == 404
    assert 'action="/leergroepen/water/leerpad"' not in outsider.get(GROUP).get_data(
        as_text=True)
    assert _add(editor, ids["waterschappen-en-regenwater"]).status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(ReadingListEntry))
        assert entry.group_id == db.session.scalar(
            select(LearningGroup.id).where(LearningGroup.slug == "water"))
    assert outsider.submit(GROUP, {}, post_url=f"{GROUP}/leerpad/{entry.id}/verwijderen"
                           ).status_code == 404


def test_an_item_the_curator_may_not_read_cannot_be_added(app, users, editor):
    with app.app_context():
        db.session.add(Case(slug="prive", title="Privé", visibility="private",
                            status="published", owner_id=users["member"]))
        db.session.commit()
        private = db.session.scalar(select(Case.id).where(Case.slug == "prive"))
    refused = _add(editor, f"case:{private}")
    assert "Kies een gepubliceerde casus" in editor.get(refused.headers["Location"]).get_data(
        as_text=True)
    assert _add(editor, "case:abc").status_code == 303  # nonsense: a message, not a 500


def test_private_items_and_items_of_other_groups_stay_off_the_list(app, users, member):
    ids = _ids(app)
    with app.app_context():
        db.session.add(Case(slug="eigen", title="Eigen aantekening", visibility="private",
                            status="published", owner_id=users["member"],
                            groups=[db.session.scalar(select(LearningGroup).where(
                                LearningGroup.slug == "water"))]))
        db.session.commit()
        own = db.session.scalar(select(Case.id).where(Case.slug == "eigen"))
    for item in (f"case:{own}", ids["geluidsmaatregelen-hsl-zuid"]):  # private; not Water's
        refused = _add(member, item)
        assert "Kies een gepubliceerde casus" in member.get(
            refused.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReadingListEntry)) is None
