"""The admin pages under /beheer: accounts and the audit log, for admins only."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from app.services.editorial import audit
from app.services.people.accounts import create_user
from app.web.messages import ACTION_LABELS
from tests.support import PASSWORD, Browser, csrf_token, signed_in

ADMIN_EMAIL = "beheer@example.nl"


@pytest.fixture
def admin_id(app, users):
    with app.app_context():
        return create_user(ADMIN_EMAIL, "Beheerder", PASSWORD, "admin").id


@pytest.fixture
def admin(app, admin_id):
    """A browser signed in as the site's only admin."""
    return signed_in(app, ADMIN_EMAIL)


def get_user(app, email) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.group_slugs = [group.slug for group in user.groups]
        db.session.expunge_all()
        return user


def entries(app, action) -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        db.session.expunge_all()
        return found


def text(response) -> str:
    return response.get_data(as_text=True)


def admin_pages(app, users):
    return ["/beheer/", "/beheer/gebruikers", "/beheer/gebruikers?rol=admin",
            "/beheer/gebruikers/nieuw", f"/beheer/gebruikers/{users['member']}",
            "/beheer/logboek", "/beheer/logboek?vanaf=2026-01-01"]


# --- who may come in ------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "member", "editor"])
def test_everyone_but_admins_gets_404_on_every_admin_page(app, users, admin_id, who):
    browser = Browser(app.test_client())
    if who != "anonymous":
        browser.sign_in({"member": "lid@example.nl", "editor": "redactie@example.nl"}[who])
    for url in admin_pages(app, users):
        response = browser.get(url)
        assert response.status_code == 404, url
        assert "Pagina niet gevonden" in text(response)
    if who != "anonymous":     # with a valid token, a post is refused just the same
        for url in ("/beheer/gebruikers/nieuw", f"/beheer/gebruikers/{users['member']}"):
            response = browser.submit("/", {"name": "X", "site_role": "admin"}, post_url=url)
            assert response.status_code == 404, url
        assert get_user(app, "lid@example.nl").site_role == "participant"


def test_a_deactivated_admin_gets_404_too(app, admin):
    with app.app_context():
        create_user("tweede@example.nl", "Tweede", PASSWORD, "admin")
        db.session.scalar(select(User).where(User.email == ADMIN_EMAIL)).active = False
        db.session.commit()
    assert admin.get("/beheer/gebruikers").status_code == 404


def test_admins_see_every_admin_page(admin, users):
    for url in admin_pages(admin.client.application, users):
        response = admin.get(url, follow_redirects=True)
        assert response.status_code == 200, url


def test_only_admins_see_the_admin_link(admin, editor):
    assert 'href="/beheer/gebruikers"' in text(admin.get("/"))
    assert 'href="/beheer/gebruikers"' not in text(editor.get("/"))
    assert "Mijn account" in text(editor.get("/"))


# --- accounts -------------------------------------------------------------------------------

def listed_names(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/beheer/gebruikers/\d+">([^<]+)</a>',
                      text(response))


def test_the_list_shows_every_account(admin):
    html = text(admin.get("/beheer/gebruikers"))
    assert sorted(listed_names(admin.get("/beheer/gebruikers"))) == [
        "Beheerder", "Buitenstaander", "Lid Water", "Redactie"]
    assert "4 accounts gevonden" in html and "Deelnemer" in html and "Leergroep Water" in html
    assert "Nog nooit" in html       # the outsider never signed in


@pytest.mark.parametrize("query, names", [
    ("rol=editor", ["Redactie"]),
    ("rol=admin", ["Beheerder"]),
    ("zoek=water", ["Lid Water"]),
    ("zoek=BUITEN%40example", ["Buitenstaander"]),
    ("rol=participant&zoek=redactie", []),
])
def test_the_list_filters_by_role_and_searches(admin, query, names):
    assert listed_names(admin.get(f"/beheer/gebruikers?{query}")) == names


def test_an_unknown_role_filter_is_a_broken_link(admin):
    assert admin.get("/beheer/gebruikers?rol=koning").status_code == 404


