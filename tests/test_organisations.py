"""Organisations without variants: the vocabulary in taxonomy.yml is checked, free text
finds its organisation, a directorate's cases count for its ministry (search facet,
/bladeren, filters), the form offers the list and takes any name, names it does not know
wait on the editors' desk, and the import files existing cases."""
from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
import yaml
from sqlalchemy import select

from app.config import PROJECT_DIR
from app.extensions import db
from app.models import Case, Term, User
from app.services import organisations
from app.services.contributing.cases import CaseInput, submit_case, update_case
from app.services.exchange.content_export import export_content
from app.services.exchange.content_import import ContentInvalid, import_content
from app.services.organisations import Resolver, vocabulary_problems
from app.services.people.accounts import create_user
from tests.support import FIXTURE_CONTENT, PASSWORD, app_from, close_app, publish, sync_index

SEED_TAXONOMY = PROJECT_DIR / "content" / "taxonomy.yml"


def entry(slug, label, kind="ministerie", **extra) -> dict:
    return {"slug": slug, "label": label, "kind": kind, **extra}


def terms_of(entries: list[dict]) -> list[Term]:
    """The entries as the Terms the import would make (ids by position; no database)."""
    terms = {item["slug"]: Term(id=number, kind="organisations", slug=item["slug"],
                                label=item["label"], label_en=item.get("label_en", ""),
                                category=item["kind"], aliases=item.get("aliases", []),
                                merged_into_id=None, parent_id=None)
             for number, item in enumerate(entries, 1)}
    for item in entries:
        if item.get("parent"):
            terms[item["slug"]].parent_id = terms[item["parent"]].id
    return list(terms.values())


@pytest.fixture(scope="module")
def seed() -> Resolver:
    """The resolver of the seed vocabulary in content/taxonomy.yml."""
    entries = yaml.safe_load(SEED_TAXONOMY.read_text(encoding="utf-8"))["organisations"]
    assert vocabulary_problems(entries) == []
    return Resolver(terms_of(entries))


def slug(resolver: Resolver, text: str) -> str | None:
    found = resolver.resolve(text).term
    return found.slug if found else None


# -- the vocabulary is checked ------------------------------------------------------------

@pytest.mark.parametrize(("entries", "problem"), [
    ([entry("a", "A", kind="agency")],
     "organisations[0] (a): kind must be one of ministerie, directie, programma, agentschap,"
     " zbo, provincie, waterschap, gemeente, koepel, overig, not 'agency'"),
    ([entry("a", "A", parnet="b")],
     "organisations[0] (a) has unknown keys ['parnet']; allowed: ['slug', 'label',"
     " 'label_en', 'kind', 'parent', 'aliases']"),
    ([entry("a", "A", aliases=["X", " "])],
     "organisations[0] (a): aliases must be a list of names, none of them empty"),
    ([entry("a", "A", aliases="AA")],
     "organisations[0] (a): aliases must be a list of names, none of them empty"),
    ([entry("a", "A"), entry("a", "B")], "organisations: the slug 'a' is used 2 times"),
    ([entry("a", "Ministerie van A", aliases=["A.B."]), entry("b", "B", aliases=["a b"])],
     "organisations: the name 'A.B.' belongs to 'a' and 'b'; a name may lead to one"
     " organisation only"),
    ([entry("a", "Gemeente Één"), entry("b", "gemeente een")],
     "organisations: the name 'Gemeente Één' belongs to 'a' and 'b'; a name may lead to one"
     " organisation only"),
    ([entry("a", "A", parent="z")],
     "organisations (a): parent 'z' is not an organisation in this file"),
    ([entry("a", "A", parent="a")], "organisations (a): parent is the organisation itself"),
    ([entry("a", "A", parent="c"), entry("b", "B", parent="a"), entry("c", "C", parent="b")],
     "organisations: parents go round in a loop: a → c → b → a"),
    (["IenW"], "organisations[0] must be a mapping with a slug, a label and a kind"),
])
def test_the_vocabulary_is_checked_with_messages_an_editor_can_act_on(entries, problem):
    assert problem in vocabulary_problems(entries)


