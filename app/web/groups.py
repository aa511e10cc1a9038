"""Learning-group pages."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.services import browse, catalog

bp = Blueprint("groups", __name__, url_prefix="/leergroepen")


@bp.get("/")
def index():
    return render_template("groups/index.html", groups=catalog.groups())


@bp.get("/<slug>")
def detail(slug: str):
    group = catalog.group(slug) or abort(404)
    return render_template("groups/detail.html",
                           overview=browse.group_overview(current_user, group))
