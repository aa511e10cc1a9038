"""Cases: the list and its filters, the page, and the form with its checks."""
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, ChangeLog, User
from app.services.contributing import cases
from app.services.contributing.cases import CaseInput, check_case, submit_case
from app.services.validation import ValidationFailed
from tests.support import csrf_token, publish_at, sync_index

VALID = {
    "title": "Wateroverlast in de binnenstad",
    "summary": "Bewoners en ondernemers zochten samen met de gemeente naar oplossingen.",
    "body": "## Aanleiding\n\nNa de **hoosbui** stonden de kelders vol.",
    "roles": ["netwerkend", "responsief"],
    "dominant_role": "netwerkend",
    "policy_domain": "water",
    "organisation": "Ministerie van IenW",
    "stakeholder_types": ["bewoners", "waterschap"],
    "learning_groups": ["water"],
    "subthemes": ["ons-water"],
    "year_start": "2020",
    "year_end": "2022",
    "dilemma": "Snelheid tegenover zorgvuldigheid.",
    "visibility": "public",
}


def slug_pattern(title_slug: str) -> re.Pattern:
    """What a case written on the site gets: its title as a slug plus a random tail."""
    return re.compile(rf"{re.escape(title_slug)}-[bcdfghjkmnpqrstvwxz2-9]{{4}}")


def count_cases():
    return db.session.scalar(select(func.count()).select_from(Case))


# -- checks (service) ---------------------------------------------------------------------

@pytest.mark.parametrize("changes, field, code", [
    ({"title": ""}, "title", "required"),
    ({"title": "   "}, "title", "required"),
    ({"title": "x" * 201}, "title", "too_long"),
    ({"summary": ""}, "summary", "required"),
    ({"summary": "x" * 501}, "summary", "too_long"),
    ({"body": ""}, "body", "required"),
    ({"body": "x" * 100_001}, "body", "too_long"),
    ({"roles": []}, "roles", "too_few"),
    ({"roles": ["koninklijk"]}, "roles", "unknown"),
    ({"dominant_role": "presterend"}, "dominant_role", "not_among"),
    ({"policy_domain": ""}, "policy_domain", "required"),
    ({"policy_domain": "ruimtevaart"}, "policy_domain", "unknown"),
    ({"stakeholder_types": ["aliens"]}, "stakeholder_types", "unknown"),
    ({"learning_groups": ["schaken"]}, "learning_groups", "unknown"),
    ({"subthemes": ["watercoalitie"], "learning_groups": []}, "subthemes", "not_among"),
    ({"year_start": "zeventien"}, "year_start", "invalid_year"),
    ({"year_start": "1850"}, "year_start", "invalid_year"),
    ({"year_end": "2019"}, "year_end", "before_start"),
    ({"visibility": "geheim"}, "visibility", "unknown"),
    ({"visibility": "group", "learning_groups": []}, "learning_groups",
     "required_for_group_visibility"),
    ({"title": "Nul\x00byte"}, "title", "control_characters"),
])
def test_invalid_input_is_refused_with_the_field_and_reason(ctx, changes, field, code):
    with pytest.raises(ValidationFailed) as failure:
        check_case(CaseInput(**{**VALID, **changes}), author=None)
    assert failure.value.errors[field].code == code


def test_every_problem_is_reported_at_once(ctx):
    with pytest.raises(ValidationFailed) as failure:
        check_case(CaseInput(), author=None)
    assert set(failure.value.errors) == {"title", "summary", "body", "roles", "policy_domain"}


def test_text_is_trimmed_and_normalised(ctx):
    values = check_case(CaseInput(**{**VALID, "title": "  Coo\u0308peratie\r\n "}), author=None)
    assert values["title"] == "Coöperatie"


def test_a_submitted_case_is_stored_rendered_and_logged_in_one_go(ctx, users):
    author = db.session.get(User, users["member"])
    changes = db.session.scalar(select(func.count()).select_from(ChangeLog))
    case = submit_case(author, CaseInput(**VALID))
    assert slug_pattern("wateroverlast-in-de-binnenstad").fullmatch(case.slug)
    assert case.owner_id == author.id and case.status == "submitted"
    assert "<strong>hoosbui</strong>" in case.body_html
    assert case.body_text.startswith("Aanleiding\nNa de hoosbui")
    assert [role.id for role in case.roles] == ["netwerkend", "responsief"]
    assert [theme.slug for theme in case.subthemes] == ["ons-water"]
    assert db.session.scalar(select(func.count()).select_from(ChangeLog)) == changes + 1


