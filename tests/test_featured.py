"""Featured cases: editors put published cases on the front page, and every reader sees
only the featured cases they may read."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Case, User
from app.services.editorial import featured

HSL = "geluidsmaatregelen-hsl-zuid"          # public
DIKE = "interne-dijkcasus"                   # internal
GROUP = "groepscasus-water"                  # members of Leergroep Water
RAIN = "waterschappen-en-regenwater"         # public


def press(browser, slug: str, action: str = "uitlichten", token_page: str | None = None):
    """Press the button on the case page (or post with a token from `token_page`)."""
    return browser.submit(token_page or f"/casussen/{slug}", {},
                          post_url=f"/casussen/{slug}/{action}")


def featured_section(html: str) -> str:
    if "Uitgelicht</h2>" not in html:
        return ""
    return html[html.index("Uitgelicht</h2>"):html.index("Nieuwste casussen")]


def change(app, slug: str, **values) -> None:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == slug))
        for name, value in values.items():
            setattr(case, name, value)
        db.session.commit()


def featured_at(app, slug: str):
    with app.app_context():
        return db.session.scalar(select(Case.featured_at).where(Case.slug == slug))


def audit(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(entry.action, entry.target_label) for entry in
                db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if entry.action in ("featured", "unfeatured")]


def test_the_front_page_has_no_featured_section_when_nothing_is_featured(browser):
    html = browser.get("/").get_data(as_text=True)
    assert featured_section(html) == "" and "Nieuwste casussen" in html


def test_readers_see_only_the_featured_cases_they_may_read(app, editor, browser, member):
    for slug in (HSL, DIKE, GROUP):
        assert press(editor, slug).status_code == 303
    public = featured_section(browser.get("/").get_data(as_text=True))
    assert "Geluidsmaatregelen HSL-Zuid Lansingerland" in public
    assert "Interne dijkcasus" not in public and "Groepscasus" not in public
    assert "Omwonenden hadden last van geluidsoverlast" in public            # the summary
    assert "role-badge--responsief" in public                               # the roles
    signed_in = featured_section(member.get("/").get_data(as_text=True))
    for title in ("Geluidsmaatregelen", "Interne dijkcasus", "Groepscasus van de leergroep"):
        assert title in signed_in
    # Most recently featured first.
    assert signed_in.index("Groepscasus") < signed_in.index("Interne") < signed_in.index(
        "Geluidsmaatregelen")


def test_featuring_and_unfeaturing_from_the_case_page(app, editor):
    page = editor.get(f"/casussen/{HSL}").get_data(as_text=True)
    assert f'action="/casussen/{HSL}/uitlichten"' in page
    response = press(editor, HSL)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/casussen/{HSL}")
    page = editor.get(f"/casussen/{HSL}").get_data(as_text=True)
    assert "De casus staat nu op de voorpagina, bij ‘Uitgelicht’." in page
    assert f'action="/casussen/{HSL}/niet-uitlichten"' in page and "Niet meer uitlichten" in page
    assert featured_at(app, HSL) is not None
    assert press(editor, HSL, "niet-uitlichten").status_code == 303
    assert featured_at(app, HSL) is None
    assert "De casus staat niet meer op de voorpagina." in editor.get(
        f"/casussen/{HSL}").get_data(as_text=True)
    assert audit(app) == [("featured", "Geluidsmaatregelen HSL-Zuid Lansingerland"),
                          ("unfeatured", "Geluidsmaatregelen HSL-Zuid Lansingerland")]


def test_featuring_twice_changes_nothing(app, editor):
    press(editor, HSL)
    first = featured_at(app, HSL)
    press(editor, HSL)
    assert featured_at(app, HSL) == first and len(audit(app)) == 1


def test_only_editors_see_the_button(app, editor, member):
    press(editor, HSL)
    for slug in (HSL, RAIN):
        page = member.get(f"/casussen/{slug}").get_data(as_text=True)
        assert "uitlichten" not in page


@pytest.mark.parametrize("action", ["uitlichten", "niet-uitlichten"])
def test_everyone_but_editors_gets_404(app, users, browser, member, outsider, action):
    for visitor, token_page in ((browser, "/inloggen"), (member, "/"), (outsider, "/")):
        response = press(visitor, HSL, action, token_page=token_page)
        assert response.status_code == 404
    assert featured_at(app, HSL) is None and audit(app) == []


def test_the_buttons_need_a_csrf_token_and_a_post(app, editor):
    assert editor.client.post(f"/casussen/{HSL}/uitlichten").status_code == 400
    assert editor.get(f"/casussen/{HSL}/uitlichten").status_code == 405
    assert featured_at(app, HSL) is None


def test_an_unknown_case_is_404(editor):
    assert press(editor, "bestaat-niet", token_page="/").status_code == 404


def test_featuring_a_draft_is_refused(app, editor):
    change(app, HSL, status="draft")
    page = editor.get(f"/casussen/{HSL}").get_data(as_text=True)
    assert "uitlichten" not in page            # no button for what cannot be featured
    response = press(editor, HSL, token_page="/")
    assert response.status_code == 303
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "U kunt alleen een gepubliceerde casus uitlichten." in page
    assert featured_at(app, HSL) is None and audit(app) == []


def test_featuring_a_private_case_is_refused(app, users, editor):
    change(app, HSL, visibility="private", owner_id=users["editor"])   # the editor's own
    response = press(editor, HSL, token_page="/")
    assert response.status_code == 303
    assert "Zo’n casus kunt u niet uitlichten." in editor.get(
        f"/casussen/{HSL}").get_data(as_text=True)
    change(app, HSL, owner_id=users["member"])                          # someone else's
    assert press(editor, HSL, token_page="/").status_code == 404
    assert featured_at(app, HSL) is None


def test_an_archived_featured_case_leaves_the_front_page(app, editor, browser):
    press(editor, HSL)
    change(app, HSL, status="archived")
    assert featured_section(browser.get("/").get_data(as_text=True)) == ""
    # It can still be taken off, so it does not return by surprise when republished.
    assert press(editor, HSL, "niet-uitlichten", token_page="/").status_code == 303
    assert featured_at(app, HSL) is None


def test_featured_cases_are_limited_newest_first(ctx, users):
    editor = db.session.get(User, users["editor"])
    cases = {case.slug: case for case in db.session.scalars(select(Case))}
    for slug in (RAIN, HSL, DIKE):
        featured.feature(editor, cases[slug])
    assert [case.slug for case in featured.featured_cases(editor, limit=2)] == [DIKE, HSL]
    assert [case.slug for case in featured.featured_cases(None)] == [HSL, RAIN]


def test_the_service_refuses_non_editors(ctx, users):
    member = db.session.get(User, users["member"])
    case = db.session.scalar(select(Case).where(Case.slug == HSL))
    with pytest.raises(PermissionError):
        featured.feature(member, case)
    with pytest.raises(PermissionError):
        featured.unfeature(member, case)
    assert featured.button_for(member, case) is None
