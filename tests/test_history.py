"""Revisions: one per save, a readable word-level diff between any two, and restore."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Case, User
from app.services.contributing import history, revisions
from app.services.contributing.cases import CaseInput, submit_case, update_case
from app.services.contributing.reflections import (
    ReflectionInput,
    submit_reflection,
    update_reflection,
)
from tests.support import publish, signed_in

CASE = {"title": "Peilbesluit in de polder", "summary": "Boeren en natuur willen elk een ander"
        " waterpeil.", "body": "De provincie besloot snel over het peil.",
        "roles": ["netwerkend"], "policy_domain": "water", "visibility": "internal"}
SLUG = "peilbesluit-in-de-polder"
HISTORY = f"/casussen/{SLUG}/geschiedenis"


def _write_three_versions(app, users) -> None:
    with app.app_context():
        author = db.session.get(User, users["member"])
        case = submit_case(author, CaseInput(**CASE))
        case.slug = SLUG   # instead of its random tail: one address for every test below
        publish(case)
        update_case(author, case, CaseInput(**{
            **CASE, "body": "De gemeente besloot snel over het peil."}))
        update_case(author, case, CaseInput(**{
            **CASE, "body": "De gemeente besloot na overleg over het peil.",
            "roles": ["netwerkend", "responsief"]}))


def _numbers(app) -> list[int]:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == SLUG))
        return [entry.number for entry in revisions.history(case)]


def test_every_save_is_a_revision_and_a_status_change_is_not(app, users):
    _write_three_versions(app, users)
    assert _numbers(app) == [3, 2, 1]


def test_saving_the_same_text_again_adds_no_revision(ctx, users):
    author = db.session.get(User, users["member"])
    case = submit_case(author, CaseInput(**{**CASE, "roles": ["responsief", "netwerkend"]}))
    update_case(author, case, CaseInput(**{**CASE, "roles": ["netwerkend", "responsief"]}))
    assert [entry.number for entry in revisions.history(case)] == [1]


def test_the_history_page_shows_a_word_level_diff_of_the_latest_change(app, users, member):
    _write_three_versions(app, users)
    html = member.get(HISTORY).get_data(as_text=True)
    assert "Verschil tussen versie 2 en versie 3" in html
    assert '<del><span class="visually-hidden">[eruit:] </span>snel </del>' in html
    assert '<ins><span class="visually-hidden">[erbij:] </span>na overleg </ins>' in html
    assert "<h3>Overheidsrollen</h3>" in html  # roles changed too
    assert "<h3>Titel</h3>" not in html        # the title did not


def test_any_two_revisions_can_be_compared(app, users, member):
    _write_three_versions(app, users)
    html = member.get(f"{HISTORY}?van=1&naar=3").get_data(as_text=True)
    assert "Verschil tussen versie 1 en versie 3" in html
    assert "[eruit:] </span>provincie" in html and "[erbij:] </span>gemeente" in html
    nonsense = member.get(f"{HISTORY}?van=abc&naar=99")
    assert nonsense.status_code == 200 and "versie 2 en versie 3" in nonsense.get_data(
        as_text=True)


def test_restoring_makes_a_new_revision_and_keeps_the_old_ones(app, users, member):
    _write_three_versions(app, users)
    response = member.submit(HISTORY, {}, post_url=f"{HISTORY}/1/herstellen")
    assert response.status_code == 303
    assert "Versie 1 is teruggezet" in member.get(response.headers["Location"]).get_data(
        as_text=True)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == SLUG))
        assert case.body_md == "De provincie besloot snel over het peil."
        assert case.role_ids == ["netwerkend"]
        latest = revisions.history(case)[0]
        assert (latest.number, latest.reason, latest.reason_detail) == (4, "restored", "1")
        assert db.session.scalar(select(AuditEntry.action).order_by(
            AuditEntry.id.desc())) == "restored"
    assert "Versie 1 teruggezet" in member.get(HISTORY).get_data(as_text=True)


def test_editors_may_restore_but_other_readers_see_no_history(app, users, outsider):
    _write_three_versions(app, users)
    assert outsider.get(f"/casussen/{SLUG}").status_code == 200
    assert outsider.get(HISTORY).status_code == 404
    assert outsider.submit(f"/casussen/{SLUG}", {},
                           post_url=f"{HISTORY}/1/herstellen").status_code == 404
    assert app.test_client().get(HISTORY).status_code == 302  # sign in first
    with app.app_context():
        editor = db.session.get(User, users["editor"])
        case = db.session.scalar(select(Case).where(Case.slug == SLUG))
        history.restore(editor, case, 2)
        assert case.body_md == "De gemeente besloot snel over het peil."
    assert _numbers(app) == [4, 3, 2, 1]


def test_a_revision_todays_rules_refuse_is_not_restored_and_says_why(app, users, member):
    _write_three_versions(app, users)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == SLUG))
        first = revisions.revision(case, 1)
        first.fields = {**first.fields, "policy_domain": "verdwenen-terrein"}
        db.session.commit()
    response = member.submit(HISTORY, {}, post_url=f"{HISTORY}/1/herstellen")
    html = member.get(response.headers["Location"]).get_data(as_text=True)
    assert "Versie 1 kan niet worden teruggezet" in html
    assert _numbers(app) == [3, 2, 1]
    with app.app_context():  # the audit entry of the failed restore went with it
        assert "restored" not in db.session.scalars(select(AuditEntry.action)).all()


def test_an_unknown_revision_is_a_404(app, users, member):
    _write_three_versions(app, users)
    assert member.submit(HISTORY, {}, post_url=f"{HISTORY}/9/herstellen").status_code == 404


def test_the_audit_log_does_not_keep_the_title_of_a_private_item(ctx, users):
    """Admins read the log; a private item is for its author's eyes only."""
    author = db.session.get(User, users["member"])
    case = submit_case(author, CaseInput(**{**CASE, "visibility": "private"}))
    update_case(author, case, CaseInput(**{**CASE, "visibility": "private", "body": "Anders."}))
    history.restore(author, case, 1)
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert (entry.action, entry.target, entry.target_label) == ("restored", "", "(privé)")


