"""Searching on behalf of a user: their permissions go into the query itself.

Translates what the address asks (words, `rol=…`, `leergroep=…`, typed `jaar:2017`) into
index values, runs one search through the search package, and turns its facet counts
into options with Dutch labels. Hits are checked against the database once more before
they are shown: the index may lag a moment behind a change of visibility. The same query
fetches what a hit's line shows beside its type (policy domain, organisation, years),
which the index does not store.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.indexer import health_notices, read_or, unavailable
from app.models import ITEM_MODELS, Case, GlossaryEntry, Reflection, SynonymSet, Term
from app.search import (
    EXPANDING_TERMS,
    PHRASES,
    Glossary,
    Hit,
    ResultPage,
    SearchRequest,
    fold,
    likely_duplicates,
    run_search,
    split_filters,
)
from app.services import catalog, organisations
from app.services.permissions import access_grants, visible_condition

MAX_QUERY_LENGTH = 500
# What a search box and the API take at most: 800 characters, and 2,400 bytes in UTF-8
# (three a character, as a browser's maxlength allows: it counts an emoji as two).
# Percent-encoded that is at most 7,200 bytes, within web.forms.MAX_ADDRESS_BYTES.
LONGEST_QUERY = 800
LONGEST_QUERY_BYTES = 3 * LONGEST_QUERY
# The API's limit, in characters alone, as its OpenAPI description can state it exactly
# (maxLength counts characters): any 600 fit in LONGEST_QUERY_BYTES.
LONGEST_API_QUERY = LONGEST_QUERY_BYTES // 4
# Address parameter -> index field.
FIELDS = {"rol": "roles", "type": "kind", "beleidsterrein": "domain", "leergroep": "groups",
          "organisatie": "organisation", "jaar": "years"}
PARAMETERS = tuple(FIELDS)
KINDS = {"casus": "case", "casussen": "case", "case": "case",
         "reflectie": "reflection", "reflecties": "reflection", "reflection": "reflection"}
SORTS = ("relevantie", "nieuwste")
# What the search's bounds held back -> the notice that says so.
HELD_BACK = {"dropped": "expansion_dropped", "narrowed": "expansion_narrowed",
             "loose": "phrases_as_words"}


@dataclass
class FacetOption:
    value: str      # as it goes in the address
    label: str
    count: int
    selected: bool
    label_en: str = ""  # the English label, where the vocabulary has one


@dataclass
class Facet:
    parameter: str
    options: list[FacetOption]


@dataclass(frozen=True)
class HitFacts:
    """What a hit's line shows beside its type, from the database: a case's policy domain
    (with its English label), organisation and years; a reflection's year. A reflection
    has no domain or organisation. `last_year` is None for a case that still runs (as on
    the case page: "2017 tot nu"), and equals `first_year` for a reflection."""
    domain: str = ""
    domain_en: str = ""
    organisation: str = ""      # its vocabulary label, else the text as typed
    organisation_en: str = ""
    first_year: int | None = None
    last_year: int | None = None


@dataclass
class SearchOutcome:
    text: str
    chosen: dict[str, list[str]]            # parameter -> values, as in the address
    sort: str
    results: ResultPage | None = None        # None when there is no index to search yet
    facets: dict[str, Facet] = field(default_factory=dict)
    notices: list[tuple[str, dict]] = field(default_factory=list)  # (code, values) to word
    facts: dict[str, HitFacts] = field(default_factory=dict)       # hit key -> its facts

    @property
    def index_ready(self) -> bool:
        return self.results is not None


def synonyms() -> dict[str, tuple[str, ...]]:
    """Folded word -> the other words of its set(s)."""
    expansions: dict[str, list[str]] = {}
    for words in db.session.scalars(select(SynonymSet.words)):
        for word in words:
            if " " not in word.strip():
                expansions.setdefault(fold(word), []).extend(w for w in words if w != word)
    return {word: tuple(dict.fromkeys(others)) for word, others in expansions.items()}


def glossary(language: str) -> Glossary:
    """The glossary as a reader with this interface language uses it: English-only
    entries (false friends) count only for "en". Reading and building it takes 7 ms for
    450 entries, so it is kept per process and read again only when the table changed:
    an import replaces every row and ids only grow, so the number of rows and the
    highest id tell one state from another (a restore is done with the app stopped)."""
    count, newest = db.session.execute(
        select(func.count(), func.max(GlossaryEntry.id))).one()
    return _glossary(str(db.engine.url), count, newest, language) if count else Glossary()


@lru_cache(maxsize=8)
def _glossary(_database: str, _count: int, _newest: int | None, language: str) -> Glossary:
    rows = db.session.execute(select(GlossaryEntry.english, GlossaryEntry.dutch,
                                     GlossaryEntry.english_only).order_by(GlossaryEntry.id))
    return Glossary(rows, language)


# -- from the address to index values ------------------------------------------------------

def _years(value: str) -> list[str]:
    start, _, end = value.partition("-")
    if not start.isdigit() or (end and not end.isdigit()):
        return []
    first, last = int(start), int(end or start)
    return [str(year) for year in range(first, min(last, first + 100) + 1)]


def _index_values(parameter: str, value: str) -> list[str]:
    """What a value from the address stands for in the index ([] when it means nothing)."""
    if parameter == "rol":
        return [value] if value in catalog.roles_by_id() else []
    if parameter == "type":
        return [KINDS[value.lower()]] if value.lower() in KINDS else []
    if parameter == "beleidsterrein":
        return [value] if value in catalog.terms_by_slug(catalog.TermKind.POLICY_DOMAIN) else []
    if parameter == "leergroep":
        group = catalog.groups_by_slug().get(value)
        return [str(group.id)] if group else []
    if parameter == "jaar":
        return _years(value)
    # organisatie: a slug or a name; an organisation of the vocabulary with its units
    chosen = organisations.organisation_filter(value)
    if chosen is None:
        return []
    return list(chosen.slugs) or [chosen.value]


def _request_filters(chosen: dict[str, list[str]], notices) -> dict[str, frozenset[str]]:
    filters: dict[str, set[str]] = {}
    for parameter, values in chosen.items():
        for value in values:
            found = _index_values(parameter, value)
            if not found:
                notices.append(("unknown_filter", {"filter": f"{parameter}:{value}"}))
            filters.setdefault(FIELDS[parameter], set()).update(found)
    return {name: frozenset(values) for name, values in filters.items()}


def _typed_filters(text: str, chosen: dict[str, list[str]]) -> str:
    """Moves `rol:netwerkend` and the like from the text into `chosen`; other `a:b` stay
    words."""
    words, pairs = split_filters(text)
    for name, value in pairs:
        if name in FIELDS:
            chosen.setdefault(name, []).append(value)
        else:
            words = f"{words} {name} {value}"
    return words.strip()


# -- facets with labels ---------------------------------------------------------------------

def _labels(parameter: str) -> dict[str, tuple[str, str, str]]:
    """Index value -> (value in the address, label, English label) for the facet of
    `parameter`."""
    if parameter == "rol":
        return {role.id: (role.id, role.label, role.label_en) for role in catalog.roles()}
    if parameter == "type":
        return {"case": ("casus", "Casus", "Case"),
                "reflection": ("reflectie", "Reflectie", "Reflection")}
    if parameter == "beleidsterrein":
        return {t.slug: (t.slug, t.label, t.label_en)
                for t in catalog.terms(catalog.TermKind.POLICY_DOMAIN)}
    if parameter == "leergroep":
        return {str(g.id): (g.slug, g.name, "") for g in catalog.groups()}
    return {}


def _organisation_counts(found: dict[str, int]) -> tuple[dict[str, int], dict]:
    """The index counts each case under its own organisation; an organisation also
    counts its units' cases (each case once: it has one organisation). Returns the
    counts and the labels (for the vocabulary's organisations; other names are their own
    label)."""
    tree = organisations.Tree.load()
    own = {tree.by_slug[value].id: count for value, count in found.items()
           if value in tree.by_slug}
    rolled = {tree.by_id[term_id].slug: count
              for term_id, count in tree.rolled_up(own).items()}
    others = {value: count for value, count in found.items() if value not in tree.by_slug}
    labels = {term.slug: (term.slug, term.label, term.label_en)
              for term in tree.by_id.values()}
    return rolled | others, labels


def _facets(counts: dict[str, dict[str, int]], chosen) -> dict[str, Facet]:
    facets = {}
    for parameter, name in FIELDS.items():
        labels = _labels(parameter)
        # Items without a value (a reflection has no policy domain) are no option.
        found = {value: count for value, count in counts.get(name, {}).items() if value}
        if parameter == "organisatie" and found:
            found, labels = _organisation_counts(found)
        # The roles: all four, in the quadrant's order, also at zero.
        values = labels if parameter == "rol" else found
        options = []
        for value in values:
            address, label, label_en = labels.get(value, (value, value, ""))
            options.append(FacetOption(address, label, found.get(value, 0),
                                       address in chosen.get(parameter, []), label_en))
        if parameter == "jaar":
            options.sort(key=lambda option: option.value, reverse=True)
        elif parameter != "rol":
            options.sort(key=lambda option: (-option.count, option.label))
        facets[parameter] = Facet(parameter, options)
    return facets


def _ids(hits: list[Hit], kind: str) -> list[int]:
    """The item ids of the hits of `kind` (index keys are ItemMixin.search_key: "case:12")."""
    return [int(hit.key.partition(":")[2]) for hit in hits if hit.kind == kind]


def _case_facts() -> tuple:
    """A case's policy domain and organisation come along by outer joins: a case may have
    neither (and an organisation the vocabulary does not know is its text)."""
    organisation = aliased(Term)
    query = (select(Case.id, Term.label, Term.label_en, Case.organisation,
                    organisation.label.label("organisation_label"),
                    organisation.label_en.label("organisation_label_en"), Case.year_start,
                    Case.year_end)
             .outerjoin(Term, Term.id == Case.policy_domain_id)
             .outerjoin(organisation, organisation.id == Case.organisation_id))
    return query, lambda row: HitFacts(row.label or "", row.label_en or "",
                                       row.organisation_label or row.organisation,
                                       row.organisation_label_en or "",
                                       row.year_start, row.year_end)


def _reflection_facts() -> tuple:
    def facts(row) -> HitFacts:
        year = row.occurred_on.year if row.occurred_on else None
        return HitFacts(first_year=year, last_year=year)
    return select(Reflection.id, Reflection.occurred_on), facts


# Per kind: the query for a hit's id and facts, and how its row becomes HitFacts.
FACTS = {"case": _case_facts, "reflection": _reflection_facts}


def _visible_facts(user, hits: list[Hit], *, listed: bool = True) -> dict[str, HitFacts]:
    """Hit key -> its facts, for the hits the database says the reader may still see (the
    index may lag). One query per kind, by primary key, asking for a few columns only:
    loading whole items, bodies and all, to check them in Python took a fifth of a search
    page. The facts ride along, so a page of hits costs no query more than the check."""
    found = {}
    for kind, model in ITEM_MODELS.items():
        if ids := _ids(hits, kind):
            query, facts = FACTS[kind]()
            query = query.where(model.id.in_(ids), visible_condition(user, model, listed=listed))
            found |= {f"{kind}:{row.id}": facts(row) for row in db.session.execute(query)}
    return found


def _still_visible(user, hits: list[Hit], *, listed: bool = True) -> list[Hit]:
    """Drop hits the database says the reader may no longer see (the index may lag)."""
    visible = _visible_facts(user, hits, listed=listed)
    return [hit for hit in hits if hit.key in visible]


def search_items(user, text: str, chosen: Mapping[str, list[str]], *, sort: str = "relevantie",
                 page: int = 1, language: str = "nl") -> SearchOutcome:
    """`language` is the reader's interface language, for the glossary's false friends."""
    chosen = {name: list(values) for name, values in chosen.items() if name in FIELDS}
    notices: list[tuple[str, dict]] = []
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        notices.append(("query_shortened", {}))
    words = _typed_filters(text, chosen)
    outcome = SearchOutcome(text, chosen, sort if sort in SORTS else "relevantie",
                            notices=notices)
    request = SearchRequest(text=words, filters=_request_filters(chosen, notices),
                            sort="newest" if outcome.sort == "nieuwste" else "relevance",
                            page=page, facets=True, suggest=True, synonyms=synonyms(),
                            glossary=glossary(language))
    grants = access_grants(user, listed=True)
    results = read_or(None, lambda searcher: run_search(searcher, request, grants))
    if results is None:
        outcome.notices.append(unavailable())
        return outcome
    outcome.facts = _visible_facts(user, results.hits)
    results.hits[:] = [hit for hit in results.hits if hit.key in outcome.facts]
    outcome.results, outcome.facets = results, _facets(results.facets, chosen)
    outcome.notices += _held_back(results) + health_notices()
    return outcome


def _held_back(results: ResultPage) -> list[tuple[str, dict]]:
    """Notices for what the search's bounds held back (search/expansion.py): fuzzy~ and
    prefix* terms searched as the word typed or for some of their words only, phrases
    searched as loose words."""
    notices = []
    for kind, terms in results.held_back.items():
        named = ", ".join(f"‘{term}’" for term in terms[:3]) + (" …" if len(terms) > 3 else "")
        limit = PHRASES if kind == "loose" else EXPANDING_TERMS
        notices.append((HELD_BACK[kind], {"terms": named, "max": limit}))
    return notices


def cases_with_title_like(user, title: str) -> list[tuple[str, str]]:
    """(slug, title) of visible cases whose title looks like `title`: a likely duplicate."""
    if not title.strip():
        return []
    grants = access_grants(user, listed=True)
    hits = _still_visible(user, read_or([], lambda searcher: likely_duplicates(
        searcher, title, grants)))
    return [(hit.ref, hit.title) for hit in hits]


def possible_duplicates(user, cases: list[Case]) -> list[tuple[Case, str, str]]:
    """(case, slug, title) for each other case `user` can read, drafts included, whose
    title is much like that of one of `cases`; each pair once. For the editors' desk."""
    grants = access_grants(user)
    found = read_or([], lambda searcher: [(case, likely_duplicates(searcher, case.title, grants))
                                          for case in cases])
    # One check against the database for all of them (the index may lag).
    readable = {hit.key for hit in _still_visible(
        user, [hit for _case, hits in found for hit in hits], listed=False)}
    pairs, seen = [], set()
    for case, hits in found:
        for hit in hits:
            pair = frozenset((case.slug, hit.ref))
            if hit.key in readable and hit.ref != case.slug and pair not in seen:
                seen.add(pair)
                pairs.append((case, hit.ref, hit.title))
    return pairs
