"""Writing through the API: new cases and reflections, and changes to them.

A request body is checked for shape here (known fields, JSON types), then handed to the
same services as the web forms, which check meaning (required, lengths, vocabularies,
permissions) and store the item with its revision and change-log row in one transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import jsonify, url_for

from app.services.contributing.cases import CASE_KIND
from app.services.contributing.item_kind import FormField, ItemKind
from app.services.contributing.reflections import REFLECTION_KIND
from app.services.permissions import can_edit
from app.services.validation import Refused, ValidationFailed
from app.web.api import bp, params, require_caller
from app.web.api.json_body import json_object
from app.web.api.problems import ApiError, field_problems
from app.web.api.resources import case_resource, reflection_resource

TEXT, TEXTS, YEAR, FLAG = "string", "array of strings", "integer or null", "boolean"
# The JSON type of a form field. A confirmation has none: the API never warns of duplicates.
JSON_TYPES = {FormField.TEXT: TEXT, FormField.TEXTS: TEXTS, FormField.YEAR: YEAR}
WRONG_TYPE = {"nl": "Verkeerd soort waarde; verwacht: {expected}.",
              "en": "Wrong kind of value; expected: {expected}."}
UNKNOWN_FIELD = {"nl": "Dit veld bestaat niet.", "en": "There is no such field."}
# The description names the values a list may hold, and an empty one is none of them. (A
# web form's empty entries are left out by the checks; an API client means something else.)
BLANK_ENTRY = {"nl": "Een lege waarde hoort niet in deze lijst; laat die weg.",
               "en": "An empty value does not belong in this list; leave it out."}


def _body_fields(kind: ItemKind) -> dict[str, str]:
    """The fields a request body may send for `kind`, with their JSON types: the kind's
    form, read once, so a field added to the form is taken by the API as well."""
    return {**{name: JSON_TYPES[form_field] for name, form_field in kind.form.items()
               if form_field in JSON_TYPES},
            "submit": FLAG}


CASE_FIELDS = _body_fields(CASE_KIND)
REFLECTION_FIELDS = _body_fields(REFLECTION_KIND)


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
        elif known[name] == TEXTS and any(not item.strip() for item in value):
            errors[name] = {"code": "blank_entry", "params": {}, "message": BLANK_ENTRY}
    return errors


def _json_body(known: dict[str, str]) -> dict:
    """The request's JSON object, shape-checked; null stands for an empty value."""
    body = json_object()
    errors = _shape_errors(body, known)
    if errors:
        raise ApiError(422, "invalid_input", fields=errors)
    return {name: ("" if value is None else value) for name, value in body.items()}


def _input(kind: ItemKind, base, body: dict):
    """`base` (the kind's input) with the fields the body sends replaced; a year comes as
    a number and goes on as the text a form would send."""
    values = {name: _as_form_value(kind.form[name], value)
              for name, value in body.items() if name != "submit"}
    return replace(base, **values)


def _as_form_value(form_field: FormField, value):
    if form_field is FormField.YEAR and value != "":
        return str(int(value))
    return value


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


@dataclass(frozen=True)
class ApiKind:
    """Where the API's steps for writing one kind of item differ: only in data."""

    kind: ItemKind
    fields: dict[str, str]  # what a body may send, with the JSON types
    resource: Callable[..., dict]  # the item as the API answers with it
    endpoint: str  # the item's own address in the API (web/api/read.py) …
    id_name: str  # … and the name of its id there


CASES = ApiKind(CASE_KIND, CASE_FIELDS, case_resource, "api.case", "case_id")
REFLECTIONS = ApiKind(REFLECTION_KIND, REFLECTION_FIELDS, reflection_resource,
                      "api.reflection", "reflection_id")


def _create(api: ApiKind):
    """A new item, handed to the editors unless the body says `submit: false`."""
    user = require_caller()
    body = _json_body(api.fields)
    item = _saved(api.kind.submit, user, _input(api.kind, api.kind.input_class(), body),
                  submit=body.get("submit", True))
    return _created(api.resource(user, item), api.endpoint, **{api.id_name: item.id})


def _change(api: ApiKind, item_id: int):
    """An edit of the fields the body sends. An item the caller may not edit is as absent
    (404) as one that does not exist, so the answer tells nothing about it."""
    user = require_caller()
    item = api.kind.visible_by_id(user, params.item_id(item_id))
    if item is None or not can_edit(user, item):
        raise ApiError(404)
    body = _json_body(api.fields)
    saved = _saved(api.kind.update, user, item, _input(api.kind, api.kind.as_input(item), body),
                   submit=body.get("submit", False))
    return jsonify(api.resource(user, saved))


@bp.post("/cases")
def create_case():
    return _create(CASES)


@bp.patch("/cases/<int:case_id>")
def change_case(case_id: int):
    return _change(CASES, case_id)


@bp.post("/reflections")
def create_reflection():
    return _create(REFLECTIONS)


@bp.patch("/reflections/<int:reflection_id>")
def change_reflection(reflection_id: int):
    return _change(REFLECTIONS, reflection_id)
