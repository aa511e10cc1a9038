"""Hostile input in a real browser: every XSS payload of a table through every field a
person can fill in, shown on every page that shows that field, in Debian's Chromium.

Each payload (tests/fixtures/hostile/xss_payloads.yml) becomes a case (title, summary,
Markdown body, organisation, dilemma), a reflection (title, every prompt, the switch
note), an account's display name, a policy-domain label (renamed by an editor), a
learning group (name, summary, Markdown description, sub-theme: through the content
import), a reading-list note and an editor's sent-back comment; it is also typed into the
search box and into an address that does not exist. The browser ignores the Content-
Security-Policy here (bypass_csp), so these checks prove that escaping and sanitising
alone stop every payload; the policy, the second line, is tested on its own at the end.

"Ran": the marker function xss() was called, a dialog opened, or the page asked for an
address with "xss-hit" in it or on another host. "Could run": the page holds an on*
attribute, a javascript:/data:/vbscript: address, an iframe, object, embed, base, meta
refresh, inline script or style element. "Nothing lost": text fields show the payload's
characters literally; a Markdown body still shows its text. One app, one server and one
browser serve the whole file.
"""
from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from sqlalchemy import event, select

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, LearningGroup, Term, TermKind, User
from app.rendering import Rendered
from app.services.contributing import cases as cases_service
from app.services.contributing.cases import CaseInput, submit_case, update_case
from app.services.contributing.reflections import ReflectionInput, submit_reflection
from app.services.editorial import taxonomy, workflow
from app.services.exchange.content_import import import_content
from app.services.people.accounts import create_user
from app.services.reading import reading_list
from tests.support import CHROMIUM, FIXTURE_CONTENT, PASSWORD, close_app, make_app