def test_creating_an_account(app, admin, admin_id):
    response = admin.submit("/beheer/gebruikers/nieuw", {
        "email": "Nieuw@Example.nl", "name": "Nieuwe Redacteur", "site_role": "editor",
        "groups": ["water"], "password": PASSWORD})
    assert response.status_code == 303
    user = get_user(app, "nieuw@example.nl")
    assert response.headers["Location"] == f"/beheer/gebruikers/{user.id}"
    assert (user.name, user.site_role, user.group_slugs) == ("Nieuwe Redacteur", "editor",
                                                             ["water"])
    assert "Het account voor nieuw@example.nl is aangemaakt." in text(admin.get("/"))
    [entry] = [e for e in entries(app, "user_created") if e.target == f"user:{user.id}"]
    assert (entry.actor_id, entry.actor_email) == (admin_id, ADMIN_EMAIL)


def test_creating_an_account_explains_what_is_wrong(app, admin):
    response = admin.submit("/beheer/gebruikers/nieuw", {
        "email": "geen-adres", "name": "Iemand", "site_role": "editor", "password": "kort"})
    html = text(response)
    assert response.status_code == 422
    assert "Er zijn 2 fouten gevonden" in html
    assert "Vul een geldig e-mailadres in" in html
    assert "‘Wachtwoord’ is te kort: gebruik minstens 10 tekens." in html
    assert 'value="Iemand"' in html            # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name == "Iemand")) is None


def test_changing_an_account(app, admin, admin_id, users):
    url = f"/beheer/gebruikers/{users['outsider']}"
    response = admin.submit(url, {"name": "Buiten Staander", "site_role": "editor",
                                  "active": "1", "groups": ["water"]})
    assert response.status_code == 303 and response.headers["Location"] == url
    user = get_user(app, "buiten@example.nl")
    assert (user.name, user.site_role, user.active, user.group_slugs) == (
        "Buiten Staander", "editor", True, ["water"])
    assert "De wijzigingen zijn opgeslagen." in text(admin.get(url))
    for action in ("user_changed", "role_changed", "membership_changed"):
        [entry] = entries(app, action)
        assert (entry.actor_id, entry.target) == (admin_id, f"user:{users['outsider']}")


def test_the_form_shows_the_account_as_it_is(admin, users):
    html = text(admin.get(f"/beheer/gebruikers/{users['member']}"))
    assert 'value="Lid Water"' in html
    assert '<option value="participant" selected>' in html
    assert re.search(r'name="active" value="1" checked', html)
    assert re.search(r'name="groups" value="water" checked', html)


def test_unticking_active_deactivates_and_ends_the_session(app, admin, users, member):
    response = admin.submit(f"/beheer/gebruikers/{users['member']}", {
        "name": "Lid Water", "site_role": "participant", "groups": ["water"]})
    assert response.status_code == 303
    assert get_user(app, "lid@example.nl").active is False
    [entry] = entries(app, "user_deactivated")
    assert entry.actor_email == ADMIN_EMAIL
    assert "Inloggen" in text(member.get("/"))      # signed out at the next request


def test_the_last_admin_cannot_demote_or_deactivate_themselves(app, admin, admin_id):
    url = f"/beheer/gebruikers/{admin_id}"
    for data in ({"name": "Beheerder", "site_role": "editor", "active": "1"},
                 {"name": "Beheerder", "site_role": "admin"}):
        response = admin.submit(url, data)
        assert response.status_code == 422
        assert "Dit is de laatste actieve beheerder." in text(response)
    user = get_user(app, ADMIN_EMAIL)
    assert (user.site_role, user.active) == ("admin", True)
    assert entries(app, "role_changed") == [] and entries(app, "user_deactivated") == []


