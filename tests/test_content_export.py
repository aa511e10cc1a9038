"""Content export: a folder that `flask content import` reads back as the same library."""
import json
import unicodedata

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Case,
    LearningGroup,
    Reflection,
    Role,
    Status,
    SynonymSet,
    Term,
    User,
)
from app.services.contributing.cases import CaseInput, submit_case
from app.services.contributing.reflections import (
    PROMPT_HEADINGS,
    ReflectionInput,
    submit_reflection,
)
from app.services.editorial import workflow
from app.services.exchange.content_export import ExportFailed, export_content, reflection_key
from app.services.exchange.content_import import ContentInvalid, import_content
from app.services.exchange.export_folder import MANIFEST
from app.services.people.accounts import create_user
from app.services.validation import Checker
from tests.support import PASSWORD, app_from, close_app

# Markdown that tempts a file format to misread it: a '---' line, front-matter lookalikes,
# headings, code, HTML, Windows line ends, decomposed accents and trailing spaces.
RAW_BODY = ("## Aanleiding\r\n\r\nDe coo\u0308peratie zei: \"nee\".  \r\n---\n"
            "title: geen front matter\n\n```python\nif a < b & c:\n    pass\n```\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n<em>html</em> en ## geen kop\n\n\n")
PROMPTS = {name: f"{heading}: eerste alinea.\n\nTweede alinea met # hekje, --- en ### kopje."
           for name, heading in PROMPT_HEADINGS.items()}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _published(item, state: str):
    """Through the workflow as on the site: submitted, then published by an editor (a
    private item is published as soon as it is submitted)."""
    if state == "published" and item.status != Status.PUBLISHED:
        workflow.publish(_user("redactie@example.nl"), item)
    return item


def _case(author: str, title: str, *, state: str = "published", **values) -> Case:
    data = CaseInput(title=title, summary=values.pop("summary", "Korte samenvatting."),
                     body=values.pop("body", "Een casus."), **values)
    return _published(submit_case(_user(author), data, submit=state != "draft"), state)


def slug_of(title: str) -> str:
    """A case written on the site has its title and a random tail as its slug."""
    return db.session.scalar(select(Case.slug).where(Case.title == title))


def _reflection(author: str, title: str, *, state: str = "published", **values) -> Reflection:
    values = {"situation": "Wat er gebeurde.", "intention": "Wat ik ga doen.",
              "roles_acted": ["rechtmatig"], **values}
    reflection = submit_reflection(_user(author), ReflectionInput(title=title, **values),
                                   submit=state != "draft")
    return _published(reflection, state)


@pytest.fixture
def library(app, users):
    """The fixture content plus items written on the site by three authors, in every
    visibility, with a draft and a submitted item that an export leaves out."""
    with app.app_context():
        group_case = _case(
            "lid@example.nl", "Regenwater: \"samen\" of 'alleen'? #1", body=RAW_BODY,
            summary="Twee regels\nsamenvatting.", roles=["netwerkend", "responsief"],
            dominant_role="netwerkend", policy_domain="water", phase="uitvoering",
            scale="lokaal", organisation="Waterschap: Noord", stakeholder_types=["bewoners",
                                                                                "waterschap"],
            learning_groups=["water"], subthemes=["watercoalitie", "ons-water"],
            year_start="2019", year_end="2022", dilemma="Wet of wens?\n\n- een\n- twee",
            visibility="group")
        private_case = _case("buiten@example.nl", "Mijn eigen spoorcasus", roles=["rechtmatig"],
                             policy_domain="mobiliteit", visibility="private")
        _case("redactie@example.nl", "Prestatiecontract dijk", roles=["presterend"],
              policy_domain="water", year_start="2020", visibility="internal",
              organisation="DG Water en Bodem")
        _case("lid@example.nl", "Nog niet af", roles=["responsief"], policy_domain="water",
              visibility="public", state="draft")
        _reflection("lid@example.nl", "Wie bepaalt: de leergroep", case=group_case.slug,
                    context="leergroepsessie", learning_group="water", occurred_on="2024-03-05",
                    roles_asked=["netwerkend", "responsief"], switch_from="rechtmatig",
                    switch_to="netwerkend", switch_note="Eerst luisteren.\nDan pas uitleggen.",
                    visibility="group", **PROMPTS)
        _reflection("buiten@example.nl", "Alleen voor mij", case=private_case.slug,
                    visibility="private")
        _reflection("redactie@example.nl", "Coöperatie zonder datum", visibility="internal")
        _reflection("redactie@example.nl", "Concept", visibility="public", state="submitted")
    return app