pytestmark = pytest.mark.browser
REQUIRED = bool(os.environ.get("CASUSBANK_REQUIRE_BROWSER"))
if not os.path.exists(CHROMIUM) and not REQUIRED:
    pytest.skip(f"no browser at {CHROMIUM} (.ci/run installs Debian's chromium)",
                allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")

PAYLOAD_FILE = Path(__file__).parent / "fixtures" / "hostile" / "xss_payloads.yml"
ADMIN = ("beheer@example.nl", "<img src=x onerror=xss('beheerder')>")
SUBMITTER = "indiener@example.nl"
PROMPTS = ("situation", "looking_back", "dilemma", "quality_pitfall", "alternatives",
           "intention", "lesson")
# Records every call of the marker; runs before any script of the page, in every frame.
MARKER = "window.__xss = []; window.xss = n => { (window.top.__xss || []).push(String(n)); };"
INSPECT = (Path(__file__).parent / "fixtures" / "hostile" / "inspect.js").read_text(
    encoding="utf-8")


def normalise(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Payload:
    id: str
    n: int
    text: str
    body_shows: tuple[str, ...]

    @property
    def plain(self) -> str:
        return normalise(self.text)


def _payloads() -> list[Payload]:
    def fill(template: str, n: int) -> str:
        return (template.replace("{js}", f"xss({n})").replace("{hit}", f"/xss-hit?{n}")
                .replace("{n}", str(n)))

    entries = yaml.safe_load(PAYLOAD_FILE.read_text(encoding="utf-8"))
    return [Payload(entry["id"], n, fill(entry["payload"], n),
                    tuple(fill(shown, n) for shown in entry.get("body_shows",
                                                                [entry["payload"]])))
            for n, entry in enumerate(entries, start=1)]


PAYLOADS = _payloads()


# --- the instance: every payload in every field ------------------------------------------

def _hostile_content(folder: Path) -> Path:
    """The fixture content plus, per payload, a policy domain and a learning group whose
    name, summary, description and sub-theme are the payload."""
    shutil.copytree(FIXTURE_CONTENT, folder)
    vocabulary = yaml.safe_load((folder / "taxonomy.yml").read_text(encoding="utf-8"))
    for payload in PAYLOADS:
        vocabulary["policy_domains"].append(
            {"slug": f"xss-{payload.n}", "label": f"Beleidsterrein {payload.n}"})
        meta = {"name": payload.text, "summary": payload.text, "subthemes": [
            {"slug": f"xss-{payload.n}-thema", "name": payload.text}]}
        (folder / "groups" / f"xss-{payload.n}.md").write_text(
            f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{payload.text}\n",
            encoding="utf-8")
    (folder / "taxonomy.yml").write_text(yaml.safe_dump(vocabulary, allow_unicode=True),
                                         encoding="utf-8")
    return folder


@dataclass
class Addresses:
    case: str
    reflection: str
    group: str


def _write_payload(payload: Payload, admin, submitter) -> Addresses:
    """Every field of every kind of item, as their services store what forms send."""
    text, n = payload.text, payload.n
    author = create_user(f"auteur{n}@example.nl", text, PASSWORD, "participant", [f"xss-{n}"])
    fields = dict(title=text, summary=text, body=text, organisation=text, dilemma=text,
                  roles=["netwerkend"], policy_domain=f"xss-{n}",
                  learning_groups=[f"xss-{n}"], subthemes=[f"xss-{n}-thema"],
                  visibility="public")
    case = submit_case(author, CaseInput(**fields))
    workflow.publish(admin, case)
    update_case(author, case, CaseInput(**{**fields, "body": f"{text}\n\nBijgewerkt {n}."}))
    reflection = submit_reflection(author, ReflectionInput(
        title=text, case=case.slug, learning_group=f"xss-{n}", roles_acted=["rechtmatig"],
        roles_asked=["responsief"], switch_from="rechtmatig", switch_to="responsief",
        switch_note=text, visibility="public", **dict.fromkeys(PROMPTS, text)))
    workflow.publish(admin, reflection)
    group = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == f"xss-{n}"))
    reading_list.add(author, group, "case", case.id, text)
    term = db.session.scalar(select(Term).where(Term.slug == f"xss-{n}"))
    taxonomy.rename(admin, TermKind.POLICY_DOMAIN.value, str(term.id), text)
    sent_back = submit_case(submitter, CaseInput(
        title=f"Teruggestuurd {n}", summary="Nog niet af.", body="Nog niet af.",
        roles=["netwerkend"], policy_domain="water", visibility="public"))
    workflow.send_back(admin, sent_back, text)
    return Addresses(f"/casussen/{case.slug}", f"/reflecties/{reflection.id}",
                     f"/leergroepen/xss-{n}")


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss")
    # Cached style sheet and script: a page view is then one request to the server.
    app = make_app(folder / "app", SEND_FILE_MAX_AGE_DEFAULT=3600)
    with app.app_context():
        if db.engine.name == "sqlite":
            # Nothing here must survive a power cut: no disk flush per commit (~5 ms each).
            event.listen(db.engine, "connect", lambda connection, _record:
                         connection.execute("PRAGMA synchronous = OFF"))
        db.create_all()
        import_content(_hostile_content(folder / "content"))
        admin = create_user(ADMIN[0], ADMIN[1], PASSWORD, "admin")
        submitter = create_user(SUBMITTER, "Indiener", PASSWORD)
        addresses = {p.id: _write_payload(p, admin, submitter) for p in PAYLOADS}
        index_worker.sync(search_index())
    yield app, addresses
    close_app(app)


# --- the browser: one page per reader that records whatever a payload might do ------------

