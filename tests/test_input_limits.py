"""Hostile and odd input that is not a script: oversized requests, overlong fields, control
characters, broken UTF-8 and malformed queries. Each gets a clear 4xx answer, never a 500,
and nothing of it is stored. The forms are found by crawling every page as an admin, so a
new form or field is covered the day it appears."""
from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import Case
from app.services.reading.search import LONGEST_API_QUERY
from app.services.validation import Checker, has_control_characters
from app.web.forms import FIELD_LIMITS, MAX_ADDRESS_BYTES
from tests.support import CHROMIUM, csrf_token, publish_at, signed_in, sync_index
from tests.test_csrf_walk import ADMIN, OTHER_CASE, address, database_rows, make_world

TEXT_INPUTS = {"text", "search", "email", "password", "url", "tel"}
TOO_LONG = "te lang"
# Per field: one of the characters no field may hold (C0, DEL, C1), in turn.
CONTROLS = ["\x00", "\x1b", "\x7f", "\x85", "\x08"]
# Filled in on pages that need them to show their form (an entry to rename, say).
PAGE_QUERIES = {"taxonomy.edit": lambda world: {"item": world.water_term}}


@dataclass
class Field:
    name: str
    kind: str                     # an input type, "textarea", "select" or "button"
    value: str = ""
    maxlength: int | None = None
    sent: bool = True             # an unchecked box or a second button is not sent


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)

    def data(self, changes: dict[str, str] | None = None) -> MultiDict:
        """What a browser sends, with `changes` replacing (or adding) fields."""
        changes = changes or {}
        data = MultiDict([(f.name, f.value) for f in self.fields
                          if f.sent and f.name not in changes])
        for name, value in changes.items():
            data.add(name, value)
        return data

    def key(self) -> tuple:
        return (self.method, self.action, tuple(f.name for f in self.fields if f.sent))

    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.kind in TEXT_INPUTS | {"textarea"}]


