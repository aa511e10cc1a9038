"""Input checks shared by every way in (web forms, content import, later the API).

A failed check is a code with parameters, not a sentence: the web layer words it in the
user's language, the importer prints it for editors.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from app.models import Visibility

# A control character other than tab and newline has no place in text people write (C0,
# DEL and C1; \r goes with \n). Nor has half of a UTF-16 surrogate pair: it is not a
# character at all, and the database refuses to store it (a JSON body can carry one).
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"  # a regex class
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


# English wording for editors and logs; the web words the same codes in Dutch.
ENGLISH = {
    "required": "is required",
    "too_long": "is too long ({actual} characters, at most {max})",
    "too_short": "is too short (at least {min} characters)",
    "too_few": "needs at least {min} value(s)",
    "unknown": "has an unknown value: {value}",
    "not_among": "must be one of the chosen {other}",
    "control_characters": "contains control characters",
    "invalid_year": "is not a year between 1900 and 2100",
    "before_start": "lies before the start year",
    "invalid_date": "is not a date (YYYY-MM-DD)",
    "invalid_email": "is not an e-mail address",
    "taken": "is already in use",
    "required_for_group_visibility": "is required when only the learning group may read it",
    "not_member": "must be a learning group the author is a member of",
    "switch_incomplete": "needs both a from-role and a to-role",
    "switch_same": "must differ from the from-role",
    "likely_duplicate": "looks like an existing case: {titles}",
    "wrong_password": "is not the current password",  # nosec B105  # a message, not a password
    "mismatch": "differs from the new password",
    "last_admin": "would leave no active admin",
    "markup_too_deep": "nests brackets, quotes, lists or emphasis more than {max} deep",
    "markup_too_complex": "has too much markup (or too long hyphenated words) to render",
}


@dataclass(frozen=True)
class FieldError:
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return ENGLISH.get(self.code, self.code).format(**self.params)


class ValidationFailed(Exception):
    """Raised with every problem found, keyed by field, so a form can show them all."""

    def __init__(self, errors: dict[str, FieldError]):
        super().__init__(", ".join(f"{name}: {error}" for name, error in errors.items()))
        self.errors = errors


class Refused(Exception):
    """A step that does not fit the item as it is now (publish what is published, merge a
    case into itself, feature a draft); `code` is worded by the interface."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def has_control_characters(text: str) -> bool:
    """True when `text` holds a character that Checker.text refuses: the same test for
    the fields and address parameters that no service checks (web.forms)."""
    return _CONTROL.search(text) is not None


class Checker:
    """Collects field errors; each method returns the cleaned value."""

    def __init__(self):
        self.errors: dict[str, FieldError] = {}

    def fail(self, name: str, code: str, **params) -> None:
        self.errors.setdefault(name, FieldError(code, params))

    def text(self, name: str, value: str | None, *, required: bool = False,
             max_length: int = 10_000) -> str:
        cleaned = unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n")).strip()
        if _CONTROL.search(cleaned):
            self.fail(name, "control_characters")
        elif required and not cleaned:
            self.fail(name, "required")
        elif len(cleaned) > max_length:
            self.fail(name, "too_long", max=max_length, actual=len(cleaned))
        return cleaned

    def choice(self, name: str, value: str | None, allowed, *, required: bool = False):
        """Returns allowed[value]; `allowed` maps the submitted key to the object."""
        value = (value or "").strip()
        if not value:
            if required:
                self.fail(name, "required")
            return None
        if value not in allowed:
            self.fail(name, "unknown", value=value)
            return None
        return allowed[value]

    def choices(self, name: str, values, allowed, *, minimum: int = 0) -> list:
        wanted = dict.fromkeys(v.strip() for v in values or () if v and v.strip())
        picked = [allowed[value] for value in wanted if value in allowed]
        unknown = [value for value in wanted if value not in allowed]
        if unknown:
            self.fail(name, "unknown", value=", ".join(unknown))
        elif len(picked) < minimum:
            self.fail(name, "too_few", min=minimum)
        return picked

    def year(self, name: str, value, *, required: bool = False) -> int | None:
        text = str(value if value is not None else "").strip()
        if not text:
            if required:
                self.fail(name, "required")
            return None
        if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
            self.fail(name, "invalid_year")
            return None
        return int(text)

    def date(self, name: str, value, *, required: bool = False) -> date | None:
        if isinstance(value, date):
            return value
        text = str(value or "").strip()
        if not text:
            if required:
                self.fail(name, "required")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.fail(name, "invalid_date")
            return None

    def visibility(self, value: str | None, *, groups: list, group_field: str,
                   author=None) -> str | None:
        """One of the visibilities. `group` needs a learning group, and one the author is
        a member of: sharing with a group you are not in is a slip, not a choice. (The
        content import passes no author: editors place seed items where they belong.)"""
        chosen = self.choice("visibility", value, {v.value: v.value for v in Visibility},
                             required=True)
        if chosen == Visibility.GROUP:
            if not groups:
                self.fail(group_field, "required_for_group_visibility")
            elif author is not None and not author.group_ids & {g.id for g in groups}:
                self.fail(group_field, "not_member")
        return chosen

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def slugify(text: str, max_length: int = 80) -> str:
    """Lower-case ASCII words joined by hyphens: 'Coöperatie Zuid' -> 'cooperatie-zuid'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "casus"
