"""JSON Schemas of the API's requests and answers, for the OpenAPI description.

The request schemas state what the services accept (lengths, vocabularies, no control
characters), so a client can check a request before sending it.
"""
from __future__ import annotations

from app.models import PROMPT_FIELDS, Visibility
from app.services import catalog
from app.services.contributing.cases import LIMITS as CASE_LIMITS
from app.services.contributing.reflections import LIMITS as REFLECTION_LIMITS
from app.services.contributing.reflections import REQUIRED as REFLECTION_REQUIRED
from app.services.validation import CONTROL_CHARACTERS

# Text the services accept: no control characters but tab and line breaks; a required
# text needs one character that is not white space (they are trimmed).
# (Less the lone UTF-16 surrogates the services also refuse: JSON Schema's regular
# expressions cannot name them, and no well-formed UTF-8 text holds one.)
_CONTROL = CONTROL_CHARACTERS.replace(r"\ud800-\udfff", "")
_ALLOWED = f"[^{_CONTROL}]"
FREE_TEXT = f"^{_ALLOWED}*$"
FILLED_TEXT = rf"^{_ALLOWED}*[^\s{_CONTROL}]{_ALLOWED}*$"
INTEGER = {"type": "integer"}
STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


def _text(limit: int, *, filled: bool = False) -> dict:
    return {"type": "string", "maxLength": limit, "pattern": FILLED_TEXT if filled else FREE_TEXT}


def _optional(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def vocabularies() -> dict[str, list[str]]:
    terms = catalog.terms_by_slug
    kind = catalog.TermKind
    return {
        "role": [role.id for role in catalog.roles()],
        "policy_domain": list(terms(kind.POLICY_DOMAIN)),
        "phase": list(terms(kind.PHASE)),
        "scale": list(terms(kind.SCALE)),
        "stakeholder_type": list(terms(kind.STAKEHOLDER_TYPE)),
        "context": list(terms(kind.REFLECTION_CONTEXT)),
        "group": list(catalog.groups_by_slug()),
        "subtheme": list(catalog.subthemes_by_slug()),
        "visibility": [visibility.value for visibility in Visibility],
    }


def enum(values: list[str]) -> dict:
    return {"type": "string", "enum": values} if values else {"type": "string", "maxLength": 0}


def _choice(values: list[str]) -> dict:
    """An optional single choice: one of `values`, or empty/null for none."""
    return {"type": ["string", "null"], "enum": [*values, "", None]}


def case_input(vocab: dict, *, for_create: bool) -> dict:
    properties = {
        "title": _text(CASE_LIMITS["title"], filled=True),
        "summary": _text(CASE_LIMITS["summary"], filled=True),
        "body": _text(CASE_LIMITS["body"], filled=True),
        "roles": array(enum(vocab["role"]), minItems=1),
        "dominant_role": _choice(vocab["role"]),
        "policy_domain": enum(vocab["policy_domain"]),
        "organisation": {**_optional(_text(CASE_LIMITS["organisation"])),
                         "description": "Free text: a name of an organisation of the"
                                        " vocabulary (label, abbreviation, former name or"
                                        " slug) files the case under it; another name is"
                                        " kept as written."},
        "phase": _choice(vocab["phase"]),
        "scale": _choice(vocab["scale"]),
        "stakeholder_types": array(enum(vocab["stakeholder_type"])),
        "learning_groups": array(enum(vocab["group"])),
        "subthemes": array(enum(vocab["subtheme"])),
        "year_start": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2100},
        "year_end": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2100},
        "dilemma": _optional(_text(CASE_LIMITS["dilemma"])),
        "visibility": enum(vocab["visibility"]),
        "submit": {"type": "boolean", "description": "Hand it to the editors (default: "
                   + ("yes" if for_create else "no") + ")."},
    }
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if for_create:
        schema["required"] = ["title", "summary", "body", "roles", "policy_domain"]
    return schema


def reflection_input(vocab: dict, *, for_create: bool) -> dict:
    prompts = {name: _optional(_text(REFLECTION_LIMITS[name])) for name in PROMPT_FIELDS}
    properties = {
        "title": _text(REFLECTION_LIMITS["title"], filled=True),
        "case": {"type": ["string", "null"], "maxLength": 120,
                 "description": "Slug of a case the author may see, or empty."},
        "context": _choice(vocab["context"]),
        "learning_group": _choice(vocab["group"]),
        "occurred_on": {"type": ["string", "null"], "format": "date"},
        **prompts,
        "roles_acted": array(enum(vocab["role"]), minItems=1),
        "roles_asked": array(enum(vocab["role"])),
        "switch_from": _choice(vocab["role"]),
        "switch_to": _choice(vocab["role"]),
        "switch_note": _optional(_text(REFLECTION_LIMITS["switch_note"])),
        "visibility": enum(vocab["visibility"]),
        "submit": {"type": "boolean"},
    }
    for name in REFLECTION_REQUIRED:
        if name in prompts:
            properties[name] = _text(REFLECTION_LIMITS[name], filled=True)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if for_create:
        # Explicit: the web form's default (the learning group) needs a group chosen.
        schema["required"] = ["title", *sorted(REFLECTION_REQUIRED - {"title"}),
                              "roles_acted", "visibility"]
    return schema