def test_an_admin_who_steps_down_leaves_the_admin_pages(app, admin, admin_id):
    with app.app_context():
        create_user("tweede@example.nl", "Tweede", PASSWORD, "admin")
    response = admin.submit(f"/beheer/gebruikers/{admin_id}",
                            {"name": "Beheerder", "site_role": "editor", "active": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert admin.get("/beheer/gebruikers").status_code == 404


def test_an_unknown_account_is_404(admin):
    assert admin.get("/beheer/gebruikers/999").status_code == 404


# --- the audit log --------------------------------------------------------------------------

def add_entry(app, action, target="", actor_email="", day=None):
    with app.app_context():
        entry = AuditEntry(action=action, target=target, target_label=target,
                           actor_email=actor_email)
        if day:
            entry.created_at = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
        db.session.add(entry)
        db.session.commit()


def logged_actions(response) -> list[str]:
    rows = re.findall(r"<tr>\s*<td>[^<]*</td>\s*<td>([^<]+)</td>", text(response))
    return rows


def test_every_action_has_a_dutch_label():
    assert set(audit.ACTIONS) <= set(ACTION_LABELS)


def test_the_log_shows_entries_newest_first_in_dutch(app, admin):
    add_entry(app, "published", "case:12", "redactie@example.nl")
    add_entry(app, "sent_back", "case:13", "redactie@example.nl")
    response = admin.get("/beheer/logboek")
    assert response.status_code == 200
    shown = logged_actions(response)
    assert shown[:3] == ["Teruggestuurd", "Gepubliceerd", "Ingelogd"]
    assert "case:13" in text(response)


@pytest.mark.parametrize("query, expected", [
    ("actie=published", ["Gepubliceerd", "Gepubliceerd"]),
    ("door=REDACTIE", ["Gearchiveerd", "Gepubliceerd"]),
    ("onderwerp=case:12", ["Gepubliceerd"]),
    ("onderwerp=case", ["Gepubliceerd", "Gearchiveerd", "Gepubliceerd"]),
    ("vanaf=2016-02-02&actie=published", ["Gepubliceerd"]),
    ("vanaf=2016-03-01&tot=2016-03-31", ["Gepubliceerd"]),
    ("tot=2016-02-01", ["Gearchiveerd", "Gepubliceerd"]),
    ("vanaf=2016-01-15&tot=2016-02-01", ["Gearchiveerd"]),
    ("actie=archived&door=iemand", []),
])
def test_the_log_filters(app, admin, query, expected):
    add_entry(app, "published", "case:12", "redactie@example.nl", "2016-01-10T09:00")
    add_entry(app, "archived", "case:13", "redactie@example.nl", "2016-02-01T23:59")
    add_entry(app, "published", "case:14", "beheer@example.nl", "2016-03-05T08:00")
    response = admin.get(f"/beheer/logboek?{query}")
    assert response.status_code == 200
    assert logged_actions(response) == expected


@pytest.mark.parametrize("query, message", [
    ("vanaf=gisteren", "Vul bij ‘Vanaf’ een datum in als jaar-maand-dag, bijvoorbeeld"),
    ("tot=2026-02-30", "Vul bij ‘Tot en met’ een datum in als jaar-maand-dag"),
    ("tot=9999-12-31", "Vul bij ‘Tot en met’ een datum in als jaar-maand-dag"),
    ("vanaf=20260101", "Vul bij ‘Vanaf’ een datum in als jaar-maand-dag"),
    ("vanaf=2026-03-01&tot=2026-02-01", "De einddatum ligt vóór de begindatum."),
    ("actie=hacked", "Kies bij ‘Actie’ een mogelijkheid uit de lijst."),
])
def test_a_filter_that_cannot_be_read_says_so_in_dutch(app, admin, query, message):
    response = admin.get(f"/beheer/logboek?{query}")
    assert response.status_code == 422
    html = text(response)
    assert message in html and "error-summary" in html
    assert "<table" not in html


def test_the_log_is_paginated(app, admin):
    for number in range(audit.PAGE_SIZE + 5):
        add_entry(app, "featured", f"case:{number}")
    first = admin.get("/beheer/logboek?actie=featured")
    assert len(logged_actions(first)) == audit.PAGE_SIZE and 'rel="next"' in text(first)
    second = admin.get("/beheer/logboek?actie=featured&page=2")
    assert len(logged_actions(second)) == 5 and "case:0" in text(second)


def test_the_log_cannot_be_changed_from_the_site(app, admin):
    html = text(admin.get("/beheer/logboek"))
    assert 'method="post"' not in html.split("<main", 1)[1].split("</main>")[0]
    token = csrf_token(admin.client, "/")
    for method in ("post", "put", "delete", "patch"):
        response = getattr(admin.client, method)("/beheer/logboek",
                                                 data={"csrf_token": token})
        assert response.status_code == 405, method
    log_rules = [rule for rule in app.url_map.iter_rules()
                 if rule.rule.startswith("/beheer/logboek")]
    assert [sorted(rule.methods - {"HEAD", "OPTIONS"}) for rule in log_rules] == [["GET"]]


def test_admin_changes_show_up_in_the_log(app, admin, users):
    admin.submit(f"/beheer/gebruikers/{users['outsider']}",
                 {"name": "Buitenstaander", "site_role": "editor", "active": "1"})
    response = admin.get(f"/beheer/logboek?onderwerp=user:{users['outsider']}")
    html = text(response)
    assert logged_actions(response)[0] == "Rol gewijzigd"
    assert "participant → editor" in html and ADMIN_EMAIL in html
