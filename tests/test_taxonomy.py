"""Taxonomy management: editors rename and merge vocabulary entries; nothing loses its
links, the index follows, and everyone else finds no such pages."""
import re
import shutil

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditEntry,
    Case,
    LearningGroup,
    Reflection,
    SubTheme,
    Term,
    TermKind,
    User,
)
from app.services import catalog
from app.services.editorial import taxonomy
from app.services.exchange.content_import import import_content
from tests.support import FIXTURE_CONTENT, sync_index

LIST = "/redactie/taxonomie/{}/"
EDIT = "/redactie/taxonomie/{}/wijzigen?item={}"
RENAME = "/redactie/taxonomie/{}/hernoemen"
MERGE = "/redactie/taxonomie/{}/samenvoegen"


def term_id(app, kind: str, slug: str) -> str:
    with app.app_context():
        return str(db.session.scalar(
            select(Term.id).where(Term.kind == kind, Term.slug == slug)))


def subtheme_id(app, slug: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(SubTheme.id).where(SubTheme.slug == slug)))


def case_values(app, slug: str, *attributes):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == slug))
        return [getattr(case, name) for name in attributes]


def change_cases(app, **changes_by_slug) -> None:
    """Set attributes on fixture cases, e.g. change_cases(app, x={"organisation": "RWS"})."""
    with app.app_context():
        for slug, changes in changes_by_slug.items():
            case = db.session.scalar(select(Case).where(Case.slug == slug.replace("_", "-")))
            for name, value in changes.items():
                setattr(case, name, value)
        db.session.commit()


def make_private(app, slug: str) -> None:
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == "lid@example.nl"))
        case = db.session.scalar(select(Case).where(Case.slug == slug))
        case.visibility, case.owner_id = "private", member.id
        db.session.commit()


def audit_actions(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(entry.action, entry.target_label, entry.detail)
                for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if entry.action.startswith("term_")]


def rows(html: str) -> dict[str, str]:
    """Row heading -> the usage cell, from a list page."""
    return dict(re.findall(r'<th scope="row">([^<]+)</th>\s*(?:<td>[^<]*</td>\s*)?'
                           r'<td>([^<]+)</td>', html))


def search_titles(browser, query: str) -> str:
    html = browser.get(f"/zoeken?{query}").get_data(as_text=True)
    return " | ".join(re.findall(r'class="result__title"><a [^>]*>([^<]+)</a>', html))


# -- who may ----------------------------------------------------------------------------

PAGES = ["/redactie/taxonomie/", LIST.format("beleidsterreinen"), LIST.format("organisaties"),
         EDIT.format("beleidsterreinen", "1"), "/redactie/taxonomie/bestaat-niet/"]


@pytest.mark.parametrize("url", PAGES)
def test_everyone_but_editors_finds_no_taxonomy_pages(app, browser, member, outsider, url):
    for visitor in (browser, member, outsider):
        assert visitor.get(url).status_code == 404


def test_a_non_editor_cannot_post_a_merge(app, member):
    water = term_id(app, "policy_domains", "water")
    mobility = term_id(app, "policy_domains", "mobiliteit")
    response = member.submit("/", {"item": mobility, "merge_into": water},
                             post_url=MERGE.format("beleidsterreinen"))
    assert response.status_code == 404
    assert case_values(app, "geluidsmaatregelen-hsl-zuid", "policy_domain_id") == [int(mobility)]


def test_the_service_refuses_non_editors(ctx, users):
    member = db.session.get(User, users["member"])
    with pytest.raises(PermissionError):
        taxonomy.entries(member, "policy_domains")
    with pytest.raises(PermissionError):
        taxonomy.rename(member, "unfiled_organisations", "Rijkswaterstaat", "X")


# -- lists ------------------------------------------------------------------------------

