"""The editors' desk: the queue, recent changes, incomplete items, possible duplicates."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Case, LearningGroup, Reflection, Role, Term, User, utcnow
from app.services.contributing import revisions
from app.services.contributing.cases import case_as_input, update_case
from app.services.editorial import merge, workflow
from app.services.validation import Refused
from tests.support import signed_in, sync_index

EDITOR = "redactie@example.nl"


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else len(html)]


def _desk_section(app, heading_id: str) -> str:
    return _section(signed_in(app, EDITOR).get("/redactie").get_data(as_text=True), heading_id)


def test_only_editors_reach_the_desk(app, users, member):
    assert member.get("/redactie").status_code == 404
    assert app.test_client().get("/redactie").status_code == 302
    assert signed_in(app, EDITOR).get("/redactie").status_code == 200


def test_items_without_roles_or_summary_are_listed(app, users):
    with app.app_context():
        owner = db.session.get(User, users["member"])
        db.session.add(Case(slug="zonder-rollen", title="Casus zonder rollen", summary="Kort.",
                            owner=owner, status="draft", visibility="internal"))
        db.session.add(Case(slug="zonder-samenvatting", title="Casus zonder samenvatting",
                            summary="", owner=owner, status="published", visibility="public"))
        db.session.add(Case(slug="prive-zonder-rollen", title="Privé zonder rollen",
                            summary="", owner=owner, status="draft", visibility="private"))
        db.session.commit()
    incomplete = _desk_section(app, "incomplete-heading")
    assert "Casus zonder rollen" in incomplete and "Casus zonder samenvatting" in incomplete
    assert "Privé zonder rollen" not in incomplete
    assert "Geluidsmaatregelen HSL-Zuid" not in incomplete


def test_cases_with_nearly_the_same_title_are_paired_once(app, users):
    with app.app_context():
        water = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
        db.session.add(Case(slug="hsl-zuid-dubbel", title="Geluidsmaatregelen HSL-Zuid",
                            summary="Nog een keer.", status="submitted", visibility="group",
                            groups=[water]))
        db.session.commit()
    sync_index(app)
    duplicates = _desk_section(app, "duplicates-heading")
    assert duplicates.count("/casussen/hsl-zuid-dubbel") == 1
    assert "/casussen/geluidsmaatregelen-hsl-zuid" in duplicates


def test_recent_changes_come_newest_first(app, users, member):
    for title in ("Eerder gewijzigd", "Later gewijzigd"):
        member.submit("/casussen/nieuw", {
            "title": title, "summary": "Samenvatting.", "body": "Tekst.",
            "roles": ["netwerkend"], "policy_domain": "water", "visibility": "internal"})
    recent = _desk_section(app, "recent-heading")
    assert recent.index("Later gewijzigd") < recent.index("Eerder gewijzigd")


# -- merging duplicates ---------------------------------------------------------------------

def _two_cases_with_a_reflection(app, users):
    with app.app_context():
        owner = db.session.get(User, users["member"])
        valid = {"body_md": "Tekst.", "roles": [db.session.get(Role, "netwerkend")],
                 "policy_domain": db.session.scalar(select(Term).where(Term.slug == "water")),
                 "owner": owner, "status": "published", "published_at": utcnow(),
                 "visibility": "public"}
        old = Case(slug="peilbesluit-oud", title="Peilbesluit", summary="Eerste versie.",
                   **valid)
        new = Case(slug="peilbesluit-nieuw", title="Peilbesluit in de polder",
                   summary="Tweede versie.", **{**valid, "roles": list(valid["roles"])})
        db.session.add_all([old, new])
        db.session.add(Reflection(title="Aan tafel over het peil", case=old, owner=owner,
                                  status="published", visibility="public"))
        db.session.commit()


def test_merging_moves_reflections_and_the_old_address_redirects(app, users):
    _two_cases_with_a_reflection(app, users)
    editor = signed_in(app, EDITOR)
    page = editor.get("/redactie/samenvoegen?van=peilbesluit-oud&naar=/casussen/peilbesluit-nieuw")
    assert 'value="peilbesluit-oud"' in page.get_data(as_text=True)
    response = editor.submit(
        "/redactie/samenvoegen?van=peilbesluit-oud&naar=peilbesluit-nieuw",
        {"van": "peilbesluit-oud", "naar": "peilbesluit-nieuw", "blijft": "peilbesluit-nieuw"},
        post_url="/redactie/samenvoegen")
    assert response.status_code == 303
    visitor = app.test_client().get("/casussen/peilbesluit-oud")
    assert visitor.status_code == 301
    assert visitor.headers["Location"].endswith("/casussen/peilbesluit-nieuw")
    survivor = app.test_client().get("/casussen/peilbesluit-nieuw").get_data(as_text=True)
    assert "Aan tafel over het peil" in survivor
    with app.app_context():
        absorbed = db.session.scalar(select(Case).where(Case.slug == "peilbesluit-oud"))
        assert absorbed.status == "archived" and absorbed.reflections == []
        assert db.session.scalar(select(AuditEntry.action).order_by(
            AuditEntry.id.desc())) == "merged"
    history = editor.get("/casussen/peilbesluit-nieuw/geschiedenis").get_data(as_text=True)
    assert "Een andere casus samengevoegd met deze" in history
    assert 'href="/casussen/peilbesluit-oud/geschiedenis">Peilbesluit</a>' in history
    assert editor.get("/casussen/peilbesluit-oud/geschiedenis").status_code == 200


def test_merging_is_refused_when_it_makes_no_sense_or_is_not_allowed(app, users, member):
    _two_cases_with_a_reflection(app, users)
    editor = signed_in(app, EDITOR)
    same = editor.submit("/redactie/samenvoegen", {
        "van": "peilbesluit-oud", "naar": "peilbesluit-oud", "blijft": "peilbesluit-oud"})
    assert same.status_code == 422 and "twee keer dezelfde" in same.get_data(as_text=True)
    assert member.get("/redactie/samenvoegen").status_code == 404
    assert app.test_client().get("/casussen/peilbesluit-oud").status_code == 200


def test_an_old_address_does_not_lead_to_a_case_the_reader_may_not_see(app, users):
    _two_cases_with_a_reflection(app, users)
    with app.app_context():
        editor = db.session.get(User, users["editor"])
        cases = {c.slug: c for c in db.session.scalars(select(Case))}
        cases["peilbesluit-nieuw"].visibility = "internal"
        merge.merge_cases(editor, cases["peilbesluit-oud"], cases["peilbesluit-nieuw"])
    assert app.test_client().get("/casussen/peilbesluit-oud").status_code == 404


def _merge_into_new(app, users, **old_was) -> None:
    """Merge peilbesluit-oud, as `old_was` describes it, into peilbesluit-nieuw."""
    _two_cases_with_a_reflection(app, users)
    with app.app_context():
        editor = db.session.get(User, users["editor"])
        cases = {c.slug: c for c in db.session.scalars(select(Case))}
        for name, value in old_was.items():
            if name == "groups":   # named by slug
                value = list(db.session.scalars(
                    select(LearningGroup).where(LearningGroup.slug.in_(value))))
            setattr(cases["peilbesluit-oud"], name, value)
        merge.merge_cases(editor, cases["peilbesluit-oud"], cases["peilbesluit-nieuw"])


@pytest.mark.parametrize("old_was, led_on", [
    # Handed in, never published: only its author and the editors knew its address.
    ({"status": "submitted", "published_at": None},
     {"anonymous": 404, "outsider": 404, "member": 301, "editor": 301}),
    # Published for Leergroep Water only: its members could read it, nobody else.
    ({"visibility": "group", "groups": ["water"]},
     {"anonymous": 404, "outsider": 404, "member": 301, "editor": 301}),
    ({"visibility": "internal"},
     {"anonymous": 404, "outsider": 301, "member": 301, "editor": 301}),
])
def test_an_old_address_leads_on_only_for_who_could_read_the_merged_case(
        app, users, old_was, led_on):
    """A redirect says that a case with that slug was there: to anyone who could never
    read it, the old address is a 404 like any that never existed."""
    _merge_into_new(app, users, **old_was)
    emails = {"outsider": "buiten@example.nl", "member": "lid@example.nl", "editor": EDITOR}
    for reader, status in led_on.items():
        client = (signed_in(app, emails[reader]).client if reader in emails
                  else app.test_client())
        assert client.get("/casussen/peilbesluit-oud").status_code == status, reader


def _merge_old_into_new(app, users) -> None:
    _two_cases_with_a_reflection(app, users)
    with app.app_context():
        editor = db.session.get(User, users["editor"])
        cases = {c.slug: c for c in db.session.scalars(select(Case))}
        merge.merge_cases(editor, cases["peilbesluit-oud"], cases["peilbesluit-nieuw"])


def test_a_merged_case_cannot_be_merged_again_nor_published_again(app, users):
    _merge_old_into_new(app, users)
    with app.app_context():
        editor = db.session.get(User, users["editor"])
        author = db.session.get(User, users["member"])
        cases = {c.slug: c for c in db.session.scalars(select(Case))}
        old, new = cases["peilbesluit-oud"], cases["peilbesluit-nieuw"]
        with pytest.raises(Refused, match="already_merged"):
            merge.merge_cases(editor, old, cases["geluidsmaatregelen-hsl-zuid"])
        for step in (lambda: workflow.submit(author, old), lambda: workflow.publish(editor, old)):
            with pytest.raises(Refused, match="merged"):
                step()
        assert old.status == "archived"
        update_case(author, old, case_as_input(old), submit=True)  # an edit leaves it be
        assert old.status == "archived" and new.status == "published"


def test_moved_reflections_get_a_revision_naming_their_new_case(app, users):
    _merge_old_into_new(app, users)
    with app.app_context():
        reflection = db.session.scalar(select(Reflection).where(
            Reflection.title == "Aan tafel over het peil"))
        latest = revisions.history(reflection)[0]
        assert (latest.reason, latest.fields["case"]) == ("moved", "peilbesluit-nieuw")


def test_the_desk_does_not_pair_a_case_with_one_already_merged_into_it(app, users):
    _merge_old_into_new(app, users)
    sync_index(app)
    duplicates = _desk_section(app, "duplicates-heading")
    assert "peilbesluit-oud" not in duplicates
