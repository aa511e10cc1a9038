"""Hostile content folders through `flask content import`: links and names that point
out of the folder, files too large or not files at all, malformed and malicious YAML,
values of the wrong kind, broken encodings.

The rule under test: a run imports everything or nothing. Any problem in any file makes
the command exit with status 1, list every problem as "error: <file>: <what is wrong>"
and write nothing at all, so that the database is exactly as before (what was imported
earlier is never lost); never a traceback. Each hostile folder is the fixture content
plus a sound new case and a sound change to an existing one (which must not be applied
either) plus one hostile thing, generated in tmp_path.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, LearningGroup, Reflection, Role, Term
from app.services.contributing.cases import case_snapshot
from app.services.contributing.reflections import reflection_snapshot
from tests.support import FIXTURE_CONTENT, app_from, close_app

CASE = """---
title: {title}
summary: Een samenvatting.
roles: [netwerkend]
policy_domain: water
visibility: public
---
Een korte beschrijving.
"""
GOOD_CASE = CASE.format(title="Een goede nieuwe casus")
MARKER_FILE = "aangeraakt-door-yaml"


@pytest.fixture(scope="module")
def app(tmp_path_factory, fixture_library):
    """One app for the file: the fixture content imported once. Every test leaves the
    database as it found it (that is what they check), so they can share it."""
    app = app_from(fixture_library, tmp_path_factory.mktemp("hostile"))
    yield app
    close_app(app)


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table: equal snapshots mean nothing was written."""
    with app.app_context():
        tables = {table.name: sorted(map(tuple, db.session.execute(select(table))), key=repr)
                  for table in db.metadata.sorted_tables}
        db.session.remove()
        return tables


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of the fixture content with a sound new case and a sound edit in it."""
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    (folder / "cases" / "goede-nieuwe-casus.md").write_text(GOOD_CASE, encoding="utf-8")
    edited = folder / "cases" / "interne-dijkcasus.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "title: Interne dijkcasus", "title: Interne dijkcasus, herzien"), encoding="utf-8")
    return folder


def import_folder(app, folder: Path):
    return app.test_cli_runner().invoke(args=["content", "import", str(folder)])


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def case_with(front: str) -> str:
    """A case file whose front matter is `front` plus what every case needs."""
    return (f"---\n{front}\nsummary: x\nroles: [netwerkend]\npolicy_domain: water\n---\n"
            "Tekst.\n")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    write(path, text.replace(old, new))


def outside(tmp_path: Path) -> Path:
    """A folder beside the content folder, holding a sound case with a secret title."""
    folder = tmp_path / "elders"
    folder.mkdir(exist_ok=True)
    write(folder / "geheim.md", CASE.format(title="GEHEIM van buiten"))
    return folder


def _linked_folder(content: Path, tmp_path: Path) -> None:
    elsewhere = outside(tmp_path)
    shutil.rmtree(content / "groups")
    shutil.copytree(FIXTURE_CONTENT / "groups", elsewhere, dirs_exist_ok=True)
    (content / "groups").symlink_to(elsewhere, target_is_directory=True)


def _linked_elsewhere(kind: str, target=None):
    """`kind`/ replaced by a link to another folder: an empty one beside the content
    folder, or `target` (which holds no .md file, so only the link can be refused)."""
    def make(content: Path, tmp_path: Path) -> None:
        shutil.rmtree(content / kind)
        folder = target or tmp_path / "leeg"
        folder.mkdir(exist_ok=True)
        (content / kind).symlink_to(folder, target_is_directory=True)
    return make


def _big(size: int):
    def make(content: Path, _tmp_path: Path) -> None:
        with open(content / "cases" / "groot.md", "wb") as file:
            file.write(b"---\ntitle: Groot\n---\n")
            file.truncate(size)  # a sparse file: as large as claimed, cheap to make
    return make


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# "Billion laughs" as one value: nine lists, each nine aliases of the one before; 9**9
# strings once expanded, as str() of the title would.
BILLION_LAUGHS = "[" + ", ".join(
    [f"&a [{', '.join(['lol'] * 9)}]"]
    + [f"&{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]" for n in range(8)]) + "]"

# name: (make the folder hostile, the file named in the message, words of the message)
HOSTILE = {
    # --- out of the folder -----------------------------------------------------------------
    "link to a file outside": (
        lambda c, t: (c / "cases/link.md").symlink_to(outside(t) / "geheim.md"),
        "cases/link.md", "points outside the content folder"),
    "link to /etc/passwd": (
        lambda c, t: (c / "cases/wachtwoorden.md").symlink_to("/etc/passwd"),
        "cases/wachtwoorden.md", "points outside the content folder"),
    "relative link up and out": (
        lambda c, t: (outside(t), (c / "cases/omhoog.md").symlink_to(
            Path("..", "..", "elders", "geheim.md")))[1],
        "cases/omhoog.md", "points outside the content folder"),
    "linked folder outside": (_linked_folder, "groups", "points outside the content folder"),
    "empty folder linked outside": (
        _linked_elsewhere("reflections"), "reflections", "points outside the content folder"),
    "roles linked to a system folder": (
        _linked_elsewhere("roles", Path("/proc/self")), "roles", "points outside the content"),
    "cases linked to nothing": (
        lambda c, t: (shutil.rmtree(c / "cases"), (c / "cases").symlink_to(t / "weg"))[1],
        "cases", "is missing, or a link to nothing"),
    "groups a file, not a folder": (
        lambda c, t: (shutil.rmtree(c / "groups"), write(c / "groups", GOOD_CASE))[1],
        "groups", "is not a folder"),
    "synonyms linked to nothing": (
        lambda c, t: ((c / "synonyms.yml").unlink(),
                      (c / "synonyms.yml").symlink_to(t / "bestaat-niet.yml"))[1],
        "synonyms.yml", "is missing, or a link to nothing"),
    "synonyms linked outside": (
        lambda c, t: ((c / "synonyms.yml").unlink(),
                      (c / "synonyms.yml").symlink_to(outside(t) / "geheim.md"))[1],
        "synonyms.yml", "points outside the content folder"),
    "taxonomy linked outside": (
        lambda c, t: ((c / "taxonomy.yml").unlink(),
                      (c / "taxonomy.yml").symlink_to(outside(t) / "geheim.md")),
        "taxonomy.yml", "points outside the content folder"),
    "link loop": (lambda c, t: (c / "cases/rond.md").symlink_to(c / "cases/rond.md"),
                  "cases/rond.md", "link loop"),
    "link to nothing": (lambda c, t: (c / "cases/weg.md").symlink_to(t / "bestaat-niet.md"),
                        "cases/weg.md", "is missing, or a link to nothing"),
    "traversal as case of a reflection": (
        lambda c, t: replace_in(c / "reflections/hsl-diner.md",
                                "case: geluidsmaatregelen-hsl-zuid", "case: ../../etc/passwd"),
        "reflections/hsl-diner.md", "case has an unknown value: ../../etc/passwd"),
    "absolute path as author": (
        lambda c, t: replace_in(c / "reflections/hsl-diner.md", "visibility: public",
                                "visibility: public\nauthor: /etc/passwd"),
        "reflections/hsl-diner.md", "author '/etc/passwd' is not the e-mail address"),
    "slug in the front matter": (
        lambda c, t: write(c / "cases/eigen-slug.md", case_with("title: x\nslug: ../../etc")),
        "cases/eigen-slug.md", "unknown keys ['slug']"),
    "file name of dots": (lambda c, t: write(c / "cases/...md", GOOD_CASE),
                          "cases/...md", "file name must be"),
    "sub-theme slug up and out": (
        lambda c, t: replace_in(c / "groups/water.md", "slug: watercoalitie", "slug: ../x"),
        "groups/water.md", "subthemes[0] needs a slug and a name"),
    "taxonomy slug up and out": (
        lambda c, t: replace_in(c / "taxonomy.yml", "{slug: lokaal,", "{slug: ../../lokaal,"),
        "taxonomy.yml", "scales[0] needs a slug and a label"),
    # --- not a file, or too large --------------------------------------------------------
    "folder named like a file": (lambda c, t: (c / "cases/map.md").mkdir(),
                                 "cases/map.md", "is a folder, not a file"),
    "named pipe": (lambda c, t: os.mkfifo(c / "cases/pijp.md"),
                   "cases/pijp.md", "is not a regular file"),
    "20 MB file": (_big(20_000_000), "cases/groot.md",
                   "is larger than 256000 bytes (20000000 bytes)"),
    "20 GB file": (_big(20_000_000_000), "cases/groot.md",
                   "is larger than 256000 bytes (20000000000 bytes)"),
    "body too long for a case": (
        lambda c, t: write(c / "cases/lang.md", case_with("title: Lang") + "a" * 100_001),
        "cases/lang.md", "body is too long"),
    "no taxonomy": (lambda c, t: (c / "taxonomy.yml").unlink(),
                    "taxonomy.yml", "is missing"),
    # --- malformed ------------------------------------------------------------------------
    "empty file": (lambda c, t: write(c / "cases/leeg.md", ""),
                   "cases/leeg.md", "does not start with front matter"),
    "no front matter": (lambda c, t: write(c / "cases/kaal.md", "# Alleen tekst\n"),
                        "cases/kaal.md", "does not start with front matter"),
    "broken YAML": (lambda c, t: write(c / "cases/kapot.md", case_with("title: [open")),
                    "cases/kapot.md", "front matter is not valid YAML (line"),
    "front matter a list": (lambda c, t: write(c / "cases/lijst.md", "---\n- a\n- b\n---\n"),
                            "cases/lijst.md", "front matter must be a mapping"),
    "key given twice": (lambda c, t: write(c / "cases/dubbel.md",
                                           case_with("title: Een\ntitle: Twee")),
                        "cases/dubbel.md", "the key 'title' is given twice"),
    "python object": (
        lambda c, t: write(c / "cases/python.md", case_with(
            f"title: !!python/object/apply:os.system ['touch {t / MARKER_FILE}']")),
        "cases/python.md", "could not determine a constructor for the tag"),
    "python name": (lambda c, t: write(c / "cases/naam.md",
                                       case_with("title: !!python/name:os.system")),
                    "cases/naam.md", "could not determine a constructor for the tag"),
    "billion laughs": (lambda c, t: write(c / "cases/lachen.md",
                                          case_with(f"title: {BILLION_LAUGHS}")),
                       "cases/lachen.md", "repeats so much through YAML aliases"),
    "alias of itself": (lambda c, t: write(c / "cases/zelf.md", case_with("title: &a [*a]")),
                        "cases/zelf.md", "repeats so much through YAML aliases"),
    "billion laughs in the synonyms": (
        lambda c, t: write(c / "synonyms.yml", f"- {BILLION_LAUGHS}\n"),
        "synonyms.yml", "repeats so much through YAML aliases"),
    "nested too deeply": (
        lambda c, t: write(c / "cases/diep.md", case_with(f"title: {_nested(5_000)}")),
        "cases/diep.md", "nests lists or mappings too deeply"),
    "impossible date": (
        lambda c, t: replace_in(c / "cases/interne-dijkcasus.md", "published: 2022-05-01",
                                "published: 2022-02-30"),
        "cases/interne-dijkcasus.md", "holds an impossible value: day is out of range"),
    # --- wrong kinds of values ----------------------------------------------------------
    "title a list": (lambda c, t: write(c / "cases/t.md", case_with("title: [een, twee]")),
                     "cases/t.md", "title must be text, not a list"),
    "title a mapping": (lambda c, t: write(c / "cases/t.md", case_with("title: {a: b}")),
                        "cases/t.md", "title must be text, not a mapping"),
    "title no": (lambda c, t: write(c / "cases/t.md", case_with("title: no")),
                 "cases/t.md", "title is read as no (true/false): put it in quotes"),
    "year in words": (lambda c, t: write(c / "cases/t.md",
                                         case_with("title: Jaar\nyear_start: twintig")),
                      "cases/t.md", "year_start is not a year between 1900 and 2100"),
    "roles a mapping": (lambda c, t: write(c / "cases/t.md", case_with(
        "title: Rollen\nlearning_groups: {water: ja}")),
        "cases/t.md", "learning_groups must be a list, not a mapping"),
    "list inside a list": (lambda c, t: write(c / "cases/t.md", case_with(
        "title: Lijst\nstakeholder_types: [[bewoners]]")),
        "cases/t.md", "stakeholder_types[0] must be text, not a list"),
    "published in words": (
        lambda c, t: replace_in(c / "cases/interne-dijkcasus.md", "published: 2022-05-01",
                                "published: morgen"),
        "cases/interne-dijkcasus.md", "published must be a date (YYYY-MM-DD), not 'morgen'"),
    "huge role order": (
        lambda c, t: replace_in(c / "roles/presterend.md", "order: 2", f"order: {10 ** 30}"),
        "roles/presterend.md", "order must be a whole number from 0 to 1000"),
    "role position a list": (
        lambda c, t: replace_in(c / "roles/presterend.md", "position: boven-rechts",
                                "position: [boven-rechts]"),
        "roles/presterend.md", "position must be text, not a list"),
    "group name a list": (lambda c, t: replace_in(c / "groups/water.md",
                                                  "name: Leergroep Water", "name: [a]"),
                          "groups/water.md", "name must be text, not a list"),
    "sub-themes a number": (
        lambda c, t: write(c / "groups/getal.md", "---\nname: Getal\nsubthemes: 7\n---\n"),
        "groups/getal.md", "subthemes must be a list"),
    "taxonomy kind a number": (
        lambda c, t: replace_in(c / "taxonomy.yml", "phases:\n  - {slug: uitvoering, label:"
                                " Uitvoering}", "phases: 7"),
        "taxonomy.yml", "must map some of"),
    "taxonomy label a list": (
        lambda c, t: replace_in(c / "taxonomy.yml", "label: Lokaal", "label: [Lokaal]"),
        "taxonomy.yml", "scales[0].label must be text, not a list"),
    "synonym a mapping": (lambda c, t: write(c / "synonyms.yml", "- [HSL, {a: b}]\n"),
                          "synonyms.yml", "entry 1: a word must be text, not a mapping"),
    # --- encodings ----------------------------------------------------------------------
    "not UTF-8": (lambda c, t: (c / "cases/latijn.md").write_bytes(
        case_with("title: Coöperatie").encode("latin-1")), "cases/latijn.md", "is not UTF-8"),
    "NUL in the body": (lambda c, t: write(c / "cases/nul.md", case_with("title: Nul") + "\0"),
                        "cases/nul.md", "contains a control character (U+0000) on line 8"),
    "NUL in the front matter": (
        lambda c, t: write(c / "cases/nul.md", case_with("title: N\0l")),
        "cases/nul.md", "contains a control character (U+0000) on line 2"),
    "escape character": (lambda c, t: write(c / "cases/esc.md", case_with("title: \x1b[31m")),
                         "cases/esc.md", "contains a control character (U+001B)"),
    "file name not UTF-8": (
        lambda c, t: (c / "cases").joinpath(os.fsdecode(b"caf\xe9.md")).write_text(GOOD_CASE),
        "cases/caf\\udce9.md", "file name must be lower-case letters"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_folder_is_refused_with_a_clear_message_and_changes_nothing(
        app, content, tmp_path, name):
    make_hostile, path, words = HOSTILE[name]
    make_hostile(content, tmp_path)
    before = snapshot(app)
    result = import_folder(app, content)
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert result.exit_code == 1, result.output
    problems = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert any(line.startswith(f"error: {path}: ") and words in line for line in problems), \
        result.output
    assert "problem(s); nothing was imported" in result.output
    assert snapshot(app) == before
    assert not (tmp_path / MARKER_FILE).exists()


def test_a_linked_folder_is_refused_without_naming_what_is_in_it(app, content, tmp_path):
    """The files elsewhere are neither read nor listed: only the link is named."""
    _linked_folder(content, tmp_path)
    result = import_folder(app, content)
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert problems == ["error: groups: points outside the content folder"], result.output


def test_every_file_that_cannot_be_read_is_listed_at_once(app, content, tmp_path):
    """Reading comes first: the values are checked once every file reads."""
    for name in ("link to a file outside", "20 MB file", "billion laughs", "not UTF-8",
                 "NUL in the body"):
        HOSTILE[name][0](content, tmp_path)
    before = snapshot(app)
    result = import_folder(app, content)
    named = {line.split(": ")[1] for line in result.output.splitlines()
             if line.startswith("error: ")}
    assert named == {"cases/link.md", "cases/groot.md", "cases/lachen.md", "cases/latijn.md",
                     "cases/nul.md"}, result.output
    assert "5 problem(s); nothing was imported" in result.output
    assert snapshot(app) == before


def test_once_the_problem_is_gone_the_same_folder_imports(app, content, tmp_path):
    """A refused run leaves nothing behind that stands in the way of the next one."""
    HOSTILE["billion laughs"][0](content, tmp_path)
    assert import_folder(app, content).exit_code == 1
    (content / "cases" / "lachen.md").unlink()
    result = import_folder(app, content)
    assert result.exit_code == 0, result.output
    assert "cases: 1 new, 1 updated" in result.output
    with app.app_context():
        titles = set(db.session.scalars(select(Case.title)))
        db.session.remove()
    assert {"Een goede nieuwe casus", "Interne dijkcasus, herzien"} <= titles


def _as_windows_files(folder: Path) -> None:
    """Every file with a byte-order mark and CR LF line ends, as Windows editors save them;
    one with the CR line ends of old Mac editors."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            ends = "\r" if path.name == "interne-dijkcasus.md" else "\r\n"
            path.write_bytes("\ufeff".encode() + text.replace("\n", ends).encode())