def test_the_overview_links_every_list_with_its_size(editor):
    html = editor.get("/redactie/taxonomie/").get_data(as_text=True)
    assert "<h1>Taxonomie beheren</h1>" in html
    assert '<a href="/redactie/taxonomie/beleidsterreinen/">Beleidsterreinen</a> (3)' in html
    assert '<a href="/redactie/taxonomie/organisaties/">Organisaties</a> (10)' in html
    assert ('<a href="/redactie/taxonomie/organisaties-indelen/">Organisaties om in te delen'
            '</a> (0)') in html
    assert '<a href="/redactie/taxonomie/subthemas/">Subthema’s van leergroepen</a> (3)' in html


def test_lists_count_the_items_the_editor_may_see(app, editor):
    assert rows(editor.get(LIST.format("beleidsterreinen")).get_data(as_text=True)) == {
        "Water": "3 casussen", "Mobiliteit": "1 casus", "Energie en klimaat": "0 casussen"}
    make_private(app, "geluidsmaatregelen-hsl-zuid")
    assert rows(editor.get(LIST.format("beleidsterreinen")).get_data(as_text=True))[
        "Mobiliteit"] == "0 casussen"
    assert rows(editor.get(LIST.format("contexten")).get_data(as_text=True)) == {
        "Werkatelier dag 2: stakeholdersdiner": "1 reflectie",
        "Bijeenkomst van de leergroep": "2 reflecties"}


def test_organisations_are_listed_with_their_kind_and_whole(app, editor):
    html = editor.get(LIST.format("organisaties")).get_data(as_text=True)
    assert re.search(r'<th scope="row">Directie Openbaar Vervoer en Spoor</th>\s*'
                     r'<td>Directie of directoraat-generaal</td>\s*'
                     r'<td>Directoraat-generaal Mobiliteit</td>\s*<td>1 casus</td>', html)
    assert re.search(r'<th scope="row">Ministerie van Infrastructuur en Waterstaat</th>\s*'
                     r'<td>Ministerie</td>\s*<td></td>\s*<td>0 casussen</td>', html)
    ovs = term_id(app, "organisations", "ienw-directie-ovs")
    page = editor.get(EDIT.format("organisaties", ovs)).get_data(as_text=True)
    assert "<dt>Onderdeel van</dt><dd>Directoraat-generaal Mobiliteit</dd>" in page
    assert "<li>OVS</li>" in page


def test_names_not_in_the_vocabulary_are_listed_to_be_filed(app, editor):
    change_cases(app, interne_dijkcasus={"organisation": "Rijkswaterstaat"},
                 waterschappen_en_regenwater={"organisation": "Rijkswaterstaat"})
    html = editor.get(LIST.format("organisaties-indelen")).get_data(as_text=True)
    assert rows(html) == {"Rijkswaterstaat": "2 casussen"}
    assert "/redactie/taxonomie/organisaties-indelen/wijzigen?item=Rijkswaterstaat" in html


def test_subthemes_are_listed_with_their_learning_group(editor):
    html = editor.get(LIST.format("subthemas")).get_data(as_text=True)
    assert re.search(r'<th scope="row">Watercoalitie</th>\s*<td>Leergroep Water</td>\s*'
                     r'<td>1 casus</td>', html)


def test_an_unknown_entry_is_404(editor):
    assert editor.get(EDIT.format("beleidsterreinen", "99999")).status_code == 404
    assert editor.get(EDIT.format("organisaties-indelen", "Niemand")).status_code == 404
    assert editor.get(EDIT.format("organisaties", "Niemand")).status_code == 404
    assert editor.get("/redactie/taxonomie/beleidsterreinen/wijzigen").status_code == 404


# -- rename -----------------------------------------------------------------------------

