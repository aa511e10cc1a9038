"""Writing through the API: new cases and reflections, and changes to them.

A request body is checked for shape here (known fields, JSON types), then handed to the
same services as the web forms, which check meaning (required, lengths, vocabularies,
permissions) and store the item with its revision and change-log row in one transaction.
"""
from __future__ import annotations

from dataclasses import fields, replace

from flask import jsonify, url_for

from app.services.cases import (
    CaseInput,
    case_as_input,
    submit_case,
    update_case,
    visible_case_by_id,
)
from app.services.permissions import can_edit
from app.services.reflections import (
    ReflectionInput,
    get_visible_reflection,
    reflection_as_input,
    submit_reflection,
    update_reflection,
)
from app.services.validation import Refused, ValidationFailed
from app.web.api import bp, params, require_caller
from app.web.api.json_body import json_object
from app.web.api.problems import ApiError, field_problems
from app.web.api.resources import case_resource, reflection_resource

TEXT, TEXTS, YEAR, FLAG = "string", "array of strings", "integer or null", "boolean"
CASE_FIELDS = {
    **{name: TEXT for name in ("title", "summary", "body", "dominant_role", "policy_domain",
                               "organisation", "phase", "scale", "dilemma", "visibility")},
    **{name: TEXTS for name in ("roles", "stakeholder_types", "learning_groups",
                                "subthemes")},
    "year_start": YEAR, "year_end": YEAR, "submit": FLAG,
}
REFLECTION_FIELDS = {
    **{field.name: TEXTS if field.name.startswith("roles_") else TEXT
       for field in fields(ReflectionInput)},
    "submit": FLAG,
}
WRONG_TYPE = {"nl": "Verkeerd soort waarde; verwacht: {expected}.",
              "en": "Wrong kind of value; expected: {expected}."}
UNKNOWN_FIELD = {"nl": "Dit veld bestaat niet.", "en": "There is no such field."}


def _fits(value, kind: str) -> bool:
    if kind == TEXTS:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if kind == YEAR:  # JSON has one kind of number: 2017.0 is the year 2017 too
        return value is None or (isinstance(value, int | float) and not isinstance(value, bool)
                                 and float(value).is_integer())
    if kind == FLAG:
        return isinstance(value, bool)
    return value is None or isinstance(value, str)


def _shape_errors(body: dict, known: dict[str, str]) -> dict:
    errors = {}
    for name, value in body.items():
        if name not in known:
            errors[name] = {"code": "unknown_field", "params": {}, "message": UNKNOWN_FIELD}
        elif not _fits(value, known[name]):
            errors[name] = {"code": "wrong_type", "params": {"expected": known[name]},
                            "message": {language: text.format(expected=known[name])
                                        for language, text in WRONG_TYPE.items()}}
    return errors


def _json_body(known: dict[str, str]) -> dict:
    """The request's JSON object, shape-checked; null stands for an empty value."""
    body = json_object()
    errors = _shape_errors(body, known)
    if errors:
        raise ApiError(422, "invalid_input", fields=errors)
    return {name: ("" if value is None else value) for name, value in body.items()}


def _input(base, body: dict):
    """`base` (a *Input dataclass) with the fields the body sends replaced."""
    values = {name: value for name, value in body.items() if name != "submit"}
    for name in ("year_start", "year_end"):
        if name in values:
            values[name] = str(int(values[name])) if values[name] != "" else ""
    return replace(base, **values)


def _saved(save, *arguments, **options):
    """Runs a service's save and turns its refusals into API errors."""
    try:
        return save(*arguments, **options)
    except ValidationFailed as failure:
        raise ApiError(422, "invalid_input", fields=field_problems(failure)) from failure
    except Refused as refusal:
        raise ApiError(422, "refused", reason=refusal.code) from refusal
    except PermissionError as refusal:
        raise ApiError(404) from refusal


def _created(resource: dict, endpoint: str, **ids):
    response = jsonify(resource)
    response.status_code = 201
    response.headers["Location"] = url_for(endpoint, _external=True, **ids)
    return response


@bp.post("/cases")
def create_case():
    user = require_caller()
    body = _json_body(CASE_FIELDS)
    case = _saved(submit_case, user, _input(CaseInput(), body),
                  submit=body.get("submit", True))
    return _created(case_resource(user, case), "api.case", case_id=case.id)


@bp.patch("/cases/<int:case_id>")
def change_case(case_id: int):
    user = require_caller()
    case = visible_case_by_id(user, params.item_id(case_id))
    if case is None or not can_edit(user, case):
        raise ApiError(404)
    body = _json_body(CASE_FIELDS)
    saved = _saved(update_case, user, case, _input(case_as_input(case), body),
                   submit=body.get("submit", False))
    return jsonify(case_resource(user, saved))


@bp.post("/reflections")
def create_reflection():
    user = require_caller()
    body = _json_body(REFLECTION_FIELDS)
    reflection = _saved(submit_reflection, user, _input(ReflectionInput(), body),
                        submit=body.get("submit", True))
    return _created(reflection_resource(user, reflection), "api.reflection",
                    reflection_id=reflection.id)


@bp.patch("/reflections/<int:reflection_id>")
def change_reflection(reflection_id: int):
    user = require_caller()
    reflection = get_visible_reflection(user, params.item_id(reflection_id))
    if reflection is None or not can_edit(user, reflection):
        raise ApiError(404)
    body = _json_body(REFLECTION_FIELDS)
    saved = _saved(update_reflection, user, reflection,
                   _input(reflection_as_input(reflection), body),
                   submit=body.get("submit", False))
    return jsonify(reflection_resource(user, saved))
