"""Signing in and out, where a sign-in may send you, the limit on failed attempts, the
session cookie, and changing your own password."""
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from app.config import settings_from_environment
from app.extensions import db
from app.models import AuditEntry, User
from app.services.people.accounts import authenticate, create_user
from app.services.validation import ValidationFailed
from app.web.forms import safe_next
from tests.support import PASSWORD, Browser, app_from, close_app, csrf_token, signed_in


def test_signing_in_greets_the_user_and_shows_sign_out(browser, users):
    response = browser.submit("/inloggen", {"email": "LID@example.nl ", "password": PASSWORD})
    assert response.status_code == 303
    html = browser.get("/").get_data(as_text=True)
    assert "U bent ingelogd als Lid Water." in html and "Uitloggen" in html


@pytest.mark.parametrize("email, password", [
    ("lid@example.nl", "wrong password"),
    ("niemand@example.nl", PASSWORD),
    ("", ""),
])
def test_a_failed_sign_in_says_so_without_saying_which_part(browser, users, email, password):
    response = browser.submit("/inloggen", {"email": email, "password": password})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Het e-mailadres of het wachtwoord klopt niet." in html
    assert "Er is 1 fout gevonden" in html


def test_after_signing_in_you_return_where_you_were(browser, users):
    response = browser.submit("/inloggen?next=/casussen/nieuw",
                              {"email": "lid@example.nl", "password": PASSWORD,
                               "next": "/casussen/nieuw"})
    assert response.headers["Location"] == "/casussen/nieuw"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil",
                                    "javascript:alert(1)", "casussen", ""])
def test_sign_in_never_sends_you_to_another_site(target):
    assert safe_next(target, "/") == "/"


def test_signing_out_needs_a_post_with_a_token(member):
    assert member.get("/uitloggen").status_code == 405
    assert member.client.post("/uitloggen").status_code == 400
    token = csrf_token(member.client, "/")
    assert member.client.post("/uitloggen", data={"csrf_token": token}).status_code == 303
    assert "Inloggen" in member.get("/").get_data(as_text=True)


def test_a_deactivated_account_cannot_sign_in(app, users):
    with app.app_context():
        db.session.get(User, users["member"]).active = False
        db.session.commit()
        assert authenticate("lid@example.nl", PASSWORD) is None


def test_passwords_are_stored_hashed(ctx, users):
    stored = db.session.get(User, users["member"]).password_hash
    assert PASSWORD not in stored and stored.startswith("pbkdf2:")


@pytest.mark.parametrize("email, name, password, role, field", [
    ("geen-adres", "Naam", PASSWORD, "participant", "email"),
    ("lid@example.nl", "Naam", PASSWORD, "participant", "email"),        # taken
    ("nieuw@example.nl", "", PASSWORD, "participant", "name"),
    ("nieuw@example.nl", "Naam", "kort", "participant", "password"),
    ("nieuw@example.nl", "Naam", PASSWORD, "koning", "site_role"),
])
def test_accounts_are_checked(ctx, users, email, name, password, role, field):
    with pytest.raises(ValidationFailed) as failure:
        create_user(email, name, password, role)
    assert field in failure.value.errors


# --- the limit on failed sign-ins -----------------------------------------------------------

def attempt(browser, password="wrong password", **kwargs):
    return browser.submit("/inloggen", {"email": "lid@example.nl", "password": password},
                          **kwargs)


@pytest.fixture
def limited(app, users):
    """Three failed attempts allowed: the limit is read from the config at each request."""
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per 15 minutes"
    return app


def test_after_too_many_failures_the_sign_in_page_says_wait(limited, browser):
    assert [attempt(browser).status_code for _ in range(3)] == [401, 401, 401]
    response = attempt(browser, PASSWORD)          # even the right password now
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Te veel pogingen" in html and "Wacht 15 minuten en probeer het dan opnieuw." in html
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert browser.get("/inloggen").status_code == 200   # only posting is limited


def test_a_successful_sign_in_does_not_count(limited, browser):
    assert [attempt(browser).status_code for _ in range(2)] == [401, 401]
    assert attempt(browser, PASSWORD).status_code == 303
    assert attempt(browser).status_code == 401
    assert attempt(browser).status_code == 429