def test_renaming_a_term_keeps_its_slug_and_addresses(app, editor):
    mobility = term_id(app, "policy_domains", "mobiliteit")
    form = EDIT.format("beleidsterreinen", mobility)
    response = editor.submit(form, {"item": mobility, "new_name": "  Mobiliteit en  vervoer "},
                             post_url=RENAME.format("beleidsterreinen"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(LIST.format("beleidsterreinen"))
    listing = editor.get(LIST.format("beleidsterreinen")).get_data(as_text=True)
    assert "‘Mobiliteit’ heet nu ‘Mobiliteit en vervoer’." in listing
    page = editor.get("/casussen/?beleidsterrein=mobiliteit")
    assert page.status_code == 200 and "Mobiliteit en vervoer" in page.get_data(as_text=True)
    assert "Mobiliteit en vervoer" in editor.get(
        "/casussen/geluidsmaatregelen-hsl-zuid").get_data(as_text=True)
    assert audit_actions(app) == [("term_renamed", "Mobiliteit en vervoer",
                                   "policy_domains: ‘Mobiliteit’ → ‘Mobiliteit en vervoer’"
                                   " (items changed: 0)")]


def test_renaming_a_term_needs_no_reindexing(app, editor):
    """Labels are looked up when shown: the facet shows the new name at once."""
    mobility = term_id(app, "policy_domains", "mobiliteit")
    editor.submit(EDIT.format("beleidsterreinen", mobility),
                  {"item": mobility, "new_name": "Verkeer en vervoer"},
                  post_url=RENAME.format("beleidsterreinen"))
    assert sync_index(app) == 0
    html = editor.get("/zoeken?q=geluid").get_data(as_text=True)
    assert "Verkeer en vervoer" in html and ">Mobiliteit<" not in html


@pytest.mark.parametrize(("name", "message"), [
    ("", "Vul een nieuwe naam in."),
    ("   ", "Vul een nieuwe naam in."),
    ("x" * 201, "‘Nieuwe naam’ is te lang: 201 tekens. Het mogen er hoogstens 200 zijn."),
    ("Mobiliteit", "De nieuwe naam is gelijk aan de huidige. Typ een andere naam."),
    ("WATER", "Deze naam bestaat al in de lijst. Bedoelt u hetzelfde? Voeg ze dan samen."),
    ("Water\x07", "‘Nieuwe naam’ bevat onzichtbare stuurtekens. Haal ze weg."),
])
def test_an_invalid_new_name_is_explained(app, editor, name, message):
    mobility = term_id(app, "policy_domains", "mobiliteit")
    response = editor.submit(EDIT.format("beleidsterreinen", mobility),
                             {"item": mobility, "new_name": name},
                             post_url=RENAME.format("beleidsterreinen"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Fout: " in html and 'class="error-summary"' in html
    assert f'<a href="#field-new_name">{message}</a>' in html.replace("&#39;", "'")
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.get(Term, int(mobility)).label == "Mobiliteit"
    assert audit_actions(app) == []


def test_renaming_a_name_to_be_filed_rewrites_its_cases_and_files_a_known_one(
        app, editor, browser):
    change_cases(app, waterschappen_en_regenwater={"organisation": "Minsterie van IenW"})
    old = "Minsterie van IenW"
    response = editor.submit(EDIT.format("organisaties-indelen", old),
                             {"item": old, "new_name": "Ministerie van IenW"},
                             post_url=RENAME.format("organisaties-indelen"))
    assert response.status_code == 303
    ienw = int(term_id(app, "organisations", "ienw"))
    assert case_values(app, "waterschappen-en-regenwater", "organisation",
                       "organisation_id") == ["", ienw]
    sync_index(app)
    assert "Waterschappen en regenwater" in search_titles(browser, "organisatie=ienw")


def test_renaming_an_organisation_keeps_its_old_name_as_a_name_of_it(app, editor, member):
    bzk = term_id(app, "organisations", "bzk")
    response = editor.submit(EDIT.format("organisaties", bzk),
                             {"item": bzk, "new_name": "Ministerie van Binnenlandse Zaken"},
                             post_url=RENAME.format("organisaties"))
    assert response.status_code == 303
    with app.app_context():
        term = db.session.get(Term, int(bzk))
        assert term.slug == "bzk" and term.label == "Ministerie van Binnenlandse Zaken"
        assert term.aliases == ["BZK", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"]
    # Whoever types the old name still finds the organisation.
    response = member.submit("/casussen/nieuw", {
        "title": "Een nieuwe casus over wonen", "summary": "Kort.", "body": "Tekst.",
        "roles": "netwerkend", "policy_domain": "water", "visibility": "internal",
        "organisation": "ministerie van binnenlandse zaken en koninkrijksrelaties",
        "actie": "concept"})
    assert response.status_code == 303
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.title == "Een nieuwe casus over wonen"))
        assert (case.organisation_id, case.organisation) == (int(bzk), "")


def test_an_organisation_cannot_take_a_name_of_another(app, editor):
    bzk = term_id(app, "organisations", "bzk")
    response = editor.submit(EDIT.format("organisaties", bzk), {"item": bzk, "new_name": "I&W"},
                             post_url=RENAME.format("organisaties"))
    assert response.status_code == 422
    assert "Deze naam bestaat al in de lijst." in response.get_data(as_text=True)


def test_renaming_a_subtheme_changes_its_name_only(app, editor, member):
    theme = subtheme_id(app, "watercoalitie")
    editor.submit(EDIT.format("subthemas", theme), {"item": theme, "new_name": "Waterketen"},
                  post_url=RENAME.format("subthemas"))
    html = member.get("/leergroepen/water").get_data(as_text=True)
    assert '<h3 class="card__title">Waterketen</h3>' in html
    with app.app_context():
        assert db.session.get(SubTheme, int(theme)).slug == "watercoalitie"


# -- merge ------------------------------------------------------------------------------

def test_merging_policy_domains_moves_the_cases_and_the_index_follows(app, editor, browser):
    water = term_id(app, "policy_domains", "water")
    mobility = term_id(app, "policy_domains", "mobiliteit")
    page = editor.get(EDIT.format("beleidsterreinen", mobility)).get_data(as_text=True)
    assert f'<option value="{water}">Water (3 casussen)</option>' in page
    assert f'<option value="{mobility}">' not in page
    response = editor.submit(EDIT.format("beleidsterreinen", mobility),
                             {"item": mobility, "merge_into": water},
                             post_url=MERGE.format("beleidsterreinen"))
    assert response.status_code == 303
    assert "‘Mobiliteit’ is samengevoegd met ‘Water’." in editor.get(
        response.headers["Location"]).get_data(as_text=True)
    assert case_values(app, "geluidsmaatregelen-hsl-zuid", "policy_domain_id") == [int(water)]
    with app.app_context():  # kept as a tombstone, so an import cannot bring it back
        assert db.session.get(Term, int(mobility)).merged_into_id == int(water)
    old_link = editor.get("/casussen/?beleidsterrein=mobiliteit").get_data(as_text=True)
    assert "Geluidsmaatregelen HSL-Zuid" in old_link  # the old slug now means Water
    assert audit_actions(app) == [("term_merged", "Water", "policy_domains: ‘Mobiliteit’"
                                   " (mobiliteit) merged into ‘Water’ (items moved: 1)")]
    # Nothing but the merge changed: the index learns of it from the change log alone.
    assert "Geluidsmaatregelen" not in search_titles(browser, "beleidsterrein=water")
    assert sync_index(app) > 0
    assert "Geluidsmaatregelen" in search_titles(browser, "beleidsterrein=water")


def test_a_term_merge_also_moves_items_the_editor_may_not_read(app, editor):
    water = term_id(app, "policy_domains", "water")
    mobility = term_id(app, "policy_domains", "mobiliteit")
    make_private(app, "geluidsmaatregelen-hsl-zuid")
    response = editor.submit(EDIT.format("beleidsterreinen", mobility),
                             {"item": mobility, "merge_into": water},
                             post_url=MERGE.format("beleidsterreinen"))
    assert response.status_code == 303
    assert case_values(app, "geluidsmaatregelen-hsl-zuid", "policy_domain_id") == [int(water)]


def test_merging_stakeholder_types_keeps_one_link_per_case(app, editor):
    residents = term_id(app, "stakeholder_types", "bewoners")
    companies = term_id(app, "stakeholder_types", "bedrijven")
    editor.submit(EDIT.format("belanghebbenden", residents),
                  {"item": residents, "merge_into": companies},
                  post_url=MERGE.format("belanghebbenden"))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == "geluidsmaatregelen-hsl-zuid"))
        assert [term.slug for term in case.stakeholder_types] == ["bedrijven"]
        assert db.session.get(Term, int(residents)).merged_into_id == int(companies)


def test_merging_reflection_contexts_moves_the_reflections(app, editor):
    dinner = term_id(app, "reflection_contexts", "stakeholderdiner")
    session = term_id(app, "reflection_contexts", "leergroepsessie")
    editor.submit(EDIT.format("contexten", dinner), {"item": dinner, "merge_into": session},
                  post_url=MERGE.format("contexten"))
    with app.app_context():
        contexts = {r.title: r.context.slug for r in db.session.scalars(select(Reflection))}
    assert set(contexts.values()) == {"leergroepsessie"}


def test_merging_subthemes_moves_the_cases(app, editor, member):
    coalition, ons = subtheme_id(app, "watercoalitie"), subtheme_id(app, "ons-water")
    editor.submit(EDIT.format("subthemas", coalition), {"item": coalition, "merge_into": ons},
                  post_url=MERGE.format("subthemas"))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == "waterschappen-en-regenwater"))
        assert [theme.slug for theme in case.subthemes] == ["ons-water"]
        group = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
        assert [theme.slug for theme in group.subthemes] == ["ons-water", "bestuursakkoord-water"]
    assert "Watercoalitie" not in member.get("/leergroepen/water").get_data(as_text=True)


