"""Cases: reading them within the permission rules, and submitting new ones."""
from __future__ import annotations

import secrets
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Case,
    LearningGroup,
    Reflection,
    Role,
    Status,
    Term,
    TermKind,
    Visibility,
)
from app.rendering import markdown_problem, render_markdown
from app.services import catalog, organisations
from app.services.contributing.item_kind import FormField, ItemKind, form_input_class
from app.services.editorial.workflow import record_save
from app.services.permissions import (
    can_edit,
    can_submit,
    can_view,
    is_listed,
    visible_condition,
)
from app.services.reading.browse_facets import in_year
from app.services.reading.search import cases_with_title_like
from app.services.validation import Checker, slugify

LIMITS = {"title": 200, "summary": 500, "body": 100_000, "organisation": 200,
          "dilemma": 2_000}
PAGE_SIZE = 20
RESERVED_SLUGS = {"nieuw"}  # path segments under /casussen/ that are pages of their own
# New cases' slugs end in a random tail (see new_slug): 27**4 = 531,441 tails per title.
SLUG_TAIL_ALPHABET = "bcdfghjkmnpqrstvwxz23456789"
SLUG_TAIL_LENGTH = 4
SLUG_DRAWS = 20


TEXT, TEXTS, YEAR = FormField.TEXT, FormField.TEXTS, FormField.YEAR
# The case form's fields, in the order of the form.
CASE_FORM = {
    "title": TEXT, "summary": TEXT, "body": TEXT, "roles": TEXTS, "dominant_role": TEXT,
    "policy_domain": TEXT, "organisation": TEXT, "phase": TEXT, "scale": TEXT,
    "stakeholder_types": TEXTS, "learning_groups": TEXTS, "subthemes": TEXTS,
    "year_start": YEAR, "year_end": YEAR, "dilemma": TEXT, "visibility": TEXT,
    # "1" once the author has seen the likely duplicates and goes on
    "confirm_new": FormField.CONFIRMATION,
}
CaseInput = form_input_class(
    "CaseInput", CASE_FORM, module=__name__,
    defaults={"visibility": Visibility.INTERNAL.value},
    doc="A case as submitted, before checking: every value is what the user sent.")


def _slug(term) -> str:
    return term.slug if term is not None else ""


def case_as_input(case: Case) -> CaseInput:
    """The case as its form would submit it: what the edit form shows, what a revision
    stores and a restore submits again, and what the content export writes. The
    organisation is the text as typed when it was kept (unknown, or naming several
    organisations), else its slug (the form shows its label)."""
    return CaseInput(
        title=case.title, summary=case.summary, body=case.body_md,
        roles=case.role_ids, dominant_role=case.dominant_role_id or "",
        policy_domain=_slug(case.policy_domain),
        organisation=case.organisation or _slug(case.organisation_term),
        phase=_slug(case.phase), scale=_slug(case.scale),
        stakeholder_types=[term.slug for term in case.stakeholder_types],
        learning_groups=[group.slug for group in case.groups],
        subthemes=[theme.slug for theme in case.subthemes],
        year_start=str(case.year_start or ""), year_end=str(case.year_end or ""),
        dilemma=case.dilemma, visibility=case.visibility,
    )


def case_snapshot(case: Case) -> dict:
    """What a revision stores: the form values, without the one-off confirmation."""
    values = asdict(case_as_input(case))
    del values["confirm_new"]
    return values


def _check_taxonomy(check: Checker, data: CaseInput) -> dict:
    roles = check.choices("roles", data.roles, catalog.roles_by_id(), minimum=1)
    dominant = check.choice("dominant_role", data.dominant_role, catalog.roles_by_id())
    if dominant and roles and dominant not in roles:
        check.fail("dominant_role", "not_among", other="roles")
    groups = check.choices("learning_groups", data.learning_groups, catalog.groups_by_slug())
    themes = check.choices("subthemes", data.subthemes, catalog.subthemes_by_slug())
    if any(theme.group not in groups for theme in themes):
        check.fail("subthemes", "not_among", other="learning_groups")
    return {
        "roles": roles,
        "dominant_role": dominant,
        "groups": groups,
        "subthemes": themes,
        "policy_domain": check.choice("policy_domain", data.policy_domain,
                                      catalog.terms_by_slug(TermKind.POLICY_DOMAIN),
                                      required=True),
        "phase": check.choice("phase", data.phase, catalog.terms_by_slug(TermKind.PHASE)),
        "scale": check.choice("scale", data.scale, catalog.terms_by_slug(TermKind.SCALE)),
        "stakeholder_types": check.choices(
            "stakeholder_types", data.stakeholder_types,
            catalog.terms_by_slug(TermKind.STAKEHOLDER_TYPE)),
    }


