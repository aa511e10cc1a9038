"""The editorial workflow: draft → submitted → published, sent back, archived; editing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Case, Reflection, User
from app.services.contributing.cases import CaseInput, case_as_input, submit_case, update_case
from app.services.contributing.reflections import (
    ReflectionInput,
    reflection_as_input,
    submit_reflection,
    update_reflection,
)
from app.services.editorial import workflow
from app.services.validation import Refused, ValidationFailed
from tests.support import sync_index

CASE = {"title": "Peilbesluit in de polder", "summary": "Boeren en natuur willen elk een ander"
        " waterpeil.", "body": "Het waterschap zocht een peil dat iedereen kon dragen.",
        "roles": ["netwerkend"], "policy_domain": "water", "visibility": "public"}


WORKFLOW_ACTIONS = {"submitted", "published", "sent_back", "archived", "restored"}


def _case(app, title=CASE["title"]) -> Case:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.title == title))
        db.session.expunge(case)
        return case


def _slug(response) -> str:
    """The new case's slug (its title and a random tail), from where the form sent its
    author."""
    return response.headers["Location"].rsplit("/", 1)[1]


def _actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(entry.action, entry.actor_email)
                for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if entry.action in WORKFLOW_ACTIONS]


def _step(browser, slug, step, **extra):
    return browser.submit(f"/casussen/{slug}", {"stap": step, **extra},
                          post_url=f"/casussen/{slug}/status")


def test_a_draft_is_seen_by_its_author_and_editors_only(app, member, outsider, editor):
    response = member.submit("/casussen/nieuw", {**CASE, "actie": "concept"})
    slug = _slug(response)
    assert "opgeslagen als concept" in member.get(response.headers["Location"]).get_data(
        as_text=True)
    assert _case(app).status == "draft"
    assert member.get(f"/casussen/{slug}").status_code == 200
    assert editor.get(f"/casussen/{slug}").status_code == 200
    assert outsider.get(f"/casussen/{slug}").status_code == 404
    assert app.test_client().get(f"/casussen/{slug}").status_code == 404
    assert "Peilbesluit" not in member.get("/casussen/").get_data(as_text=True)
    assert "Peilbesluit" in member.get("/mijn-bijdragen").get_data(as_text=True)


def test_submit_publish_and_the_audit_trail(app, member, editor):
    slug = _slug(member.submit("/casussen/nieuw", {**CASE, "actie": "concept"}))
    _step(member, slug, "indienen")
    assert _case(app).status == "submitted" and _case(app).submitted_at is not None
    assert "Peilbesluit in de polder" in editor.get("/redactie").get_data(as_text=True)
    page = editor.get(f"/casussen/{slug}").get_data(as_text=True)
    assert 'value="publiceren"' in page and 'value="terugsturen"' in page
    _step(editor, slug, "publiceren")
    assert _case(app).status == "published" and _case(app).published_at is not None
    sync_index(app)
    assert "Peilbesluit in de polder" in app.test_client().get(
        "/zoeken?q=peilbesluit").get_data(as_text=True)
    assert _actions(app) == [("submitted", "lid@example.nl"),
                             ("published", "redactie@example.nl")]


def test_the_queue_is_served_oldest_first(app, member, editor):
    for title in ("Eerste ingediend", "Tweede ingediend"):
        member.submit("/casussen/nieuw", {**CASE, "title": title})
    html = editor.get("/redactie").get_data(as_text=True)
    queue = html[html.index('id="queue-heading"'):html.index('id="recent-heading"')]
    assert queue.index("Eerste ingediend") < queue.index("Tweede ingediend")


def test_sending_back_needs_a_comment_and_shows_it_to_the_author(app, member, editor):
    slug = _slug(member.submit("/casussen/nieuw", CASE))
    refused = _step(editor, slug, "terugsturen", opmerking=" ")
    assert "Schrijf de auteur waarom" in editor.get(refused.headers["Location"]).get_data(
        as_text=True)
    assert _case(app).status == "submitted"
    _step(editor, slug, "terugsturen",
          opmerking="Noem de soorten belanghebbenden.")
    assert _case(app).status == "sent_back"
    for page in (f"/casussen/{slug}", "/mijn-bijdragen"):
        assert "Noem de soorten belanghebbenden." in member.get(page).get_data(as_text=True)
    _step(member, slug, "indienen")
    assert _case(app).status == "submitted" and _case(app).review_comment == ""
    assert ("sent_back", "redactie@example.nl") in _actions(app)


def test_archived_items_leave_the_lists_but_editors_can_still_open_them(app, member, editor):
    slug = _slug(member.submit("/casussen/nieuw", CASE))
    _step(editor, slug, "publiceren")
    _step(editor, slug, "archiveren")
    assert _case(app).status == "archived"
    assert "Peilbesluit" not in app.test_client().get("/casussen/").get_data(as_text=True)
    assert app.test_client().get(f"/casussen/{slug}").status_code == 404
    assert editor.get(f"/casussen/{slug}").status_code == 200
    assert ("archived", "redactie@example.nl") in _actions(app)


def test_participants_cannot_take_editorial_steps(app, member, outsider):
    slug = _slug(member.submit("/casussen/nieuw", CASE))
    assert _step(member, slug, "publiceren").status_code == 404
    assert _step(outsider, slug, "indienen").status_code == 404
    assert _case(app).status == "submitted"


def test_a_private_item_is_final_at_once_and_invisible_to_editors(app, member, editor):
    slug = _slug(member.submit("/casussen/nieuw", {**CASE, "visibility": "private"}))
    assert _case(app).status == "published"
    assert editor.get(f"/casussen/{slug}").status_code == 404
    assert _step(editor, slug, "archiveren").status_code == 404
    assert "Peilbesluit" not in editor.get("/redactie").get_data(as_text=True)
    assert _case(app).status == "published"


def test_an_author_edit_of_a_published_item_stays_published_unless_it_reaches_further(
        ctx, users):
    author = db.session.get(User, users["member"])
    editor = db.session.get(User, users["editor"])
    case = submit_case(author, CaseInput(**{**CASE, "visibility": "internal"}))
    workflow.publish(editor, case)
    update_case(author, case, CaseInput(**{**CASE, "visibility": "internal",
                                           "summary": "Een scherpere samenvatting."}))
    assert case.status == "published"
    update_case(author, case, CaseInput(**{**CASE, "visibility": "public"}))
    assert case.status == "submitted"
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "submitted")


def test_editors_edit_without_changing_the_status_and_members_rules_stay_the_authors(
        ctx, users):
    member = db.session.get(User, users["member"])
    editor = db.session.get(User, users["editor"])  # not in Leergroep Water
    case = submit_case(member, CaseInput(**{**CASE, "visibility": "group",
                                            "learning_groups": ["water"]}))
    workflow.publish(editor, case)
    data, slug = case_as_input(case), case.slug
    data.title = "Peilbesluit, door de redactie verbeterd"
    update_case(editor, case, data)
    assert case.title == "Peilbesluit, door de redactie verbeterd"
    assert case.status == "published" and case.slug == slug


def test_others_cannot_edit(app, member, outsider):
    slug = _slug(member.submit("/casussen/nieuw", CASE))
    assert outsider.get(f"/casussen/{slug}/bewerken").status_code == 404
    response = outsider.client.post(f"/casussen/{slug}/bewerken", data=CASE)
    assert response.status_code in (400, 404)  # no CSRF token, and no right anyway
    with app.app_context():
        outsider_user = db.session.scalar(select(User).where(User.email == "buiten@example.nl"))
        case = db.session.scalar(select(Case).where(Case.slug == slug))
        with pytest.raises(PermissionError):
            update_case(outsider_user, case, CaseInput(**CASE))


def test_the_edit_form_shows_the_item_and_keeps_what_was_typed_on_errors(app, member):
    slug = _slug(member.submit("/casussen/nieuw", CASE))
    form = member.get(f"/casussen/{slug}/bewerken").get_data(as_text=True)
    assert 'value="Peilbesluit in de polder"' in form and "Casus bewerken" in form
    response = member.submit(f"/casussen/{slug}/bewerken",
                             {**CASE, "title": "", "summary": "Nieuwe samenvatting"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nieuwe samenvatting" in html
    assert _case(app).title == "Peilbesluit in de polder"


def test_reflections_follow_the_same_workflow(app, member, editor):
    response = member.submit("/reflecties/nieuw", {
        "title": "Een avond aan tafel", "situation": "Wat er gebeurde.",
        "intention": "Wat ik ga doen.", "roles_acted": ["netwerkend"],
        "visibility": "internal", "actie": "concept"})
    address = response.headers["Location"]
    assert editor.get(address).status_code == 200
    assert app.test_client().get(address).status_code == 404
    refused = editor.submit(address, {"stap": "publiceren"}, post_url=f"{address}/status")
    assert "nog niet ingediend" in editor.get(refused.headers["Location"]).get_data(
        as_text=True)  # a draft is the author's until they hand it in
    member.submit(address, {"stap": "indienen"}, post_url=f"{address}/status")
    editor.submit(address, {"stap": "publiceren"}, post_url=f"{address}/status")
    with app.app_context():
        reflection = db.session.scalar(select(Reflection).where(
            Reflection.title == "Een avond aan tafel"))
        assert reflection.status == "published"
    edited = member.submit(f"{address}/bewerken", {
        "title": "Een avond aan tafel", "situation": "Wat er echt gebeurde.",
        "intention": "Wat ik ga doen.", "roles_acted": ["netwerkend"],
        "visibility": "internal", "actie": "opslaan"})
    assert edited.status_code == 303


def test_a_step_that_does_not_fit_the_status_is_refused(ctx, users):
    author = db.session.get(User, users["member"])
    editor = db.session.get(User, users["editor"])
    case = submit_case(author, CaseInput(**CASE))
    workflow.publish(editor, case)
    with pytest.raises(Refused):
        workflow.publish(editor, case)
    with pytest.raises(ValidationFailed):
        update_case(author, case, CaseInput(**{**CASE, "title": ""}))


def test_an_editor_edit_keeps_a_reflection_on_a_case_the_editor_cannot_read(ctx, users):
    author = db.session.get(User, users["member"])
    editor = db.session.get(User, users["editor"])
    private = submit_case(author, CaseInput(**{**CASE, "visibility": "private"}))
    reflection = submit_reflection(author, ReflectionInput(
        title="Over mijn eigen casus", case=private.slug, situation="Wat er gebeurde.",
        intention="Wat ik ga doen.", roles_acted=["netwerkend"], visibility="internal"))
    data = reflection_as_input(reflection)
    data.case, data.title = "", "Over mijn eigen casus, verbeterd"  # the editor's form
    update_reflection(editor, reflection, data)
    assert reflection.case is private and reflection.title.endswith("verbeterd")
