"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Built per request: the vocabularies (role ids, policy domains, learning groups, …) are
content, so their current values go into the description as enums and a client, or
schemathesis, knows exactly what is accepted. tests/test_api.py keeps the paths here
and the routes in step.
"""
from __future__ import annotations

from flask import jsonify, url_for

from app.services.reading.browse_facets import YEARS
from app.services.reading.search import LONGEST_API_QUERY
from app.web.api import bp
from app.web.api.json_body import MAX_JSON_DEPTH
from app.web.api.params import MAX_ID, MAX_PAGE, MAX_PER_PAGE
from app.web.api.problems import MESSAGES, STATUS_CODES
from app.web.api.schemas import (
    FREE_TEXT,
    STRING,
    array,
    case_input,
    enum,
    json_object,
    page_schema,
    ref,
    reflection_input,
    response_schemas,
    search_schema,
    vocabularies,
)


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    return {str(status): _json(ref("Error"), MESSAGES[_code(status)][1])
            for status in statuses}


def _code(status: int) -> str:
    return STATUS_CODES[status]


def _query(name: str, schema: dict, description: str, *, repeat: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "required": False, "description": description,
                 "schema": array(schema) if repeat else schema}
    if repeat:
        parameter.update(style="form", explode=True)
    return parameter


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
           "Items per page (default 20)."),
]
READ_SECURITY = [{}, {"bearer": []}]    # anonymous, or as the token's owner
WRITE_SECURITY = [{"bearer": []}]
BODY_DESCRIPTION = ("A JSON object of the fields below. Arrays and objects may be nested at"
                    f" most {MAX_JSON_DEPTH} levels deep (the fields use two): a deeper body"
                    " is refused with 400 `too_deep` (with `max_depth`) before it is parsed.")


def _get(summary: str, schema: dict, parameters: list, *statuses: int) -> dict:
    return {"get": {"summary": summary, "security": READ_SECURITY, "parameters": parameters,
                    "responses": {"200": _json(schema, "OK"),
                                  **_errors(400, 401, 414, 429, *statuses)}}}


def _write(summary: str, body: dict, resource: str, status: int) -> dict:
    return {"summary": summary, "security": WRITE_SECURITY,
            "requestBody": {"required": True, "description": BODY_DESCRIPTION,
                            "content": {"application/json": {"schema": body}}},
            "responses": {str(status): _json(ref(resource), "Saved"),
                          **_errors(400, 401, 404, 413, 422, 429)}}


def _search_parameters(vocab: dict) -> list:
    text = {"type": "string", "maxLength": LONGEST_API_QUERY, "pattern": FREE_TEXT}
    return [
        _query("q", text, "Words, \"phrases\", EN/OF/NIET, rol:…, jaar:2017, prefix*."),
        _query("role", enum(vocab["role"]), "Role id.", repeat=True),
        _query("type", {"type": "string", "enum": ["case", "reflection"]}, "Kind.",
               repeat=True),
        _query("policy_domain", enum(vocab["policy_domain"]), "Policy domain.", repeat=True),
        _query("group", enum(vocab["group"]), "Learning group slug.", repeat=True),
        _query("organisation", {"type": "string", "maxLength": 200, "pattern": FREE_TEXT},
               "Organisation: its slug or any of its names in the vocabulary (with its"
               " directorates and agencies), or a name not in it, as written.", repeat=True),
        _query("year", {"type": "string", "pattern": "^[0-9]{4}(-[0-9]{4})?$"},
               "A year or a span (2015-2018).", repeat=True),
        _query("sort", {"type": "string", "enum": ["relevance", "newest"]}, "Order."),
        PAGING[0],
    ]


def _case_list_parameters(vocab: dict) -> list:
    return [
        _query("role", enum(vocab["role"]), "Role id."),
        _query("policy_domain", enum(vocab["policy_domain"]), "Policy domain."),
        _query("group", enum(vocab["group"]), "Learning group slug."),
        _query("stakeholder_type", enum(vocab["stakeholder_type"]), "Stakeholder type."),
        _query("year", enum(list(YEARS)), "Year the case is about."),
        _query("organisation", {"type": "string", "maxLength": 200, "pattern": FREE_TEXT},
               "Organisation: its slug or any of its names in the vocabulary (with its"
               " directorates and agencies), or a name not in it, exactly as written."),
        *PAGING,
    ]


def _reflection_list_parameters(vocab: dict) -> list:
    return [*(_query(name, enum(vocab["role"]), description) for name, description in (
        ("role_acted", "Acted from this role."), ("role_asked", "The situation asked it."),
        ("switch_from", "Switched from this role."), ("switch_to", "… to this role."))),
        *PAGING]


def _paths(vocab: dict) -> dict:
    case_id, reflection_id = [_path_id("case_id")], [_path_id("reflection_id")]
    export = {"type": "string"}
    return {
        "/search": _get("Search cases and reflections", search_schema(),
                        _search_parameters(vocab)),
        "/cases": {**_get("Published cases you may see, newest first",
                          page_schema("CaseSummary"), _case_list_parameters(vocab)),
                   "post": _write("Submit a new case", case_input(vocab, for_create=True),
                                  "Case", 201)},
        "/cases/{case_id}": {
            **_get("One case", ref("Case"), case_id, 404),
            "patch": {**_write("Change a case (send only what changes)",
                               case_input(vocab, for_create=False), "Case", 200),
                      "parameters": case_id}},
        "/reflections": {
            **_get("Published reflections you may see", page_schema("ReflectionSummary"),
                   _reflection_list_parameters(vocab)),
            "post": _write("Submit a new reflection",
                           reflection_input(vocab, for_create=True), "Reflection", 201)},
        "/reflections/{reflection_id}": {
            **_get("One reflection", ref("Reflection"), reflection_id, 404),
            "patch": {**_write("Change a reflection (send only what changes)",
                               reflection_input(vocab, for_create=False), "Reflection",
                               200),
                      "parameters": reflection_id}},
        "/roles": _get("The four government roles, with counts of what you may see",
                       json_object({"items": array(ref("Role"))}), []),
        "/groups": _get("Learning groups", json_object({"items": array(ref("Group"))}), []),
        "/groups/{slug}": _get(
            "One learning group, with its cases and reflections",
            {"allOf": [ref("Group"), json_object({
                "role_balance": {"type": "object"},
                "cases": array(ref("CaseSummary")),
                "reflections": array(ref("ReflectionSummary"))})]},
            [{"name": "slug", "in": "path", "required": True,
              "schema": {"type": "string", "maxLength": 80}}], 404),
        "/export.csv": {"get": {
            "summary": "Open data as CSV (see the codebook in the README)",
            "security": READ_SECURITY,
            "parameters": [_query("type", {"type": "string",
                                           "enum": ["cases", "reflections"]},
                                  "Which table (default: cases).")],
            "responses": {"200": {"description": "CSV, a header row first",
                                  "content": {"text/csv": {"schema": export}}},
                          **_errors(400, 401, 429)}}},
        "/export.json": _get("Open data as JSON: {generated_at, cases, reflections}",
                             json_object({"generated_at": STRING, "cases": array(
                                 {"type": "object"}), "reflections": array(
                                 {"type": "object"})}), []),
        "/openapi.json": {"get": {"summary": "This description", "security": READ_SECURITY,
                                  "responses": {"200": _json({"type": "object"}, "OK")}}},
    }


def describe_api() -> dict:
    vocab = vocabularies()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Casusbank API", "version": "1.0.0",
                 "description": "Cases and reflections on the four government roles. "
                                "Without a token you read what anonymous visitors see; "
                                "with `Authorization: Bearer <token>` (made on your "
                                "account page or with `flask token create`) you read "
                                "and write as yourself."},
        "servers": [{"url": url_for("api.search", _external=True).rsplit("/", 1)[0]}],
        "paths": _paths(vocab),
        "components": {"schemas": response_schemas(),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(describe_api())