def _library(app) -> dict:
    """What the import made of the files, without ids, hashes and times."""
    with app.app_context():
        library = {
            "cases": sorted(map(repr, map(case_snapshot, db.session.scalars(select(Case))))),
            "reflections": sorted(repr(reflection_snapshot(r))
                                  for r in db.session.scalars(select(Reflection))),
            "groups": sorted((g.slug, g.name, g.summary, g.description_html)
                             for g in db.session.scalars(select(LearningGroup))),
            "roles": sorted((r.id, r.label, r.description_html, tuple(r.behaviours))
                            for r in db.session.scalars(select(Role))),
            "terms": sorted((t.kind, t.slug, t.label) for t in db.session.scalars(select(Term))),
        }
        db.session.remove()
        return library


def test_a_byte_order_mark_and_other_line_ends_import_like_plain_files(bare_app, tmp_path,
                                                                      empty_library):
    windows = tmp_path / "windows"
    shutil.copytree(FIXTURE_CONTENT, windows)
    _as_windows_files(windows)
    result = import_folder(bare_app, windows)
    assert result.exit_code == 0, result.output
    plain = app_from(empty_library, tmp_path / "plain")
    try:
        assert import_folder(plain, FIXTURE_CONTENT).exit_code == 0
        assert _library(bare_app) == _library(plain)
    finally:
        close_app(plain)
