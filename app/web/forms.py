"""Between HTML forms and service inputs: reading fields, wording errors."""
from __future__ import annotations

import unicodedata
from dataclasses import fields
from urllib.parse import urlsplit

from flask import Response, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge, UnprocessableEntity
from werkzeug.wsgi import LimitedStream

from app.services.contributing.cases import LIMITS as CASE_LIMITS
from app.services.contributing.reflections import LIMITS as REFLECTION_LIMITS
from app.services.editorial.workflow import MAX_COMMENT
from app.services.people.accounts import MAX_EMAIL_LENGTH
from app.services.reading.reading_list import MAX_NOTE
from app.services.reading.search import LONGEST_QUERY, LONGEST_QUERY_BYTES
from app.services.validation import FieldError, ValidationFailed, has_control_characters
from app.web.api.problems import is_api_request
from app.web.language import localized
from app.web.messages import FIELD_LABELS, GENERAL, SAVED_MESSAGES, SAVED_NOUNS, describe


def input_from_form(input_class, form: MultiDict):
    """Fill a CaseInput/ReflectionInput from a submitted form; lists from repeated fields."""
    values = {
        spec.name: form.getlist(spec.name) if spec.default_factory is list
        else form.get(spec.name, "")
        for spec in fields(input_class) if spec.name in form or spec.default_factory is list
    }
    return input_class(**values)


LAST_PAGE = 10_000  # far beyond any real list; keeps absurd numbers away from the database


def page_number(args: MultiDict) -> int:
    """The `page` of the address as a sensible whole number (1 when missing or nonsense)."""
    return min(max(args.get("page", 1, type=int), 1), LAST_PAGE)


def options(items, value: str = "slug", label: str = "label") -> list[tuple[str, str]]:
    """(value, label) pairs for a select or a group of checkboxes, labels in the reader's
    language where the vocabulary has an English one."""
    return [(getattr(item, value), localized(item, label)) for item in items]


def submitted(input_class, submit):
    """Read the posted form into `input_class` and hand it to the service `submit`.

    Returns (form, errors, item): the item when it was saved, else the message per
    field, with the form as typed so the page can show it again.
    """
    form = input_from_form(input_class, request.form)
    try:
        return form, {}, submit(current_user, form)
    except ValidationFailed as failure:
        return form, error_messages(failure), None


def submit_wanted() -> bool:
    """Which button sent the form: only "Opslaan als concept" and "Wijzigingen opslaan"
    do not hand the item in; a form sent without a button (Enter, old pages) does."""
    return request.form.get("actie", "indienen") == "indienen"


def saved_message(item) -> str:
    """What happened to the item, since the same button can have different outcomes."""
    return str(SAVED_MESSAGES[item.status]).format(noun=str(SAVED_NOUNS[item.search_kind]))


def error_messages(failure: ValidationFailed) -> dict[str, str]:
    """Field name to its message, in the order the service found them."""
    return {name: describe(name, error) for name, error in failure.errors.items()}


def safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site: never another host, so a link cannot bounce users away."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


# -- every field checked on arrival ----------------------------------------------------------
# The services check the fields of the case and reflection forms and the names themselves,
# and answer with a message next to the field. Every other field and address parameter is
# checked here, before any view or the CSRF check reads it: a limit on its length, and no
# control characters. So no field is without a limit, and a new one has one from the start.

MAX_PASSWORD_LENGTH = 500
DEFAULT_FIELD_LIMIT = 1_000
# The text fields whose service runs Checker.text on them (control characters and length).
SERVICE_CHECKED = frozenset({*CASE_LIMITS, *REFLECTION_LIMITS, "name", "new_name"})
FIELD_LIMITS = {
    "email": MAX_EMAIL_LENGTH, "zoek": MAX_EMAIL_LENGTH, "door": MAX_EMAIL_LENGTH,
    **dict.fromkeys(("password", "current_password", "new_password", "new_password_repeat"),
                    MAX_PASSWORD_LENGTH),
    "note": MAX_NOTE, "opmerking": MAX_COMMENT, "onderwerp": 200,  # a title or a name
    "van": 500, "naar": 500,   # a case's slug, or its whole address pasted in
    # The search itself uses the first MAX_QUERY_LENGTH and says so.
    "q": LONGEST_QUERY,
    "next": 10_000,            # the address to return to, which may hold a long search
}
# Fields that travel in addresses: also at most this many bytes in UTF-8, so that what
# the browser's maxlength lets through always fits in an address.
BYTE_LIMITS = {"q": LONGEST_QUERY_BYTES}
# Names of fields that only this check words (the forms' own are in messages.FIELD_LABELS).
LABELS = {"zoek": _l("Naam of e-mailadres"), "door": _l("Door"), "onderwerp": _l("Onderwerp"),
          "note": _l("Toelichting"), "opmerking": _l("Opmerking voor de auteur"),
          "q": _l("Zoekvraag")}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefusedField(UnprocessableEntity):
    """A field or address parameter that cannot be right, whatever the page: 422 with a
    message naming it (web.errors words the page)."""

    def __init__(self, name: str, error: FieldError):
        super().__init__()
        self.field, self.error = name, error

    def message(self) -> str:
        label = (LABELS.get(self.field) or FIELD_LABELS.get(self.field)
                 or ("" if has_control_characters(self.field) else self.field))
        return str(GENERAL[self.error.code]).format(label=str(label), **self.error.params)