def _moment(value):
    return value.replace(microsecond=0) if value else None


def _describe_case(case: Case) -> dict:
    return {
        "title": case.title, "summary": case.summary, "body": case.body_md,
        "html": case.body_html, "roles": case.role_ids, "dominant": case.dominant_role_id,
        "terms": [term.slug if term else None for term in (case.policy_domain, case.phase,
                                                           case.scale)],
        "stakeholders": [term.slug for term in case.stakeholder_types],
        "groups": [group.slug for group in case.groups],
        "subthemes": [theme.slug for theme in case.subthemes],
        "years": (case.year_start, case.year_end), "organisation": case.organisation,
        "organisation_term": case.organisation_term.slug if case.organisation_term else None,
        "dilemma": case.dilemma, "visibility": case.visibility, "status": case.status,
        "author": case.owner.email if case.owner else None,
        "published": _moment(case.published_at),
    }


def _describe_reflection(reflection: Reflection) -> dict:
    return {
        "title": reflection.title, "case": reflection.case.slug if reflection.case else None,
        "context": reflection.context.slug if reflection.context else None,
        "group": reflection.group.slug if reflection.group else None,
        "date": reflection.occurred_on,
        "prompts": {name: getattr(reflection, name) for name in PROMPT_HEADINGS},
        "acted": [role.id for role in reflection.roles_acted],
        "asked": [role.id for role in reflection.roles_asked],
        "switch": (reflection.switch_from_id, reflection.switch_to_id, reflection.switch_note),
        "visibility": reflection.visibility, "status": reflection.status,
        "author": reflection.owner.email if reflection.owner else None,
        "published": _moment(reflection.published_at),
    }


def describe(*, published_only: bool = False) -> dict:
    """The whole library as plain values, with no ids: what must survive a round trip."""
    def items(model):
        return [item for item in db.session.scalars(select(model))
                if not published_only or item.status == Status.PUBLISHED]
    return {
        "terms": sorted((t.kind, t.position, t.slug, t.label, t.label_en)
                        for t in db.session.scalars(select(Term))),
        "synonyms": [s.words for s in db.session.scalars(select(SynonymSet))],
        "roles": {role.id: (role.label, role.label_en, role.short, role.short_en, role.paradigm,
                            role.position, role.order, role.behaviours, role.description_html)
                  for role in db.session.scalars(select(Role))},
        "groups": {group.slug: (group.name, group.summary, group.description_html,
                                [(t.slug, t.name, t.description) for t in group.subthemes])
                   for group in db.session.scalars(select(LearningGroup))},
        "cases": {case.slug: _describe_case(case) for case in items(Case)},
        "reflections": {reflection_key(r): _describe_reflection(r) for r in items(Reflection)},
    }


@pytest.fixture
def other(tmp_path, empty_library):
    """A second, empty instance; `accounts` lists who to create in it before importing."""
    instance = app_from(empty_library, tmp_path / "other")
    yield instance
    close_app(instance)


def accounts() -> list[tuple[str, str]]:
    return [(user.email, user.name) for user in db.session.scalars(select(User))]