class Visitor:
    """A page in its own browser context that notes dialogs and suspicious requests."""

    def __init__(self, context, base: str):
        self.base, self.context = base, context
        self.events: list[str] = []
        self.opening = ""
        context.add_init_script(MARKER)
        self.page = context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)

    def _dialog(self, dialog) -> None:
        self.events.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request) -> None:
        if request.url == self.opening:
            return  # the page itself, whose address may hold the payload
        if "xss-hit" in request.url or not request.url.startswith(self.base):
            self.events.append(f"request {request.url}")

    def sign_in(self, email: str) -> Visitor:
        self.page.goto(self.base + "/inloggen")
        self.page.get_by_label("E-mailadres").fill(email)
        self.page.get_by_label("Wachtwoord").fill(PASSWORD)
        self.page.get_by_role("button", name="Inloggen").click()
        playwright_api.expect(self.page.get_by_text("U bent ingelogd als")).to_be_visible()
        return self

    def visit(self, address: str, problems: list[str], status: int = 200) -> dict:
        """Open `address`; note in `problems` whatever ran or could run there."""
        self.events.clear()
        self.opening = self.base + address
        response = self.page.goto(self.opening, wait_until="load")
        if response.status != status:
            problems.append(f"{address}: status {response.status}, not {status}")
        return self.inspect(address, problems)

    def submit(self, button: str, problems: list[str]) -> dict:
        """Send the form on the page with `button`, as a person would, and inspect the
        page that follows."""
        self.events.clear()
        self.opening = self.page.url  # the form's own address, which the POST goes to
        with self.page.expect_navigation(wait_until="load"):
            self.page.get_by_role("button", name=button).click()
        return self.inspect(f"after {button}", problems)

    def inspect(self, where: str, problems: list[str]) -> dict:
        seen = self.page.evaluate(INSPECT)
        for kind, found in (("ran", seen["ran"]), ("could run", seen["dangers"]),
                            ("happened", self.events)):
            problems += [f"{where}: {kind}: {item}" for item in found]
        return seen


@pytest.fixture(scope="module")
def visitors(chromium, live_server):
    """Who looks: the admin (sees every page and field), the submitter (Mijn bijdragen)
    and someone not signed in; all with the CSP switched off."""
    contexts = [chromium.new_context(locale="nl-NL", bypass_csp=True) for _ in range(3)]
    made = {"admin": Visitor(contexts[0], live_server).sign_in(ADMIN[0]),
            "submitter": Visitor(contexts[1], live_server).sign_in(SUBMITTER),
            "anonymous": Visitor(contexts[2], live_server)}
    yield made
    for context in contexts:
        context.close()


def expect_shown(problems: list[str], where: str, texts: list[str], wanted: str,
                 times: int = 1) -> None:
    """`wanted` (whitespace aside) must be in `texts` at least `times` times."""
    found = sum(normalise(text).count(normalise(wanted)) for text in texts)
    if found < times:
        problems.append(f"{where}: {wanted!r} shown {found} times, not {times}")


# --- every payload, every page that shows it ---------------------------------------------

def expect_value(problems: list[str], where: str, value: str, wanted: str) -> None:
    """A one-line form field holds the text as typed, less line breaks (HTML drops those
    from an <input>; no form lets them be typed there)."""
    if normalise(value) != normalise(re.sub(r"[\r\n]", "", wanted)):
        problems.append(f"{where}: holds {value!r}, not {wanted!r}")


def _check_case_pages(admin: Visitor, where: Addresses, payload: Payload, problems) -> None:
    parts, text = admin.visit(where.case, problems)["parts"], payload.plain
    expect_shown(problems, "case title", parts["h1"], text)
    expect_shown(problems, "case summary", parts[".lead"], text)
    # organisation, policy domain, learning group and its sub-theme
    expect_shown(problems, "case facts", parts[".facts"], text, times=4)
    expect_shown(problems, "case dilemma", parts[".dilemma"], text)
    expect_shown(problems, "reflection card", parts[".cards"], text)
    for shown in payload.body_shows:
        expect_shown(problems, "case body", parts[".prose"], shown)
    fields = admin.visit(where.case + "/bewerken", problems)["fields"]
    for name in ("title", "organisation"):
        expect_value(problems, f"edit form {name}", fields.get(name, ""), payload.text)
    for name, wanted in (("summary", payload.text), ("dilemma", payload.text),
                         ("body", f"{payload.text}\n\nBijgewerkt {payload.n}.")):
        if fields.get(name, "").strip() != wanted:  # a <textarea> keeps every character
            problems.append(f"edit form {name}: holds {fields.get(name)!r}, not {wanted!r}")
    history = admin.visit(where.case + "/geschiedenis?van=1&naar=2", problems)["parts"]
    expect_shown(problems, "history title", history["h1"], text)
    expect_shown(problems, "history: author of each version", history[".versions"], text, 2)
    expect_shown(problems, "history: what was added", history[".diff ins"], "Bijgewerkt")


