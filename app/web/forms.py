"""Between HTML forms and service inputs: reading fields, wording errors."""
from __future__ import annotations

from dataclasses import fields
from urllib.parse import urlsplit

from flask import request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.services.validation import ValidationFailed
from app.web.language import localized
from app.web.messages import SAVED_MESSAGES, describe


def input_from_form(input_class, form: MultiDict):
    """Fill a CaseInput/ReflectionInput from a submitted form; lists from repeated fields."""
    values = {
        spec.name: form.getlist(spec.name) if spec.default_factory is list
        else form.get(spec.name, "")
        for spec in fields(input_class) if spec.name in form or spec.default_factory is list
    }
    return input_class(**values)


LAST_PAGE = 10_000  # far beyond any real list; keeps absurd numbers away from the database


def page_number(args: MultiDict) -> int:
    """The `page` of the address as a sensible whole number (1 when missing or nonsense)."""
    return min(max(args.get("page", 1, type=int), 1), LAST_PAGE)


def options(items, value: str = "slug", label: str = "label") -> list[tuple[str, str]]:
    """(value, label) pairs for a select or a group of checkboxes, labels in the reader's
    language where the vocabulary has an English one."""
    return [(getattr(item, value), localized(item, label)) for item in items]


def submitted(input_class, submit):
    """Read the posted form into `input_class` and hand it to the service `submit`.

    Returns (form, errors, item): the item when it was saved, else the message per
    field, with the form as typed so the page can show it again.
    """
    form = input_from_form(input_class, request.form)
    try:
        return form, {}, submit(current_user, form)
    except ValidationFailed as failure:
        return form, error_messages(failure), None


def submit_wanted() -> bool:
    """Which button sent the form: only "Opslaan als concept" and "Wijzigingen opslaan"
    do not hand the item in; a form sent without a button (Enter, old pages) does."""
    return request.form.get("actie", "indienen") == "indienen"


def saved_message(noun: str, item) -> str:
    """What happened to the item, since the same button can have different outcomes.

    `noun` is already in the reader's language ("casus", "reflectie")."""
    return str(SAVED_MESSAGES[item.status]).format(noun=noun)


def error_messages(failure: ValidationFailed) -> dict[str, str]:
    """Field name to its message, in the order the service found them."""
    return {name: describe(name, error) for name, error in failure.errors.items()}


def safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site: never another host, so a link cannot bounce users away."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target
