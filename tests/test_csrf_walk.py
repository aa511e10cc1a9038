"""Every state-changing route, walked: without a CSRF token (forms) or a Bearer token (the
API) a signed-in admin's request is refused and changes nothing; with it, the same request
gets through. The routes come from the app's own URL map, so a new route is walked the day
it is added, and a route whose arguments the walk cannot fill fails the test loudly."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Case, Reflection, Term
from app.services.people.accounts import create_user
from app.services.people.api_tokens import create_token
from app.services.reading import reading_list
from tests import databases
from tests.support import PASSWORD, csrf_token, signed_in

ADMIN = "beheer@example.nl"
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_PAGE = "Het formulier is verlopen"
CASE, OTHER_CASE = "geluidsmaatregelen-hsl-zuid", "waterschappen-en-regenwater"


@dataclass
class World:
    """Real ids of the fixture content, for the arguments of the addresses."""
    case_id: int
    reflection_id: int
    member_id: int
    entry_id: int
    water_term: int
    mobility_term: int
    api_token: str
    api_token_id: int


# (first path segment, argument) -> its value. A route with an argument not listed here
# fails the walk: add its value rather than skip it.
ARGUMENTS = {
    ("casussen", "slug"): lambda w: CASE,
    ("casussen", "number"): lambda w: 1,
    ("reflecties", "reflection_id"): lambda w: w.reflection_id,
    ("reflecties", "number"): lambda w: 1,
    ("account", "token_id"): lambda w: w.api_token_id,
    ("beheer", "user_id"): lambda w: w.member_id,
    ("leergroepen", "slug"): lambda w: "water",
    ("leergroepen", "entry_id"): lambda w: w.entry_id,
    ("leergroepen", "step"): lambda w: "verwijderen",
    ("redactie", "segment"): lambda w: "beleidsterreinen",
    ("bladeren", "segment"): lambda w: "organisatie",
    ("rollen", "role_id"): lambda w: "netwerkend",
    ("feeds", "role_id"): lambda w: "netwerkend",
    ("feeds", "slug"): lambda w: "water",
    ("api", "case_id"): lambda w: w.case_id,
    ("api", "reflection_id"): lambda w: w.reflection_id,
    ("api", "slug"): lambda w: "water",
}

CASE_FORM = {"title": "Nieuwe dijkversterking", "summary": "Over een dijk.",
             "body": "De dijk werd *hoger*.", "roles": ["netwerkend"],
             "policy_domain": "water", "visibility": "public"}
REFLECTION_FORM = {"title": "Een avond aan de dijk", "situation": "Wij spraken bewoners.",
                   "intention": "Eerst luisteren.", "roles_acted": ["netwerkend"],
                   "visibility": "public"}
# Endpoint -> what its form (or, under /api, its JSON body) sends when used for real.
PAYLOADS = {
    "account.password": {"current_password": PASSWORD, "new_password": PASSWORD,
                         "new_password_repeat": PASSWORD},
    "account.create_token": {"name": "Mijn script"},
    "admin.user": {"name": "Lid Water", "site_role": "editor", "active": "1",
                   "groups": ["water"]},
    "admin.new_user": {"email": "nieuw@example.nl", "name": "Nieuw", "password": PASSWORD,
                       "site_role": "participant"},
    "auth.login": {"email": ADMIN, "password": PASSWORD},
    "cases.new": CASE_FORM,
    "cases.edit": CASE_FORM,
    "reflections.new": REFLECTION_FORM,
    "reflections.edit": REFLECTION_FORM,
    "editorial.case_status": {"stap": "archiveren"},
    "editorial.reflection_status": {"stap": "archiveren"},
    "editorial.merge_page": {"van": CASE, "naar": OTHER_CASE, "blijft": OTHER_CASE},
    "groups.add_to_reading_list": lambda w: {"item": f"case:{w.case_id}", "note": "Eerst"},
    "language.switch": {"taal": "en"},
    "taxonomy.rename": lambda w: {"item": str(w.water_term), "new_name": "Waterbeheer"},
    "taxonomy.merge": lambda w: {"item": str(w.mobility_term),
                                 "merge_into": str(w.water_term)},
    "api.create_case": CASE_FORM,
    "api.change_case": {"title": "Een andere titel"},
    "api.create_reflection": REFLECTION_FORM,
    "api.change_reflection": {"title": "Een andere titel"},
}
# With the token these change nothing in the starting state, and that is right: the case is
# not on the front page yet, so there is nothing to take off it.
NOTHING_TO_DO = {"featured.unfeature"}


def state_changing_rules(app: Flask) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.methods & CHANGING),
                  key=lambda rule: (rule.rule, rule.endpoint))


def argument_values(rule, world: World) -> dict:
    """Real values for the rule's arguments; fails loudly on one the table lacks."""
    segment = rule.rule.split("/")[1]
    unknown = [name for name in rule.arguments if (segment, name) not in ARGUMENTS]
    assert not unknown, (f"{rule.rule}: add a value for {unknown} to ARGUMENTS, so that"
                         " the walk can reach this route")
    return {name: ARGUMENTS[segment, name](world) for name in rule.arguments}


def address(rule, world: World, **replaced) -> str:
    """The rule's URL with real values (or the `replaced` ones)."""
    return rule.build({**argument_values(rule, world), **replaced}, append_unknown=False)[1]