def import_elsewhere(other, folder, people) -> dict:
    with other.app_context():
        for email, name in people:
            create_user(email, name, PASSWORD)
        import_content(folder)
        return describe()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_round_trip_keeps_every_published_item(library, other, tmp_path):
    with library.app_context():
        export_content(tmp_path / "export", include_private=True)
        before, people = describe(published_only=True), accounts()
    after = import_elsewhere(other, tmp_path / "export", people)
    assert after == before
    assert len(after["cases"]) == 7 and len(after["reflections"]) == 6
    assert {item["visibility"] for item in after["cases"].values()} == {
        "public", "internal", "group", "private"}
    assert {item["author"] for item in after["reflections"].values()} == {
        None, "lid@example.nl", "buiten@example.nl", "redactie@example.nl"}


def test_markdown_bodies_survive_byte_for_byte(library, other, tmp_path):
    normalised = Checker().text("body", RAW_BODY)
    assert normalised != RAW_BODY and "\r" not in normalised
    with library.app_context():
        export_content(tmp_path / "export")
        people = accounts()
    after = import_elsewhere(other, tmp_path / "export", people)
    [case] = [case for case in after["cases"].values() if case["title"].startswith("Regen")]
    assert case["body"] == normalised
    assert unicodedata.normalize("NFC", "coöperatie") in normalised
    [written] = (tmp_path / "export" / "cases").glob("regenwater-*.md")
    assert written.read_text(encoding="utf-8").endswith(f"\n---\n{normalised}\n")
    [reflection] = [r for r in after["reflections"].values()
                    if r["title"] == "Wie bepaalt: de leergroep"]
    assert reflection["prompts"] == PROMPTS


def test_drafts_are_never_exported_and_private_items_only_on_request(library, tmp_path):
    shared = run(library, "content", "export", str(tmp_path / "shared"))
    assert shared.exit_code == 0, shared.output
    assert "4 roles, 2 groups, 6 cases, 5 reflections" in shared.output
    every = run(library, "content", "export", str(tmp_path / "every"), "--include-private")
    assert "7 cases, 6 reflections" in every.output
    with library.app_context():
        mine = reflection_key(db.session.scalar(
            select(Reflection).where(Reflection.title == "Alleen voor mij")))
        private, draft = (slug_of(title) for title in ("Mijn eigen spoorcasus", "Nog niet af"))
    shared_files = {p.name for p in (tmp_path / "shared").rglob("*.md")}
    every_files = {p.name for p in (tmp_path / "every").rglob("*.md")}
    assert every_files - shared_files == {f"{private}.md", f"{mine}.md"}
    assert not any(draft in name or "concept" in name for name in every_files)
    text = (tmp_path / "every" / "cases" / f"{private}.md").read_text()
    assert "author: buiten@example.nl\n" in text and "visibility: private\n" in text


def test_an_unknown_author_fails_the_import_naming_the_file(library, other, tmp_path):
    with library.app_context():
        export_content(tmp_path / "export", include_private=True)
        people = [(email, name) for email, name in accounts() if email != "buiten@example.nl"]
        mine = reflection_key(db.session.scalar(
            select(Reflection).where(Reflection.title == "Alleen voor mij")))
        private = slug_of("Mijn eigen spoorcasus")
    with pytest.raises(ContentInvalid) as raised:
        import_elsewhere(other, tmp_path / "export", people)
    message = ("author 'buiten@example.nl' is not the e-mail address of a user; "
               "create the account first (flask user create)")
    assert [(p.path, p.message) for p in raised.value.problems] == [
        (f"cases/{private}.md", message), (f"reflections/{mine}.md", message)]
    with other.app_context():
        assert db.session.scalar(select(Case)) is None