def test_filing_a_name_makes_it_an_alias_and_files_every_case_with_it(app, editor, browser):
    """Filing says what the name means: every case with it gets the organisation, also a
    private one (as the next content import would do), and the name leads there from now."""
    change_cases(app, waterschappen_en_regenwater={"organisation": "Min. I en W"},
                 interne_dijkcasus={"organisation": "min. i en w"},
                 groepscasus_water={"organisation": "Min. I en W"})
    make_private(app, "groepscasus-water")
    ienw = term_id(app, "organisations", "ienw")
    page = editor.get(EDIT.format("organisaties-indelen", "Min. I en W")).get_data(as_text=True)
    assert "<h2 id=\"file-heading\">Indelen bij een organisatie</h2>" in page
    assert (f'<option value="{term_id(app, "organisations", "ienw-directie-ovs")}">Directie'
            ' Openbaar Vervoer en Spoor (onderdeel van Directoraat-generaal Mobiliteit)'
            '</option>') in page
    response = editor.submit(EDIT.format("organisaties-indelen", "Min. I en W"),
                             {"item": "Min. I en W", "merge_into": ienw},
                             post_url=MERGE.format("organisaties-indelen"))
    assert response.status_code == 303
    assert "‘Min. I en W’ is ingedeeld bij ‘Ministerie van Infrastructuur en Waterstaat’" in (
        editor.get(response.headers["Location"]).get_data(as_text=True))
    for slug in ("waterschappen-en-regenwater", "interne-dijkcasus", "groepscasus-water"):
        assert case_values(app, slug, "organisation", "organisation_id") == ["", int(ienw)]
    with app.app_context():
        assert "Min. I en W" in db.session.get(Term, int(ienw)).aliases
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "organisation_filed"))
        assert entry.detail == ("‘Min. I en W’ filed as a name of ‘Ministerie van"
                                " Infrastructuur en Waterstaat’ (cases: 2)")  # 1 is private
    assert rows(editor.get(LIST.format("organisaties-indelen")).get_data(as_text=True)) == {}
    sync_index(app)
    assert "Waterschappen en regenwater" in search_titles(browser, "organisatie=ienw")


