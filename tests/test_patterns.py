"""Reflection patterns: acted from versus asked for, and the switching moments, counted
over what the reader may see, each count leading to the reflections behind it."""
from __future__ import annotations

import re

from app.extensions import db
from app.models import User
from app.services.contributing.reflections import ReflectionInput, submit_reflection
from tests.support import publish

PAGE = "/reflecties/patronen"


def _row(html: str, label: str) -> list[str]:
    """The cells after the row header `label`, as text."""
    row = re.search(rf"{label}</th>(.*?)</tr>", html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).split(" reflecties")[0].split(" keer")[0].strip()
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def _write(app, users, **fields):
    with app.app_context():
        author = db.session.get(User, users["member"])
        values = {"title": "Aan tafel", "situation": "Wat er gebeurde.",
                  "intention": "Wat ik ga doen.", "visibility": "internal", **fields}
        publish(submit_reflection(author, ReflectionInput(**values)))


def test_acted_and_asked_are_counted_over_what_the_reader_may_see(browser, member):
    anonymous = browser.get(PAGE).get_data(as_text=True)
    assert _row(anonymous, "Rechtmatige overheid")[:2] == ["1", "0"]
    assert _row(anonymous, "Netwerkende overheid")[:2] == ["0", "1"]
    signed_in = member.get(PAGE).get_data(as_text=True)
    assert _row(signed_in, "Rechtmatige overheid")[:2] == ["2", "0"]   # + the internal one
    assert _row(signed_in, "Presterende overheid")[:2] == ["1", "0"]   # the group's one
    assert "1 vaker gevraagd dan gedaan" in _row(anonymous, "Netwerkende overheid")[2]


def test_the_switch_matrix_counts_and_links_each_cell(app, users, member):
    _write(app, users, roles_acted=["rechtmatig"], switch_from="rechtmatig",
           switch_to="responsief")
    _write(app, users, roles_acted=["presterend"], switch_from="presterend",
           switch_to="netwerkend")
    html = member.get(PAGE).get_data(as_text=True)
    matrix = html[html.index("patterns--matrix"):]
    assert _row(matrix, "van Rechtmatige overheid") == ["–niet van toepassing", "0", "0", "2"]
    assert 'href="/reflecties/?van=rechtmatig&amp;naar=responsief"' in matrix
    top = re.findall(r"<li><a [^>]+>van ([^<]+)</a>: (\d+)", html)
    assert top[0] == ("Rechtmatige overheid naar Responsieve overheid", "2")
    behind = member.get("/reflecties/?van=rechtmatig&naar=responsief").get_data(as_text=True)
    assert "2 reflecties" in behind and "geschakeld van Rechtmatige overheid" in behind


def test_the_list_filters_by_role_and_refuses_unknown_roles(member):
    html = member.get("/reflecties/?gevraagd=netwerkend").get_data(as_text=True)
    assert "2 reflecties" in html  # the public diner and the group's reflection
    assert member.get("/reflecties/?gehandeld=bestaat-niet").status_code == 404
