"""The glossary as content (issue 16, part 2): content/glossary.yml is sound and says what
the issue asks; the import checks it entry by entry, names what is wrong, and never lets
a slip in it hold back the other content; the export writes it back."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import PROJECT_DIR
from app.extensions import db
from app.models import Case, GlossaryEntry
from app.search.analysis import STOP_WORDS, lexicon
from app.search.glossary import Glossary, plural_forms, term_words
from app.services.exchange.content_export import export_content
from app.services.exchange.content_glossary import read_glossary
from app.services.exchange.content_import import import_content

SITE_GLOSSARY = PROJECT_DIR / "content"


def _read(folder: Path) -> tuple[list, list[str]]:
    warnings: list[str] = []
    rows = read_glossary(folder, lambda path, message: warnings.append(f"{path}: {message}"))
    return rows, warnings


def _dutch(glossary: Glossary, english: str) -> tuple[str, ...]:
    """What the typed English text leads to, as a whole."""
    words = term_words(english)
    matches = glossary.matches(words)
    assert len(matches) == 1 and matches[0].length == len(words), english
    return matches[0].dutch


# --- content/glossary.yml ------------------------------------------------------------------

def test_the_site_glossary_has_at_least_200_entries_and_every_one_is_sound():
    rows, warnings = _read(SITE_GLOSSARY)
    assert warnings == []
    assert len(rows) >= 200
    for row in rows:
        assert row.english and row.dutch
        assert all(term.strip() and term_words(term) for term in row.english + row.dutch)


@pytest.mark.parametrize("english, dutch", [
    ("noise", "geluid"), ("residents", "omwonenden"), ("resident", "omwonenden"),
    ("local residents", "omwonenden"), ("water board", "waterschap"),
    ("formal objection", "zienswijze"), ("nitrogen", "stikstof"),
    ("public consultation", "inspraak"), ("Council of State", "Raad van State"),
    ("House of Representatives", "Tweede Kamer"), ("Senate", "Eerste Kamer"),
    ("environmental permit", "omgevingsvergunning"), ("zoning plan", "bestemmingsplan"),
    ("Environment and Planning Act", "Omgevingswet"), ("wind farm", "windpark"),
    ("heat transition", "warmtetransitie"), ("learning group", "leergroep"),
    ("stakeholder dinner", "stakeholdersdiner"), ("dossier holder", "dossierhouder"),
    ("lawful government", "rechtmatige overheid"), ("coalition agreement", "regeerakkoord"),
    ("citizens' initiative", "burgerinitiatief"), ("objection", "bezwaar"),
    ("appeal", "beroep"), ("tailor-made", "maatwerk"), ("dikes", "dijk"),
])
def test_the_site_glossary_leads_the_issue_s_terms_to_their_dutch_words(english, dutch):
    rows, _warnings = _read(SITE_GLOSSARY)
    glossary = Glossary([row.values for row in rows], "en")
    assert dutch in _dutch(glossary, english)


def test_the_site_glossary_has_no_common_dutch_word_in_its_english_column_undecided():
    """A Dutch reader typing one of the most common Dutch words (door, even, water, land,
    open) must not find its "translation": such a word is English-only, or means the same
    in Dutch and is listed among the Dutch words. No English term is only stop words."""
    rows, _warnings = _read(SITE_GLOSSARY)
    common = {word for word, rank in lexicon().items() if rank < 1500}
    for row in rows:
        dutch = set(map(term_words, row.dutch))
        for term in row.english:
            words = term_words(term)
            assert not set(words) <= STOP_WORDS, term
            if len(words) == 1 and words[0] in common:
                assert row.english_only or words in dutch, term


def test_the_site_glossary_s_false_friends_count_only_with_the_english_interface():
    rows, _warnings = _read(SITE_GLOSSARY)
    english_only = {term for row in rows if row.english_only for term in row.english}
    assert {"stage", "rent", "file"} <= english_only
    dutch_reader = Glossary([row.values for row in rows], "nl")
    assert not dutch_reader.matches(["stage"])[0].applied
    assert dutch_reader.matches(["noise"])[0].applied


# --- the glossary's matching -------------------------------------------------------------

def test_the_longest_term_wins_and_plurals_are_english():
    glossary = Glossary([(["board"], ["bestuur"], False), (["water board"], ["waterschap"], False),
                         (["policy"], ["beleid"], False), (["process"], ["proces"], False)])
    assert [(m.start, m.length, m.dutch) for m in glossary.matches(
        ["the", "water", "boards", "policies", "processes", "board"])] == [
        (1, 2, ("waterschap",)), (3, 1, ("beleid",)), (4, 1, ("proces",)), (5, 1, ("bestuur",))]
    assert plural_forms("authority") == {"authoritys", "authorities"}


def test_a_word_written_in_a_phrase_still_reads_as_the_plural_of_another_term():
    glossary = Glossary([(["rule"], ["regel"], False),
                         (["rules and regulations"], ["regelgeving"], False)])
    assert glossary.matches(["rules"])[0].dutch == ("regel",)
    assert glossary.matches(["rules", "and", "regulations"])[0].dutch == ("regelgeving",)


def test_a_near_miss_of_a_term_is_found_and_an_exact_word_is_not_one():
    glossary = Glossary([(["noise"], ["geluid"], False), (["resident"], ["omwonenden"], False)])
    assert glossary.nearest("noice") == (1, ("geluid",))
    assert glossary.nearest("residnts") == (1, ("omwonenden",))
    assert glossary.nearest("nose") == (1, ("geluid",)) and glossary.nearest("nosy") is None
    assert glossary.nearest("residents") is None and glossary.nearest("rezidnts") == (
        2, ("omwonenden",))


# --- the import's checks -----------------------------------------------------------------

def _entries() -> list[tuple]:
    return [(e.english, e.dutch, e.english_only) for e in db.session.scalars(
        select(GlossaryEntry).order_by(GlossaryEntry.id))]


BROKEN = """\
- {en: [noise], nl: [geluid]}
- {en: [water board]}
- {en: [residents], nl: [omwonenden, ""]}
- just words
- {en: [resident, local resident], nl: [omwonenden]}
- {en: [noises], nl: [lawaai]}
- {en: [nitrogen], nl: [stikstof], colour: green}
- {en: [rent], nl: [huur]}
- {en: [stage], nl: [fase], english_only: yes please}
"""


def test_a_broken_entry_is_named_and_left_out_and_the_rest_is_imported(empty, content):
    (content / "glossary.yml").write_text(BROKEN, encoding="utf-8")
    report = import_content(content)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 4  # nothing held back
    assert _entries() == [(["noise"], ["geluid"], False),
                          (["resident", "local resident"], ["omwonenden"], False),
                          (["rent"], ["huur"], True)]
    warnings = [str(warning) for warning in report.warnings]
    assert warnings[:4] == [
        "glossary.yml: entry 2 (line 2) (water board): nl: needs at least one Dutch word;"
        " left out",
        "glossary.yml: entry 3 (line 3) (residents): nl: holds an empty Dutch word; remove it"
        " or fill it in; left out",
        "glossary.yml: entry 4 (line 4): must be a mapping with en: (English) and nl: (Dutch);"
        " left out",
        "glossary.yml: entry 6 (line 6) (noises): 'noises' is already in entry 1 (line 1); an"
        " English term belongs to one entry (merge the two); left out here",
    ]
    assert "entry 7 (line 7) (nitrogen): unknown keys ['colour']" in warnings[4]
    assert "entry 8 (line 8) (rent): 'rent' is also a Dutch word" in warnings[5]
    assert "english_only: must be true or false" in warnings[6]
    assert len(warnings) == 7


def test_a_term_in_the_plural_belongs_to_its_singular_s_entry(empty, content):
    (content / "glossary.yml").write_text(
        "- {en: [resident], nl: [bewoners]}\n- {en: [residents], nl: [omwonenden]}\n",
        encoding="utf-8")
    report = import_content(content)
    assert "'residents' is already in entry 1 (line 1)" in str(report.warnings[0])
    assert _entries() == [(["resident"], ["bewoners"], False)]


def test_a_decision_on_a_word_that_is_dutch_too_silences_the_warning(empty, content):
    (content / "glossary.yml").write_text(
        "- {en: [rent], nl: [huur], english_only: true}\n"
        "- {en: [workshop], nl: [werkatelier, workshop]}\n"
        "- {en: [city], nl: [stad], english_only: false}\n", encoding="utf-8")
    report = import_content(content)
    assert report.warnings == []
    assert [english_only for _en, _nl, english_only in _entries()] == [True, False, False]


def test_an_unreadable_glossary_leaves_the_glossary_as_it_was(empty, content):
    (content / "glossary.yml").write_text("- {en: [noise], nl: [geluid]}\n", encoding="utf-8")
    import_content(content)
    (content / "glossary.yml").write_text("- {en: [noise], nl: [geluid\n", encoding="utf-8")
    path = content / "cases" / "interne-dijkcasus.md"
    path.write_text(path.read_text().replace("Interne dijkcasus", "Dijkcasus, nieuw"))
    report = import_content(content)
    assert _entries() == [(["noise"], ["geluid"], False)]
    assert "glossary.yml: the file is not valid YAML" in str(report.warnings[0])
    assert str(report.warnings[0]).endswith("the glossary was left as it was")
    assert report.counts["cases"]["updated"] == 1


def test_a_glossary_that_is_no_list_leaves_the_glossary_as_it_was(empty, content):
    (content / "glossary.yml").write_text("noise: geluid\n", encoding="utf-8")
    report = import_content(content)
    assert "must be a list of entries" in str(report.warnings[0])


def test_without_the_file_the_glossary_is_empty_and_a_second_run_changes_nothing(empty,
                                                                                 content):
    (content / "glossary.yml").write_text("- {en: noise, nl: geluid}\n", encoding="utf-8")
    assert import_content(content).counts["glossary entries"]["new"] == 1
    assert _entries() == [(["noise"], ["geluid"], False)]   # one word needs no list
    assert not import_content(content).changed
    (content / "glossary.yml").unlink()
    import_content(content)
    assert _entries() == []


def test_the_command_prints_the_warnings(bare_app, content):
    (content / "glossary.yml").write_text("- {en: [noise]}\n", encoding="utf-8")
    result = bare_app.test_cli_runner().invoke(args=["content", "import", str(content)])
    assert result.exit_code == 0, result.output
    assert "warning: glossary.yml: entry 1 (line 1) (noise): nl: needs at least one" \
        in result.output


def test_the_export_writes_the_glossary_back_as_the_import_reads_it(empty, content, tmp_path):
    (content / "glossary.yml").write_text(
        "- {en: [noise, din], nl: [geluid]}\n- {en: [stage], nl: [fase], english_only: true}\n"
        "- {en: [city], nl: [stad], english_only: false}\n- {en: [board], nl: [bestuur]}\n",
        encoding="utf-8")
    import_content(content)
    report = export_content(tmp_path / "export")
    assert report.counts["glossary entries"] == 4
    rows, warnings = _read(tmp_path / "export")
    assert warnings == []
    assert [row.values for row in rows] == _entries()


def test_a_search_uses_the_glossary_as_last_imported(empty, content):
    """The glossary is kept per process; an import that changes it is seen at once, also
    when the new one has as many entries as the old, after the file was gone a while."""
    from app.services.reading.search import glossary
    path = content / "glossary.yml"
    for dutch in ("geluid", "lawaai"):
        path.write_text(f"- {{en: [noise], nl: [{dutch}]}}\n", encoding="utf-8")
        import_content(content)
        assert glossary("en").matches(["noise"])[0].dutch == (dutch,)
        path.unlink()
        import_content(content)
        assert not glossary("en")


def test_a_glossary_that_leads_out_of_the_folder_is_refused_and_the_rest_imported(
        empty, content, tmp_path):
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("- {en: [noise], nl: [geluid]}\n", encoding="utf-8")
    (content / "glossary.yml").symlink_to(outside)
    report = import_content(content)
    assert [str(warning) for warning in report.warnings] == [
        "glossary.yml: points outside the content folder; the glossary was left as it was"]
    assert _entries() == [] and report.counts["cases"]["new"] == 4