def test_merging_organisations_moves_cases_names_and_units(app, editor):
    ienw, bzk = term_id(app, "organisations", "ienw"), term_id(app, "organisations", "bzk")
    mobility = term_id(app, "organisations", "ienw-dg-mobiliteit")
    response = editor.submit(EDIT.format("organisaties", ienw), {"item": ienw, "merge_into": bzk},
                             post_url=MERGE.format("organisaties"))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Term, int(mobility)).parent_id == int(bzk)
        assert db.session.get(Term, int(ienw)).merged_into_id == int(bzk)
        from app.services import organisations
        assert organisations.resolve("IenW").term.slug == "bzk"


def test_merge_problems_are_explained(app, editor):
    water = term_id(app, "policy_domains", "water")
    residents = term_id(app, "stakeholder_types", "bewoners")
    with app.app_context():
        energy = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "energie"))
        db.session.add(SubTheme(group=energy, slug="zon", name="Zon"))
        db.session.commit()
    cases = [
        ("beleidsterreinen", water, "", "Kies waarmee u wilt samenvoegen."),
        ("beleidsterreinen", water, water,
         "U kunt iets niet met zichzelf samenvoegen. Kies een ander."),
        ("beleidsterreinen", water, residents,
         "U kunt alleen samenvoegen binnen dezelfde lijst. Kies een term uit deze lijst."),
        ("beleidsterreinen", water, "99999", "Kies waarmee u wilt samenvoegen uit de lijst."),
        ("beleidsterreinen", water, "²", "Kies waarmee u wilt samenvoegen uit de lijst."),
        ("subthemas", subtheme_id(app, "watercoalitie"), subtheme_id(app, "zon"),
         "U kunt alleen subthema’s van dezelfde leergroep samenvoegen. Kies een subthema van"
         " deze leergroep."),
        ("organisaties-indelen", "Rijkswaterstaat", "Niemand",
         "Kies waarmee u wilt samenvoegen uit de lijst."),
        ("organisaties", term_id(app, "organisations", "ienw"),
         term_id(app, "organisations", "ienw-directie-ovs"),
         "Dit is een onderdeel van de organisatie die u wilt samenvoegen. Kies een organisatie"
         " die er geen deel van is."),
    ]
    change_cases(app, interne_dijkcasus={"organisation": "Rijkswaterstaat"})
    for segment, key, into, message in cases:
        response = editor.submit(EDIT.format(segment, key), {"item": key, "merge_into": into},
                                 post_url=MERGE.format(segment))
        assert response.status_code == 422, (segment, into)
        assert f'<a href="#field-merge_into">{message}</a>' in response.get_data(as_text=True)
    assert audit_actions(app) == []
    with app.app_context():
        assert db.session.get(Term, int(water)) is not None


