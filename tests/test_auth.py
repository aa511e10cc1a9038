"""Signing in and out, and where a sign-in may send you."""
import pytest

from app.extensions import db
from app.models import User
from app.services.accounts import authenticate, create_user
from app.services.validation import ValidationFailed
from app.web.forms import safe_next
from tests.conftest import PASSWORD, csrf_token


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
