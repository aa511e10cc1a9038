"""What one kind of item (a case, a reflection) is to the steps every kind goes through.

Saving from a web form or the API, importing a content file and restoring a revision
take the same steps for a case and a reflection; they differ only in data: the model,
the form's fields, and the kind's own check, fill and save functions. Each kind's module
describes itself with an ItemKind (cases.CASE_KIND, reflections.REFLECTION_KIND), so a
step is written once and a new field or a new kind is added in one place. What really
differs (the case's slug and its duplicate warning, the reflection's prompts) stays in
the kind's own module.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, make_dataclass
from enum import Enum
from typing import Any

from app.models import ItemMixin


class FormField(Enum):
    """How a form field's value arrives. It decides the field's Python type and default,
    and how the API checks the value's JSON type, from one declaration per field."""

    TEXT = "text"
    TEXTS = "texts"  # repeated form fields, a JSON array, a YAML list
    YEAR = "year"  # text from a form or a file, a number from the API
    # A one-off answer on the web form (go on despite a warning): never stored in a
    # revision, never taken from the API or a content file.
    CONFIRMATION = "confirmation"


_ANNOTATIONS = {FormField.TEXT: str, FormField.TEXTS: list[str],
                FormField.YEAR: str | int | None, FormField.CONFIRMATION: str}


def _declared(form_field: FormField, default: str | None):
    """A list field gets a fresh list each time; `default` replaces the empty text."""
    if form_field is FormField.TEXTS:
        return field(default_factory=list)
    return field(default="" if default is None else default)


def form_input_class(name: str, form: Mapping[str, FormField], *, doc: str, module: str,
                     defaults: Mapping[str, str] | None = None) -> type:
    """A dataclass with one attribute per field of `form`, in the form's order: the
    order in which a revision stores the values and two revisions are compared.

    Every value is what the user sent, before checking; `defaults` are what a new,
    empty form shows (e.g. its visibility). `module` is the declaring module's name,
    which make_dataclass would otherwise give as `types`."""
    defaults = defaults or {}
    return make_dataclass(
        name,
        [(field_name, _ANNOTATIONS[form_field], _declared(form_field, defaults.get(field_name)))
         for field_name, form_field in form.items()],
        namespace={"__doc__": doc, "__module__": module},
    )


@dataclass(frozen=True, eq=False)
class ItemKind:
    """One kind of item as data, for the steps every kind shares.

    The functions are the kind's own: `check(data, author)` returns the cleaned values
    or raises ValidationFailed, `fill(item, values)` copies them onto the item,
    `snapshot(item)` is what a revision stores, `submit(user, data, submit=…)` and
    `update(user, item, data, submit=…)` save with a revision in one transaction, and
    `visible_by_id(user, id)` finds an item only for a reader who may see it."""

    model: type[ItemMixin]
    form: Mapping[str, FormField]
    input_class: type
    as_input: Callable[[Any], Any]
    snapshot: Callable[[Any], dict]
    check: Callable[..., dict]
    fill: Callable[[Any, dict], None]
    submit: Callable[..., Any]
    update: Callable[..., Any]
    visible_by_id: Callable[[Any, int], Any]