def test_a_sound_vocabulary_has_no_problems():
    assert vocabulary_problems([
        entry("ienw", "Ministerie van Infrastructuur en Waterstaat", aliases=["IenW"]),
        entry("rws", "Rijkswaterstaat", kind="agentschap", parent="ienw",
              label_en="Rijkswaterstaat", aliases=["RWS"]),   # the same name twice: its own
    ]) == []


def test_the_import_refuses_a_broken_vocabulary_and_names_each_problem(bare_app, tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    text = (folder / "taxonomy.yml").read_text(encoding="utf-8")
    text = text.replace("parent: ienw-dg-mobiliteit", "parent: dg-bestaat-niet")
    text = text.replace("aliases: [BZK]", "aliases: [BZK, OVS]")
    (folder / "taxonomy.yml").write_text(text, encoding="utf-8")
    with bare_app.app_context():
        with pytest.raises(ContentInvalid) as refused:
            import_content(folder)
        assert db.session.scalar(select(Case.id)) is None   # nothing was imported
    messages = [str(problem) for problem in refused.value.problems]
    assert ("taxonomy.yml: organisations (ienw-directie-ovs): parent 'dg-bestaat-niet' is"
            " not an organisation in this file") in messages
    assert ("taxonomy.yml: organisations: the name 'OVS' belongs to 'ienw-directie-ovs' and"
            " 'bzk'; a name may lead to one organisation only") in messages


# -- from free text to an organisation ------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # the variants of one ministry that the facet used to list apart
    ("Ministerie van Infrastructuur en Waterstaat", "ienw"),
    ("Ministerie van Infrastructuur en Milieu (later Infrastructuur en Waterstaat)", "ienw"),
    ("Ministerie van Infrastructuur en Waterstaat, directie OVS", "ienw-directie-ovs"),
    ("Ministerie van Infrastructuur en Waterstaat, DG Water en Bodem", "ienw-dg-water-en-bodem"),
    ("Ministerie van Infrastructuur en Milieu, DG Ruimte en Water", "ienw-dg-water-en-bodem"),
    # abbreviations, in any case and punctuation
    ("IenW", "ienw"), ("I&W", "ienw"), ("ienw", "ienw"), ("Ministerie van IenW", "ienw"),
    ("RWS", "rws"), ("EZK", "ez"), ("LNV", "lvvn"), ("BZK", "bzk"), ("directie OVS",
                                                                    "ienw-directie-ovs"),
    ("DG Water en Bodem", "ienw-dg-water-en-bodem"), ("dgwb", "ienw-dg-water-en-bodem"),
    # former names
    ("Infrastructuur en Milieu", "ienw"), ("Verkeer en Waterstaat", "ienw"), ("VROM", "ienw"),
    ("Economische Zaken, Landbouw en Innovatie", "ez"), ("Ministerie van Economische Zaken en"
                                                         " Klimaat", "ez"),
    ("Ministerie van Landbouw, Natuur en Voedselkwaliteit", "lvvn"),
    ("Waterschap Peel en Maasvallei", "waterschap-limburg"),
    # accents and "Ministerie van X" against "X"
    ("Ministerie van Financien", "financien"), ("financiën", "financien"),
    ("Wetterskip Fryslan", "wetterskip-fryslan"), ("Provincie Fryslân", "provincie-fryslan"),
    ("Sociale Zaken en Werkgelegenheid", "szw"),
    # with or without the word of its kind; an article is no part of a name
    ("De Dommel", "waterschap-de-dommel"), ("Hoogheemraadschap Rijnland",
                                            "hoogheemraadschap-van-rijnland"),
    ("Zuid-Holland", "provincie-zuid-holland"), ("Den Bosch", "gemeente-s-hertogenbosch"),
    ("Gemeente 's-Gravenhage", "gemeente-den-haag"), ("Lansingerland", "gemeente-lansingerland"),
    ("the Ministry of Infrastructure and Water Management", "ienw"),
    # several organisations in one text
    ("Ministerie van Infrastructuur en Milieu (later Infrastructuur en Waterstaat), met"
     " Rijkswaterstaat", "ienw"),
    ("Ministerie van Infrastructuur en Waterstaat en Rijkswaterstaat", "ienw"),
    ("Rijkswaterstaat / IenW", "ienw"),
    ("DGWB, IenW", "ienw-dg-water-en-bodem"),
    ("Ministerie van Binnenlandse Zaken en Koninkrijksrelaties, programma Aan de slag met de"
     " Omgevingswet", "bzk-programma-aan-de-slag-met-de-omgevingswet"),
    ("Ministerie van Economische Zaken en Ministerie van Infrastructuur en Milieu", "ez"),
    # not found: unknown, ambiguous, or a part that is no name
    ("Gemeente Zwolle-Oost", None), ("Utrecht", None), ("Groningen", None),
    ("IenW, afdeling Strategie", None), ("", None), ("  ", None), ("(later IenW)", None),
])
def test_free_text_finds_its_organisation(seed, text, expected):
    assert slug(seed, text) == expected


