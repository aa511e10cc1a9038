"""Learning-group pages: the group by role, its balance, its activity and its reading
list, which members and editors keep in order here."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.services import catalog
from app.services.permissions import can_curate_reading_list
from app.services.reading import browse, reading_list
from app.services.validation import Refused
from app.web.messages import READING_LIST_DONE, REFUSALS

bp = Blueprint("groups", __name__, url_prefix="/leergroepen")


@bp.get("/")
def index():
    return render_template("groups/index.html", groups=catalog.groups())


@bp.get("/<slug>")
def detail(slug: str):
    group = catalog.group(slug) or abort(404)
    role = None
    if request.args.get("rol"):
        role = catalog.role(request.args["rol"]) or abort(404)
    curating = can_curate_reading_list(current_user, group)
    overview = browse.group_overview(current_user, group, role)
    return render_template(
        "groups/detail.html", overview=overview,
        roles=catalog.roles(), axes=catalog.quadrant_axes(),
        reading=reading_list.entries(current_user, group), curating=curating,
        candidates=reading_list.candidates(group, overview.items) if curating else [])


def _curated_group(slug: str):
    group = catalog.group(slug) or abort(404)
    if not can_curate_reading_list(current_user, group):
        abort(404)
    return group


def _back(group, entry_id: int | None = None):
    """Back to the entry just moved (it has tabindex -1, so keyboard users keep their
    place), or to the list."""
    anchor = f"leerpad-{entry_id}" if entry_id else "leerpad"
    return redirect(url_for("groups.detail", slug=group.slug, _anchor=anchor), code=303)


@bp.post("/<slug>/leerpad")
@login_required
def add_to_reading_list(slug: str):
    group = _curated_group(slug)
    kind, _, item_id = request.form.get("item", "").partition(":")
    if kind not in ("case", "reflection") or not item_id.isdigit():
        flash(str(REFUSALS["reading_list_unknown_item"]), "error")
        return _back(group)
    try:
        reading_list.add(current_user, group, kind, int(item_id), request.form.get("note", ""))
    except Refused as refused:
        flash(str(REFUSALS[refused.code]), "error")
    else:
        flash(str(READING_LIST_DONE["added"]), "success")
    return _back(group)


STEPS = {"omhoog": -1, "omlaag": 1}


@bp.post("/<slug>/leerpad/<int:entry_id>/<step>")
@login_required
def change_reading_list(slug: str, entry_id: int, step: str):
    group = _curated_group(slug)
    try:
        if step in STEPS:
            reading_list.move(current_user, group, entry_id, STEPS[step])
        elif step == "verwijderen":
            reading_list.remove(current_user, group, entry_id)
            flash(str(READING_LIST_DONE["removed"]), "success")
            return _back(group)
        else:
            abort(404)
    except LookupError:
        abort(404)
    return _back(group, entry_id)