def json_object(properties: dict, *, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def response_schemas() -> dict:
    link = {"type": "string", "format": "uri"}
    moment = {"type": ["string", "null"], "format": "date-time"}
    texts = array(STRING)
    case_summary = {"id": INTEGER, "slug": STRING, "title": STRING, "summary": STRING,
                    "roles": texts, "published_at": moment, "url": link, "api_url": link}
    reflection_summary = {"id": INTEGER, "title": STRING, "roles_acted": texts,
                          "occurred_on": {"type": ["string", "null"], "format": "date"},
                          "published_at": moment, "url": link, "api_url": link}
    item_dates = {"status": {"type": "string",
                             "enum": ["draft", "submitted", "sent_back", "published",
                                      "archived"]},
                  "created_at": moment, "updated_at": moment}
    return {
        "Error": json_object({"error": json_object({
            "status": INTEGER, "code": STRING,
            "message": json_object({"nl": STRING, "en": STRING}),
        }, required=["status", "code", "message"])}),
        "CaseSummary": json_object(case_summary),
        "Case": json_object({
            **case_summary, **item_dates,
            **{name: STRING for name in ("body", "body_html", "dominant_role",
                                         "policy_domain", "organisation", "phase", "scale",
                                         "dilemma", "visibility")},
            **{name: texts for name in ("stakeholder_types", "learning_groups",
                                        "subthemes")},
            "organisation_slug": {"type": ["string", "null"],
                                  "description": "The organisation's slug in the vocabulary"
                                                 " (content/taxonomy.yml); null when its"
                                                 " name is not in it."},
            "organisation_label_en": NULLABLE_STRING,
            "year_start": NULLABLE_INTEGER, "year_end": NULLABLE_INTEGER,
            "merged_into": NULLABLE_INTEGER, "reflections": array(INTEGER),
        }),
        "ReflectionSummary": json_object(reflection_summary),
        "Reflection": json_object({
            **reflection_summary, **item_dates,
            **{name: STRING for name in (*PROMPT_FIELDS, "context", "learning_group",
                                         "switch_from", "switch_to", "switch_note",
                                         "visibility")},
            "roles_asked": texts, "case": NULLABLE_STRING, "case_id": NULLABLE_INTEGER,
        }),
        "Links": json_object({"prev": link, "next": link}, required=[]),
        "Role": json_object({"id": STRING, "label": STRING, "label_en": STRING,
                         "short": STRING, "short_en": STRING, "position": STRING,
                         "behaviours": texts,
                         "counts": json_object({"cases": INTEGER, "reflections": INTEGER}),
                         "url": link}),
        "Group": json_object({"id": INTEGER, "slug": STRING, "name": STRING, "summary": STRING,
                          "subthemes": array(json_object({"slug": STRING, "name": STRING})),
                          "url": link, "api_url": link}),
        "Hit": json_object({"type": {"type": "string", "enum": ["case", "reflection"]},
                        "id": INTEGER, "title": STRING, "roles": texts,
                        "excerpt_html": {"type": "string",
                                         "description": "Escaped text; <mark> around "
                                                        "the words that matched."},
                        "url": link, "api_url": link}),
        "FacetOption": json_object({"value": STRING, "label": STRING,
                                "label_en": NULLABLE_STRING, "count": INTEGER,
                                "selected": {"type": "boolean"}}),
        "Notice": json_object({"code": STRING,
                               "message": json_object({"nl": STRING, "en": STRING})}),
    }


def page_schema(item: str) -> dict:
    return json_object({"items": array(ref(item)), "page": INTEGER, "per_page": INTEGER,
                    "total": INTEGER, "pages": INTEGER, "links": ref("Links")})


def search_schema() -> dict:
    return json_object({
        "query": STRING, "sort": {"type": "string", "enum": ["relevance", "newest"]},
        "index_ready": {"type": "boolean"}, "page": INTEGER, "per_page": INTEGER,
        "total": INTEGER, "pages": INTEGER, "items": array(ref("Hit")),
        "facets": {"type": "object", "additionalProperties": array(ref("FacetOption"))},
        "suggestion": NULLABLE_STRING, "notices": array(ref("Notice")),
    })


