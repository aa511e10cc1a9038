"""Bodies made to keep a parser busy: JSON nested thousands of levels deep on the API, and
Markdown whose rendering is quadratic or recursive (nested brackets, links that never
close, quotes and lists inside one another, …). Each gets a clear 4xx, nothing of it is
stored, and it is refused before the parser sees it. That is what makes the answer quick
whatever the size, so the tests check that the parser was never reached, never a time
(bench/hostile_render.py has the times)."""
from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app import rendering
from app.extensions import db
from app.markdown_limits import MAX_NESTING, markup_problem
from app.models import Case, Reflection, User
from app.services.people import api_tokens
from app.web.api.json_body import MAX_JSON_DEPTH, nesting_depth
from app.web.messages import GENERAL

NEW_CASE = {"title": "Dijkversterking met de buurt", "summary": "Samen de dijk op.",
            "body": "We **praatten** eerst.", "roles": ["netwerkend"],
            "policy_domain": "water", "visibility": "internal"}
NEW_REFLECTION = {"title": "Wat ik leerde", "situation": "Overleg", "intention": "Bellen",
                  "roles_acted": ["netwerkend"], "visibility": "private"}
JUST_UNDER_THE_LIMIT = 999_000  # bytes; MAX_REQUEST_BYTES is 1,000,000
MAXIMUM_BODY = 100_000          # services.contributing.cases.LIMITS["body"]


