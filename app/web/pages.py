"""The front page, the role pages and the fixed information pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from app.services import catalog
from app.services.contributing.cases import newest_cases
from app.services.editorial.featured import featured_cases
from app.services.reading import browse
from app.web.templating import number

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return render_template(
        "home.html",
        roles=catalog.roles(),
        counts=catalog.role_counts(current_user),
        axes=catalog.quadrant_axes(),
        featured=featured_cases(current_user),
        newest=newest_cases(current_user),
    )


@bp.get("/rollen")
def roles():
    return render_template("roles.html", roles=catalog.roles(),
                           counts=catalog.role_counts(current_user), axes=catalog.quadrant_axes())


@bp.get("/rollen/<role_id>")
def role(role_id: str):
    role = catalog.role(role_id) or abort(404)
    return render_template("role.html", overview=browse.role_overview(current_user, role))


@bp.get("/toegankelijkheid")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    """With the session lifetime and the search log's days as configured, so that the
    page says what happens."""
    lifetime = current_app.permanent_session_lifetime.total_seconds() / 3600
    return render_template("pages/privacy.html", hours=number(round(lifetime, 1)),
                           search_days=current_app.config["SEARCH_LOG_DAYS"])