def test_a_text_naming_unrelated_organisations_says_which_were_left_out(seed):
    found = seed.resolve("Gemeente Utrecht en Provincie Utrecht")
    assert found.term.slug == "gemeente-utrecht"
    assert [other.slug for other in found.others] == ["provincie-utrecht"]
    assert seed.resolve("IenW en Rijkswaterstaat").others == ()


def test_every_organisation_named_in_the_seed_content_is_in_the_vocabulary(seed):
    """content/cases/* and content/reflections/*: every organisation field maps."""
    named = []
    for folder in ("cases", "reflections"):
        for path in sorted((PROJECT_DIR / "content" / folder).glob("*.md")):
            meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
            if meta.get("organisation"):
                named.append((path.name, meta["organisation"]))
    assert len(named) == 21
    assert [(name, text) for name, text in named if slug(seed, text) is None] == []


def test_a_merged_organisations_names_lead_to_the_one_that_stayed():
    terms = terms_of([entry("ienm", "Ministerie van Infrastructuur en Milieu", aliases=["IenM"]),
                      entry("ienw", "Ministerie van Infrastructuur en Waterstaat")])
    terms[0].merged_into_id = terms[1].id
    resolver = Resolver(terms)
    assert slug(resolver, "IenM") == "ienw" and slug(resolver, "ienm") == "ienw"


# -- rolling up: the facet, /bladeren and the filters -----------------------------------------

def add_case(app, title: str, organisation: str, visibility: str = "public") -> str:
    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == "lid@example.nl"))
        case = submit_case(author, CaseInput(
            title=title, summary="Kort.", body="Over de organisatie van de zaak.",
            roles=["netwerkend"], policy_domain="water", organisation=organisation,
            learning_groups=["water"], visibility=visibility))
        if visibility != "private":   # a private case is final at once, for its author
            publish(case)
        return case.slug


@pytest.fixture
def filed(app, users):
    """Beside the fixture's case of Directie OVS: one of DG Water en Bodem, one of the
    ministry itself (by a former name), one of a municipality, one name not in the list."""
    slugs = {
        "dgwb": add_case(app, "Beek in de wijk", "Ministerie van IenW, DG Water en Bodem"),
        "ienw": add_case(app, "Schoon water", "Ministerie van Infrastructuur en Milieu"),
        "gemeente": add_case(app, "Een plein", "Gemeente Utrecht"),
        "unknown": add_case(app, "Een dijk", "Waterschap Zuidoost"),
    }
    sync_index(app)
    return slugs


def facet(html: str, parameter: str) -> dict[str, int]:
    section = html[html.index(f'id="facet-{parameter}"'):]
    section = section[:section.index("</section>")]
    return {unescape(label): int(count) for label, count in re.findall(
        r'<a href="[^"]+"[^>]*>([^<]+?) <span class="facet__count">\((\d+)\)</span>', section)}