class FormParser(HTMLParser):
    """The forms of a page with their fields, as far as a browser would submit them."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.open, self.capture = page, [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.open = True
            self.forms.append(Form(self.page, (attrs.get("method") or "get").upper(),
                                   attrs.get("action") or self.page.split("?")[0]))
        elif self.open and attrs.get("name") and tag in ("input", "textarea", "select",
                                                          "button"):
            self._field(tag, attrs)
        elif self.open and tag == "option" and self.capture:
            if self.capture.value is None or "selected" in attrs:
                self.capture.value = attrs.get("value", "")

    def _field(self, tag, attrs):
        kind = attrs.get("type", "text") if tag == "input" else tag
        if tag == "button" or kind == "submit":
            kind = "button"
        found = Field(attrs["name"], kind, attrs.get("value", ""),
                      int(attrs["maxlength"]) if "maxlength" in attrs else None)
        if kind in ("checkbox", "radio"):
            found.sent = "checked" in attrs
        if kind == "button":
            found.sent = not any(f.kind == "button" for f in self.forms[-1].fields)
        if tag in ("textarea", "select"):
            found.value, self.capture = (None if tag == "select" else ""), found
        self.forms[-1].fields.append(found)

    def handle_data(self, data):
        if self.capture is not None and self.capture.kind == "textarea":
            self.capture.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.open = False
        if tag in ("textarea", "select") and self.capture is not None:
            self.capture.value = self.capture.value or ""
            self.capture = None


def crawl_forms(app, browser, world) -> list[Form]:
    """Every distinct form on every page an admin can open (each page once)."""
    forms: dict[tuple, Form] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/feeds")):
            continue
        query = PAGE_QUERIES.get(rule.endpoint, lambda world: {})(world)
        response = browser.get(address(rule, world), query_string=query)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = FormParser(response.request.full_path.rstrip("?"))
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            forms.setdefault(form.key(), form)
    return list(forms.values())


def send(browser, form: Form, changes: dict[str, str] | None = None):
    """Submit `form` as the browser would, from a fresh copy of its page (a new token)."""
    data = form.data(changes)
    if form.method == "GET":
        return browser.get(form.action, query_string=data)
    if "csrf_token" in data and "csrf_token" not in (changes or {}):
        data["csrf_token"] = csrf_token(browser.client, form.page)
    return browser.client.post(form.action, data=data)


@pytest.fixture
def admin_forms(app, users):
    world = make_world(app, users)
    browser = signed_in(app, ADMIN)
    return browser, crawl_forms(app, browser, world)


# -- request size --------------------------------------------------------------------------

BIG = "x" * 1_100_000   # over the default MAX_CONTENT_LENGTH of 1,000,000 bytes


@pytest.mark.parametrize(("language", "title"), [("nl", "Uw bericht is te groot"),
                                                 ("en", "What you sent is too large")])
def test_an_oversized_form_gets_413_in_the_readers_language(app, users, language, title):
    browser = signed_in(app, "lid@example.nl")
    token = csrf_token(browser.client, "/casussen/nieuw")
    response = browser.client.post("/casussen/nieuw", data={"csrf_token": token, "body": BIG},
                                   headers={"Accept-Language": language})
    assert response.status_code == 413
    assert f"<h1>{title}</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["urlencoded", "chunked", "multipart"])
def test_size_is_checked_before_the_csrf_token(app, how):
    """A too large sign-in without a token is a 413, not "form expired" nor a 500: with a
    Content-Length, streamed without one (chunked, as behind gunicorn), or as multipart
    with one field over Flask's in-memory limit for a form part."""
    client = app.test_client()
    if how == "urlencoded":
        response = client.post("/inloggen", data={"email": BIG})
    elif how == "chunked":
        response = client.post(
            "/inloggen", input_stream=io.BytesIO(f"email={BIG}".encode()),
            content_type="application/x-www-form-urlencoded",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True})
    else:
        boundary, body = encode_multipart({"email": "x" * 600_000})
        response = client.post("/inloggen", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Uw bericht is te groot" in response.get_data(as_text=True)


def test_a_case_with_every_field_at_its_limit_fits_in_a_request(app, users):
    """The request limit never refuses what the field limits allow, for Dutch text with
    accents (mostly non-Latin text costs 6-12 bytes a character once URL-encoded)."""
    browser = signed_in(app, "lid@example.nl")
    words = ("Het waterschap en de gemeente overlegden met bewoners over de dijk. "
             "Coöperatie, reünie en café kwamen ter sprake. ")
    fill = lambda n: (words * (n // len(words) + 1))[:n].strip().ljust(n, "x")  # noqa: E731
    response = browser.submit("/casussen/nieuw", {
        "title": fill(200), "summary": fill(500), "body": fill(100_000),
        "organisation": fill(200), "dilemma": fill(2_000), "roles": "netwerkend",
        "policy_domain": "water", "visibility": "internal", "confirm_new": "1"})
    assert response.status_code == 303, response.status_code


# -- field lengths ---------------------------------------------------------------------------

def test_every_text_field_states_its_limit(admin_forms):
    browser, forms = admin_forms
    missing = [f"{form.page} {f.name}" for form in forms for f in form.text_fields()
               if f.maxlength is None]
    assert not missing, f"text fields without maxlength: {missing}"
    assert len({f.name for form in forms for f in form.text_fields()}) >= 30


def _limit_problems(browser, form: Form, text_field: Field) -> list[str]:
    where, limit = f"{form.action} {text_field.name}", text_field.maxlength
    problems = []
    at_limit = send(browser, form, {text_field.name: "x" * limit})
    if at_limit.status_code == 413 or at_limit.status_code >= 500 or (
            TOO_LONG in at_limit.get_data(as_text=True)):
        problems.append(f"{where}: refused at its maxlength ({at_limit.status_code})")
    over = send(browser, form, {text_field.name: "x" * (limit + 1)})
    html = over.get_data(as_text=True)
    refused = over.status_code == 422 and (
        TOO_LONG in html or f'href="#field-{text_field.name}"' in html)
    if not refused:
        problems.append(f"{where}: not refused over its maxlength ({over.status_code})")
    return problems


def test_every_text_field_is_held_to_its_stated_limit_by_the_server(app, admin_forms):
    """At the form's maxlength no "too long"; one character more is refused with a
    message (422), the search box too (the search itself uses the start of what fits and
    says so). The browser stops people at maxlength; the server must stop everything else
    at the same number."""
    browser, forms = admin_forms
    problems = [problem for form in forms for text_field in form.text_fields()
                for problem in _limit_problems(browser, form, text_field)]
    assert not problems, "\n".join(problems)


# -- control characters, broken encodings ----------------------------------------------------

def test_control_characters_in_any_form_field_are_refused_and_not_stored(app, admin_forms):
    """Every field of every form, hidden ones, buttons and choices included: 400/404/422
    with a message, and the database as it was."""
    browser, forms = admin_forms
    problems, tried = [], 0
    for form in forms:
        names = dict.fromkeys(f.name for f in form.fields if f.name != "csrf_token")
        for position, name in enumerate(names):
            before = database_rows(app)
            response = send(browser, form, {name: f"a{CONTROLS[position % len(CONTROLS)]}b"})
            tried += 1
            if response.status_code not in (400, 404, 422) or (
                    "stuurtekens" not in response.get_data(as_text=True)):
                problems.append(f"{form.action} {name}: {response.status_code}")
            if database_rows(app) != before:
                problems.append(f"{form.action} {name}: something was stored")
    assert not problems, "\n".join(problems)
    assert tried >= 100


def test_control_characters_in_an_address_are_refused(app, users):
    """In a parameter: 422 naming it. In a path segment: 404, as plain text, since a page
    would repeat its own address in its links. (The API answers for its own parameters,
    in JSON: tests/test_api*.)"""
    world = make_world(app, users)
    browser = signed_in(app, ADMIN)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/static", "/api/")):
            continue
        for name in ("q", "page", "rol", "organisatie", "zoek", "jaar"):
            response = browser.get(address(rule, world), query_string={name: "water\x00"})
            assert response.status_code == 422, (rule.rule, name, response.status_code)
            assert b"\x00" not in response.get_data()
        for name in rule.arguments:
            try:
                poisoned = address(rule, world, **{name: "a\x1bb"})
            except ValueError:  # a number: the router itself takes no text there
                continue
            response = browser.get(poisoned)
            assert response.status_code == 404, (rule.rule, name)
            assert "stuurtekens" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/zoeken", "/casussen/", "/api/v1/search"])
def test_an_address_too_long_for_any_page_gets_the_sites_own_414(browser, path):
    """The longest search a browser's box lets through fits (800 characters of 3 bytes;
    it counts an emoji as two, so 400 emoji), and so does the sign-in link of its page;
    the API takes 600 characters of any kind; more bytes are refused as too long; an
    address beyond MAX_ADDRESS_BYTES gets the site's own page, or JSON under /api/."""
    api = path.startswith("/api/")
    most = LONGEST_API_QUERY if api else FIELD_LIMITS["q"]
    for longest in ("€" * most, "😀" * (most if api else most // 2)):
        fits = browser.get(path, query_string={"q": longest})
        assert fits.status_code == 200
        sign_in = re.findall(r'href="(/inloggen[^"]*)"', fits.get_data(as_text=True))
        assert all(len(unescape(link)) <= MAX_ADDRESS_BYTES for link in sign_in)
        assert api or sign_in
    too_many_bytes = browser.get(path, query_string={"q": "😀" * 601})   # 2,404 bytes
    assert too_many_bytes.status_code == (400 if api else 422)
    encoded_path = browser.get(f"{path}{'%C3%A9' * (MAX_ADDRESS_BYTES // 6)}")
    assert encoded_path.status_code == 414   # counted as sent, not as decoded
    response = browser.get(f"{path}?q=water&x={'a' * MAX_ADDRESS_BYTES}")
    assert response.status_code == 414
    if api:
        assert response.get_json()["error"]["code"] == "address_too_long"
    else:
        assert "<h1>Het adres is te lang</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", ["%ff", "%ed%a0%80", "%c0%80", "a%e2%82", "%f4%90%80%80"])
def test_invalid_utf8_never_gives_a_500_nor_stores_half_characters(app, users, raw):
    browser = signed_in(app, "lid@example.nl")
    for url in (f"/zoeken?q={raw}", f"/casussen/?organisatie={raw}", f"/casussen/{raw}",
                f"/zoeken?rol={raw}&jaar={raw}", f"/reflecties/?gehandeld={raw}",
                f"/leergroepen/{raw}"):
        assert browser.get(url).status_code in (200, 404, 422), url
    token = csrf_token(browser.client, "/casussen/nieuw")
    body = (f"csrf_token={token}&title=Dijk{raw}&summary=Kort&body=Lang&roles=netwerkend"
            f"&policy_domain=water&visibility=internal&confirm_new=1")
    response = browser.client.post("/casussen/nieuw", data=body.encode(),
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 422)
    stored = [row for row in database_rows(app)["cases"] if "Dijk" in row]
    assert all(0xD800 > ord(c) or ord(c) > 0xDFFF for row in stored for c in row)


def test_half_a_surrogate_pair_is_refused_by_every_service():
    """A JSON body (the API) can carry "\\ud800"; the database cannot store it."""
    check = Checker()
    check.text("title", "Dijk\ud800")
    assert check.errors["title"].code == "control_characters"


# -- Unicode ---------------------------------------------------------------------------------

# Escapes, not the characters themselves: bidi controls and joiners are invisible in source.
UNICODE = {
    # A ZWJ sequence (woman firefighter, medium skin tone), a flag, a heart with VS16, Arabic.
    "title": "Brandweer \U0001f469\U0001f3fd\u200d\U0001f692 en \U0001f1f3\U0001f1f1 aan tafel"
             " \u2764\ufe0f \u0627\u0644\u062d\u0648\u0643\u0645\u0629"
             " \u0627\u0644\u062a\u0634\u0627\u0631\u0643\u064a\u0629",
    # Hebrew with an embedding (RLE..PDF), Arabic in an isolate (RLI..PDI), "Zalgo" marks.
    "summary": "\u05e9\u05d9\u05ea\u05d5\u05e3 \u202b\u05de\u05e9\u05d5\u05ea\u05e3\u202c,"
               " \u2067\u0645\u062f\u064a\u0646\u0629\u2069 en Z\u0324\u0354\u0367\u0311"
               "\u0343a\u0308lo",
    "body": unicodedata.normalize("NFD", "Co\u00f6peratie en re\u00fcnie in het caf\u00e9"),
    # An override (RLO..PDF) and, in NFD, a letter with a separate diaeresis.
    "organisation": unicodedata.normalize("NFD", "Co\u00f6peratie \u202eOVS\u202c"),
}


def test_emoji_rtl_and_combining_text_come_back_unchanged(app, users):
    """Stored as typed (in NFC, which looks the same as NFD), shown as stored, on the page,
    in the edit form and in search; a second save without changes changes nothing."""
    browser = signed_in(app, "lid@example.nl")
    response = browser.submit("/casussen/nieuw", {
        **UNICODE, "roles": "netwerkend", "policy_domain": "water", "visibility": "internal",
        "confirm_new": "1"})
    assert response.status_code == 303
    publish_at(app, response.headers["Location"])
    sync_index(app)
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    form_url = response.headers["Location"] + "/bewerken"
    form = browser.get(form_url).get_data(as_text=True)
    for name, text in UNICODE.items():
        shown = str(escape(unicodedata.normalize("NFC", text)))
        assert shown in page and shown in form, name
    arabic, nfd = UNICODE["title"].split()[-1], unicodedata.normalize("NFD", "re\u00fcnie")
    for query in ("brandweer", arabic, "co\u00f6peratie", nfd):
        found = browser.get("/zoeken", query_string={"q": query}).get_data(as_text=True)
        assert str(escape(UNICODE["title"])) in found, query
    listed = browser.get("/casussen/", query_string={
        "organisatie": UNICODE["organisation"]})  # NFD, the case holds it in NFC
    assert str(escape(UNICODE["title"])) in listed.get_data(as_text=True)
    stored = database_rows(app)["cases"]
    assert browser.submit(form_url, {**UNICODE, "roles": "netwerkend",
                                     "policy_domain": "water", "visibility": "internal",
                                     "actie": "opslaan"}).status_code == 303
    assert [row for row in database_rows(app)["cases"] if "Brandweer" in row] == [
        row for row in stored if "Brandweer" in row]


# A title that turns the text after it around, if it could reach beyond its own element.
SPOOF = "Spoof \u202eexe.fdp"
# Letters of a text node on one line that read right to left: what a leaked override does.
REVERSED_AFTER = """marker => {
  const nodes = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const block = node => { let e = node.parentElement;
    while (getComputedStyle(e).display.startsWith('inline')) e = e.parentElement; return e; };
  const box = (node, i) => { const range = document.createRange();
    range.setStart(node, i); range.setEnd(node, i + 1); return range.getBoundingClientRect(); };
  const reversed = [];
  nodes.forEach((node, n) => {
    if (!node.data.includes(marker)) return;
    for (const later of nodes.slice(n + 1).filter(other => block(node).contains(other))) {
      const letters = [...later.data.matchAll(/\\p{L}/gu)].map(match => match.index);
      if (letters.length < 2) continue;
      const [a, b] = [box(later, letters[0]), box(later, letters[1])];
      if (a.width && Math.abs(a.top - b.top) < 2 && a.left > b.left) reversed.push(later.data);
    }
  });
  return reversed;
}"""


def _spoofing_items(app, member) -> tuple[str, str]:
    """A case (worded like a fixture case, so it is listed as similar to it) and a
    reflection, both titled SPOOF; their addresses."""
    with app.app_context():
        body = db.session.scalar(select(Case.body_md).where(Case.slug == OTHER_CASE))
    case = member.submit("/casussen/nieuw", {
        "title": SPOOF, "summary": "Regenwater in de wijk.", "body": body,
        "roles": "netwerkend", "policy_domain": "water", "visibility": "internal",
        "confirm_new": "1"}).headers["Location"]
    reflection = member.submit("/reflecties/nieuw", {
        "title": SPOOF, "situation": "Aan tafel.", "intention": "Luisteren.",
        "roles_acted": "netwerkend", "learning_group": "water",
        "visibility": "internal"}).headers["Location"]
    return case, reflection


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get(
    "CASUSBANK_REQUIRE_BROWSER"), reason=f"no browser at {CHROMIUM}")
def test_a_bidi_override_in_a_title_stays_inside_it(app, users, chromium):
    """U+202E is kept (Arabic and Hebrew writers use the bidi controls), but it cannot turn
    around the text after the title: where a title stands inline before other text, it
    has an element of its own with dir="auto", which isolates it."""
    member, editor = signed_in(app, "lid@example.nl"), signed_in(app, "redactie@example.nl")
    case, reflection = _spoofing_items(app, member)
    pages = [(member, f"{case}/bewerken"),
             (member, f"{reflection}/bewerken"), (editor, "/redactie"),
             (editor, f"/redactie/samenvoegen?van={case}&naar={OTHER_CASE}")]
    publish_at(app, case)
    publish_at(app, reflection)
    sync_index(app)
    pages.append((member, "/leergroepen/water"))   # the reflection among the group's newest
    assert SPOOF in member.get(pages[-1][1]).get_data(as_text=True)
    pages.append((member, f"/casussen/{OTHER_CASE}"))
    assert SPOOF in member.get(pages[-1][1]).get_data(as_text=True)  # as a similar case
    context, reversed_text = chromium.new_context(), {}
    try:
        page = context.new_page()
        for reader, url in pages:
            page.route("http://casusbank.test/**", _serve_with(reader))
            page.goto(f"http://casusbank.test{url}")
            reversed_text[url] = page.evaluate(REVERSED_AFTER, "\u202e")
            page.unroute("http://casusbank.test/**")
    finally:
        context.close()
    assert reversed_text == {url: [] for _, url in pages}


def _serve_with(reader):
    """Chromium's requests answered by the app through `reader`'s test client."""
    def serve(route):
        response = reader.get(route.request.url.removeprefix("http://casusbank.test"))
        body = response.get_data()
        response.close()
        route.fulfill(status=response.status_code, body=body,
                      headers={"Content-Type": response.content_type})
    return serve


# -- malformed queries -----------------------------------------------------------------------

SYNTAX = ['"', "(", ")", "rol:", ":", "*", "~", "^", "AND", "OR", "NOT", "EN", "OF", "NIET",
          "rol:netwerkend", "jaar:", "jaar:2017-", "jaar:abc-", "[", "]", "{", "}", "-", "+",
          "?", "\\", "'", "title:", "water", "geluid*", "~2", "^3", "\u202e", "😀", "TO",
          "organisatie:", "leergroep:water", "type:casus", "*:*", "a" * 300, "x" * 2000]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=12)), max_size=12),
       glue=st.sampled_from([" ", "", "  "]))
def test_no_query_gives_a_500(browser, words, glue):
    """Refused only with a control character or beyond 800 characters (422), or in an
    address too long for any page (414); anything else is searched, degrading to plain
    words where the syntax does not parse."""
    query = glue.join(words)
    address = f"/zoeken?{urlencode({'q': query})}"
    response = browser.get(address)
    refused = has_control_characters(query) or len(query) > FIELD_LIMITS["q"]
    expected = 414 if len(address) > MAX_ADDRESS_BYTES else 422 if refused else 200
    assert response.status_code == expected, (query, response.status_code)
