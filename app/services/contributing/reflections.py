"""Reflections: reading them within the permission rules, and submitting new ones."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import PROMPT_FIELDS, Case, Reflection, Role, TermKind, Visibility
from app.services import catalog
from app.services.contributing.item_kind import FormField, ItemKind, form_input_class
from app.services.editorial.workflow import record_save
from app.services.permissions import can_edit, can_submit, can_view, visible_condition
from app.services.validation import Checker, has_control_characters

LIMITS = {"title": 200, **{name: 5_000 for name in PROMPT_FIELDS}, "switch_note": 2_000}
REQUIRED = {"title", "situation", "intention"}
PAGE_SIZE = 20
# The prompts as participants know them from the programme; also the section headings
# of a reflection file in content/reflections/.
PROMPT_HEADINGS = {
    "situation": "Situatie",
    "looking_back": "Terugblik",
    "dilemma": "Kern en dilemma",
    "quality_pitfall": "Kwaliteit en valkuil",
    "alternatives": "Alternatieven",
    "intention": "Voornemen",
    "lesson": "Les voor de leergroep",
}


TEXT, TEXTS = FormField.TEXT, FormField.TEXTS
# The reflection form's fields, in the order of the form.
REFLECTION_FORM = {
    "title": TEXT, "case": TEXT,  # the slug of the case it reflects on, if any
    "context": TEXT, "learning_group": TEXT, "occurred_on": TEXT,
    **dict.fromkeys(PROMPT_FIELDS, TEXT),
    "roles_acted": TEXTS, "roles_asked": TEXTS,
    "switch_from": TEXT, "switch_to": TEXT, "switch_note": TEXT, "visibility": TEXT,
}
ReflectionInput = form_input_class(
    "ReflectionInput", REFLECTION_FORM, module=__name__,
    defaults={"visibility": Visibility.GROUP.value},
    doc="A reflection as submitted, before checking.")


def reflection_as_input(reflection: Reflection) -> ReflectionInput:
    """The reflection as its form would submit it (edit form, revisions, export)."""
    return ReflectionInput(
        title=reflection.title,
        case=reflection.case.slug if reflection.case else "",
        context=reflection.context.slug if reflection.context else "",
        learning_group=reflection.group.slug if reflection.group else "",
        occurred_on=reflection.occurred_on.isoformat() if reflection.occurred_on else "",
        **{name: getattr(reflection, name) for name in PROMPT_FIELDS},
        roles_acted=[role.id for role in reflection.roles_acted],
        roles_asked=[role.id for role in reflection.roles_asked],
        switch_from=reflection.switch_from_id or "", switch_to=reflection.switch_to_id or "",
        switch_note=reflection.switch_note, visibility=reflection.visibility,
    )


def reflection_snapshot(reflection: Reflection) -> dict:
    """What a revision stores: the form values."""
    return asdict(reflection_as_input(reflection))


def _check_case(check: Checker, author, slug: str) -> Case | None:
    """Only a case the author can see may be reflected on; others look nonexistent.

    A slug with control characters is refused before the lookup: PostgreSQL refuses a
    NUL byte in a query, which would otherwise end the request in a 500."""
    slug = (slug or "").strip()
    if not slug:
        return None
    if has_control_characters(slug):
        check.fail("case", "control_characters")
        return None
    case = db.session.scalar(select(Case).where(Case.slug == slug))
    if case is None or (author is not None and not can_view(author, case)):
        check.fail("case", "unknown", value=slug)
        return None
    return case


def _check_roles(check: Checker, data: ReflectionInput) -> dict:
    roles = catalog.roles_by_id()
    switch_from = check.choice("switch_from", data.switch_from, roles)
    switch_to = check.choice("switch_to", data.switch_to, roles)
    if bool(switch_from) != bool(switch_to):
        check.fail("switch_to" if switch_from else "switch_from", "switch_incomplete")
    elif switch_from and switch_from is switch_to:
        check.fail("switch_to", "switch_same")
    return {
        "roles_acted": check.choices("roles_acted", data.roles_acted, roles, minimum=1),
        "roles_asked": check.choices("roles_asked", data.roles_asked, roles),
        "switch_from": switch_from,
        "switch_to": switch_to,
    }


def check_reflection(data: ReflectionInput, author) -> dict:
    """All problems at once (ValidationFailed), or the cleaned values keyed by attribute.

    `author` is the submitting user, or None for the content import: editors' seed
    reflections may refer to any case and any learning group.
    """
    check = Checker()
    values = {
        name: check.text(name, getattr(data, name), required=name in REQUIRED,
                         max_length=limit)
        for name, limit in LIMITS.items()
    }
    values.update(_check_roles(check, data))
    values["case"] = _check_case(check, author, data.case)
    values["context"] = check.choice("context", data.context,
                                     catalog.terms_by_slug(TermKind.REFLECTION_CONTEXT))
    values["group"] = check.choice("learning_group", data.learning_group,
                                   catalog.groups_by_slug())
    values["occurred_on"] = check.date("occurred_on", data.occurred_on)
    values["visibility"] = check.visibility(
        data.visibility, groups=[values["group"]] if values["group"] else [],
        group_field="learning_group", author=author)
    check.done()
    return values


def fill_reflection(reflection: Reflection, values: dict) -> None:
    for name, value in values.items():
        setattr(reflection, name, value)


def submit_reflection(user, data: ReflectionInput, *, submit: bool = True) -> Reflection:
    """Check and store a new reflection by `user`, with its first revision; `submit`
    hands it to the editors (see editorial/workflow.py), without it, it stays a draft."""
    if not can_submit(user):
        raise PermissionError("sign in to submit a reflection")
    values = check_reflection(data, author=user)
    reflection = Reflection(owner_id=user.id)
    fill_reflection(reflection, values)
    db.session.add(reflection)
    record_save(user, reflection, reflection_snapshot, submit=submit,
                previous_visibility=None, reason="created")
    db.session.commit()
    return reflection


def update_reflection(user, reflection: Reflection, data: ReflectionInput, *,
                      submit: bool = False, reason: str = "edited", detail: str = ""
                      ) -> Reflection:
    """Check and store an edit, with a new revision. The case and group rules are those
    of the reflection's author, also when an editor makes the edit."""
    if not can_edit(user, reflection):
        raise PermissionError("only the author and editors edit a reflection")
    if reflection.case is not None and not can_view(user, reflection.case):
        # The editor's form could not offer a case they cannot read: keep the link.
        data = replace(data, case=reflection.case.slug)
    values = check_reflection(data, author=reflection.owner)
    previous = reflection.visibility
    fill_reflection(reflection, values)
    record_save(user, reflection, reflection_snapshot, submit=submit,
                previous_visibility=previous, reason=reason, detail=detail)
    db.session.commit()
    return reflection