def test_an_entry_without_partners_offers_no_merge(app, editor):
    html = editor.get(EDIT.format("fasen", term_id(app, "phases", "uitvoering")))
    assert "Er staat niets anders in deze lijst om" in html.get_data(as_text=True)


def test_a_content_import_keeps_renames_and_merges_made_by_editors(ctx, users, tmp_path):
    """`make run` imports content/ on every start: the file must not undo the desk's work,
    until the file itself changes."""
    editor = db.session.get(User, users["editor"])
    terms = {term.slug: term for term in db.session.scalars(select(Term))}
    taxonomy.rename(editor, "policy_domains", str(terms["water"].id), "Waterbeheer")
    taxonomy.merge(editor, "policy_domains", str(terms["mobiliteit"].id),
                   str(terms["water"].id))
    import_content(FIXTURE_CONTENT)
    db.session.expire_all()
    assert db.session.get(Term, terms["water"].id).label == "Waterbeheer"
    assert db.session.get(Term, terms["mobiliteit"].id).merged_into_id == terms["water"].id
    assert "mobiliteit" not in {t.slug for t in catalog.terms(TermKind.POLICY_DOMAIN)}
    changed = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, changed)
    text = (changed / "taxonomy.yml").read_text()
    (changed / "taxonomy.yml").write_text(text.replace("label: Water,", "label: Water en bodem,"))
    import_content(changed)
    db.session.expire_all()
    assert db.session.get(Term, terms["water"].id).label == "Water en bodem"
