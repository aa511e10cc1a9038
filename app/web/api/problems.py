"""JSON errors for the API: one shape for every failure, worded in Dutch and English.

Both languages are always sent (a program logs them, a person reads one of them), so
these texts need no translation catalogue. The HTML error pages (web/errors.py) hand
any request under /api/ to `problem`, so that also a 404 for an unknown address or a
413 raised before a view runs answers in JSON.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import force_locale

from app.services.validation import ValidationFailed

API_PREFIX = "/api/"

MESSAGES = {
    "bad_request": ("Dit verzoek klopt niet.", "This request is not valid."),
    "invalid_json": ("Stuur een geldig JSON-object (Content-Type: application/json).",
                     "Send a valid JSON object (Content-Type: application/json)."),
    "too_deep": ("Arrays en objecten staan te diep in elkaar; zie 'max_depth'.",
                 "Arrays and objects are nested too deeply; see 'max_depth'."),
    "invalid_parameter": ("Een parameter in het adres klopt niet.",
                          "A parameter in the address is not valid."),
    "unauthorized": ("Stuur een geldige API-sleutel mee: Authorization: Bearer <sleutel>.",
                     "Send a valid API token: Authorization: Bearer <token>."),
    "not_found": ("Dit bestaat niet, of u mag het niet zien.",
                  "This does not exist, or you may not see it."),
    "method_not_allowed": ("Deze methode kan niet op dit adres.",
                           "This method is not allowed at this address."),
    "too_large": ("Wat u stuurde is te groot.", "What you sent is too large."),
    "address_too_long": ("Het adres is te lang.", "The address is too long."),
    "invalid_input": ("Niet alle velden kloppen; zie 'fields'.",
                      "Some fields are not valid; see 'fields'."),
    "refused": ("Dit kan niet met dit item zoals het nu is.",
                "This is not possible for this item as it is now."),
    "too_many_requests": ("Te veel verzoeken. Wacht even en probeer het opnieuw.",
                          "Too many requests. Wait a moment and try again."),
    "server_error": ("Er ging iets mis bij ons. Probeer het later opnieuw.",
                     "Something went wrong on our side. Try again later."),
    "unavailable": ("Tijdelijk niet beschikbaar. Probeer het zo opnieuw.",
                    "Temporarily unavailable. Try again shortly."),
}
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 414: "address_too_long",
                422: "invalid_input", 429: "too_many_requests", 500: "server_error",
                503: "unavailable"}


class ApiError(Exception):
    """Raised by API views; answered by `problem`."""

    def __init__(self, status: int, code: str | None = None, **extra):
        super().__init__(code or STATUS_CODES.get(status, "bad_request"))
        self.status, self.code, self.extra = status, code, extra


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _both(code: str) -> dict[str, str]:
    dutch, english = MESSAGES[code]
    return {"nl": dutch, "en": english}


def problem(status: int, code: str | None = None, **extra):
    """The JSON answer for `status`: {"error": {status, code, message: {nl, en}, …}}."""
    code = code or STATUS_CODES.get(status, "bad_request")
    body = {"status": status, "code": code, "message": _both(code), **extra}
    response = jsonify(error=body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="casusbank"'
    return response


def field_problems(failure: ValidationFailed) -> dict:
    """Each field's error as a code, its parameters and the sentence the web form would
    show, in both languages."""
    from app.web.messages import describe  # the web's own wording, so the two agree

    fields = {}
    for name, error in failure.errors.items():
        wording = {}
        for language in ("nl", "en"):
            with force_locale(language):
                wording[language] = describe(name, error)
        fields[name] = {"code": error.code, "params": error.params, "message": wording}
    return fields
