"""The search page: /zoeken?q=…&rol=…"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.services import catalog
from app.services.search import search_items
from app.web.forms import page_number
from app.web.messages import NOTICES

bp = Blueprint("search", __name__)


@bp.get("/zoeken")
def index():
    roles = catalog.roles_by_id()
    chosen_roles = [role for role in request.args.getlist("rol") if role in roles]
    text = request.args.get("q", "")
    outcome = None
    if text.strip() or chosen_roles:
        outcome = search_items(current_user, text, chosen_roles,
                               page=page_number(request.args))
    return render_template("search.html", outcome=outcome, text=text, roles=roles,
                           chosen_roles=chosen_roles,
                           notices=[NOTICES[code] for code in (outcome.notices if outcome else [])])