def test_editors_do_not_see_the_versions_from_when_an_item_was_private(app, users, editor):
    with app.app_context():
        author = db.session.get(User, users["member"])
        case = submit_case(author, CaseInput(**{
            **CASE, "visibility": "private", "body": "Mijn eigen aantekening over de wethouder."}))
        case.slug = SLUG
        update_case(author, case, CaseInput(**CASE), submit=True)  # now internal, for review
    html = editor.get(HISTORY).get_data(as_text=True)
    assert "wethouder" not in html and "Versie 1" not in html
    assert editor.submit(HISTORY, {}, post_url=f"{HISTORY}/1/herstellen").status_code == 404
    member = signed_in(app, "lid@example.nl")
    assert "wethouder" in member.get(f"{HISTORY}?van=1&naar=2").get_data(as_text=True)


def test_a_reflection_history_does_not_name_a_case_the_reader_cannot_see(app, users, editor):
    with app.app_context():
        author = db.session.get(User, users["member"])
        private = submit_case(author, CaseInput(**{**CASE, "title": "Geheime zaak",
                                                   "visibility": "private"}))
        reflection = submit_reflection(author, ReflectionInput(
            title="Over mijn geheime zaak", case=private.slug, situation="Wat er gebeurde.",
            intention="Wat ik ga doen.", roles_acted=["netwerkend"], visibility="internal"))
        update_reflection(author, reflection, ReflectionInput(
            title="Over een zaak", situation="Wat er gebeurde.", intention="Wat ik ga doen.",
            roles_acted=["netwerkend"], visibility="internal"))
        address = f"/reflecties/{reflection.id}/geschiedenis?van=1&naar=2"
    html = editor.get(address).get_data(as_text=True)
    assert "Versie 1" in html or "versie 1" in html
    assert "geheime-zaak" not in html
    assert "geheime-zaak" in signed_in(app, "lid@example.nl").get(address).get_data(
        as_text=True)
