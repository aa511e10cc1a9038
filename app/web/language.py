"""Dutch by default, English on request.

The reader's choice (the switch on every page) is kept in the session, so no cookie of
its own is needed; without a choice the browser's Accept-Language decides. Interface
text is translated through Flask-Babel's catalogues in app/translations; content stays
in the language it was written in (Dutch), apart from the role and term labels that
have an English label of their own.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, request, session, url_for
from flask_babel import get_locale

from app.extensions import babel

LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT = "nl"
SESSION_KEY = "taal"

bp = Blueprint("language", __name__)


def select_locale() -> str:
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT)


@bp.post("/taal")
def switch():
    """Remember the chosen language and go back to the page the switch was on."""
    code = request.form.get("taal", "")
    if code not in LANGUAGES:
        abort(400)
    session[SESSION_KEY] = code
    from app.web.forms import safe_next  # forms words its options with `localized` below
    return redirect(safe_next(request.form.get("next"), url_for("pages.home")), code=303)


def current_language() -> str:
    return str(get_locale() or DEFAULT)


def localized(item, attribute: str = "label") -> str:
    """A role's or a term's own English label when English is chosen and there is one."""
    if current_language() == "en":
        english = getattr(item, f"{attribute}_en", "")
        if english:
            return english
    return getattr(item, attribute)


def _vary(response):
    """A page differs by the browser's language: caches must keep them apart."""
    response.vary.add("Accept-Language")
    return response


def register_language(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.register_blueprint(bp)
    app.after_request(_vary)
    app.add_template_global(current_language)
    app.add_template_global(LANGUAGES, "LANGUAGES")
    app.add_template_filter(localized)
