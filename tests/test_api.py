"""The JSON API: tokens, who reads what, writing, paging, errors and the open-data export.
(schemathesis checks every operation against the description: test_api_schemathesis.py.)"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken, AuditEntry, Case, Reflection, User
from app.services import catalog
from app.services.exchange.open_data import CODEBOOK
from app.services.people import api_tokens
from tests.support import app_from, close_app, publish_at

NEW_CASE = {"title": "Dijkversterking met de buurt", "summary": "Samen de dijk op.",
            "body": "We **praatten** eerst.", "roles": ["netwerkend"],
            "policy_domain": "water", "visibility": "internal"}


def _token_for(app, email: str) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return api_tokens.create_token(user, "test")[1]


@pytest.fixture
def token(app, users):
    """A token of the member of Leergroep Water."""
    return _token_for(app, "lid@example.nl")


@pytest.fixture
def client(app):
    return app.test_client()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def titles(response) -> set[str]:
    return {item["title"] for item in response.get_json()["items"]}


# -- tokens ----------------------------------------------------------------------------

def test_a_token_is_stored_only_as_a_hash(app, token):
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert token.startswith("cb_") and len(token) > 40
        assert token not in (stored.token_hash, stored.prefix) and token.startswith(stored.prefix)


def test_a_revoked_token_is_refused(app, client, token):
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert api_tokens.revoke_token(stored.user, stored.id)
    response = client.get("/api/v1/cases", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(response.get_json()["error"]["message"]) == {"nl", "en"}


def test_a_token_of_a_deactivated_account_is_refused(app, client, token):
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "lid@example.nl")).active = False
        db.session.commit()
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer cb_wrong", "Bearer ", "Basic dXNlcjpwdw==",
                                    "cb_no_scheme"])
def test_a_bad_authorization_header_is_401_not_anonymous(client, header):
    response = client.get("/api/v1/cases", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_session_cookie_gives_no_rights_in_the_api(member):
    """Signed in on the website, but no token: the API reads as anonymous and refuses to
    write, so no other site can make a browser write through it."""
    assert "Interne dijkcasus" not in titles(member.get("/api/v1/cases"))
    response = member.client.post("/api/v1/cases", json=NEW_CASE)
    assert response.status_code == 401


def test_members_manage_their_tokens_on_their_account_page(app, member):
    page = member.get("/account/").get_data(as_text=True)
    assert "API-sleutels" in page
    response = member.submit("/account/", {"name": "Nieuwsbrief"},
                             post_url="/account/sleutels")
    shown = response.get_data(as_text=True)
    plain = shown.split('id="new-token">')[1].split("<")[0]
    assert plain.startswith("cb_")
    assert member.get("/account/").get_data(as_text=True).count(plain) == 0  # shown once
    assert member.client.get("/api/v1/cases", headers=bearer(plain)).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert "token_created" in actions
    member.submit("/account/", {}, post_url=f"/account/sleutels/{token_id}/intrekken")
    assert member.client.get("/api/v1/cases", headers=bearer(plain)).status_code == 401


def test_a_token_needs_a_name(member):
    response = member.submit("/account/", {"name": "  "}, post_url="/account/sleutels")
    assert response.status_code == 422
    assert "cb_" not in response.get_data(as_text=True)


def test_nobody_revokes_someone_elses_token(app, token, outsider):
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    outsider.submit("/account/", {}, post_url=f"/account/sleutels/{token_id}/intrekken")
    assert outsider.client.get("/api/v1/cases", headers=bearer(token)).status_code == 200


def test_flask_token_create_prints_a_working_token(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["token", "create", "lid@example.nl", "--name", "cron"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    assert app.test_client().get("/api/v1/cases", headers=bearer(plain)).status_code == 200
    listing = runner.invoke(args=["token", "list", "lid@example.nl"]).output
    assert "cron" in listing and "active" in listing and plain not in listing
    token_id = listing.split("\t")[0]
    assert runner.invoke(args=["token", "revoke", "lid@example.nl", token_id]).exit_code == 0
    assert app.test_client().get("/api/v1/cases", headers=bearer(plain)).status_code == 401
    missing = runner.invoke(args=["token", "create", "niemand@example.nl"])
    assert missing.exit_code != 0 and "no account" in missing.output


# -- reading ---------------------------------------------------------------------------

def test_anonymous_readers_see_public_cases_only(client):
    assert titles(client.get("/api/v1/cases")) == {
        "Geluidsmaatregelen HSL-Zuid Lansingerland", "Waterschappen en regenwater in de wijk"}


@pytest.mark.parametrize("year, expected", [
    ("2017", {"Geluidsmaatregelen HSL-Zuid Lansingerland"}),
    ("2020", {"Geluidsmaatregelen HSL-Zuid Lansingerland",          # still running
              "Waterschappen en regenwater in de wijk"}),
    ("2016", set())])
def test_cases_filter_on_every_year_a_case_ran(client, year, expected):
    assert titles(client.get(f"/api/v1/cases?year={year}")) == expected


def test_a_member_reads_what_the_website_shows_them(client, token):
    seen = titles(client.get("/api/v1/cases", headers=bearer(token)))
    assert {"Interne dijkcasus", "Groepscasus van de leergroep"} <= seen


def test_an_item_the_reader_may_not_see_is_a_404(app, client, token):
    with app.app_context():
        group_case = db.session.scalar(select(Case.id).where(Case.visibility == "group"))
    assert client.get(f"/api/v1/cases/{group_case}").status_code == 404
    assert client.get(f"/api/v1/cases/{group_case}", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/cases/99999999999999999999").status_code == 404


def test_a_case_comes_with_the_fields_its_update_takes(client):
    listing = client.get("/api/v1/cases").get_json()
    case = client.get(listing["items"][0]["api_url"]).get_json()
    assert {"title", "summary", "body", "roles", "policy_domain", "visibility",
            "year_start", "body_html", "status", "published_at", "reflections"} <= set(case)
    assert case["published_at"].endswith("+00:00")  # ISO 8601 with its offset


def test_lists_are_paged_with_links(client, token):
    first = client.get("/api/v1/cases?per_page=1", headers=bearer(token)).get_json()
    assert first["per_page"] == 1 and first["pages"] == first["total"] >= 3
    assert "prev" not in first["links"]
    second = client.get(first["links"]["next"], headers=bearer(token)).get_json()
    assert second["page"] == 2 and second["items"][0]["id"] != first["items"][0]["id"]


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=101", "role=koning",
                                   "year=1800", "organisation=%07"])
def test_a_parameter_that_does_not_fit_is_a_400_naming_it(client, query):
    response = client.get(f"/api/v1/cases?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == query.split("=")[0]


def test_search_has_the_webs_query_language_facets_and_highlights(client):
    found = client.get("/api/v1/search?q=geluid&type=case").get_json()
    assert found["total"] >= 1 and found["items"][0]["type"] == "case"
    assert "<mark" in found["items"][0]["excerpt_html"]
    assert [option["value"] for option in found["facets"]["role"]] == [
        "rechtmatig", "presterend", "netwerkend", "responsief"]
    typed = client.get("/api/v1/search?q=rol:netwerkend").get_json()
    assert typed["items"] and all("netwerkend" in hit["roles"] for hit in typed["items"])
    broken = client.get('/api/v1/search?q=%22geluid+(EN+OF').get_json()
    assert broken["index_ready"] is True  # a malformed query degrades, never fails


def test_roles_and_groups_are_read_with_counts_for_the_reader(client, token):
    roles = client.get("/api/v1/roles").get_json()["items"]
    assert [role["id"] for role in roles] == ["rechtmatig", "presterend", "netwerkend",
                                              "responsief"]
    group = client.get("/api/v1/groups/water", headers=bearer(token)).get_json()
    assert "Groepscasus van de leergroep" in {case["title"] for case in group["cases"]}
    anonymous = {case["title"] for case in client.get("/api/v1/groups/water").get_json()["cases"]}
    assert "Groepscasus van de leergroep" not in anonymous
    assert anonymous < {case["title"] for case in group["cases"]}
    assert client.get("/api/v1/groups/bestaat-niet").status_code == 404


# -- writing ---------------------------------------------------------------------------

def test_a_new_case_is_submitted_for_review_and_answers_201(app, client, token):
    response = client.post("/api/v1/cases", json=NEW_CASE, headers=bearer(token))
    assert response.status_code == 201
    case = response.get_json()
    assert case["status"] == "submitted" and case["body_html"] == (
        "<p>We <strong>praatten</strong> eerst.</p>")
    assert response.headers["Location"] == case["api_url"]
    assert client.get(case["api_url"], headers=bearer(token)).status_code == 200
    assert client.get(case["api_url"]).status_code == 404  # not yet published


def test_an_update_changes_only_what_is_sent(client, token):
    created = client.post("/api/v1/cases", json={**NEW_CASE, "submit": False},
                          headers=bearer(token)).get_json()
    assert created["status"] == "draft"
    changed = client.patch(created["api_url"], json={"summary": "Anders gezegd."},
                           headers=bearer(token))
    assert changed.status_code == 200
    assert changed.get_json()["summary"] == "Anders gezegd."
    assert changed.get_json()["title"] == NEW_CASE["title"]


def test_nobody_changes_someone_elses_case(app, client, token):
    other = _token_for(app, "buiten@example.nl")
    created = client.post("/api/v1/cases", json=NEW_CASE, headers=bearer(token)).get_json()
    response = client.patch(created["api_url"], json={"title": "Van mij"},
                            headers=bearer(other))
    assert response.status_code == 404


def test_invalid_fields_are_a_422_worded_in_dutch_and_english(client, token):
    response = client.post("/api/v1/cases", json={**NEW_CASE, "title": " ", "roles": [],
                                                  "colour": "red", "year_start": "1990"},
                           headers=bearer(token))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"colour", "year_start"}    # shape first: unknown, wrong type
    response = client.post("/api/v1/cases", json={**NEW_CASE, "title": " ", "roles": []},
                           headers=bearer(token))
    fields = response.get_json()["error"]["fields"]
    assert fields["title"]["code"] == "required"
    assert fields["title"]["message"] == {"nl": "Vul een titel in.", "en": "Enter a title."}
    assert fields["roles"]["code"] == "too_few"


def test_an_empty_value_in_a_list_is_refused_not_dropped(client, token):
    """The description lists the values a list may hold; "" is none of them, so a body
    holding one is refused, as the description promises, and nothing is saved."""
    def cases() -> int:
        return client.get("/api/v1/cases", headers=bearer(token)).get_json()["total"]

    before = cases()
    response = client.post("/api/v1/cases", json={**NEW_CASE, "stakeholder_types": ["", " "]},
                           headers=bearer(token))
    assert response.status_code == 422
    field = response.get_json()["error"]["fields"]["stakeholder_types"]
    assert field["code"] == "blank_entry" and set(field["message"]) == {"nl", "en"}
    assert cases() == before


@pytest.mark.parametrize("body, content_type", [
    ("not json", "application/json"), ("[1, 2]", "application/json"),
    (json.dumps(NEW_CASE), "text/plain")])
def test_a_body_that_is_no_json_object_is_a_400(client, token, body, content_type):
    response = client.post("/api/v1/cases", data=body, content_type=content_type,
                           headers=bearer(token))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_an_oversized_body_is_a_413_in_json(app, client, token):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post("/api/v1/cases", json={**NEW_CASE, "body": "x" * 20_000},
                           headers=bearer(token))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 4   # nothing stored


def test_a_reflection_is_written_and_read_back(client, token):
    response = client.post("/api/v1/reflections", headers=bearer(token), json={
        "title": "Wat ik leerde", "situation": "Overleg", "intention": "Eerder bellen",
        "roles_acted": ["netwerkend"], "learning_group": "water", "visibility": "group"})
    assert response.status_code == 201, response.get_json()
    reflection = response.get_json()
    assert reflection["learning_group"] == "water" and reflection["case"] is None
    changed = client.patch(reflection["api_url"], json={"lesson": "Bel eerst."},
                           headers=bearer(token))
    assert changed.get_json()["lesson"] == "Bel eerst."


@pytest.mark.parametrize("control", ["\x00", "\x1b"])
def test_a_case_address_with_a_control_character_is_a_422(app, client, token, control):
    """Found by schemathesis on PostgreSQL, which refuses a NUL byte in a query (a 500)."""
    with app.app_context():
        before = db.session.scalar(select(func.count(Reflection.id)))
    response = client.post("/api/v1/reflections", headers=bearer(token), json={
        "title": "Wat ik leerde", "roles_acted": ["netwerkend"], "visibility": "private",
        "case": f"geluidsmaatregelen-hsl-zuid{control}"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["case"]["code"] == "control_characters"
    with app.app_context():
        assert db.session.scalar(select(func.count(Reflection.id))) == before


@pytest.mark.parametrize("control", ["%00", "%1b", "%7f"])
def test_an_address_with_a_control_character_is_a_404_before_any_lookup(client, control,
                                                                        monkeypatch):
    """A slug in the address goes to the database, which on PostgreSQL refuses a NUL byte
    with an error (a 500); the lookup is never reached. (Numeric ids never match a route.)"""
    def lookup(slug):
        raise AssertionError(f"looked up {slug!r}")
    monkeypatch.setattr(catalog, "group", lookup)
    response = client.get(f"/api/v1/groups/wa{control}ter")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_too_many_requests_is_a_429_in_json(tmp_path, empty_library):
    app = app_from(empty_library, tmp_path, API_RATE_LIMIT="2 per minute")
    try:
        client = app.test_client()
        codes = [client.get("/api/v1/groups").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        error = client.get("/api/v1/groups").get_json()["error"]
        assert error["code"] == "too_many_requests" and error["retry_after_seconds"] >= 1
    finally:
        close_app(app)


# -- open data ---------------------------------------------------------------------------

def test_the_csv_export_holds_what_the_caller_may_see(client, token):
    anonymous = list(csv.DictReader(io.StringIO(
        client.get("/api/v1/export.csv").get_data(as_text=True))))
    assert {row["title"] for row in anonymous} == {
        "Geluidsmaatregelen HSL-Zuid Lansingerland", "Waterschappen en regenwater in de wijk"}
    member = client.get("/api/v1/export.csv", headers=bearer(token)).get_data(as_text=True)
    assert "Groepscasus van de leergroep" in member
    header = next(csv.reader(io.StringIO(member)))
    assert header == list(CODEBOOK["cases"])


def test_a_cell_that_looks_like_a_formula_is_defused(app, client, token, editor):
    created = client.post("/api/v1/cases", headers=bearer(token), json={
        **NEW_CASE, "title": "=HYPERLINK(\"http://x\")", "visibility": "public"}).get_json()
    publish_at(app, f"/casussen/{created['slug']}")
    rows = list(csv.DictReader(io.StringIO(
        client.get("/api/v1/export.csv").get_data(as_text=True))))
    assert "'=HYPERLINK(\"http://x\")" in {row["title"] for row in rows}
    exported = client.get("/api/v1/export.json").get_json()
    assert "=HYPERLINK(\"http://x\")" in {case["title"] for case in exported["cases"]}


def test_the_json_export_has_cases_and_reflections(client, token):
    exported = client.get("/api/v1/export.json", headers=bearer(token)).get_json()
    assert set(exported) == {"generated_at", "cases", "reflections"}
    assert set(exported["reflections"][0]) == set(CODEBOOK["reflections"])
    reflections = client.get("/api/v1/export.csv?type=reflections").get_data(as_text=True)
    assert reflections.splitlines()[0].split(",") == list(CODEBOOK["reflections"])


# -- the description ---------------------------------------------------------------------

def test_the_description_names_every_route_and_method_and_no_other(app, client):
    described = client.get("/api/v1/openapi.json").get_json()
    assert described["openapi"] == "3.1.0"
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes.setdefault(path, set()).update(
                method.lower() for method in rule.methods - {"HEAD", "OPTIONS"})
    assert routes == {path: set(operations) for path, operations in described["paths"].items()}


def test_the_described_request_bodies_are_the_fields_the_api_takes(client):
    from app.web.api.write import CASE_FIELDS, REFLECTION_FIELDS
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    def properties(path: str, method: str) -> set[str]:
        body = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        return set(body["properties"])

    assert properties("/cases", "post") == properties("/cases/{case_id}", "patch") == set(
        CASE_FIELDS)
    assert properties("/reflections", "post") == set(REFLECTION_FIELDS)


def test_the_described_vocabularies_follow_the_content(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    roles = paths["/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"]["roles"]["items"]["enum"]
    assert roles == ["rechtmatig", "presterend", "netwerkend", "responsief"]