def test_the_search_facet_counts_units_for_their_ministry(app, filed, browser):
    html = browser.get("/zoeken?q=*").get_data(as_text=True)
    assert facet(html, "organisatie") == {
        "Ministerie van Infrastructuur en Waterstaat": 3,   # itself, OVS (via DG Mob.), DGWB
        "Directoraat-generaal Mobiliteit": 1, "Directie Openbaar Vervoer en Spoor": 1,
        "Directoraat-generaal Water en Bodem": 1, "Gemeente Utrecht": 1,
        "Waterschap Zuidoost": 1}


def test_a_facet_value_lists_what_it_counts(app, filed, browser):
    html = browser.get("/zoeken?q=*&organisatie=ienw").get_data(as_text=True)
    titles = set(re.findall(r'class="result__title"><a href="[^"]+">([^<]+)</a>', html))
    assert titles == {"Geluidsmaatregelen HSL-Zuid Lansingerland", "Beek in de wijk",
                      "Schoon water"}
    assert facet(html, "organisatie")["Ministerie van Infrastructuur en Waterstaat"] == 3
    # a directorate alone, by one of its names, typed as a filter too
    for address in ("/zoeken?q=*&organisatie=ienw-dg-mobiliteit", "/zoeken?q=organisatie:OVS",
                    "/zoeken?q=*&organisatie=Ministerie+van+IenW,+directie+OVS"):
        html = browser.get(address).get_data(as_text=True)
        assert re.findall(r'class="result__title"><a href="[^"]+">([^<]+)</a>', html) == [
            "Geluidsmaatregelen HSL-Zuid Lansingerland"], address
    html = browser.get("/zoeken?q=*&organisatie=Waterschap+Zuidoost").get_data(as_text=True)
    assert re.findall(r'class="result__title"><a href="[^"]+">([^<]+)</a>', html) == [
        "Een dijk"]


def test_the_search_facet_shows_labels_in_the_readers_language(app, filed, browser):
    html = browser.get("/zoeken?q=*", headers={"Accept-Language": "en"}).get_data(as_text=True)
    found = facet(html, "organisatie")
    assert found["Ministry of Infrastructure and Water Management"] == 3
    assert found["Public Transport and Rail Directorate"] == 1


def browse_rows(client) -> list[tuple[str, str, int, str]]:
    html = client.get("/bladeren/organisatie").get_data(as_text=True)
    return [(unescape(href), unescape(label), int(count), unescape(within))
            for href, label, count, within in re.findall(
                r'<th scope="row"[^>]*><a href="([^"]+)">([^<]+)</a></th>\s*<td>(\d+)</td>'
                r'\s*<td>([^<]*)</td>', html)]