def test_the_limit_is_per_client_address(limited, browser):
    for _ in range(3):
        attempt(browser)
    assert attempt(browser).status_code == 429
    other = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}}
    assert attempt(browser, **other).status_code == 401


def test_the_limit_can_be_switched_off(tmp_path, empty_library):
    app = app_from(empty_library, tmp_path, RATELIMIT_ENABLED=False)
    try:
        with app.app_context():
            create_user("lid@example.nl", "Lid", PASSWORD)
        browser = Browser(app.test_client())
        assert {attempt(browser).status_code for _ in range(12)} == {401}
    finally:
        close_app(app)


def test_the_default_limit_is_ten_failures(app, users, browser):
    assert app.config["SIGN_IN_RATE_LIMIT"] == "10 per 15 minutes"
    assert {attempt(browser).status_code for _ in range(10)} == {401}
    assert attempt(browser).status_code == 429


# --- the audit log --------------------------------------------------------------------------

def sign_in_log(app) -> list[tuple]:
    with app.app_context():
        return [(e.action, e.actor_id, e.actor_email) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(
                ["sign_in", "sign_in_failed", "sign_out"])).order_by(AuditEntry.id))]


def test_signing_in_and_out_is_logged(app, users, browser):
    browser.submit("/inloggen", {"email": " Niemand@Example.nl", "password": PASSWORD})
    browser.sign_in("lid@example.nl")
    browser.client.post("/uitloggen", data={"csrf_token": csrf_token(browser.client, "/")})
    assert sign_in_log(app) == [
        ("sign_in_failed", None, "niemand@example.nl"),
        ("sign_in", users["member"], "lid@example.nl"),
        ("sign_out", users["member"], "lid@example.nl"),
    ]


# --- the session cookie ---------------------------------------------------------------------

def session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_the_session_cookie_is_secure_over_https(app, users, browser):
    response = browser.submit("/inloggen", {"email": "lid@example.nl", "password": PASSWORD},
                              base_url="https://localhost")
    cookie = session_cookie(response)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_not_secure_over_plain_http(app, users, browser):
    assert "Secure" not in session_cookie(attempt(browser, PASSWORD))


def test_the_session_cookie_can_be_secure_always(app, users, browser):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "; Secure" in session_cookie(attempt(browser, PASSWORD))


@pytest.mark.parametrize("proxies, secure", [(1, True), (0, False)])
def test_behind_a_trusted_proxy_its_scheme_counts(tmp_path, empty_library, proxies, secure):
    app = app_from(empty_library, tmp_path, TRUSTED_PROXIES=proxies)
    try:
        with app.app_context():
            create_user("lid@example.nl", "Lid", PASSWORD)
        response = attempt(Browser(app.test_client()), PASSWORD,
                           headers={"X-Forwarded-Proto": "https"})
        assert ("; Secure" in session_cookie(response)) is secure
    finally:
        close_app(app)


@pytest.mark.parametrize("proxies, last_status", [(1, 401), (0, 429)])
def test_behind_a_trusted_proxy_its_client_address_counts(tmp_path, empty_library, proxies,
                                                         last_status):
    app = app_from(empty_library, tmp_path, TRUSTED_PROXIES=proxies,
                   SIGN_IN_RATE_LIMIT="2 per hour")
    try:
        browser = Browser(app.test_client())
        statuses = [attempt(browser, headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
                    for n in range(3)]
        assert statuses == [401, 401, last_status]
    finally:
        close_app(app)


def test_a_session_lasts_the_configured_hours(app, users, browser):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=2)
    cookie = session_cookie(attempt(browser, PASSWORD))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    expected = datetime.now(timezone.utc) + timedelta(hours=2)
    assert abs((expires - expected).total_seconds()) < 60