def test_slugs_stay_unique(ctx, users):
    author = db.session.get(User, users["member"])
    slugs = [submit_case(author, CaseInput(**VALID)).slug for _ in range(3)]
    assert len(set(slugs)) == 3
    assert all(slug_pattern("wateroverlast-in-de-binnenstad").fullmatch(s) for s in slugs)


def test_a_drawn_tail_that_is_taken_is_drawn_again(ctx, users, monkeypatch):
    author = db.session.get(User, users["member"])
    letters = iter("bbbb" "bbbb" "cccc")   # the second case draws the first one's tail
    monkeypatch.setattr(cases.secrets, "choice", lambda alphabet: next(letters))
    assert submit_case(author, CaseInput(**VALID)).slug == "wateroverlast-in-de-binnenstad-bbbb"
    assert submit_case(author, CaseInput(**VALID)).slug == "wateroverlast-in-de-binnenstad-cccc"


def test_signed_out_users_cannot_submit(ctx):
    from flask_login import AnonymousUserMixin
    with pytest.raises(PermissionError):
        submit_case(AnonymousUserMixin(), CaseInput(**VALID))


# -- the form (web) -----------------------------------------------------------------------

def test_the_form_asks_signed_out_visitors_to_sign_in(browser):
    response = browser.get("/casussen/nieuw")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen?next=")