@pytest.fixture
def api(app, users):
    """A test client and the headers of the member of Leergroep Water."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lid@example.nl"))
        token = api_tokens.create_token(user, "test")[1]
    return app.test_client(), {"Authorization": f"Bearer {token}"}


@pytest.fixture
def parsed(app, monkeypatch) -> list:
    """Every text the app hands to its JSON parser."""
    seen, loads = [], app.json.loads

    def spy(text, **options):
        seen.append(text)
        return loads(text, **options)
    monkeypatch.setattr(app.json, "loads", spy)
    return seen


@pytest.fixture
def converted(monkeypatch) -> list:
    """Every text handed to Markdown (the rendering cache emptied first)."""
    seen, convert = [], rendering._markdown_to_html

    def spy(source):
        seen.append(source)
        return convert(source)
    monkeypatch.setattr(rendering, "_markdown_to_html", spy)
    rendering._outcome.cache_clear()
    yield seen
    rendering._outcome.cache_clear()


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Case.id))),
                db.session.scalar(select(func.count(Reflection.id))))


# -- JSON nested deeper than any document of the API ---------------------------------------

def deep_json(shape: str, levels: int | None) -> str:
    """JSON `levels` deep, or (None) as deep as fits just under the request limit."""
    if shape == "arrays":
        levels = levels or JUST_UNDER_THE_LIMIT // 2
        return "[" * levels + "]" * levels
    if shape == "objects":
        levels = levels or JUST_UNDER_THE_LIMIT // 6
        return '{"a":' * levels + "1" + "}" * levels
    levels = levels or JUST_UNDER_THE_LIMIT // 2 - 20          # deep inside a field's value
    return '{"title": ' + "[" * levels + "]" * levels + ', "summary": "x"}'


def assert_too_deep(response) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "too_deep" and error["max_depth"] == MAX_JSON_DEPTH
    assert error["message"]["nl"].startswith("Arrays en objecten staan te diep")
    assert error["message"]["en"].startswith("Arrays and objects are nested too deeply")


@pytest.mark.parametrize("levels", [1_000, 100_000, None])
@pytest.mark.parametrize("shape", ["arrays", "objects", "in a field"])
def test_deep_json_is_refused_before_it_is_parsed(app, api, parsed, shape, levels):
    client, headers = api
    before = counts(app)
    body = deep_json(shape, levels)
    assert len(body.encode()) < 1_000_000 and nesting_depth(body) >= (levels or 150_000)
    response = client.post("/api/v1/cases", data=body, content_type="application/json",
                           headers=headers)
    assert parsed == []                    # the parser never saw it
    assert_too_deep(response)
    assert counts(app) == before


@pytest.mark.parametrize("method, address", [
    ("post", "/api/v1/reflections"), ("patch", "/api/v1/cases/{case}"),
    ("patch", "/api/v1/reflections/{reflection}")])
def test_every_write_refuses_deep_json_and_changes_nothing(app, api, parsed, method, address):
    client, headers = api
    case = client.post("/api/v1/cases", json=NEW_CASE, headers=headers).get_json()
    reflection = client.post("/api/v1/reflections", json=NEW_REFLECTION,
                             headers=headers).get_json()
    before, parsed[:] = counts(app), []
    url = address.format(case=case["id"], reflection=reflection["id"])
    response = getattr(client, method)(url, data=deep_json("objects", 100_000),
                                       content_type="application/json", headers=headers)
    assert parsed == []
    assert_too_deep(response)
    assert counts(app) == before
    assert client.get(f"/api/v1/cases/{case['id']}", headers=headers).get_json()["title"] \
        == NEW_CASE["title"]


def test_the_limit_is_exact_and_deeper_only_is_refused(api, parsed):
    """At MAX_JSON_DEPTH the body is parsed (and then named a wrong type); one deeper, not."""
    client, headers = api
    def nested(depth: int) -> str:
        return '{"roles": ' + "[" * (depth - 1) + '"netwerkend"' + "]" * (depth - 1) + "}"
    allowed = client.post("/api/v1/cases", data=nested(MAX_JSON_DEPTH),
                          content_type="application/json", headers=headers)
    assert len(parsed) == 1
    assert allowed.status_code == 422
    assert allowed.get_json()["error"]["fields"]["roles"]["code"] == "wrong_type"
    parsed.clear()
    refused = client.post("/api/v1/cases", data=nested(MAX_JSON_DEPTH + 1),
                          content_type="application/json", headers=headers)
    assert parsed == []
    assert_too_deep(refused)


def test_brackets_inside_strings_are_text_not_nesting(app, api):
    client, headers = api
    summary = '[{"\\"' * 90 + "]"
    response = client.post("/api/v1/cases", json={**NEW_CASE, "summary": summary},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["summary"] == summary


@pytest.mark.parametrize("text, depth", [
    ("1", 0), ('"[[["', 0), ('{"a": ["b", {"c": []}]}', 4), ('["\\"]", ["x"]]', 2),
    ('"\\\\"[[', 2), ('"unclosed [[[', 0), ("]]]][[", 0)])
def test_nesting_depth_skips_strings_and_escapes(text, depth):
    assert nesting_depth(text) == depth


# -- Markdown that would take quadratic time or recurse ------------------------------------

def fill(unit: str, length: int = MAXIMUM_BODY) -> str:
    return (unit * (length // len(unit) + 1))[:length]


PATHOLOGICAL = {
    "nested brackets": "[" * 20_000 + "]" * 20_000,
    "brackets at the maximum": "[" * (MAXIMUM_BODY // 2) + "]" * (MAXIMUM_BODY // 2),
    "links never closed": fill("[a]("),
    "quoted link addresses": fill('[a](b "c) '),
    "images never closed": fill("![a]("),
    "reference brackets": fill("[a]["),
    "nested emphasis": "*" * 50_000 + "a" + "*" * 49_999,
    "nested underscores": "_" * 50_000 + "a" + "_" * 49_999,
    "emphasis pairs": fill("*a"),
    "nested quotes": ">" * MAXIMUM_BODY,
    "quotes with spaces": fill("> "),
    "lists on one line": fill("1. "),
    "quoted lists": fill("> - "),
    "list staircase": "".join("    " * level + "- a\n" for level in range(200)),
    "tight definitions": fill("a\n: b\n"),
    "backtick runs": "".join("`" * length + "a" for length in range(1, 440)),
    "backticks": fill("`a"),
    "less-than signs": "<" * MAXIMUM_BODY,
    "ampersands": fill("&"),
    "tags never closed": fill("<a"),
    "autolinks never closed": fill("<http://"),
    "many link definitions": "".join(f"[a{i}]: http://x/{i}\n" for i in range(4_400)),
    "many abbreviations": "".join(f"*[A{i}]: b\n" for i in range(5_000)),
    "fences never closed": fill("```a\n"),
    "setext headings": fill("a\n=\n"),
    "hard breaks": fill("a  \n"),
    "hyphenated word": fill("a-"),
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_markdown_is_shown_as_text_without_reaching_markdown(name, converted):
    source = PATHOLOGICAL[name]
    assert len(source) <= MAXIMUM_BODY
    problem = markup_problem(source)
    assert problem is not None, name
    rendered = rendering.render_markdown(source)
    assert converted == []                  # never handed to Markdown
    assert rendered.html.startswith("<p>") and "<a" not in rendered.html
    assert rendering.markdown_problem(source) == problem


def test_nesting_that_only_shows_once_parsed_is_caught_in_the_tree(converted):
    """`*a _a *a … a_ a*`: emphasis inside emphasis, 60 deep."""
    source = "*a _a " * 30 + "a_ a* " * 30
    assert markup_problem(source) is None
    problem = rendering.markdown_problem(source)
    assert problem.code == "markup_too_deep" and problem.params == {"max": MAX_NESTING}
    assert converted == [source]            # parsed once, then shown as text
    assert "<em>" not in rendering.render_markdown(source).html


def test_a_recursion_error_inside_markdown_is_shown_as_text(monkeypatch):
    def recurse(source):
        raise RecursionError
    monkeypatch.setattr(rendering, "_markdown_to_html", recurse)
    rendering._outcome.cache_clear()
    assert rendering.markdown_problem("- a").code == "markup_too_deep"
    assert rendering.render_markdown("- a").html == "<p>- a</p>"
    rendering._outcome.cache_clear()


def test_text_shown_as_text_is_escaped_and_keeps_every_word():
    source = "Let op <script>alert(1)</script> & meer\n\n" + "[" * 20_000
    rendered = rendering.render_markdown(source)
    assert "<script" not in rendered.html
    assert "<p>Let op &lt;script&gt;alert(1)&lt;/script&gt; &amp; meer</p>" in rendered.html
    assert rendered.text.startswith("Let op <script>alert(1)</script> & meer\n[[[")


REAL = """## Aanleiding {n}

