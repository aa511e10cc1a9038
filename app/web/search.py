"""The search page: /zoeken?q=…&rol=…&leergroep=…&jaar=…&sorteer=nieuwste"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.services import catalog
from app.services.reading.search import PARAMETERS, search_items
from app.services.reading.search_log import note_search
from app.web.auth import searcher_key
from app.web.forms import page_number
from app.web.language import current_language
from app.web.search_notices import notice_text

bp = Blueprint("search", __name__)


@bp.get("/zoeken")
def index():
    chosen = {name: request.args.getlist(name) for name in PARAMETERS
              if request.args.getlist(name)}
    text = request.args.get("q", "")
    outcome = None
    if text.strip() or chosen:
        outcome = search_items(current_user, text, chosen, page=page_number(request.args),
                               sort=request.args.get("sorteer", "relevantie"),
                               language=current_language())
        note_search(current_user, outcome, searcher_key())
    return render_template(
        "search.html", outcome=outcome, text=text, roles=catalog.roles_by_id(),
        axes=catalog.quadrant_axes(),
        notices=[notice_text(code, values) for code, values in
                 (outcome.notices if outcome else [])])
