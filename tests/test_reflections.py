"""Reflections: the structured prompts, roles acted and asked, and the form."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Reflection, User
from app.services.contributing.reflections import (
    ReflectionInput,
    check_reflection,
    submit_reflection,
)
from app.services.validation import ValidationFailed
from tests.support import publish_at, sync_index

VALID = {
    "title": "Een avond met de bewonersstichting",
    "case": "geluidsmaatregelen-hsl-zuid",
    "context": "stakeholderdiner",
    "occurred_on": "2017-10-05",
    "situation": "Aan tafel zaten de bewonersstichting en het onderhoudsbedrijf.",
    "looking_back": "Ik wilde de regels uitleggen.",
    "intention": "Volgende keer vraag ik eerst wat zij nodig hebben.",
    "roles_acted": ["rechtmatig"],
    "roles_asked": ["responsief", "netwerkend"],
    "switch_from": "rechtmatig",
    "switch_to": "responsief",
    "switch_note": "Halverwege liet ik het protocol los.",
    "visibility": "public",
}


def count_reflections():
    return db.session.scalar(select(func.count()).select_from(Reflection))


@pytest.mark.parametrize("changes, field, code", [
    ({"title": ""}, "title", "required"),
    ({"situation": ""}, "situation", "required"),
    ({"intention": ""}, "intention", "required"),
    ({"roles_acted": []}, "roles_acted", "too_few"),
    ({"roles_asked": ["koninklijk"]}, "roles_asked", "unknown"),
    ({"switch_to": ""}, "switch_to", "switch_incomplete"),
    ({"switch_from": ""}, "switch_from", "switch_incomplete"),
    ({"switch_to": "rechtmatig"}, "switch_to", "switch_same"),
    ({"case": "bestaat-niet"}, "case", "unknown"),
    ({"case": "interne-dijkcasus"}, "case", "unknown"),      # exists, but not visible
    ({"context": "kantine"}, "context", "unknown"),
    ({"occurred_on": "5 oktober"}, "occurred_on", "invalid_date"),
    ({"visibility": "group"}, "learning_group", "required_for_group_visibility"),
    ({"lesson": "x" * 5001}, "lesson", "too_long"),
])
def test_invalid_input_is_refused_with_the_field_and_reason(ctx, changes, field, code):
    from flask_login import AnonymousUserMixin
    with pytest.raises(ValidationFailed) as failure:
        check_reflection(ReflectionInput(**{**VALID, **changes}), author=AnonymousUserMixin())
    assert failure.value.errors[field].code == code


def test_a_submitted_reflection_keeps_every_prompt(ctx, users):
    author = db.session.get(User, users["member"])
    reflection = submit_reflection(author, ReflectionInput(
        **{**VALID, "visibility": "group", "learning_group": "water"}))
    assert reflection.case.slug == "geluidsmaatregelen-hsl-zuid"
    assert [r.id for r in reflection.roles_acted] == ["rechtmatig"]
    assert [r.id for r in reflection.roles_asked] == ["netwerkend", "responsief"]
    assert reflection.group.slug == "water" and reflection.visibility == "group"
    assert [name for name, _text in reflection.prompts()] == ["situation", "looking_back",
                                                              "intention"]


def test_a_reflection_defaults_to_its_learning_group(ctx):
    assert ReflectionInput().visibility == "group"


def test_the_page_shows_prompts_roles_and_the_switching_moment(app, browser):
    html = browser.get(f"/reflecties/{reflection_id(app, 'hsl-diner')}").get_data(as_text=True)
    assert "<h1>Aan tafel met bewoners en onderhoudsbedrijf</h1>" in html
    assert '<h2 id="prompt-situation">Situatie</h2>' in html
    assert '<h2 id="prompt-looking_back">Terugblik</h2>' in html
    assert '<h2 id="prompt-intention">Voornemen</h2>' in html
    assert "prompt-dilemma" not in html                      # unanswered prompts are left out
    acted = html[html.index("Gehandeld vanuit"):html.index("Gevraagd door de situatie")]
    asked = html[html.index("Gevraagd door de situatie"):html.index("Schakelmoment")]
    assert "Rechtmatige overheid" in acted and "Responsieve overheid" not in acted
    assert "Responsieve overheid" in asked and "Netwerkende overheid" in asked
    assert "Van <strong>Rechtmatige overheid</strong>" in html
    assert "naar <strong>Responsieve overheid</strong>" in html
    assert "Geluidsmaatregelen HSL-Zuid Lansingerland" in html   # the case it is about
    assert "Werkatelier dag 2: stakeholdersdiner" in html


def reflection_id(app, key):
    with app.app_context():
        return db.session.scalar(select(Reflection.id).where(Reflection.source_key == key))


def test_group_reflections_are_for_members(app, member, outsider):
    group_reflection = reflection_id(app, "leergroep-water-groep")
    assert member.get(f"/reflecties/{group_reflection}").status_code == 200
    assert outsider.get(f"/reflecties/{group_reflection}").status_code == 404


@pytest.mark.parametrize("key", ["leergroep-water-groep", "interne-reflectie", None])
def test_hidden_and_missing_reflections_are_404_for_visitors(app, key):
    number = reflection_id(app, key) if key else 999
    assert app.test_client().get(f"/reflecties/{number}").status_code == 404


def test_the_list_shows_only_visible_reflections(app, member):
    anonymous = app.test_client().get("/reflecties/").get_data(as_text=True)
    assert "1 reflectie" in anonymous
    assert "3 reflecties" in member.get("/reflecties/").get_data(as_text=True)


def test_the_form_needs_a_signed_in_user(browser):
    assert browser.get("/reflecties/nieuw").status_code == 302


def test_the_form_can_start_from_a_case(member):
    html = member.get("/reflecties/nieuw?casus=geluidsmaatregelen-hsl-zuid").get_data(
        as_text=True)
    assert ('<option value="geluidsmaatregelen-hsl-zuid" selected>'
            "Geluidsmaatregelen HSL-Zuid Lansingerland</option>") in html


def test_the_form_offers_only_cases_the_author_can_see(outsider):
    html = outsider.get("/reflecties/nieuw?casus=groepscasus-water").get_data(as_text=True)
    assert "Groepscasus van de leergroep" not in html
    assert '<option value="interne-dijkcasus">Interne dijkcasus</option>' in html


def test_invalid_input_gets_messages_and_stores_nothing(app, member):
    response = member.submit("/reflecties/nieuw", {**VALID, "situation": "", "roles_acted": []})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Er zijn 2 fouten gevonden" in html
    assert '<a href="#field-situation">Beschrijf de situatie.</a>' in html
    assert "Kies minstens één rol van waaruit u handelde." in html
    assert "Ik wilde de regels uitleggen." in html              # what was typed is kept
    with app.app_context():
        assert count_reflections() == 3


def test_a_valid_reflection_is_shown_and_found(app, member):
    response = member.submit("/reflecties/nieuw", VALID)
    assert response.status_code == 303
    html = member.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Een avond met de bewonersstichting</h1>" in html
    assert "Halverwege liet ik het protocol los." in html
    publish_at(app, response.headers["Location"])
    sync_index(app)
    assert "Een avond met de bewonersstichting" in app.test_client().get(
        "/zoeken?q=protocol").get_data(as_text=True)


def test_prompt_text_is_escaped_and_keeps_its_paragraphs(app, member):
    response = member.submit("/reflecties/nieuw", {
        **VALID, "situation": "Eerste alinea <script>alert(1)</script>\n\nTweede alinea"})
    html = member.get(response.headers["Location"]).get_data(as_text=True)
    assert "<p>Eerste alinea &lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>Tweede alinea</p>" \
        in html


def test_a_public_reflection_does_not_reveal_a_hidden_case(app, member):
    response = member.submit("/reflecties/nieuw", {**VALID, "case": "groepscasus-water",
                                                   "title": "Openbaar over een groepscasus"})
    address = response.headers["Location"]
    publish_at(app, address)
    assert "Groepscasus van de leergroep" in member.get(address).get_data(as_text=True)
    seen_by_visitor = app.test_client().get(address).get_data(as_text=True)
    assert "Openbaar over een groepscasus" in seen_by_visitor
    assert "Groepscasus van de leergroep" not in seen_by_visitor
    assert "groepscasus-water" not in seen_by_visitor


def test_group_visibility_needs_a_group_the_author_is_in(app, outsider):
    response = outsider.submit("/reflecties/nieuw", {**VALID, "visibility": "group",
                                                     "learning_group": "water"})
    assert response.status_code == 422
    assert "U bent geen lid van deze leergroep." in response.get_data(as_text=True)
