"""The editorial side of items: workflow steps, history and restore, the editors' desk,
the searches that found little, and the author's own overview. Whatever the step, a
user who may not take it gets the same 404 as for an item that does not exist."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.models import MAX_ID, Case, ItemMixin
from app.services.contributing import history
from app.services.contributing.cases import get_visible_case, visible_reflections
from app.services.contributing.reflections import get_visible_reflection
from app.services.editorial import desk, merge, workflow
from app.services.permissions import can_edit, can_review, is_author, is_editor, is_private
from app.services.reading import search_log
from app.services.validation import Refused, ValidationFailed
from app.web.forms import error_messages
from app.web.messages import REFUSALS, STEP_DONE

bp = Blueprint("editorial", __name__)

REFLECTION = f"/reflecties/<int(max={MAX_ID}):reflection_id>"
_KIND_BLUEPRINT = {"case": "cases", "reflection": "reflections"}


def _item(slug: str | None = None, reflection_id: int | None = None) -> ItemMixin:
    """The case or reflection named by the address, if the reader may see it."""
    item = (get_visible_case(current_user, slug) if slug is not None
            else get_visible_reflection(current_user, reflection_id))
    return item or abort(404)


def _address(item: ItemMixin) -> dict:
    if isinstance(item, Case):
        return {"slug": item.slug}
    return {"reflection_id": item.id}


def item_page(item: ItemMixin) -> str:
    return url_for(f"{_KIND_BLUEPRINT[item.search_kind]}.detail", **_address(item))


def edit_url(item: ItemMixin) -> str:
    return url_for(f"{_KIND_BLUEPRINT[item.search_kind]}.edit", **_address(item))


def editorial_url(item: ItemMixin, page: str, **args) -> str:
    """The address of one of the item's pages below (`status`, `history`, `restore`)."""
    return url_for(f"editorial.{item.search_kind}_{page}", **_address(item), **args)


def _change_status(item: ItemMixin):
    step = request.form.get("stap", "")
    try:
        if step == "terugsturen":
            workflow.send_back(current_user, item, request.form.get("opmerking", ""))
        elif step in workflow.STEPS:
            workflow.STEPS[step](current_user, item)
        else:
            abort(400)
    except PermissionError:
        abort(404)
    except Refused as refused:
        flash(str(REFUSALS[refused.code]), "error")
    else:
        flash(str(STEP_DONE[step]), "success")
    return redirect(item_page(item), code=303)


def _chosen_pair(entries) -> tuple[int | None, int | None]:
    """The two revisions to compare: from the address, else the latest and the one before."""
    numbers = [entry.number for entry in entries]
    newer = request.args.get("naar", type=int)
    older = request.args.get("van", type=int)
    newer = newer if newer in numbers else (numbers[0] if numbers else None)
    older = older if older in numbers else next((n for n in numbers if n < (newer or 0)), None)
    return older, newer


def _history(item: ItemMixin):
    if not history.can_see_history(current_user, item):
        abort(404)
    entries = history.readable_history(current_user, item)
    older, newer = _chosen_pair(entries)
    by_number = {entry.number: entry for entry in entries}
    changes = (history.compare(current_user, by_number[older], by_number[newer])
               if older is not None and newer is not None else None)
    merged = {entry.number: history.merged_case(current_user, entry) for entry in entries
              if entry.reason in ("merged", "moved")}
    return render_template("editorial/history.html", item=item, entries=entries,
                           older=older, newer=newer, changes=changes, merged=merged)


def _restore(item: ItemMixin, number: int):
    try:
        history.restore(current_user, item, number)
    except (PermissionError, LookupError):
        abort(404)
    except ValidationFailed as failure:
        problems = "; ".join(error_messages(failure).values())
        flash(_("Versie %(number)s kan niet worden teruggezet: %(problems)s", number=number,
                problems=problems), "error")
        return redirect(editorial_url(item, "history"), code=303)
    flash(_("Versie %(number)s is teruggezet. Dat is een nieuwe versie geworden.",
            number=number), "success")
    return redirect(item_page(item), code=303)


ITEM_ADDRESSES = {"case": "/casussen/<slug>", "reflection": REFLECTION}
# The same pages for both kinds, at each kind's own address: endpoint suffix ->
# (path below the item, methods, what the page does with the item).
ITEM_PAGES = {
    "status": ("status", ["POST"], _change_status),
    "history": ("geschiedenis", ["GET"], _history),
    "restore": ("geschiedenis/<int:number>/herstellen", ["POST"], _restore),
}


def _item_view(show):
    @login_required
    def view(number: int | None = None, **address):
        item = _item(**address)
        return show(item) if number is None else show(item, number)
    return view


for _kind, _prefix in ITEM_ADDRESSES.items():
    for _page, (_path, _methods, _show) in ITEM_PAGES.items():
        bp.add_url_rule(f"{_prefix}/{_path}", f"{_kind}_{_page}", _item_view(_show),
                        methods=_methods)


@bp.get("/redactie")
@login_required
def desk_page():
    try:
        today = desk.editors_desk(current_user)
    except PermissionError:
        abort(404)
    return render_template("editorial/desk.html", desk=today)


@bp.get("/redactie/zoekvragen")
@login_required
def missed_searches():
    """What readers searched for and hardly found, most searchers first (editors only)."""
    try:
        found = search_log.missed_queries(current_user, request.args.get("dagen", type=int))
    except PermissionError:
        abort(404)
    return render_template("editorial/searches.html", log=found, few=search_log.FEW,
                           least_sessions=search_log.MIN_SESSIONS, listed=search_log.LISTED)


def _merge_pair() -> tuple[Case | None, Case | None]:
    """The two cases named in the form or address, each only if the editor may read it."""
    def named(field: str) -> Case | None:
        slug = request.values.get(field, "").strip().rstrip("/").rsplit("/", 1)[-1]
        return get_visible_case(current_user, slug) if slug else None
    return named("van"), named("naar")


@bp.route("/redactie/samenvoegen", methods=["GET", "POST"])
@login_required
def merge_page():
    if not is_editor(current_user):
        abort(404)
    first, second = _merge_pair()
    error = None
    if request.method == "POST":
        keep = request.form.get("blijft")
        if first is None or second is None:
            error = str(REFUSALS["pick_two"])
        elif keep not in (first.slug, second.slug):
            error = str(REFUSALS["pick_survivor"])
        else:
            survivor, absorbed = (first, second) if keep == first.slug else (second, first)
            try:
                merge.merge_cases(current_user, absorbed, survivor)
            except PermissionError:
                abort(404)
            except Refused as refused:
                error = str(REFUSALS[refused.code])
            else:
                flash(_("‘%(title)s’ is samengevoegd met deze casus. Het oude adres leidt"
                        " voortaan hierheen.", title=absorbed.title), "success")
                return redirect(item_page(survivor), code=303)
    readable = {case.slug: len(visible_reflections(current_user, case))
                for case in (first, second) if case is not None}
    return render_template("editorial/merge.html", first=first, second=second,
                           reflection_counts=readable, error=error), (422 if error else 200)


@bp.get("/mijn-bijdragen")
@login_required
def own_items():
    return render_template("editorial/mine.html", items=desk.own_items(current_user))


@bp.app_context_processor
def workflow_context() -> dict:
    """Names the item pages use to offer the steps the reader may take."""
    return {"can_edit": can_edit, "can_review": can_review, "is_author": is_author,
            "is_editor": is_editor, "is_private": is_private,
            "edit_url": edit_url, "editorial_url": editorial_url, "item_page": item_page}