def test_the_session_lifetime_comes_from_the_environment(tmp_path):
    assert settings_from_environment({}, str(tmp_path))["PERMANENT_SESSION_LIFETIME"] == (
        timedelta(hours=8))
    settings = settings_from_environment({"SESSION_LIFETIME_HOURS": "1.5"}, str(tmp_path))
    assert settings["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=90)


def test_an_expired_session_is_signed_out(app, users, browser):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    attempt(browser, PASSWORD)
    assert "Uitloggen" in browser.get("/").get_data(as_text=True)
    time.sleep(2.1)
    assert "Uitloggen" not in browser.get("/").get_data(as_text=True)


def test_signing_in_starts_a_new_session(app, users, browser):
    form_token = csrf_token(browser.client, "/inloggen")
    with browser.client.session_transaction() as session:
        token_before = session["csrf_token"]
        session["planted"] = "by someone else"
        session["_flashes"] = [("info", "Een bericht van eerder.")]
    browser.client.post("/inloggen", data={"email": "lid@example.nl", "password": PASSWORD,
                                           "csrf_token": form_token})
    with browser.client.session_transaction() as session:
        assert "planted" not in session and "csrf_token" not in session
        assert session.permanent
    html = browser.get("/").get_data(as_text=True)
    assert "Een bericht van eerder." in html and "U bent ingelogd als Lid Water." in html
    with browser.client.session_transaction() as session:
        assert session["csrf_token"] != token_before


def test_signing_out_clears_the_session(member):
    with member.client.session_transaction() as session:
        session["left_behind"] = "something"
    member.client.post("/uitloggen", data={"csrf_token": csrf_token(member.client, "/")})
    with member.client.session_transaction() as session:
        assert "left_behind" not in session


# --- changing your own password -------------------------------------------------------------

NEW_PASSWORD = "a brand new passphrase"


def test_changing_your_password_needs_signing_in(browser):
    response = browser.get("/account/wachtwoord")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen?next=")


def test_the_header_links_to_the_account_page_and_that_to_the_password_page(member):
    assert 'href="/account/"' in member.get("/").get_data(as_text=True)
    assert 'href="/account/wachtwoord"' in member.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize("current, new, repeat, message", [
    ("wrong password", NEW_PASSWORD, NEW_PASSWORD, "Het huidige wachtwoord klopt niet."),
    (PASSWORD, "kort", "kort",
     "‘Nieuw wachtwoord’ is te kort: gebruik minstens 10 tekens."),
    (PASSWORD, NEW_PASSWORD, "iets anders",
     "U typte twee verschillende nieuwe wachtwoorden."),
])
def test_changing_your_password_explains_what_is_wrong(app, member, current, new, repeat,
                                                       message):
    response = member.submit("/account/wachtwoord", {
        "current_password": current, "new_password": new, "new_password_repeat": repeat})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Er is 1 fout gevonden" in html and message in html
    with app.app_context():
        assert authenticate("lid@example.nl", PASSWORD) is not None


def test_changing_your_password(app, users, member):
    response = member.submit("/account/wachtwoord", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_repeat": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Uw wachtwoord is gewijzigd." in member.get("/").get_data(as_text=True)
    with app.app_context():
        assert authenticate("lid@example.nl", PASSWORD) is None
        assert authenticate("lid@example.nl", NEW_PASSWORD) is not None
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "password_changed")).all()
        assert entry.actor_id == users["member"]


def test_changing_your_password_ends_your_other_sessions(app, users, member):
    elsewhere = signed_in(app, "lid@example.nl")   # e.g. a computer left signed in
    assert elsewhere.get("/mijn-bijdragen").status_code == 200
    member.submit("/account/wachtwoord", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_repeat": NEW_PASSWORD})
    assert member.get("/mijn-bijdragen").status_code == 200      # this one goes on
    assert elsewhere.get("/mijn-bijdragen").status_code == 302   # back to the sign-in page


def test_guessing_the_current_password_is_limited_like_signing_in(app, users, member):
    app.config["SIGN_IN_RATE_LIMIT"] = "2 per minute"
    wrong = {"current_password": "niet het wachtwoord", "new_password": NEW_PASSWORD,
             "new_password_repeat": NEW_PASSWORD}
    too_short = {"current_password": PASSWORD, "new_password": "kort",
                 "new_password_repeat": "kort"}
    assert member.submit("/account/wachtwoord", too_short).status_code == 422  # not a guess
    assert member.submit("/account/wachtwoord", wrong).status_code == 422
    assert member.submit("/account/wachtwoord", wrong).status_code == 422
    assert member.submit("/account/wachtwoord", wrong).status_code == 429