def _check_markup(check: Checker, body: str, unchanged: str | None) -> None:
    """A body the renderer would show as plain text (app/markdown_limits.py: too deep or
    too much markup to render in bounded time) is refused with the reason, rather than
    saved looking unlike what the author wrote. The rendering is kept for fill_case.
    A body saved before the limits and left `unchanged` by an edit is taken as it is:
    fixing a title must not ask the author to rewrite a text they did not touch."""
    if body and body != unchanged and "body" not in check.errors:
        problem = markdown_problem(body)
        if problem:
            check.fail("body", problem.code, **problem.params)


def check_case(data: CaseInput, author, *, warn_duplicates: bool = False,
               saved_body: str | None = None) -> dict:
    """All problems at once (ValidationFailed), or the cleaned values keyed by attribute.

    `saved_body`: the body the case has now, when this is an edit (see _check_markup).

    `author` is the submitting user, or None for the content import (see Checker.visibility).
    With `warn_duplicates`, a title like that of a case the author can see is refused
    until the author confirms (`confirm_new`) that this case is new all the same.
    """
    check = Checker()
    values = {
        name: check.text(name, getattr(data, name), required=name in {"title", "summary", "body"},
                         max_length=limit)
        for name, limit in LIMITS.items()
    }
    _check_markup(check, values["body"], saved_body)
    values.update(_check_taxonomy(check, data))
    # Free text, found in the vocabulary when it can be: then the case keeps the
    # organisation, else the text as typed (for the editors to file). A text that names
    # several organisations is filed under the one it belongs to and kept as typed, so
    # that the others it names are not lost.
    resolution = organisations.resolve(values["organisation"])
    values["organisation_term"] = resolution.term
    if resolution.term is not None and not resolution.others:
        values["organisation"] = ""
    values["year_start"] = check.year("year_start", data.year_start)
    values["year_end"] = check.year("year_end", data.year_end)
    if values["year_start"] and values["year_end"] and values["year_end"] < values["year_start"]:
        check.fail("year_end", "before_start")
    values["visibility"] = check.visibility(data.visibility, groups=values["groups"],
                                            group_field="learning_groups", author=author)
    if warn_duplicates and values["title"] and not data.confirm_new:
        similar = cases_with_title_like(author, values["title"])
        if similar:
            check.fail("confirm_new", "likely_duplicate",
                       titles=", ".join(f"‘{title}’" for _slug, title in similar))
    check.done()
    return values


def fill_case(case: Case, values: dict) -> None:
    """Copy checked values onto `case`, rendering the Markdown body once, here."""
    values = dict(values)
    case.body_md = values.pop("body")
    rendered = render_markdown(case.body_md)
    case.body_html, case.body_text = rendered.html, rendered.text
    for name, value in values.items():
        setattr(case, name, value)


def new_slug(title: str) -> str:
    """The title as a slug plus a short random tail: `peilbesluit-in-de-polder-k7m2`.

    The tail is always there, and random, because anything else tells the author about
    cases they may not read: a tail (or a number) added only when the title's slug is
    taken would say that some case with this title exists, also a draft, a private case
    or another group's case. So a slug depends on the title and on chance, never on the
    other cases. The alphabet has no vowels (the tail never spells a word) and none of
    0/o, 1/l/i that are misread. A tail that is taken is drawn again; the check is not
    shown to anyone."""
    base = slugify(title)
    for _attempt in range(SLUG_DRAWS):
        tail = "".join(secrets.choice(SLUG_TAIL_ALPHABET) for _ in range(SLUG_TAIL_LENGTH))
        slug = f"{base}-{tail}"
        if db.session.scalar(select(Case.id).where(Case.slug == slug)) is None:
            return slug
    raise RuntimeError("no free slug after drawing several random tails")