def test_the_organisation_page_rolls_up_in_tree_order(app, filed, browser):
    assert browse_rows(browser) == [
        ("/casussen/?organisatie=gemeente-utrecht", "Gemeente Utrecht", 1, ""),
        ("/casussen/?organisatie=ienw", "Ministerie van Infrastructuur en Waterstaat", 3, ""),
        ("/casussen/?organisatie=ienw-dg-mobiliteit", "Directoraat-generaal Mobiliteit", 1,
         "Ministerie van Infrastructuur en Waterstaat"),
        ("/casussen/?organisatie=ienw-directie-ovs", "Directie Openbaar Vervoer en Spoor", 1,
         "Directoraat-generaal Mobiliteit"),
        ("/casussen/?organisatie=ienw-dg-water-en-bodem", "Directoraat-generaal Water en Bodem",
         1, "Ministerie van Infrastructuur en Waterstaat"),
        ("/casussen/?organisatie=Waterschap+Zuidoost", "Waterschap Zuidoost", 1, ""),
    ]
    for href, _label, count, _within in browse_rows(browser):
        html = browser.get(href).get_data(as_text=True)
        assert re.search(rf'class="result-count">{count} casus', html), href
    overview = browser.get("/bladeren").get_data(as_text=True)
    assert ("Ministerie van Infrastructuur en Waterstaat <span class=\"browse-values__count\">"
            "(3 casussen)") in overview
    html = browser.get("/bladeren/organisatie", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "Ministry of Infrastructure and Water Management" in html
    assert '<th scope="col">Part of</th>' in html


def test_a_case_list_names_the_chosen_organisation_and_old_addresses_work(app, filed, browser):
    html = browser.get("/casussen/?organisatie=ienw").get_data(as_text=True)
    assert "Organisatie: Ministerie van Infrastructuur en Waterstaat" in html
    assert re.search(r'class="result-count">3 casussen', html)
    # an address from before the vocabulary named the text
    old = browser.get("/casussen/?organisatie=Ministerie+van+IenW,+directie+OVS")
    assert old.status_code == 200 and "Geluidsmaatregelen" in old.get_data(as_text=True)
    assert browser.get("/casussen/?organisatie=bzk").status_code == 404   # nobody's


def test_the_rollup_keeps_to_what_the_reader_may_see(app, filed, browser, member):
    add_case(app, "Alleen voor de groep", "DG Water en Bodem", visibility="group")
    sync_index(app)
    counts = {label: count for _h, label, count, _w in browse_rows(browser)}
    assert counts["Ministerie van Infrastructuur en Waterstaat"] == 3
    counts = {label: count for _h, label, count, _w in browse_rows(member)}
    assert counts["Ministerie van Infrastructuur en Waterstaat"] == 4
    assert counts["Directoraat-generaal Water en Bodem"] == 2
    html = member.get("/zoeken?q=*").get_data(as_text=True)
    assert facet(html, "organisatie")["Ministerie van Infrastructuur en Waterstaat"] == 4


def test_a_case_page_names_its_organisation_and_what_it_is_part_of(app, filed, browser):
    html = browser.get("/casussen/geluidsmaatregelen-hsl-zuid").get_data(as_text=True)
    assert ('<dd><a href="/casussen/?organisatie=ienw-directie-ovs">Directie Openbaar Vervoer en'
            ' Spoor</a> <span class="facts__within">(onderdeel van Directoraat-generaal'
            ' Mobiliteit, Ministerie van Infrastructuur en Waterstaat)</span></dd>') in html
    html = browser.get(f"/casussen/{filed['unknown']}").get_data(as_text=True)
    assert "<dt>Organisatie</dt><dd>Waterschap Zuidoost</dd>" in html


# -- the case form: the list offered, any name taken ------------------------------------------

NEW_CASE = {"title": "Een casus over een sluis", "summary": "Kort.", "body": "Tekst.",
            "roles": "netwerkend", "policy_domain": "water", "visibility": "internal",
            "actie": "concept"}


def test_the_form_offers_the_vocabulary_on_a_labelled_field(app, member):
    html = member.get("/casussen/nieuw").get_data(as_text=True)
    field = re.search(r'<input [^>]*id="field-organisation"[^>]*>', html).group(0)
    assert 'list="suggestions-organisation"' in field
    assert 'aria-describedby="hint-organisation"' in field
    assert '<label class="field__label" for="field-organisation">Organisatie of directie' in html
    datalist = html[html.index('<datalist id="suggestions-organisation">'):]
    datalist = datalist[:datalist.index("</datalist>")]
    options = re.findall(r'<option value="([^"]+)"></option>', datalist)
    assert "Directie Openbaar Vervoer en Spoor" in options and len(options) == 10
    english = member.get("/casussen/nieuw", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert '<option value="Ministry of Infrastructure and Water Management">' in english


def saved_case(app, title: str) -> Case:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.title == title))
        db.session.expunge(case)
        return case


def test_a_known_name_is_stored_as_its_organisation(app, member):
    response = member.submit("/casussen/nieuw", {**NEW_CASE, "organisation": "i&w, dgwb"})
    assert response.status_code == 303
    case = saved_case(app, NEW_CASE["title"])
    assert case.organisation == ""
    with app.app_context():
        assert db.session.get(Term, case.organisation_id).slug == "ienw-dg-water-en-bodem"
    page = member.get(response.headers["Location"]).get_data(as_text=True)
    assert "staat nog niet in onze lijst" not in page
    edit = member.get(f"/casussen/{case.slug}/bewerken").get_data(as_text=True)
    assert 'value="Directoraat-generaal Water en Bodem"' in edit  # its label, not its slug