def _check_other_pages(admin: Visitor, where: Addresses, payload: Payload, problems) -> None:
    parts, text = admin.visit(where.reflection, problems)["parts"], payload.plain
    expect_shown(problems, "reflection title", parts["h1"], text)
    expect_shown(problems, "reflection case and group", parts[".facts"], text, times=2)
    expect_shown(problems, "reflection prompts", parts[".prompt"], text, times=len(PROMPTS))
    expect_shown(problems, "reflection switch note", parts[".switch"], text)
    parts = admin.visit(where.group, problems)["parts"]
    expect_shown(problems, "group name", parts["h1"], text)
    # its summary, sub-theme, reading-list note and the case's title
    expect_shown(problems, "group page", parts["main"], text, times=5)
    for shown in payload.body_shows:
        expect_shown(problems, "group description", parts[".prose"], shown)
    fields = admin.visit("/zoeken?q=" + quote(payload.text), problems)["fields"]
    expect_value(problems, "search box", fields.get("q", ""), payload.text)


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_no_payload_runs_anywhere_and_its_text_stays(instance, visitors, payload):
    where = instance[1][payload.id]
    problems: list[str] = []
    _check_case_pages(visitors["admin"], where, payload, problems)
    _check_other_pages(visitors["admin"], where, payload, problems)
    assert not problems, "\n".join(problems)


# One-line payloads that try to break out of the attribute or element a form puts them in.
ROUND_TRIP = ("attribute-breakout", "attribute-breakout-single", "attribute-injection",
              "textarea-breakout", "title-breakout", "entities-encoded", "jinja-expression",
              "img-onerror-entity", "fullwidth-brackets")


def _case_texts(app, address: str) -> tuple:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == address.split("/")[-1]))
        texts = (case.title, case.summary, case.body_md, case.organisation, case.dilemma)
        db.session.remove()
        return texts


def test_saving_an_edit_form_unchanged_keeps_every_character(instance, visitors):
    """What the form shows is what it sends back: no escaping is added or lost on the way."""
    app, addresses = instance
    problems: list[str] = []
    for payload in (p for p in PAYLOADS if p.id in ROUND_TRIP):
        address = addresses[payload.id].case
        before = _case_texts(app, address)
        visitors["admin"].visit(address + "/bewerken", problems)
        shown = visitors["admin"].submit("Wijzigingen opslaan", problems)["parts"]
        expect_shown(problems, f"{payload.id}: title after saving", shown["h1"], payload.plain)
        if _case_texts(app, address) != before:
            problems.append(f"{payload.id}: saved as {_case_texts(app, address)!r}")
    assert not problems, "\n".join(problems)


def _pages(visitor: Visitor, address: str, problems: list[str]) -> list[str]:
    """The text of every page of a paginated list, following its "next" links."""
    texts, number = [], 1
    while True:
        separator = "&" if "?" in address else "?"
        seen = visitor.visit(f"{address}{separator}page={number}", problems)
        texts += seen["parts"]["main"]
        if f"page={number + 1}" not in seen["links"]:
            return texts
        number += 1


# Pages that show many payloads at once, per reader; each is checked for what ran there.
SHARED_PAGES = {
    "admin": ["/", "/leergroepen/", "/bladeren/beleidsterrein", "/bladeren/organisatie",
              "/redactie", "/redactie/taxonomie/subthemas", "/beheer/logboek",
              "/reflecties/patronen", "/rollen/netwerkend", "/feeds/casussen.atom",
              "/feeds/reflecties.atom", "/feeds/leergroepen/xss-1.atom"],
    "anonymous": ["/", "/casussen/", "/reflecties/", "/leergroepen/",
                  "/zoeken?q=bijgewerkt", "/feeds/casussen.atom"],
}
# Lists that hold every payload (over their pages), with the field each shows.
LISTS = {"/casussen/": "case titles", "/reflecties/": "reflection titles",
         "/zoeken?q=bijgewerkt": "titles in search results",
         "/redactie/taxonomie/beleidsterreinen": "policy-domain labels",
         "/redactie/taxonomie/organisaties-indelen": "organisation names to file",
         "/beheer/gebruikers": "names"}


