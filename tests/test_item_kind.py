"""Cases and reflections take one path through the shared steps and differ there only in
data: each kind's form, declared once (services/contributing/item_kind.py), is what its input holds
and what the API takes."""
from __future__ import annotations

from dataclasses import fields

from app.models import Visibility
from app.services.contributing.cases import CASE_KIND, CaseInput
from app.services.contributing.item_kind import FormField
from app.services.contributing.reflections import REFLECTION_KIND, ReflectionInput
from app.web.api.write import CASE_FIELDS, REFLECTION_FIELDS


def test_an_input_holds_the_fields_of_its_form_in_the_form_order():
    for kind in (CASE_KIND, REFLECTION_KIND):
        assert [spec.name for spec in fields(kind.input_class)] == list(kind.form)
        assert kind.input_class.__module__ == kind.as_input.__module__


def test_a_new_input_has_its_kind_s_visibility_and_lists_of_its_own():
    assert CaseInput().visibility == Visibility.INTERNAL
    assert ReflectionInput().visibility == Visibility.GROUP
    first, second = CaseInput(), CaseInput()
    first.roles.append("netwerkend")
    assert second.roles == [] and ReflectionInput().roles_acted == []


def test_the_api_takes_every_field_of_the_form_but_a_confirmation():
    for kind, body_fields in ((CASE_KIND, CASE_FIELDS), (REFLECTION_KIND, REFLECTION_FIELDS)):
        sent = {name for name, form_field in kind.form.items()
                if form_field is not FormField.CONFIRMATION}
        assert set(body_fields) == sent | {"submit"}
    assert "confirm_new" in CASE_KIND.form and "confirm_new" not in CASE_FIELDS
