"""schemathesis against the API, in-process: every operation of /api/v1/openapi.json,
with generated valid and invalid requests, and every one of schemathesis's default
checks (no server errors, documented statuses, content types and response schemas,
valid data accepted, invalid data rejected, authentication not ignored, …)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.services import catalog
from app.services.exchange.content_import import import_content
from app.services.people.accounts import create_user
from app.services.people.api_tokens import create_token
from tests.support import FIXTURE_CONTENT, PASSWORD, close_app, make_app


def _library_with_token(folder: Path):
    """The fixture library and a participant in every learning group, with a token. The
    API's rate limit is lifted: schemathesis sends hundreds of requests a minute."""
    app = make_app(folder, API_RATE_LIMIT="100000 per minute")
    with app.app_context():
        db.create_all()
        import_content(FIXTURE_CONTENT)
        index_worker.sync(search_index())
        user = create_user("api@example.nl", "API", PASSWORD, "participant",
                           list(catalog.groups_by_slug()))
        _token, app.config["TEST_API_TOKEN"] = create_token(user, "schemathesis")
        app.config["TEST_SUBTHEME_GROUPS"] = {
            slug: theme.group.slug for slug, theme in catalog.subthemes_by_slug().items()}
        app.config["TEST_CASE_SLUGS"] = [case.slug for case in catalog_cases()]
    return app


def catalog_cases():
    from sqlalchemy import select

    from app.models import Case
    return db.session.scalars(select(Case).order_by(Case.id))


def _names_no_group(body: dict, key: str, changing: bool) -> bool:
    """Whether the body leaves a group-only item without its group: it makes the item
    group-only without naming one, or (a change) empties the group of an item that may
    already be group-only while leaving its visibility as it is."""
    if body.get("visibility") == "group":
        return not body.get(key)
    return changing and "visibility" not in body and key in body and not body[key]


def _fit_case(body: dict, config, changing: bool) -> dict:
    """Rules across fields that JSON Schema cannot state: the dominant role is one of
    the roles, a sub-theme belongs to a chosen group, the end year is not before the
    start, and a group-only case names a group."""
    roles, dominant = body.get("roles"), body.get("dominant_role")
    if isinstance(roles, list) and dominant and dominant not in roles:
        body["roles"] = [*roles, dominant]
    groups, themes = body.get("learning_groups"), body.get("subthemes")
    if isinstance(themes, list) and themes:
        groups = list(groups) if isinstance(groups, list) else []
        for theme in themes:
            owner = config["TEST_SUBTHEME_GROUPS"].get(theme)
            if owner and owner not in groups:
                groups.append(owner)
        body["learning_groups"] = groups
    start, end = body.get("year_start"), body.get("year_end")
    if isinstance(start, int | float) and isinstance(end, int | float) and end < start:
        body["year_start"], body["year_end"] = end, start
    if _names_no_group(body, "learning_groups", changing):
        body["learning_groups"] = [next(iter(config["TEST_SUBTHEME_GROUPS"].values()))]
    return body


def _fit_reflection(body: dict, config, changing: bool) -> dict:
    """Across fields: a switch has both ends and they differ; the case is one the author
    can see; a group-only reflection names a group."""
    start, end = body.get("switch_from"), body.get("switch_to")
    if bool(start) != bool(end) or (start and start == end):
        body["switch_from"], body["switch_to"] = "", ""
    if "case" in body and body["case"] and isinstance(body["case"], str):
        slugs = config["TEST_CASE_SLUGS"]
        body["case"] = slugs[len(body["case"]) % len(slugs)]
    if _names_no_group(body, "learning_group", changing):
        body["learning_group"] = next(iter(config["TEST_SUBTHEME_GROUPS"].values()))
    return body


def map_case(context, case):
    """Valid requests made to fit the rules across fields; invalid ones left alone (so
    they stay invalid). A case-level hook, as schemathesis applies those in every phase."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if not positive or not isinstance(case.body, dict):
        return case
    changing = case.method.upper() == "PATCH"
    if case.operation.path.startswith("/cases"):
        case.body = _fit_case(case.body, API_APP.config, changing)
    elif case.operation.path.startswith("/reflections"):
        case.body = _fit_reflection(case.body, API_APP.config, changing)
    return case


# schemathesis reads the description when the module is collected, so the library it
# runs against is made then too, in a folder of its own that goes when the run ends.
_FOLDER = tempfile.TemporaryDirectory(prefix="casusbank-schemathesis-")
API_APP = _library_with_token(Path(_FOLDER.name))
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", API_APP)
schema.hook(map_case)


@pytest.fixture(scope="module", autouse=True)
def _release_library():
    yield
    close_app(API_APP)
    _FOLDER.cleanup()


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_conforms_to_its_description(case):
    case.call_and_validate(headers={
        "Authorization": f"Bearer {API_APP.config['TEST_API_TOKEN']}"})


def test_every_operation_is_a_test_of_its_own(request):
    """Under pytest-xdist a test whose node id repeats runs once, so every operation
    schemathesis tests needs its own id (tests/conftest.py restores what it drops)."""
    ids = [item.nodeid for item in request.session.items
           if item.nodeid.startswith(f"{request.node.parent.nodeid}::test_api_conforms")]
    operations = {result.ok().label for result in schema.get_all_operations()}
    if len(ids) != len(operations):   # a selection (-k, a node id) ran only some of them
        pytest.skip(f"{len(ids)} of the {len(operations)} operations were selected")
    assert {nodeid.partition("[")[2].removesuffix("]") for nodeid in ids} == operations