def test_no_payload_runs_on_the_pages_that_list_them(visitors):
    problems: list[str] = []
    for who, addresses in SHARED_PAGES.items():
        for address in addresses:
            visitors[who].visit(address, problems)
    for address, what in LISTS.items():
        shown = _pages(visitors["admin"], address, problems)
        for payload in PAYLOADS:
            expect_shown(problems, f"{address} ({what})", shown, payload.plain)
    mine = _pages(visitors["submitter"], "/mijn-bijdragen", problems)
    for payload in PAYLOADS:
        expect_shown(problems, "sent-back comment on Mijn bijdragen", mine, payload.plain)
    shown = visitors["admin"].visit("/beheer/gebruikers", problems)["parts"][".account__name"]
    expect_shown(problems, "the signed-in admin's own name", shown, ADMIN[1])
    assert not problems, "\n".join(problems)


def test_search_excerpts_mark_the_words_and_show_the_rest_as_text(visitors):
    """Highlighting puts <mark> around the words found and escapes everything else."""
    problems: list[str] = []
    seen = visitors["anonymous"].visit("/zoeken?q=onerror", problems)
    excerpts = seen["parts"][".result__excerpt"]
    assert not problems, "\n".join(problems)
    assert seen["marks"] >= 10
    assert any("<img src=x onerror=xss(" in excerpt for excerpt in excerpts), excerpts


def test_a_payload_in_an_address_is_never_run(visitors):
    problems: list[str] = []
    for payload in PAYLOADS[:8]:
        for address in ("/casussen/" + quote(payload.text, safe=""), "/" + quote(payload.text)):
            visitors["anonymous"].visit(address, problems, status=404)
    assert not problems, "\n".join(problems)


def test_atom_feeds_are_well_formed_and_hold_each_payload_as_text(instance):
    """ElementTree escapes what it writes; parsing proves the feed is XML, and each title
    reads back exactly as typed."""
    client = instance[0].test_client()
    for payload in PAYLOADS:
        response = client.get(f"/feeds/leergroepen/xss-{payload.n}.atom")
        feed = ET.fromstring(response.get_data())
        titles = [t.text for t in feed.iter("{http://www.w3.org/2005/Atom}title")]
        assert titles.count(payload.text.strip()) == 2, (payload.id, titles)  # case, reflection
        assert not [e.tag for e in feed.iter() if "xhtml" in e.tag], payload.id


# --- the second line: the Content-Security-Policy ----------------------------------------

SNEAKED = ("<script>xss('inline')</script><img src=x onerror=\"xss('onerror')\">"
           "<svg onload=\"xss('svg')\"></svg>")
VIOLATIONS = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
              " event => window.__csp.push(event.violatedDirective));")


@pytest.fixture(scope="module")
def sneaked_case(instance, live_server):
    """A case saved while the renderer lets everything through, as a sanitiser bug
    would: its stored HTML holds script that runs as soon as the page loads."""
    app = instance[0]
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(cases_service, "render_markdown", lambda source: Rendered(source, source))
        admin = db.session.scalar(select(User).where(User.email == ADMIN[0]))
        case = submit_case(admin, CaseInput(title="Ontsnapt aan de sanitiser", summary="Fout.",
                                             body=SNEAKED, roles=["netwerkend"],
                                             policy_domain="water", visibility="public"))
        workflow.publish(admin, case)
        return f"{live_server}/casussen/{case.slug}"


@pytest.mark.parametrize("csp", ["enforced", "bypassed"])
def test_the_csp_stops_inline_script_that_got_past_the_sanitiser(chromium, sneaked_case, csp):
    """Enforced, nothing runs and the browser reports each blocked script; bypassed, the
    same page runs all three, which shows that the markers would catch a real escape."""
    context = chromium.new_context(bypass_csp=csp == "bypassed")
    context.add_init_script(MARKER + VIOLATIONS)
    page = context.new_page()
    assert page.goto(sneaked_case, wait_until="load").status == 200
    ran = page.evaluate(INSPECT)["ran"]
    blocked = page.evaluate("window.__csp")
    context.close()
    if csp == "enforced":
        assert ran == [] and blocked.count("script-src-elem") >= 1, (ran, blocked)
        assert blocked.count("script-src-attr") >= 2, blocked
    else:
        assert sorted(ran) == ["inline", "onerror", "svg"] and blocked == []