def test_posting_without_signing_in_stores_nothing(app, browser):
    token = csrf_token(browser.client, "/inloggen")
    response = browser.client.post("/casussen/nieuw", data={**VALID, "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert count_cases() == 4


def test_posting_without_a_csrf_token_is_refused(app, member):
    response = member.client.post("/casussen/nieuw", data=VALID)
    assert response.status_code == 400
    assert "Het formulier is verlopen" in response.get_data(as_text=True)
    with app.app_context():
        assert count_cases() == 4


def test_the_form_shows_every_field_with_a_label(member):
    html = member.get("/casussen/nieuw").get_data(as_text=True)
    for name in ("title", "summary", "body", "dominant_role", "policy_domain", "organisation",
                 "phase", "scale", "year_start", "year_end", "dilemma"):
        assert f'<label class="field__label" for="field-{name}">' in html, name
    for legend in ("Overheidsrollen", "Soorten belanghebbenden", "Leergroep", "Subthema’s",
                   "Wie mag dit lezen"):
        assert f'<legend class="field__label">{legend}' in html, legend


def test_invalid_input_gets_a_summary_and_field_messages_and_stores_nothing(app, member):
    response = member.submit("/casussen/nieuw", {**VALID, "title": "", "roles": []})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Fout: Nieuwe casus | Casusbank</title>" in html
    assert "Er zijn 2 fouten gevonden" in html
    assert '<a href="#field-title">Vul een titel in.</a>' in html
    assert '<a href="#field-roles">Kies minstens één overheidsrol.</a>' in html
    assert 'id="error-title"' in html and 'aria-invalid="true"' in html
    assert 'value="Wateroverlast' not in html                   # the empty title stays empty
    assert "Bewoners en ondernemers zochten samen" in html        # the rest is kept
    with app.app_context():
        assert count_cases() == 4


def test_an_oversized_request_gets_413_with_a_clear_message(app, member):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = member.submit("/casussen/nieuw", {**VALID, "body": "x" * 20_000})
    assert response.status_code == 413
    assert "Uw bericht is te groot" in response.get_data(as_text=True)


def test_a_valid_case_is_shown_at_once_and_found_after_indexing(app, member):
    response = member.submit("/casussen/nieuw", VALID)
    assert response.status_code == 303
    page = member.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "<h1>Wateroverlast in de binnenstad</h1>" in html
    assert "Uw casus is opgeslagen en ingediend." in html
    assert "<strong>hoosbui</strong>" in html
    publish_at(app, response.headers["Location"])
    sync_index(app)
    results = member.get("/zoeken?q=hoosbui").get_data(as_text=True)
    assert "Wateroverlast in de binnenstad" in results


# -- list and page ------------------------------------------------------------------------

def case_titles(response):
    return re.findall(r'<h2 class="card__title"><a href="/casussen/[^"]+">([^<]+)</a>',
                      response.get_data(as_text=True))


def test_the_list_shows_what_the_reader_may_see_newest_first(browser):
    assert case_titles(browser.get("/casussen/")) == [
        "Waterschappen en regenwater in de wijk", "Geluidsmaatregelen HSL-Zuid Lansingerland"]


def test_signed_in_readers_see_more(member):
    assert case_titles(member.get("/casussen/")) == [
        "Groepscasus van de leergroep", "Interne dijkcasus",
        "Waterschappen en regenwater in de wijk", "Geluidsmaatregelen HSL-Zuid Lansingerland"]


@pytest.mark.parametrize("query, expected", [
    ("rol=netwerkend", ["Waterschappen en regenwater in de wijk",
                        "Geluidsmaatregelen HSL-Zuid Lansingerland"]),
    ("rol=presterend", ["Interne dijkcasus"]),
    ("beleidsterrein=mobiliteit", ["Geluidsmaatregelen HSL-Zuid Lansingerland"]),
    ("leergroep=water", ["Groepscasus van de leergroep", "Interne dijkcasus",
                         "Waterschappen en regenwater in de wijk"]),
    ("leergroep=water&rol=netwerkend", ["Waterschappen en regenwater in de wijk"]),
    ("leergroep=energie", []),
])
def test_the_list_filters(member, query, expected):
    assert case_titles(member.get(f"/casussen/?{query}")) == expected


def test_an_unknown_filter_value_is_a_404(browser):
    assert browser.get("/casussen/?rol=koninklijk").status_code == 404


def test_the_case_page_shows_everything_about_the_case(browser):
    html = browser.get("/casussen/geluidsmaatregelen-hsl-zuid").get_data(as_text=True)
    assert "<h1>Geluidsmaatregelen HSL-Zuid Lansingerland</h1>" in html
    assert "<h3>Aanleiding</h3>" in html
    assert "Responsieve overheid <span class=\"role-badge__note\">(belangrijkste)</span>" in html
    assert "<li>Bewoners en omwonenden</li><li>Bedrijven</li>" in html
    assert "Aan tafel met bewoners en onderhoudsbedrijf" in html   # its reflection
    assert "Iedereen (openbaar)" in html


def test_the_case_page_shows_only_reflections_the_reader_may_see(browser, member):
    anonymous = browser.client.application.test_client()
    assert "Wie bepaalt het resultaat" not in anonymous.get(
        "/casussen/waterschappen-en-regenwater").get_data(as_text=True)
    assert "Wie bepaalt het resultaat" in member.get(
        "/casussen/waterschappen-en-regenwater").get_data(as_text=True)


@pytest.mark.parametrize("slug", ["interne-dijkcasus", "groepscasus-water", "bestaat-niet"])
def test_hidden_and_missing_cases_look_the_same_to_visitors(browser, slug):
    response = browser.get(f"/casussen/{slug}")
    assert response.status_code == 404
    assert "log in" in response.get_data(as_text=True).lower()


def test_group_cases_are_hidden_from_signed_in_outsiders(outsider):
    assert outsider.get("/casussen/groepscasus-water").status_code == 404
    assert outsider.get("/casussen/interne-dijkcasus").status_code == 200


def test_group_visibility_needs_a_group_the_author_is_in(ctx, users):
    outsider = db.session.get(User, users["outsider"])
    with pytest.raises(ValidationFailed) as failure:
        submit_case(outsider, CaseInput(**{**VALID, "visibility": "group"}))
    assert failure.value.errors["learning_groups"].code == "not_member"
    member = db.session.get(User, users["member"])
    assert submit_case(member, CaseInput(**{**VALID, "visibility": "group"})).visibility == "group"