def test_an_unknown_name_is_kept_as_typed_and_the_author_is_told(app, member):
    response = member.submit("/casussen/nieuw", {**NEW_CASE,
                                                 "organisation": "  Omgevingsdienst Noord "})
    assert response.status_code == 303
    case = saved_case(app, NEW_CASE["title"])
    assert (case.organisation, case.organisation_id) == ("Omgevingsdienst Noord", None)
    page = member.get(response.headers["Location"]).get_data(as_text=True)
    assert ("De organisatie ‘Omgevingsdienst Noord’ staat nog niet in onze lijst. De redactie"
            " deelt die naam in; u hoeft niets te doen.") in unescape(page)
    edit = member.get(f"/casussen/{case.slug}/bewerken").get_data(as_text=True)
    assert 'value="Omgevingsdienst Noord"' in edit


def test_a_text_naming_two_organisations_is_filed_and_kept_as_typed(app, member):
    """Filed under the one named first, as the import does; the text stays, so the
    other organisation it names is not lost, and the edit form shows it again."""
    typed = "Ministerie van BZK en Ministerie van Infrastructuur en Milieu"
    response = member.submit("/casussen/nieuw", {**NEW_CASE, "organisation": typed})
    assert response.status_code == 303
    case = saved_case(app, NEW_CASE["title"])
    assert case.organisation == typed
    with app.app_context():
        assert db.session.get(Term, case.organisation_id).slug == "bzk"
    edit = member.get(f"/casussen/{case.slug}/bewerken").get_data(as_text=True)
    assert f'value="{typed}"' in edit


def test_editing_keeps_the_organisation_and_a_revision_holds_its_slug(app, users):
    slug = add_case(app, "Een haven", "RWS")  # not in the fixture vocabulary
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == slug))
        editor = db.session.get(User, users["editor"])
        from app.services.contributing.cases import case_as_input
        form = case_as_input(case)
        form.organisation = "Directoraat-generaal Mobiliteit"
        update_case(editor, case, form)
        assert case.organisation_term.slug == "ienw-dg-mobiliteit"
        assert case_as_input(case).organisation == "ienw-dg-mobiliteit"
        update_case(editor, case, case_as_input(case))   # the slug is taken back
        assert case.organisation_term.slug == "ienw-dg-mobiliteit"


# -- the editors' desk ------------------------------------------------------------------------

def test_unknown_names_wait_on_the_desk_with_their_cases(app, filed, editor, member):
    add_case(app, "Nog een dijk", "Waterschap Zuidoost")
    add_case(app, "Mijn eigen dijk", "Geheim Waterschap", visibility="private")
    html = editor.get("/redactie").get_data(as_text=True)
    section = html[html.index('id="unfiled-heading"'):]
    section = section[:section.index("</section>")]
    assert "Organisaties om in te delen (1)" in section   # the private one is not shown
    assert "‘Waterschap Zuidoost’" in section and "2 casussen" in section
    assert "Nog een dijk" in section and "Een dijk" in section
    assert "Geheim Waterschap" not in section
    assert ('/redactie/taxonomie/organisaties-indelen/wijzigen?item=Waterschap+Zuidoost'
            in section)
    assert member.get("/redactie").status_code == 404


def test_filing_from_the_desk_files_the_cases_and_the_facet_follows(app, filed, editor,
                                                                    browser):
    with app.app_context():
        target = db.session.scalar(select(Term.id).where(Term.slug == "waterschap-de-dommel"))
    edit = "/redactie/taxonomie/organisaties-indelen/wijzigen?item=Waterschap+Zuidoost"
    response = editor.submit(edit, {"item": "Waterschap Zuidoost", "merge_into": str(target)},
                             post_url="/redactie/taxonomie/organisaties-indelen/samenvoegen")
    assert response.status_code == 303
    assert "Alle organisaties staan in de lijst." in editor.get("/redactie").get_data(
        as_text=True)
    sync_index(app)
    html = browser.get("/zoeken?q=*").get_data(as_text=True)
    assert facet(html, "organisatie")["Waterschap De Dommel"] == 1
    assert "Waterschap Zuidoost" not in facet(html, "organisatie")


