"""Content import: idempotent, all-or-nothing, and every broken file named with its problem."""
import shutil

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, ChangeLog, LearningGroup, Reflection, Revision, Role, Term
from app.services.contributing.cases import case_snapshot
from app.services.contributing.reflections import reflection_snapshot
from app.services.contributing.revisions import history
from app.services.exchange.content_import import ContentInvalid, import_content
from app.services.people.accounts import create_user
from tests.support import PASSWORD


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_imports_every_kind(empty, content):
    report = import_content(content)
    assert (count(Role), count(LearningGroup), count(Case), count(Reflection)) == (4, 2, 4, 3)
    assert report.counts["cases"]["new"] == 4
    case = db.session.scalar(select(Case).where(Case.slug == "geluidsmaatregelen-hsl-zuid"))
    assert [role.id for role in case.roles] == ["rechtmatig", "netwerkend", "responsief"]
    assert case.dominant_role.id == "responsief"
    assert case.policy_domain.label == "Mobiliteit"
    assert "<h3>Aanleiding</h3>" in case.body_html  # '##' in the file, demoted under the h1
    assert case.published_at.year == 2017 and case.status == "published"
    water = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
    assert [theme.name for theme in water.subthemes] == ["Watercoalitie", "ONS Water",
                                                         "Bestuursakkoord Water"]


def test_reflection_sections_fill_the_prompts(empty, content):
    import_content(content)
    reflection = db.session.scalar(select(Reflection).where(Reflection.source_key == "hsl-diner"))
    assert reflection.situation.startswith("Op dag twee")
    assert reflection.looking_back == "Ik wilde vooral uitleggen wat wettelijk kon."
    assert reflection.intention == "Ik ga eerst luisteren en dan pas uitleggen."
    assert reflection.case.slug == "geluidsmaatregelen-hsl-zuid"
    assert (reflection.switch_from.id, reflection.switch_to.id) == ("rechtmatig", "responsief")
    assert reflection.context.slug == "stakeholderdiner"


def test_a_second_run_changes_nothing(empty, content):
    import_content(content)
    changes = count(ChangeLog)
    report = import_content(content)
    assert not report.changed
    assert report.counts["cases"]["unchanged"] == 4
    assert count(ChangeLog) == changes


def test_a_changed_file_updates_its_item_and_logs_it(empty, content):
    import_content(content)
    changes = count(ChangeLog)
    path = content / "cases" / "interne-dijkcasus.md"
    path.write_text(path.read_text().replace("Interne dijkcasus", "Dijkcasus met nieuwe titel"))
    report = import_content(content)
    assert report.counts["cases"] == {"updated": 1, "unchanged": 3}
    assert db.session.scalar(select(Case.title).where(Case.slug == "interne-dijkcasus")) == \
        "Dijkcasus met nieuwe titel"
    assert count(ChangeLog) == changes + 1