def make_world(app, users) -> World:
    """An admin, an entry on Leergroep Water's reading list and an API token, and the ids
    the addresses need."""
    with app.app_context():
        admin = create_user(ADMIN, "Beheerder", PASSWORD, "admin")
        cases = {case.slug: case for case in db.session.scalars(select(Case))}
        water = db.session.scalar(select(Case).where(Case.slug == OTHER_CASE))
        entry_group = water.groups[0]
        reading_list.add(admin, entry_group, "case", water.id)
        entry_id = reading_list.entries(admin, entry_group)[0].id
        terms = {term.slug: term.id for term in db.session.scalars(select(Term))}
        api_token, token = create_token(admin, "walk")
        return World(case_id=cases[CASE].id,
                     reflection_id=db.session.scalar(select(Reflection.id).where(
                         Reflection.source_key == "hsl-diner")),
                     member_id=users["member"], entry_id=entry_id,
                     water_term=terms["water"], mobility_term=terms["mobiliteit"],
                     api_token=token, api_token_id=api_token.id)


@pytest.fixture
def world(app, users) -> World:
    return make_world(app, users)


def database_rows(app) -> dict[str, list]:
    """Every row of every table: what "changes nothing" is compared on."""
    with app.app_context():
        rows = {table.name: sorted(map(repr, db.session.execute(table.select())))
                for table in db.metadata.sorted_tables}
        db.session.remove()
        return rows


def session_contents(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


class Baseline:
    """The database as the walk starts, put back before each route: every route is tried
    on the same state, whatever the one before it did with its token."""

    def __init__(self, app):
        self.app, self.live = app, app.config["SQLALCHEMY_DATABASE_URI"]
        self.copy = databases.sibling_url(self.live, "baseline")
        self._copy(self.live, self.copy)

    def _copy(self, source: str, target: str) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.copy_database(source, target)

    def restore(self) -> None:
        self._copy(self.copy, self.live)


def _payload(endpoint: str, world: World) -> dict:
    payload = PAYLOADS.get(endpoint, {})
    return payload(world) if callable(payload) else payload


def _send(client, rule, method: str, url: str, payload: dict, **extra):
    if rule.rule.startswith("/api/"):
        return client.open(url, method=method, json=payload, **extra)
    return client.open(url, method=method, data=payload, **extra)


def _refused(response, api: bool) -> str | None:
    """Why the refusal is not the right one, or None when it is."""
    if api:
        if response.status_code != 401 or not response.is_json:
            return f"expected 401 JSON, got {response.status_code} {response.mimetype}"
        return None
    if response.status_code != 400 or CSRF_PAGE not in response.get_data(as_text=True):
        return f"expected 400 '{CSRF_PAGE}', got {response.status_code}"
    return None


def _walk_one(app, rule, method: str, world: World) -> list[str]:
    """Refused without a token and nothing changed; accepted with one. The problems found."""
    problems, api = [], rule.rule.startswith("/api/")
    url, payload = address(rule, world), _payload(rule.endpoint, world)
    browser = signed_in(app, ADMIN)
    browser.get("/")  # the session holds its CSRF token before the snapshot
    before = (database_rows(app), session_contents(browser.client))
    refusal = _refused(_send(browser.client, rule, method, url, payload), api)
    if refusal:
        problems.append(f"{rule.rule} without a token: {refusal}")
    if (database_rows(app), session_contents(browser.client)) != before:
        problems.append(f"{rule.rule} without a token changed the database or session")
    if api:
        answer = _send(browser.client, rule, method, url, payload,
                       headers={"Authorization": f"Bearer {world.api_token}"})
    else:
        token = csrf_token(browser.client, "/")
        answer = _send(browser.client, rule, method, url, {**payload, "csrf_token": token})
    if answer.status_code in (400, 401, 404, 405) or answer.status_code >= 500:
        problems.append(f"{rule.rule} with a token: {answer.status_code}; the walk's request"
                        " does not reach the view (add its payload to PAYLOADS)")
    elif (rule.endpoint not in NOTHING_TO_DO
          and (database_rows(app), session_contents(browser.client)) == before):
        problems.append(f"{rule.rule} with a token changed nothing: give it a payload that"
                        " does (PAYLOADS), so the refusal above is shown to matter")
    return problems


def test_every_state_changing_route_needs_a_token(app, world):
    baseline, problems, walked = Baseline(app), [], set()
    for rule in state_changing_rules(app):
        for method in sorted(rule.methods & CHANGING):
            baseline.restore()
            problems += _walk_one(app, rule, method, world)
            walked.add((rule.rule, method))
    assert not problems, "\n".join(problems)
    # Counted apart from the walk: every method of every rule that is not read-only.
    expected = {(rule.rule, method) for rule in app.url_map.iter_rules()
                for method in rule.methods - {"GET", "HEAD", "OPTIONS"}}
    assert walked == expected
    assert len({rule for rule, _ in walked if not rule.startswith("/api/")}) >= 20


def test_an_unknown_argument_stops_the_walk(app, world):
    """The guard that keeps new routes from slipping through: it names what to add."""
    app.add_url_rule("/casussen/<slug>/<int:chapter>/wissen", "walk_probe",
                     lambda slug, chapter: "", methods=["POST"])
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == "walk_probe")
    with pytest.raises(AssertionError, match=r"add a value for \['chapter'\]"):
        address(rule, world)


@pytest.mark.parametrize(("url", "data"), [
    ("/inloggen", {"email": ADMIN, "password": PASSWORD}), ("/taal", {"taal": "en"})])
def test_a_visitor_cannot_be_signed_in_or_switched_from_another_site(app, world, url, data):
    """Login CSRF (a page elsewhere signing a visitor into an account it chose) and the
    language switch: both need the token before anyone has signed in, too."""
    client = app.test_client()
    client.get("/")
    before = database_rows(app)
    response = client.post(url, data=data)
    assert response.status_code == 400 and CSRF_PAGE in response.get_data(as_text=True)
    assert database_rows(app) == before
    assert {"_user_id", "taal"}.isdisjoint(session_contents(client))
    assert client.get("/mijn-bijdragen").status_code == 302  # still signed out
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)
