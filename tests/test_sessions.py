"""Sessions end on the server too: a copy of the session cookie is worth no more than the
session it was copied from. Signing out ends that one session (not the owner's others),
a password change ends the others, and a session's row is deleted once it is over."""
from datetime import timedelta

from sqlalchemy import delete, event, select

from app.extensions import db
from app.models import SignIn, User, utcnow
from app.services.people import sessions
from app.web.auth import SESSION_TOKEN
from tests.support import Browser, csrf_token, signed_in
from tests.test_faults import long_writer

PRIVATE_PAGE = "/mijn-bijdragen"   # signed in: 200; signed out: 302 to the sign-in page


def copy_of(app, browser: Browser) -> Browser:
    """Another browser holding a copy of `browser`'s session cookie (a shared computer, a
    cookie read from a proxy log)."""
    cookie = browser.client.get_cookie("session")
    other = Browser(app.test_client())
    other.client.set_cookie("session", cookie.value)
    return other


def sign_out(browser: Browser) -> None:
    response = browser.client.post("/uitloggen",
                                   data={"csrf_token": csrf_token(browser.client, "/")})
    assert response.status_code == 303


def test_a_copied_cookie_is_signed_out_with_the_session_it_came_from(app, member):
    copy = copy_of(app, member)
    assert copy.get(PRIVATE_PAGE).status_code == 200   # the copy works while the session does
    sign_out(member)
    assert member.get(PRIVATE_PAGE).status_code == 302
    replayed = copy.get(PRIVATE_PAGE)
    assert replayed.status_code == 302 and "/inloggen" in replayed.headers["Location"]
    assert "Uitloggen" not in copy.get("/").get_data(as_text=True)


def test_signing_out_on_one_computer_leaves_the_others_signed_in(app, users):
    phone = signed_in(app, "lid@example.nl")
    shared_computer = signed_in(app, "lid@example.nl")
    sign_out(shared_computer)
    assert shared_computer.get(PRIVATE_PAGE).status_code == 302
    assert phone.get(PRIVATE_PAGE).status_code == 200


def test_signing_in_again_ends_the_session_it_replaces(app, users, member):
    copy = copy_of(app, member)
    member.sign_in("redactie@example.nl")
    assert copy.get(PRIVATE_PAGE).status_code == 302
    assert member.get("/redactie").status_code == 200


def test_a_session_is_for_the_account_it_was_started_for(app, users, member):
    """Even with the key that signs cookies, one cannot move a session to another account
    or make one up: the token is random and only its hash is stored."""
    with member.client.session_transaction() as session:
        session["_user_id"] = str(users["editor"])
    assert member.get("/redactie").status_code == 302   # signed out, not the editor
    assert member.get(PRIVATE_PAGE).status_code == 302
    forged = Browser(app.test_client())
    with forged.client.session_transaction() as session:
        session.update({"_user_id": str(users["member"]), SESSION_TOKEN: "made-up"})
    assert forged.get(PRIVATE_PAGE).status_code == 302
    with app.app_context():
        assert all(len(row.token_hash) == 64 for row in db.session.scalars(select(SignIn)))


def test_a_session_from_before_server_side_sessions_is_signed_out(app, users):
    """Cookies of the old kind name the account only: they end at the upgrade."""
    old = Browser(app.test_client())
    with old.client.session_transaction() as session:
        session.update({"_user_id": f"{users['member']}.0", "_fresh": True})
    assert old.get(PRIVATE_PAGE).status_code == 302


def _age(app, seconds: float) -> None:
    """Make every session look unused for `seconds`."""
    with app.app_context():
        for row in db.session.scalars(select(SignIn)):
            row.last_seen_at = utcnow() - timedelta(seconds=seconds)
        db.session.commit()


def _rows(app) -> list[SignIn]:
    with app.app_context():
        rows = list(db.session.scalars(select(SignIn)))
        db.session.expunge_all()
        return rows


def test_use_is_noted_at_most_every_few_minutes(app, member):
    [before] = _rows(app)
    member.get("/")
    assert _rows(app)[0].last_seen_at == before.last_seen_at     # no write per request
    _age(app, sessions.TOUCH_EVERY.total_seconds() + 60)
    member.get("/")
    [after] = _rows(app)
    assert utcnow() - after.last_seen_at < timedelta(seconds=30)
    assert member.get(PRIVATE_PAGE).status_code == 200


def test_a_page_does_not_wait_for_another_writer_to_note_its_use(app, member):
    """Noting use is a convenience: with the database busy the page is served at once
    (the busy timeout would have held it 15 s, then failed it) and the note is skipped."""
    _age(app, sessions.TOUCH_EVERY.total_seconds() + 60)
    [before] = _rows(app)
    with long_writer(app, tables="sign_ins"):
        assert member.get(PRIVATE_PAGE).status_code == 200
    assert _rows(app)[0].last_seen_at == before.last_seen_at


def test_a_session_ended_elsewhere_while_its_use_is_noted_is_no_error(app, member,
                                                                     monkeypatch):
    _age(app, sessions.TOUCH_EVERY.total_seconds() + 60)
    touch = sessions._touch

    def signed_out_meanwhile(sign_in_id, now):
        db.session.execute(delete(SignIn).where(SignIn.id == sign_in_id))
        touch(sign_in_id, now)
    monkeypatch.setattr(sessions, "_touch", signed_out_meanwhile)
    assert member.get(PRIVATE_PAGE).status_code == 200   # this request was let in
    monkeypatch.undo()
    assert member.get(PRIVATE_PAGE).status_code == 302   # the next one is not


def test_a_session_unused_for_longer_than_its_lifetime_is_over_and_deleted(app, users, member):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    _age(app, (lifetime + sessions.TOUCH_EVERY).total_seconds() + 60)
    assert member.get(PRIVATE_PAGE).status_code == 302   # even if the cookie were still valid
    signed_in(app, "buiten@example.nl")                  # any sign-in clears out old rows
    assert [row.user_id for row in _rows(app)] == [users["outsider"]]


def test_deleting_an_account_deletes_its_sessions(app, users, member):
    with app.app_context():
        db.session.delete(db.session.get(User, users["member"]))
        db.session.commit()
    assert _rows(app) == []


def test_static_files_cost_no_query_for_a_signed_in_reader(app, member):
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *arguments: statements.append(arguments[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = member.get("/static/css/casusbank.css")
        response.close()   # a file response: its file is open until then
        assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []


def test_the_privacy_page_gives_the_session_lifetime_as_configured(app, browser):
    app.permanent_session_lifetime = timedelta(hours=4)
    html = browser.get("/privacy").get_data(as_text=True)
    assert "na 4 uur zonder gebruik" in html
    assert "Een sessie die u 4 uur niet gebruikte, werkt niet meer." in html
