"""The editorial side of items: workflow steps, history and restore, the editors' desk
and the author's own overview. Whatever the step, a user who may not take it gets the
same 404 as for an item that does not exist."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.models import Case, ItemMixin
from app.services import desk, history, merge, revisions, workflow
from app.services.cases import get_visible_case
from app.services.permissions import can_edit, can_review, is_author, is_editor
from app.services.reflections import get_visible_reflection
from app.services.validation import ValidationFailed
from app.web.forms import error_messages
from app.web.messages import MERGE_REFUSALS, WORKFLOW_REFUSALS
from app.web.reflections import MAX_ID

bp = Blueprint("editorial", __name__)

STEP_DONE = {
    "indienen": "Ingediend. De redactie bekijkt het zo snel mogelijk.",
    "publiceren": "Gepubliceerd.",
    "terugsturen": "Teruggestuurd naar de auteur, met uw opmerking.",
    "archiveren": "Gearchiveerd. Het staat niet meer in lijsten en zoekresultaten.",
}
REFLECTION = f"/reflecties/<int(max={MAX_ID}):reflection_id>"


def _case(slug: str) -> Case:
    return get_visible_case(current_user, slug) or abort(404)


def _reflection(reflection_id: int):
    return get_visible_reflection(current_user, reflection_id) or abort(404)


def item_page(item: ItemMixin) -> str:
    if isinstance(item, Case):
        return url_for("cases.detail", slug=item.slug)
    return url_for("reflections.detail", reflection_id=item.id)


def history_page(item: ItemMixin, **args) -> str:
    if isinstance(item, Case):
        return url_for("editorial.case_history", slug=item.slug, **args)
    return url_for("editorial.reflection_history", reflection_id=item.id, **args)


def restore_url(item: ItemMixin, number: int) -> str:
    if isinstance(item, Case):
        return url_for("editorial.case_restore", slug=item.slug, number=number)
    return url_for("editorial.reflection_restore", reflection_id=item.id, number=number)


def status_url(item: ItemMixin) -> str:
    if isinstance(item, Case):
        return url_for("editorial.case_status", slug=item.slug)
    return url_for("editorial.reflection_status", reflection_id=item.id)


def edit_url(item: ItemMixin) -> str:
    if isinstance(item, Case):
        return url_for("cases.edit", slug=item.slug)
    return url_for("reflections.edit", reflection_id=item.id)


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
    except workflow.WorkflowRefused as refused:
        flash(WORKFLOW_REFUSALS[refused.code], "error")
    else:
        flash(STEP_DONE[step], "success")
    return redirect(item_page(item), code=303)


@bp.post("/casussen/<slug>/status")
@login_required
def case_status(slug: str):
    return _change_status(_case(slug))


@bp.post(f"{REFLECTION}/status")
@login_required
def reflection_status(reflection_id: int):
    return _change_status(_reflection(reflection_id))


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
    entries = revisions.history(item)
    older, newer = _chosen_pair(entries)
    by_number = {entry.number: entry for entry in entries}
    changes = (history.compare(by_number[older], by_number[newer])
               if older is not None and newer is not None else None)
    return render_template("editorial/history.html", item=item, entries=entries,
                           older=older, newer=newer, changes=changes)


def _restore(item: ItemMixin, number: int):
    try:
        history.restore(current_user, item, number)
    except (PermissionError, LookupError):
        abort(404)
    except ValidationFailed as failure:
        problems = "; ".join(error_messages(failure).values())
        flash(f"Versie {number} kan niet worden teruggezet: {problems}", "error")
        return redirect(history_page(item), code=303)
    flash(f"Versie {number} is teruggezet. Dat is een nieuwe versie geworden.", "success")
    return redirect(item_page(item), code=303)


@bp.get("/casussen/<slug>/geschiedenis")
@login_required
def case_history(slug: str):
    return _history(_case(slug))


@bp.get(f"{REFLECTION}/geschiedenis")
@login_required
def reflection_history(reflection_id: int):
    return _history(_reflection(reflection_id))


@bp.post("/casussen/<slug>/geschiedenis/<int:number>/herstellen")
@login_required
def case_restore(slug: str, number: int):
    return _restore(_case(slug), number)


@bp.post(f"{REFLECTION}/geschiedenis/<int:number>/herstellen")
@login_required
def reflection_restore(reflection_id: int, number: int):
    return _restore(_reflection(reflection_id), number)


@bp.get("/redactie")
@login_required
def desk_page():
    try:
        today = desk.editors_desk(current_user)
    except PermissionError:
        abort(404)
    return render_template("editorial/desk.html", desk=today)


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
            error = "Kies twee casussen die u kunt lezen."
        elif keep not in (first.slug, second.slug):
            error = "Kies welke casus blijft."
        else:
            survivor, absorbed = (first, second) if keep == first.slug else (second, first)
            try:
                merge.merge_cases(current_user, absorbed, survivor)
            except PermissionError:
                abort(404)
            except merge.MergeRefused as refused:
                error = MERGE_REFUSALS[refused.code]
            else:
                flash(f"‘{absorbed.title}’ is samengevoegd met deze casus. Het oude adres"
                      " leidt voortaan hierheen.", "success")
                return redirect(item_page(survivor), code=303)
    return render_template("editorial/merge.html", first=first, second=second,
                           error=error), (422 if error else 200)


@bp.get("/mijn-bijdragen")
@login_required
def own_items():
    return render_template("editorial/mine.html", items=desk.own_items(current_user))


@bp.app_context_processor
def workflow_context() -> dict:
    """Names the item pages use to offer the steps the reader may take."""
    return {"can_edit": can_edit, "can_review": can_review, "is_author": is_author,
            "is_editor": is_editor,
            "edit_url": edit_url, "history_page": history_page, "status_url": status_url,
            "item_page": item_page, "restore_url": restore_url}
