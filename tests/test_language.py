"""Dutch by default, English on request: the choice, the browser's wish, <html lang>,
dates in the chosen language, and a catalogue with every message translated."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app.web.templating import number

PROJECT = Path(__file__).resolve().parent.parent
CATALOGUE = PROJECT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _switch(browser, code: str, page: str = "/", **extra):
    return browser.submit(page, {"taal": code, **extra}, post_url="/taal")


def _english(client, path="/", **headers):
    return client.get(path, headers=headers).get_data(as_text=True)


def test_dutch_is_the_default(browser):
    html = browser.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in html
    # The switch names the other language, in that language.
    assert 'value="en" lang="en" class="button button--link">English</button>' in html


def test_the_browser_language_decides_without_a_choice(browser):
    html = _english(browser.client, "/", **{"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
    assert '<html lang="en">' in html
    assert 'lang="nl" class="button button--link">Nederlands</button>' in html
    dutch = _english(browser.client, "/", **{"Accept-Language": "fr, nl;q=0.5"})
    assert '<html lang="nl">' in dutch
    assert "Accept-Language" in browser.get("/").headers["Vary"]


def test_the_switch_is_remembered_and_returns_to_the_page(browser):
    response = _switch(browser, "en", "/casussen/", next="/casussen/?rol=netwerkend")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/casussen/?rol=netwerkend")
    html = _english(browser.client, "/", **{"Accept-Language": "nl"})
    assert '<html lang="en">' in html
    _switch(browser, "nl")
    assert '<html lang="nl">' in browser.get("/").get_data(as_text=True)


def test_an_unknown_language_or_a_foreign_return_address_is_refused(browser):
    assert _switch(browser, "fr").status_code == 400
    away = _switch(browser, "en", next="https://elders.example/")
    assert away.headers["Location"].endswith("/")  # never off the site


def test_dates_and_role_labels_follow_the_language(app, browser):
    dutch = browser.get("/casussen/geluidsmaatregelen-hsl-zuid").get_data(as_text=True)
    _switch(browser, "en")
    english = browser.get("/casussen/geluidsmaatregelen-hsl-zuid").get_data(as_text=True)
    months = {"januari": "January", "februari": "February", "maart": "March", "mei": "May",
              "juni": "June", "juli": "July", "augustus": "August", "oktober": "October"}
    dutch_months = [month for month in months if f" {month} " in dutch]
    assert dutch_months and all(f" {months[m]} " in english for m in dutch_months)


def _messages_in_the_code() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT / "app", method_map=[("**.py", "python"),
                                         ("web/templates/**.html", "jinja2")],
            keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_of_the_interface_has_an_english_translation():
    """`make messages` adds new text to the catalogue; this fails until it is translated."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {message.id if isinstance(message.id, str) else message.id[0]
                  for message in catalogue
                  if message.id and message.string and not message.fuzzy
                  and all(message.string if isinstance(message.string, tuple)
                          else [message.string])}
    missing = sorted(_messages_in_the_code() - translated)
    assert not missing, f"{len(missing)} message(s) without English: {missing[:10]}"


def test_numbers_follow_the_language(app):
    with app.test_request_context():
        with force_locale("nl"):
            assert number(12345) == "12.345"
        with force_locale("en"):
            assert number(12345) == "12,345"