# -- import and export --------------------------------------------------------------------------

def test_the_import_files_existing_cases_and_reports_unknown_names(app, tmp_path):
    """A library from before the vocabulary: organisations are text. The next import
    files those it knows, leaves the rest as written and says so."""
    with app.app_context():
        for case in db.session.scalars(select(Case)):
            case.organisation, case.organisation_term = "Ministerie van IenW, directie OVS", None
        case = db.session.scalar(select(Case).where(Case.slug == "interne-dijkcasus"))
        case.organisation = "Waterschap Zuidoost"
        db.session.commit()
    sync_index(app)
    with app.app_context():
        report = import_content(FIXTURE_CONTENT)
        assert report.changed and report.organisations_filed == 3
        assert "organisations: 3 case(s) filed under the vocabulary" in report.summary()
        assert list(map(str, report.warnings)) == [
            "cases/interne-dijkcasus.md: organisation 'Waterschap Zuidoost' is not in the"
            " vocabulary; kept as written, for the editors to file (/redactie) or to add to"
            " taxonomy.yml"]
        filed = {case.slug: (case.organisation_term.slug if case.organisation_term else None,
                             case.organisation) for case in db.session.scalars(select(Case))}
    assert filed == {"geluidsmaatregelen-hsl-zuid": ("ienw-directie-ovs", ""),
                     "groepscasus-water": ("ienw-directie-ovs", ""),
                     "waterschappen-en-regenwater": ("ienw-directie-ovs", ""),
                     "interne-dijkcasus": (None, "Waterschap Zuidoost")}
    assert sync_index(app) == 3   # the index follows the filed cases
    with app.app_context():
        again = import_content(FIXTURE_CONTENT)
        assert again.organisations_filed == 0 and not again.changed
        assert len(again.warnings) == 1   # still not known: reported again


def test_the_command_prints_the_warnings(app):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == "interne-dijkcasus"))
        case.organisation = "Waterschap Zuidoost"
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["content", "import", str(FIXTURE_CONTENT)])
    assert result.exit_code == 0
    assert ("warning: cases/interne-dijkcasus.md: organisation 'Waterschap Zuidoost' is not in"
            " the vocabulary") in result.output


def test_the_seed_content_imports_with_every_organisation_filed(bare_app):
    with bare_app.app_context():
        report = import_content(PROJECT_DIR / "content")
        warnings = list(map(str, report.warnings))
        assert [warning for warning in warnings if "not in the vocabulary" in warning] == []
        assert warnings == [
            "cases/wat-leveren-green-deals-op.md: the organisation names more than one"
            " organisation; filed under 'Ministerie van Economische Zaken' (named first), not"
            " under 'Ministerie van Infrastructuur en Waterstaat'"]
        cases = list(db.session.scalars(select(Case)))
        assert len(cases) == 21 and all(case.organisation_term for case in cases)
        by_slug = {case.slug: case.organisation_term.slug for case in cases}
        assert by_slug["dijkversterking-met-de-omgeving"] == "ienw"
        assert by_slug["kaderrichtlijn-water-op-weg-naar-2027"] == "ienw-dg-water-en-bodem"
        assert by_slug["geluidsmaatregelen-hsl-zuid-lansingerland"] == "ienw-directie-ovs"
        assert by_slug["energiecooperatie-zonnepark-vol-stroomnet"] == "kgg"
        ovs = db.session.scalar(select(Term).where(Term.slug == "ienw-directie-ovs"))
        assert [t.slug for t in organisations.Tree.load().ancestors(ovs)] == [
            "ienw-dg-mobiliteit", "ienw"]


