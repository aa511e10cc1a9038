"""The steps the case and reflection forms share: check who may edit, save, say what
happened and go to the item.

The two kinds differ here only in data (services/contributing/item_kind.py, ItemKind:
the form's input, its save). What really differs, how an item is found from its address,
the form's options and the new case's duplicate warning, stays in web/cases.py and
web/reflections.py.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request
from flask_login import current_user

from app.models import Case, ItemMixin
from app.services.contributing.item_kind import ItemKind
from app.services.permissions import can_edit
from app.web.editorial import item_page
from app.web.forms import saved_message, submit_wanted, submitted
from app.web.messages import UNFILED_ORGANISATION


def saved_response(item: ItemMixin):
    """After a save: what happened (the same button can end in different statuses), then
    the item's page, with 303 so that reloading it does not send the form again."""
    flash(saved_message(item), "success")
    if isinstance(item, Case) and item.organisation:  # a name the vocabulary does not know
        flash(str(UNFILED_ORGANISATION).format(name=item.organisation), "info")
    return redirect(item_page(item), code=303)


def edit_page(kind: ItemKind, item: ItemMixin, render_form: Callable):
    """The edit form of an `item` the reader may see, and saving it. A reader who may
    not edit it gets the same 404 as for an item that does not exist.

    `render_form(form, errors)` shows the kind's form again, as typed, with its errors."""
    if not can_edit(current_user, item):
        abort(404)
    form, errors = kind.as_input(item), {}
    if request.method == "POST":
        wanted = submit_wanted()
        form, errors, saved = submitted(
            kind.input_class, lambda user, data: kind.update(user, item, data, submit=wanted))
        if saved:
            return saved_response(saved)
    return render_form(form, errors)