def get_visible_reflection(user, reflection_id: int) -> Reflection | None:
    reflection = db.session.get(Reflection, reflection_id)
    return reflection if reflection is not None and can_view(user, reflection) else None


def case_shown_with(user, reflection: Reflection) -> Case | None:
    """The case a reflection is about, if the reader may see that case too: a public
    reflection on a group case must not show the case's title to everyone."""
    case = reflection.case
    return case if case is not None and can_view(user, case) else None


def visible_reflections(user):
    """A SELECT of the published reflections `user` may see, newest first."""
    return (select(Reflection).where(visible_condition(user, Reflection, listed=True))
            .order_by(Reflection.occurred_on.desc().nulls_last(), Reflection.id.desc()))


@dataclass
class ReflectionFilter:
    """What the reflection list narrows to: roles acted from or asked for, or a switch
    from one role to another (the cells of the patterns page lead here)."""

    acted: Role | None = None
    asked: Role | None = None
    switch_from: Role | None = None
    switch_to: Role | None = None


def list_reflections(user, page: int = 1, chosen: ReflectionFilter | None = None,
                     per_page: int = PAGE_SIZE):
    statement = visible_reflections(user)
    chosen = chosen or ReflectionFilter()
    if chosen.acted is not None:
        statement = statement.where(Reflection.roles_acted.any(Role.id == chosen.acted.id))
    if chosen.asked is not None:
        statement = statement.where(Reflection.roles_asked.any(Role.id == chosen.asked.id))
    if chosen.switch_from is not None:
        statement = statement.where(Reflection.switch_from_id == chosen.switch_from.id)
    if chosen.switch_to is not None:
        statement = statement.where(Reflection.switch_to_id == chosen.switch_to.id)
    # What each card shows, in one query per relation rather than one per reflection.
    statement = statement.options(selectinload(Reflection.roles_acted),
                                  selectinload(Reflection.roles_asked),
                                  selectinload(Reflection.context))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


REFLECTION_KIND = ItemKind(
    model=Reflection, form=REFLECTION_FORM, input_class=ReflectionInput,
    as_input=reflection_as_input, snapshot=reflection_snapshot, check=check_reflection,
    fill=fill_reflection, submit=submit_reflection, update=update_reflection,
    visible_by_id=get_visible_reflection,
)