def test_a_changed_vocabulary_line_is_applied_and_an_unchanged_one_kept(ctx, users, tmp_path):
    bzk = db.session.scalar(select(Term).where(Term.slug == "bzk"))
    bzk.aliases = [*bzk.aliases, "Binnenlandse Zaken"]   # as an editor's filing does
    db.session.commit()
    import_content(FIXTURE_CONTENT)
    db.session.expire_all()
    assert "Binnenlandse Zaken" in db.session.get(Term, bzk.id).aliases
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    text = (folder / "taxonomy.yml").read_text(encoding="utf-8")
    (folder / "taxonomy.yml").write_text(text.replace(
        "kind: directie, parent: ienw-dg-mobiliteit", "kind: directie, parent: ienw"),
        encoding="utf-8")
    report = import_content(folder)
    assert report.counts["terms"]["updated"] == 1
    ovs = db.session.scalar(select(Term).where(Term.slug == "ienw-directie-ovs"))
    assert ovs.parent.slug == "ienw"


@pytest.fixture
def other(tmp_path, empty_library):
    """A second, empty instance to import an export into."""
    instance = app_from(empty_library, tmp_path / "other")
    yield instance
    close_app(instance)


def test_the_export_round_trips_organisations(app, filed, tmp_path, other):
    with app.app_context():
        terms = {term.slug: term for term in db.session.scalars(select(Term))}
        terms["bzk"].aliases = [*terms["bzk"].aliases, "Binnenlandse Zaken"]
        db.session.commit()
        export_content(tmp_path / "export")
        before = {case.slug: (case.organisation_term.slug if case.organisation_term else "",
                              case.organisation) for case in db.session.scalars(select(Case))
                  if case.status == "published" and case.visibility != "private"}
    exported = yaml.safe_load((tmp_path / "export" / "taxonomy.yml").read_text())
    ovs = next(item for item in exported["organisations"] if item["slug"] == "ienw-directie-ovs")
    assert ovs == {"slug": "ienw-directie-ovs", "label": "Directie Openbaar Vervoer en Spoor",
                   "label_en": "Public Transport and Rail Directorate", "kind": "directie",
                   "parent": "ienw-dg-mobiliteit", "aliases": ["OVS"]}
    case_file = (tmp_path / "export" / "cases" / f"{filed['dgwb']}.md").read_text()
    assert "\norganisation: ienw-dg-water-en-bodem\n" in case_file
    with other.app_context():
        create_user("lid@example.nl", "Lid", PASSWORD)
        report = import_content(tmp_path / "export")
        # a name not in the vocabulary travels as written
        assert list(map(str, report.warnings)) == [
            f"cases/{filed['unknown']}.md: organisation 'Waterschap Zuidoost' is not in the"
            " vocabulary; kept as written, for the editors to file (/redactie) or to add to"
            " taxonomy.yml"]
        after = {case.slug: (case.organisation_term.slug if case.organisation_term else "",
                             case.organisation) for case in db.session.scalars(select(Case))}
        assert organisations.resolve("Binnenlandse Zaken").term.slug == "bzk"
    assert after == before


def test_the_desk_counts_unknown_names_in_the_database_most_used_first(app, filed):
    """Counted with GROUP BY and the newest few cases of each fetched in one query, not
    every unfiled case loaded (a library of imported cases may hold tens of thousands)."""
    for number in range(7):
        add_case(app, f"Kade {number}", "Havenbedrijf Zuid")
    for name in ("Bureau B", "Bureau A", "Bureau B", "Bureau A"):
        add_case(app, f"Zaak van {name}", name)
    with app.app_context():
        names = organisations.unfiled_names()
        assert [name for name, _count in names[:3]] == ["Havenbedrijf Zuid", "Bureau A",
                                                          "Bureau B"]
        assert dict(names)["Havenbedrijf Zuid"] == 7 and dict(names)["Bureau A"] == 2
        newest = organisations.newest_unfiled(["Havenbedrijf Zuid", "Bureau A"], 5)
        assert [case.title for case in newest["Havenbedrijf Zuid"]] == [
            f"Kade {number}" for number in (6, 5, 4, 3, 2)]
        assert len(newest["Bureau A"]) == 2