def test_a_renamed_label_updates_the_term(empty, content):
    import_content(content)
    taxonomy = content / "taxonomy.yml"
    taxonomy.write_text(taxonomy.read_text().replace("label: Mobiliteit", "label: Verkeer"))
    report = import_content(content)
    assert report.counts["terms"]["updated"] == 1
    assert db.session.scalar(select(Term.label).where(Term.slug == "mobiliteit")) == "Verkeer"


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BREAKAGES = {
    "yaml": (lambda c: _replace(c / "cases/interne-dijkcasus.md", "roles: [rechtmatig, presterend]",
                                "roles: [rechtmatig, presterend"),
             "cases/interne-dijkcasus.md", "not valid YAML"),
    "no front matter": (lambda c: (c / "cases/geen-kop.md").write_text("Alleen tekst."),
                        "cases/geen-kop.md", "front matter"),
    "unknown key": (lambda c: _replace(c / "cases/interne-dijkcasus.md", "visibility:",
                                       "rollen: [x]\nvisibility:"),
                    "cases/interne-dijkcasus.md", "unknown keys ['rollen']"),
    "unknown role": (lambda c: _replace(c / "cases/interne-dijkcasus.md", "roles: [rechtmatig,",
                                        "roles: [wettig,"),
                     "cases/interne-dijkcasus.md", "roles has an unknown value: wettig"),
    "no roles": (lambda c: _replace(c / "cases/interne-dijkcasus.md",
                                    "roles: [rechtmatig, presterend]", "roles: []"),
                 "cases/interne-dijkcasus.md", "roles needs at least 1"),
    "missing title": (lambda c: _replace(c / "cases/interne-dijkcasus.md",
                                         "title: Interne dijkcasus\n", ""),
                      "cases/interne-dijkcasus.md", "title is required"),
    "not utf-8": (lambda c: (c / "cases/latin.md").write_bytes(
        "---\ntitle: Coöperatie\n---\n".encode("latin-1")), "cases/latin.md", "not UTF-8"),
    "too big": (lambda c: (c / "cases/groot.md").write_text("---\ntitle: x\n---\n" + "a" * 300_000),
                "cases/groot.md", "larger than"),
    "bad file name": (lambda c: shutil.copy(c / "cases/interne-dijkcasus.md",
                                            c / "cases/Met Spatie.md"),
                      "cases/Met Spatie.md", "file name"),
    "the address of a page": (lambda c: shutil.copy(c / "cases/interne-dijkcasus.md",
                                                    c / "cases/nieuw.md"),
                              "cases/nieuw.md", "/casussen/nieuw is a page of its own"),
    "unknown heading": (lambda c: _replace(c / "reflections/hsl-diner.md", "## Terugblik",
                                           "## Achteraf"),
                        "reflections/hsl-diner.md", "unknown heading '## Achteraf'"),
    "text before heading": (lambda c: _replace(c / "reflections/hsl-diner.md", "## Situatie",
                                               "Inleiding\n\n## Situatie"),
                            "reflections/hsl-diner.md", "text before the first"),
    "unknown case": (lambda c: _replace(c / "reflections/hsl-diner.md",
                                        "case: geluidsmaatregelen-hsl-zuid", "case: bestaat-niet"),
                     "reflections/hsl-diner.md", "case has an unknown value: bestaat-niet"),
    "group without group": (lambda c: _replace(c / "reflections/leergroep-water-groep.md",
                                               "learning_group: water\n", ""),
                            "reflections/leergroep-water-groep.md", "learning_group is required"),
    "bad position": (lambda c: _replace(c / "roles/presterend.md", "position: boven-rechts",
                                        "position: midden"),
                     "roles/presterend.md", "position must be one of"),
    "two roles one place": (lambda c: _replace(c / "roles/presterend.md",
                                               "position: boven-rechts", "position: boven-links"),
                            "roles", "2 roles at position boven-links"),
    "bad status": (lambda c: _replace(c / "cases/interne-dijkcasus.md", "visibility: internal",
                                      "visibility: internal\nstatus: klaar"),
                   "cases/interne-dijkcasus.md", "status 'klaar'"),
    "unknown author": (lambda c: _replace(c / "reflections/hsl-diner.md", "visibility: public",
                                          "visibility: public\nauthor: niemand@example.nl"),
                       "reflections/hsl-diner.md", "author 'niemand@example.nl' is not the "
                       "e-mail address of a user"),
    "taxonomy entry": (lambda c: _replace(c / "taxonomy.yml", "{slug: lokaal, label: Lokaal}",
                                          "{slug: Lokaal Bestuur}"),
                       "taxonomy.yml", "scales[0] needs a slug and a label"),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_a_broken_file_is_named_and_nothing_is_imported(empty, content, breakage):
    break_it, path, message = BREAKAGES[breakage]
    break_it(content)
    with pytest.raises(ContentInvalid) as raised:
        import_content(content)
    assert any(problem.path == path and message in problem.message
               for problem in raised.value.problems), raised.value.problems
    assert (count(Role), count(Case), count(Reflection), count(Term), count(ChangeLog),
            count(Revision)) == (0, 0, 0, 0, 0, 0)


def test_a_broken_file_rolls_back_changes_to_good_ones(empty, content):
    import_content(content)
    _replace(content / "cases/interne-dijkcasus.md", "Interne dijkcasus", "Nieuwe titel")
    (content / "cases/kapot.md").write_text("---\ntitle: [\n---\n")
    with pytest.raises(ContentInvalid):
        import_content(content)
    assert db.session.scalar(select(Case.title).where(Case.slug == "interne-dijkcasus")) == \
        "Interne dijkcasus"


def test_every_problem_is_listed_at_once(empty, content):
    (content / "cases/kapot.md").write_text("geen front matter")
    _replace(content / "reflections/hsl-diner.md", "## Terugblik", "## Achteraf")
    with pytest.raises(ContentInvalid) as raised:
        import_content(content)
    assert {problem.path for problem in raised.value.problems} >= {
        "cases/kapot.md"}


def test_a_symlink_out_of_the_folder_is_refused(empty, content, tmp_path):
    secret = tmp_path / "elders.md"
    secret.write_text((content / "cases/interne-dijkcasus.md").read_text())
    (content / "cases/link.md").symlink_to(secret)
    with pytest.raises(ContentInvalid) as raised:
        import_content(content)
    assert raised.value.problems[0].message == "points outside the content folder"


def test_a_missing_folder_is_a_clear_problem(empty, tmp_path):
    with pytest.raises(ContentInvalid, match="is not a folder"):
        import_content(tmp_path / "bestaat-niet")


def test_a_case_written_on_the_site_is_not_overwritten(empty, content):
    import_content(content)
    case = db.session.scalar(select(Case).where(Case.slug == "interne-dijkcasus"))
    case.content_hash = None  # as if it had been made through the web form
    db.session.commit()
    _replace(content / "cases/interne-dijkcasus.md", "Interne dijkcasus", "Andere titel")
    with pytest.raises(ContentInvalid, match="written in Casusbank itself"):
        import_content(content)


def test_two_groups_claiming_one_subtheme_is_a_problem_not_a_crash(empty, content):
    _replace(content / "groups/energie.md", "subthemes: []",
             "subthemes:\n  - {slug: watercoalitie, name: Dubbel}")
    with pytest.raises(ContentInvalid) as raised:
        import_content(content)
    assert raised.value.problems[0].path == "groups"
    assert "same key" in raised.value.problems[0].message


def test_author_and_visibility_come_from_the_file(empty, content):
    create_user("auteur@example.nl", "Auteur", PASSWORD)
    _replace(content / "cases/interne-dijkcasus.md", "visibility: internal",
             "visibility: private\nauthor: Auteur@Example.nl")
    _replace(content / "reflections/hsl-diner.md", "visibility: public",
             "visibility: group\nlearning_group: water\nauthor: auteur@example.nl\n"
             "published: 2018-01-02T03:04:05Z")
    import_content(content)
    case = db.session.scalar(select(Case).where(Case.slug == "interne-dijkcasus"))
    assert (case.owner.email, case.visibility) == ("auteur@example.nl", "private")
    reflection = db.session.scalar(select(Reflection).where(Reflection.source_key == "hsl-diner"))
    assert (reflection.owner.email, reflection.visibility) == ("auteur@example.nl", "group")
    assert reflection.published_at.isoformat() == "2018-01-02T03:04:05+00:00"
    assert reflection.occurred_on.isoformat() == "2017-10-05"
    other = db.session.scalar(select(Case).where(Case.slug == "groepscasus-water"))
    assert (other.owner, other.visibility) == (None, "group")
    _replace(content / "cases/interne-dijkcasus.md", "author: Auteur@Example.nl\n", "")
    with pytest.raises(ContentInvalid, match="a private item needs an author"):
        import_content(content)  # nobody could read it
    _replace(content / "cases/interne-dijkcasus.md", "visibility: private", "visibility: internal")
    import_content(content)
    assert case.owner is None  # the file is the truth: no author, no owner


def test_new_and_changed_items_get_an_imported_revision(empty, content):
    import_content(content)
    case = db.session.scalar(select(Case).where(Case.slug == "interne-dijkcasus"))
    [first] = history(case)
    assert (first.number, first.reason, first.author_id) == (1, "imported", None)
    assert first.fields == case_snapshot(case)
    reflections = db.session.scalars(select(Reflection)).all()
    assert all([r.fields for r in history(reflection)] == [reflection_snapshot(reflection)]
               for reflection in reflections)
    import_content(content)
    assert count(Revision) == 4 + 3
    _replace(content / "cases/interne-dijkcasus.md", "Interne dijkcasus", "Nieuwe titel")
    import_content(content)
    assert [(r.number, r.fields["title"]) for r in history(case)] == [
        (2, "Nieuwe titel"), (1, "Interne dijkcasus")]
    _replace(content / "cases/interne-dijkcasus.md", "visibility: internal",
             "visibility: internal\nstatus: archived")
    import_content(content)
    assert len(history(case)) == 2  # a new status is not a new version of the text


def test_a_case_file_named_after_a_page_is_refused(empty, content):
    """A site case's slug always has a random tail, so only a file can claim `nieuw`:
    /casussen/nieuw is the form for a new case."""
    (content / "cases" / "groepscasus-water.md").rename(content / "cases" / "nieuw.md")
    with pytest.raises(ContentInvalid) as refused:
        import_content(content)
    assert any("/casussen/nieuw is a page of its own" in str(problem)
               for problem in refused.value.problems)
    assert count(Case) == 0