def test_a_second_export_replaces_an_earlier_one(library, tmp_path):
    target = tmp_path / "export"
    with library.app_context():
        export_content(target)
        db.session.scalar(select(Case).where(Case.slug == "interne-dijkcasus")).status = \
            Status.ARCHIVED
        db.session.commit()
        report = export_content(target)
    assert "5 cases" in report.summary() and report.warnings == []
    assert not (target / "cases" / "interne-dijkcasus.md").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("export")] == ["export"]
    manifest = json.loads((target / MANIFEST).read_text())
    assert manifest["counts"]["cases"] == 5 and "cases/interne-dijkcasus.md" not in \
        manifest["files"]


@pytest.mark.parametrize("change", ["added", "edited", "no manifest"])
def test_a_folder_with_someone_elses_files_is_refused_and_left_alone(library, tmp_path,
                                                                     change):
    target = tmp_path / "export"
    with library.app_context():
        export_content(target)
    touched = {"added": target / "notities.txt", "edited": target / "taxonomy.yml",
               "no manifest": target / MANIFEST}[change]
    if change == "no manifest":
        touched.unlink()
    else:
        touched.write_text("mijn eigen tekst")
    result = run(library, "content", "export", str(target))
    assert result.exit_code == 1
    assert "nothing was exported" in result.output
    assert ("notities.txt" if change == "added" else "taxonomy.yml" if change == "edited"
            else f"holds no {MANIFEST}") in result.output
    if change != "no manifest":
        assert touched.read_text() == "mijn eigen tekst"
    assert (target / "cases" / "interne-dijkcasus.md").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("export")] == ["export"]


def test_an_empty_folder_is_used_and_the_help_states_the_rule(library, tmp_path):
    (tmp_path / "leeg").mkdir()
    assert run(library, "content", "export", str(tmp_path / "leeg")).exit_code == 0
    assert (tmp_path / "leeg" / "taxonomy.yml").exists()
    help_text = run(library, "content", "export", "--help").output
    assert "earlier export" in help_text and "--include-private" in help_text


def test_an_interrupted_export_leaves_the_earlier_one_whole(library, tmp_path, monkeypatch):
    target = tmp_path / "export"
    with library.app_context():
        export_content(target)
        before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}

        def interrupted(self, case_slugs):
            raise KeyboardInterrupt

        monkeypatch.setattr("app.services.exchange.content_export._Writer._reflections",
                            interrupted)
        with pytest.raises(KeyboardInterrupt):
            export_content(target)
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("export")] == ["export"]


def test_a_reflection_on_an_unexported_case_keeps_all_but_the_link(library, tmp_path):
    with library.app_context():
        draft = slug_of("Nog niet af")
        reflection = _reflection("lid@example.nl", "Over een concept", case=draft,
                                 visibility="public")
        key = reflection_key(reflection)
        report = export_content(tmp_path / "export")
    assert report.warnings == [f"reflections/{key}.md: its case '{draft}' is not "
                               "exported, so the file does not name it"]
    assert "case:" not in (tmp_path / "export" / "reflections" / f"{key}.md").read_text()


def test_text_the_format_cannot_hold_fails_the_export_naming_the_item(library, tmp_path):
    with library.app_context():
        reflection = _reflection("redactie@example.nl", "Met een kopje",
                                 looking_back="Eerst dit.\n## Dit lijkt een kop",
                                 visibility="public")
        key = reflection_key(reflection)
        with pytest.raises(ExportFailed) as raised:
            export_content(tmp_path / "export")
    assert raised.value.problems == [
        f"reflections/{key}.md: would not import: unknown heading '## Dit lijkt een kop'; "
        f"use: {', '.join(PROMPT_HEADINGS.values())}"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("export")] == []


def test_reflection_keys_are_stable_and_importable(library):
    with library.app_context():
        reflection = db.session.scalar(select(Reflection).where(Reflection.title == "Concept"))
        assert reflection_key(reflection) == f"{reflection.id}-concept"
        imported = db.session.scalar(select(Reflection).where(Reflection.source_key.is_not(None)))
        assert reflection_key(imported) == imported.source_key