def _problem(name: str, value: str) -> FieldError | None:
    if has_control_characters(name) or has_control_characters(value):
        return FieldError("control_characters")
    limit = FIELD_LIMITS.get(name, DEFAULT_FIELD_LIMIT)
    if len(value) > limit or len(value.encode("utf-8")) > BYTE_LIMITS.get(name, 4 * limit):
        return FieldError("too_long", {"max": limit, "actual": len(value)})
    return None


# Plain text: a page would repeat the address (its links back), control characters and all.
UNREADABLE_ADDRESS = _l("Deze pagina bestaat niet: het adres bevat onzichtbare stuurtekens.")


def _streamed_body_too_large() -> bool:
    """A body sent without Content-Length (chunked, which gunicorn passes on) is cut off at
    MAX_CONTENT_LENGTH by Werkzeug instead of refused: a form would arrive shortened, its
    last field cut. Reading up to the cut means the body was too large."""
    if request.content_length is not None or request.max_content_length is None:
        return False
    if request.mimetype in FORM_TYPES:
        request.form  # noqa: B018  # parsed (and cached) here, for the views as well
    else:
        request.get_data(cache=True)
    return isinstance(request.stream, LimitedStream) and request.stream.is_exhausted


def _in_one_unicode_form() -> None:
    """Address parameters in NFC, the form Checker.text stores text in: "reünie" typed with
    a separate diaeresis (NFD, as some systems send it) finds the stored "reünie", in the
    search and in the filters alike. (Form fields are left as sent: the services
    normalise the text they keep, and a password must stay exactly as typed.)"""
    args = request.args.items(multi=True)
    if not all(unicodedata.is_normalized("NFC", value) for _, value in args):
        request.args = ImmutableMultiDict(
            (name, unicodedata.normalize("NFC", value))
            for name, value in request.args.items(multi=True))


# The longest address (path and query) the site answers; longer ones get its own 414 page.
# Below gunicorn's longest request line (8,190 bytes, set by `flask serve`), which answers
# with a bare page of its own, and below nginx's default 8 kB buffers.
MAX_ADDRESS_BYTES = 8_000


def _address_bytes() -> int:
    """The address as it came over the wire (gunicorn and Werkzeug pass it on as
    RAW_URI); else the path, decoded, and the raw query."""
    raw = request.environ.get("RAW_URI")
    if raw is not None:
        return len(raw)
    return len(request.environ.get("PATH_INFO", "")) + 1 + len(request.query_string)


def check_arriving_fields() -> Response | None:
    """Refuse a request whose address or form carries what no field may hold: an address
    too long for any page of ours (414) or with control characters (404); a field gets
    422 (RefusedField). Reading the form here also makes an oversized body a 413 before
    anything else. The API checks its own parameters and answers in JSON
    (web/api/params.py)."""
    if _address_bytes() > MAX_ADDRESS_BYTES:
        raise RequestURITooLarge()
    changing = request.method not in ("GET", "HEAD", "OPTIONS")
    if changing and _streamed_body_too_large():
        raise RequestEntityTooLarge()
    if is_api_request():
        return None
    if has_control_characters(request.path):
        return Response(f"{UNREADABLE_ADDRESS}\n", status=404, mimetype="text/plain")
    _in_one_unicode_form()
    arrived = list(request.args.items(multi=True))
    if changing and request.mimetype in FORM_TYPES:
        arrived += [(name, value) for name, value in request.form.items(multi=True)
                    if name not in SERVICE_CHECKED]
    for name, value in arrived:
        error = _problem(name, value)
        if error is not None:
            raise RefusedField(name, error)
    return None
