"""SQL injection through every filter of every list, search, browse and feed page, the
editors' and admins' filters, and the API's: each string gets an ordinary answer, never a
500; it lists exactly what a harmless unknown value lists (so it cannot widen a filter);
an anonymous reader never sees a restricted item; and afterwards every table is as it was
and SQLite's integrity check passes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.support import signed_in
from tests.test_csrf_walk import ADMIN, database_rows, make_world

INJECTIONS = [
    "' OR '1'='1", "' OR 1=1 --", '" OR 1=1 --', "1; DROP TABLE cases;--", "%' --", "%",
    "_", "'", "\\x27", "' UNION SELECT email, password_hash FROM users --",
    "1 AND SLEEP(5)", "'; UPDATE users SET site_role='admin' --", "admin'--",
    "') OR ('a'='a", "1 OR 1=1", "/**/OR/**/1=1", "' || (SELECT sqlite_version()) || '",
]
HARMLESS = "geen-waarde"   # an unknown value: what every injection must behave like
# (path, parameters, extra parameters sent along) per reader.
PUBLIC = [
    ("/casussen/", ["rol", "beleidsterrein", "leergroep", "organisatie", "belanghebbende",
                    "jaar", "page", "pagina"], {}),
    ("/zoeken", ["rol", "type", "beleidsterrein", "leergroep", "organisatie", "jaar",
                 "sorteer", "page"], {"q": "water"}),
    ("/reflecties/", ["gehandeld", "gevraagd", "van", "naar", "page"], {}),
    ("/leergroepen/water", ["rol"], {}),
    ("/bladeren", ["organisatie"], {}),
    ("/rollen", ["rol"], {}),
    ("/feeds/casussen.atom", ["rol"], {}),
    ("/feeds/reflecties.atom", ["page"], {}),
]
EDITORS = [
    ("/redactie/samenvoegen", ["van", "naar"], {}),
    ("/redactie/taxonomie/beleidsterreinen/wijzigen", ["item"], {}),
    ("/casussen/geluidsmaatregelen-hsl-zuid/geschiedenis", ["van", "naar"], {}),
    ("/reflecties/nieuw", ["casus"], {}),
]
ADMINS = [
    ("/beheer/gebruikers", ["rol", "zoek", "page"], {}),
    ("/beheer/logboek", ["actie", "door", "onderwerp", "vanaf", "tot", "page"], {}),
]
API = [
    ("/api/v1/search", ["role", "type", "policy_domain", "group", "organisation", "year",
                        "sort", "page"], {"q": "water"}),
    ("/api/v1/cases", ["role", "policy_domain", "group", "stakeholder_type", "year",
                       "organisation", "page", "per_page"], {}),
    ("/api/v1/reflections", ["role_acted", "role_asked", "switch_from", "switch_to",
                             "page"], {}),
    ("/api/v1/export.csv", ["type"], {}),
]
# Path segments that name something: an injection there names nothing.
PATHS = ["/casussen/{}", "/rollen/{}", "/leergroepen/{}", "/bladeren/{}",
         "/feeds/rollen/{}.atom", "/feeds/leergroepen/{}.atom", "/api/v1/groups/{}",
         "/redactie/taxonomie/{}/"]
RESTRICTED = ["Groepscasus van de leergroep", "Interne dijkcasus", "De rem zijn",
              "Wie bepaalt het resultaat"]
# What a page lists: links to items and accounts, API ids, feed entries, table rows.
LISTED = re.compile(r'/casussen/[a-z0-9-]+(?=")|/reflecties/\d+(?=")|/beheer/gebruikers/\d+'
                    r'|"id":\s*\d+|<entry>|<tr>')


def _answer(client, path: str, query: dict) -> tuple[int, tuple[str, ...], str]:
    response = client.get(path, query_string=query)
    body = response.get_data(as_text=True)
    response.close()
    return response.status_code, tuple(sorted(LISTED.findall(body))), body


def _probe(client, targets, *, api: bool = False, anonymous: bool = False) -> list[str]:
    """Every injection in every parameter: the problems found."""
    allowed = {200, 400, 404, 422} if api else {200, 404, 422}
    problems = []
    for path, parameters, extra in targets:
        for parameter in parameters:
            harmless = _answer(client, path, {**extra, parameter: HARMLESS})
            for injection in INJECTIONS:
                status, listed, body = _answer(client, path, {**extra, parameter: injection})
                where = f"{path}?{parameter}={injection!r}"
                if status not in allowed:
                    problems.append(f"{where}: {status}")
                elif (status, listed) != harmless[:2]:
                    problems.append(f"{where}: answers {status} {sorted(listed)}, an unknown"
                                    f" value {harmless[0]} {sorted(harmless[1])}")
                if anonymous and any(title in body for title in RESTRICTED):
                    problems.append(f"{where}: shows a restricted item")
    return problems


@pytest.fixture
def readers(app, users):
    """The clients, signed in before the database is noted: afterwards it must be the same,
    every row of every table, and SQLite must find nothing wrong with the file."""
    make_world(app, users)
    # A search that finds little is counted on purpose (tests/test_search_log.py), and
    # `/zoeken?q=water` does for an anonymous reader: that count is not what this checks.
    app.config["SEARCH_LOG_DAYS"] = 0
    clients = {"anonymous": app.test_client(),
               "editor": signed_in(app, "redactie@example.nl").client,
               "admin": signed_in(app, ADMIN).client}
    before = database_rows(app)
    yield clients
    assert database_rows(app) == before
    with app.app_context():
        if db.engine.name == "sqlite":   # PostgreSQL has no such check; the rows say enough
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.session.remove()


def test_injections_in_public_filters_change_nothing(readers):
    problems = _probe(readers["anonymous"], PUBLIC, anonymous=True)
    assert not problems, "\n".join(problems)


def test_injections_in_editors_and_admins_filters_change_nothing(readers):
    problems = _probe(readers["editor"], EDITORS) + _probe(readers["admin"], ADMINS)
    assert not problems, "\n".join(problems)


def test_injections_in_the_api_filters_change_nothing(readers):
    problems = _probe(readers["anonymous"], API, api=True, anonymous=True)
    assert not problems, "\n".join(problems)


def test_injections_in_path_segments_name_nothing(readers):
    problems = []
    for template in PATHS:
        for injection in INJECTIONS:
            client = readers["editor"]
            status, _, _ = _answer(client, template.format(injection.replace("/", "%2F")), {})
            if status != 404:
                problems.append(f"{template.format(injection)}: {status}")
    assert not problems, "\n".join(problems)