Na de **hoosbui** van juli stonden de kelders vol. De gemeente, het *waterschap* en de
bewoners ([verslag](https://www.rijksoverheid.nl/verslag-{n}), zie ook `peilbesluit`)
zochten samen naar oplossingen; de wethouder (die er eerst niet bij was) kwam later.

- eerst luisteren, dan pas *plannen*
- de [Omgevingswet](https://wetten.overheid.nl/omgevingswet) als kader
    - met een keukentafelgesprek per straat

| Wie | Wat |
|:----|----:|
| Bewoners | zorgen over de **kosten** |

> Wij dachten dat we het wisten. -- een ambtenaar

"""
CODE = "```\npeil = 1.20 m\n```\n\n"


def test_a_long_real_body_with_every_kind_of_markup_is_accepted(app, api):
    """Denser than any case: every 500 characters a heading, links, emphasis, a nested
    list, a table and a quote; a code block in every fourth."""
    chunks = [REAL.format(n=n) + (CODE if n % 4 == 0 else "") for n in range(200)]
    body = "".join(chunks)[:MAXIMUM_BODY].rpartition("\n\n")[0]
    assert len(body) > 95_000 and markup_problem(body) is None
    client, headers = api
    response = client.post("/api/v1/cases", json={**NEW_CASE, "body": body}, headers=headers)
    assert response.status_code == 201, response.get_json()
    html = response.get_json()["body_html"]
    for fragment in ("<h3>Aanleiding 0</h3>", "<strong>hoosbui</strong>", "<table>",
                     "<blockquote>", '<a href="https://wetten.overheid.nl/omgevingswet"'):
        assert fragment in html


@pytest.mark.parametrize("body, code", [
    ("[" * 20_000 + "]" * 20_000, "markup_too_complex"), (fill("1. ", 3_000), "markup_too_deep")])
def test_the_api_refuses_such_a_body_at_the_field(app, api, converted, body, code):
    client, headers = api
    before = counts(app)
    response = client.post("/api/v1/cases", json={**NEW_CASE, "body": body}, headers=headers)
    assert response.status_code == 422
    field = response.get_json()["error"]["fields"]["body"]
    assert field["code"] == code
    assert field["message"]["nl"].startswith(("‘Beschrijving’ heeft te veel opmaaktekens",
                                              "In ‘Beschrijving’ staan haakjes"))
    assert field["message"]["en"].startswith(("‘Description’ has too many formatting",
                                              "In ‘Description’, brackets"))
    assert converted == [] and counts(app) == before


@pytest.mark.parametrize("body, code", [
    ("[" * 20_000 + "]" * 20_000, "markup_too_complex"), (fill("1. ", 3_000), "markup_too_deep")])
def test_the_form_refuses_such_a_body_with_the_error_summary(app, member, converted, body, code):
    before = counts(app)
    response = member.submit("/casussen/nieuw", {
        "title": "Brackets", "summary": "Samen.", "body": body, "roles": "netwerkend",
        "policy_domain": "water", "visibility": "internal", "confirm_new": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = str(GENERAL[code]).format(label="Beschrijving", max=MAX_NESTING)
    assert f'<a href="#field-body">{escape(message)}</a>' in html
    assert "Er is 1 fout gevonden" in html
    assert converted == [] and counts(app) == before


def test_a_body_saved_before_the_limits_does_not_stop_an_edit_of_another_field(app, api):
    """Only a body that is written now is held to the limits: fixing a title must not
    ask the author to rewrite a text from before them."""
    client, headers = api
    created = client.post("/api/v1/cases", json=NEW_CASE, headers=headers).get_json()
    old_body = "[" * 20_000 + "]" * 20_000
    with app.app_context():   # as it was saved before the limits
        db.session.get(Case, created["id"]).body_md = old_body
        db.session.commit()
    address = f"/api/v1/cases/{created['id']}"
    renamed = client.patch(address, json={"title": "Een betere titel"}, headers=headers)
    assert renamed.status_code == 200 and renamed.get_json()["body"] == old_body
    rewritten = client.patch(address, json={"body": old_body + "["}, headers=headers)
    assert rewritten.status_code == 422