def submit_case(user, data: CaseInput, *, submit: bool = True,
                warn_duplicates: bool = False) -> Case:
    """Check and store a new case by `user`, with its first revision, in one transaction.

    `submit` hands it to the editors (see editorial/workflow.py); without it, it stays a draft.
    """
    if not can_submit(user):
        raise PermissionError("sign in to submit a case")
    values = check_case(data, author=user, warn_duplicates=warn_duplicates)
    for _attempt in range(3):  # another process may take the same slug between check and insert
        case = Case(owner_id=user.id)
        fill_case(case, values)
        case.slug = new_slug(case.title)
        db.session.add(case)
        try:
            record_save(user, case, case_snapshot, submit=submit,
                        previous_visibility=None, reason="created")
            db.session.commit()
            return case
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("could not find a free slug")


def update_case(user, case: Case, data: CaseInput, *, submit: bool = False,
                reason: str = "edited", detail: str = "") -> Case:
    """Check and store an edit of `case`, with a new revision; the slug stays, so links
    keep working. Group membership is checked for the case's author, not the editor."""
    if not can_edit(user, case):
        raise PermissionError("only the author and editors edit a case")
    values = check_case(data, author=case.owner, saved_body=case.body_md)
    previous = case.visibility
    fill_case(case, values)
    record_save(user, case, case_snapshot, submit=submit, previous_visibility=previous,
                reason=reason, detail=detail)
    db.session.commit()
    return case


def get_visible_case(user, slug: str) -> Case | None:
    """The case, or None when it does not exist or `user` may not see it (same answer)."""
    case = db.session.scalar(select(Case).where(Case.slug == slug))
    return case if case is not None and can_view(user, case) else None


def visible_case_by_id(user, case_id: int) -> Case | None:
    """By id, for the API (ids stay when a title and so a slug would read differently)."""
    case = db.session.get(Case, case_id)
    return case if case is not None and can_view(user, case) else None


def visible_cases(user):
    """A SELECT of the published cases `user` may see, newest first, to filter further."""
    return (select(Case).where(visible_condition(user, Case, listed=True))
            # Published items always have a publication time: no NULLS LAST, which kept
            # SQLite from walking the published_at index (90 ms → ms at 50,000 cases).
            .order_by(Case.published_at.desc(), Case.id.desc()))


def list_cases(user, *, role: Role | None = None, domain: Term | None = None,
               group: LearningGroup | None = None,
               organisation: organisations.OrganisationFilter | None = None,
               stakeholder_type: Term | None = None, year: int | None = None, page: int = 1,
               per_page: int = PAGE_SIZE):
    statement = visible_cases(user)
    if role is not None:
        statement = statement.where(Case.roles.any(Role.id == role.id))
    if domain is not None:
        statement = statement.where(Case.policy_domain_id == domain.id)
    if group is not None:
        statement = statement.where(Case.groups.any(LearningGroup.id == group.id))
    if organisation is not None:
        statement = statement.where(organisation.condition())
    if stakeholder_type is not None:
        statement = statement.where(Case.stakeholder_types.any(Term.id == stakeholder_type.id))
    if year is not None:
        statement = statement.where(in_year(year))
    # What each card shows, in one query per relation rather than one per case.
    statement = statement.options(selectinload(Case.roles), selectinload(Case.dominant_role),
                                  selectinload(Case.policy_domain))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def case_choices(user) -> list[tuple[str, str]]:
    """(slug, title) of every case `user` may see, by title: what a reflection can be about."""
    rows = db.session.execute(
        select(Case.slug, Case.title).where(visible_condition(user, Case)).order_by(Case.title))
    return [(slug, title) for slug, title in rows]


def newest_cases(user, limit: int = 6) -> list[Case]:
    return list(db.session.scalars(
        visible_cases(user).where(Case.status == Status.PUBLISHED).limit(limit)
    ))


def visible_reflections(user, case: Case) -> list[Reflection]:
    return [reflection for reflection in case.reflections if is_listed(user, reflection)]


CASE_KIND = ItemKind(
    model=Case, form=CASE_FORM, input_class=CaseInput, as_input=case_as_input,
    snapshot=case_snapshot, check=check_case, fill=fill_case, submit=submit_case,
    update=update_case, visible_by_id=visible_case_by_id,
)
