"""The editors' buttons that put a case on the front page and take it off again.

Kept apart from the case pages (web/cases.py): they are an editor's tool on the case, not
part of reading or writing one. Anyone but an editor gets 404, as for a page that does not
exist.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services.contributing.cases import get_visible_case
from app.services.editorial import featured
from app.services.permissions import is_editor
from app.services.validation import Refused
from app.web.messages import REFUSALS

bp = Blueprint("featured", __name__, url_prefix="/casussen")

@bp.app_context_processor
def _feature_button():
    """Lets cases/_feature.html ask which button, if any, the reader gets for a case."""
    return {"feature_button": lambda case: featured.button_for(current_user, case)}


def _case(slug: str):
    if not is_editor(current_user):
        abort(404)
    return get_visible_case(current_user, slug) or abort(404)


def _back(case):
    return redirect(url_for("cases.detail", slug=case.slug), code=303)


@bp.post("/<slug>/uitlichten")
def feature(slug: str):
    case = _case(slug)
    try:
        featured.feature(current_user, case)
    except Refused as refusal:
        flash(str(REFUSALS[refusal.code]), "error")
    else:
        flash(_("De casus staat nu op de voorpagina, bij ‘Uitgelicht’."), "success")
    return _back(case)


@bp.post("/<slug>/niet-uitlichten")
def unfeature(slug: str):
    case = _case(slug)
    featured.unfeature(current_user, case)
    flash(_("De casus staat niet meer op de voorpagina."), "success")
    return _back(case)
