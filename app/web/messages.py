"""How the interface words things in Dutch (B1): field names, errors and notices."""
from __future__ import annotations

from app.services.reflections import PROMPT_HEADINGS
from app.services.validation import FieldError

FIELD_LABELS = {
    "title": "Titel",
    "summary": "Samenvatting",
    "body": "Beschrijving",
    "roles": "Overheidsrollen",
    "dominant_role": "Belangrijkste rol",
    "policy_domain": "Beleidsterrein",
    "organisation": "Organisatie of directie",
    "phase": "Fase",
    "scale": "Schaal",
    "stakeholder_types": "Soorten belanghebbenden",
    "learning_groups": "Leergroep",
    "learning_group": "Leergroep",
    "subthemes": "Subthema’s",
    "year_start": "Beginjaar",
    "year_end": "Eindjaar",
    "dilemma": "Dilemma",
    "visibility": "Wie mag dit lezen",
    "case": "Casus",
    "context": "Waar speelde het",
    "occurred_on": "Datum",
    "roles_acted": "Vanuit welke rol handelde u",
    "roles_asked": "Welke rol vroeg de situatie",
    "switch_from": "Schakelmoment: van",
    "switch_to": "Schakelmoment: naar",
    "switch_note": "Schakelmoment: toelichting",
    "confirm_new": "Mijn casus is nieuw",
    "email": "E-mailadres",
    "password": "Wachtwoord",
    "name": "Naam",
    "site_role": "Rol",
    "active": "Account actief",
    "groups": "Leergroepen",
    "current_password": "Huidig wachtwoord",
    "new_password": "Nieuw wachtwoord",
    "new_password_repeat": "Herhaal het nieuwe wachtwoord",
    "actie": "Actie",
    "vanaf": "Vanaf",
    "tot": "Tot en met",
    "new_name": "Nieuwe naam",
    "merge_into": "Samenvoegen met",
    **PROMPT_HEADINGS,
}

# Where a field needs its own sentence instead of the general one.
SPECIFIC = {
    ("title", "required"): "Vul een titel in.",
    ("summary", "required"): "Vul een korte samenvatting in.",
    ("body", "required"): "Beschrijf de casus.",
    ("roles", "too_few"): "Kies minstens één overheidsrol.",
    ("roles_acted", "too_few"): "Kies minstens één rol van waaruit u handelde.",
    ("policy_domain", "required"): "Kies een beleidsterrein.",
    ("situation", "required"): "Beschrijf de situatie.",
    ("intention", "required"): "Schrijf op wat u zich voorneemt.",
    ("dominant_role", "not_among"): "De belangrijkste rol moet een van de gekozen rollen zijn.",
    ("subthemes", "not_among"): "Kies alleen subthema’s van de gekozen leergroepen.",
    ("year_end", "before_start"): "Het eindjaar ligt vóór het beginjaar.",
    ("current_password", "wrong_password"): "Het huidige wachtwoord klopt niet.",
    ("new_password_repeat", "mismatch"): (
        "U typte twee verschillende nieuwe wachtwoorden. Typ hetzelfde wachtwoord twee keer."
    ),
    ("site_role", "last_admin"): (
        "Dit is de laatste actieve beheerder. Maak eerst iemand anders beheerder."
    ),
    ("active", "last_admin"): (
        "Dit is de laatste actieve beheerder. Maak eerst iemand anders beheerder."
    ),
    ("vanaf", "invalid_date"): (
        "Vul bij ‘Vanaf’ een datum in als jaar-maand-dag, bijvoorbeeld 2026-11-01."
    ),
    ("tot", "invalid_date"): (
        "Vul bij ‘Tot en met’ een datum in als jaar-maand-dag, bijvoorbeeld 2026-11-30."
    ),
    ("tot", "before_start"): "De einddatum ligt vóór de begindatum.",
    ("new_name", "required"): "Vul een nieuwe naam in.",
    ("new_name", "unchanged"): "De nieuwe naam is gelijk aan de huidige. Typ een andere naam.",
    ("new_name", "in_use"): (
        "Deze naam bestaat al in de lijst. Bedoelt u hetzelfde? Voeg ze dan samen."
    ),
    ("merge_into", "required"): "Kies waarmee u wilt samenvoegen.",
    ("merge_into", "same"): "U kunt iets niet met zichzelf samenvoegen. Kies een ander.",
    ("merge_into", "other_kind"): (
        "U kunt alleen samenvoegen binnen dezelfde lijst. Kies een term uit deze lijst."
    ),
    ("merge_into", "other_group"): (
        "U kunt alleen subthema’s van dezelfde leergroep samenvoegen. Kies een subthema van"
        " deze leergroep."
    ),
    ("merge_into", "unknown"): "Kies waarmee u wilt samenvoegen uit de lijst.",
    ("confirm_new", "likely_duplicate"): (
        "Er is al een casus met een vergelijkbare titel: {titles}. Bekijk die eerst. Is uw"
        " casus toch nieuw? Vink dan ‘Mijn casus is nieuw’ aan en sla opnieuw op."
    ),
}

GENERAL = {
    "required": "Vul ‘{label}’ in.",
    "too_long": "‘{label}’ is te lang: {actual} tekens. Het mogen er hoogstens {max} zijn.",
    "too_short": "‘{label}’ is te kort: gebruik minstens {min} tekens.",
    "too_few": "Kies bij ‘{label}’ minstens {min} mogelijkheid.",
    "unknown": "Kies bij ‘{label}’ een mogelijkheid uit de lijst.",
    "not_among": "‘{label}’ past niet bij wat u verder koos.",
    "control_characters": "‘{label}’ bevat onzichtbare stuurtekens. Haal ze weg.",
    "invalid_year": "Vul bij ‘{label}’ een jaartal in, bijvoorbeeld 2017.",
    "before_start": "‘{label}’ ligt vóór het begin.",
    "invalid_date": "Vul bij ‘{label}’ een datum in, bijvoorbeeld 2017-10-05.",
    "invalid_email": "Vul een geldig e-mailadres in, bijvoorbeeld naam@minienw.nl.",
    "taken": "Dit e-mailadres heeft al een account.",
    "required_for_group_visibility": "Kies een leergroep, of kies wie het anders mag lezen.",
    "not_member": (
        "U bent geen lid van deze leergroep. Kies een leergroep waarvan u lid bent, of kies"
        " wie het anders mag lezen."
    ),
    "switch_incomplete": "Kies bij het schakelmoment zowel de rol ‘van’ als de rol ‘naar’.",
    "switch_same": "Kies bij ‘naar’ een andere rol dan bij ‘van’.",
}

NOTICES = {
    "query_shortened": "Uw zoekvraag was erg lang. We hebben gezocht op het begin ervan.",
    "index_not_ready": (
        "De zoekfunctie wordt op dit moment klaargezet. Probeer het over een minuut opnieuw,"
        " of blader via de rollen en leergroepen."
    ),
    "index_behind": (
        "Nog niet alles is vindbaar: {count} wijziging(en) worden nog verwerkt. Dat duurt"
        " meestal een paar seconden."
    ),
    "index_rebuilding": (
        "De zoekfunctie wordt opnieuw opgebouwd. U ziet de resultaten van vlak daarvoor;"
        " de laatste wijzigingen volgen zo."
    ),
    "unknown_filter": "Het filter ‘{filter}’ kennen we niet. We hebben het overgeslagen.",
}

FACET_LABELS = {
    "rol": "Overheidsrol",
    "type": "Soort",
    "beleidsterrein": "Beleidsterrein",
    "leergroep": "Leergroep",
    "organisatie": "Organisatie",
    "jaar": "Jaar",
}

# The Atom feeds, by kind; {name} is a role's label or a learning group's name.
FEED_TITLES = {
    "cases": "Casusbank: nieuwe casussen",
    "reflections": "Casusbank: nieuwe reflecties",
    "role": "Casusbank: {name}, nieuwe casussen en reflecties",
    "group": "Casusbank: {name}, nieuwe casussen en reflecties",
}

# /bladeren: each facet by its address segment (the case list's filter), as a heading
# and in the plural ("alle organisaties").
BROWSE_FACETS = {
    "beleidsterrein": ("Beleidsterrein", "beleidsterreinen"),
    "organisatie": ("Organisatie", "organisaties"),
    "belanghebbende": ("Soort belanghebbende", "soorten belanghebbenden"),
    "jaar": ("Jaar", "jaren"),
}


def notice_text(code: str, values: dict) -> str:
    return NOTICES[code].format(**values)


VISIBILITY_LABELS = {
    "private": "Alleen ik",
    "group": "Leden van de leergroep",
    "internal": "Alle deelnemers (na inloggen)",
    "public": "Iedereen (openbaar)",
}

KIND_LABELS = {"case": "Casus", "reflection": "Reflectie"}

STATUS_LABELS = {
    "draft": "Concept",
    "submitted": "Ingediend, wacht op de redactie",
    "sent_back": "Teruggestuurd door de redactie",
    "published": "Gepubliceerd",
    "archived": "Gearchiveerd",
}

# After saving a case or reflection, by the status the save left it in.
SAVED_MESSAGES = {
    "draft": "Uw {noun} is opgeslagen als concept. Alleen u en de redactie kunnen het lezen.",
    "submitted": "Uw {noun} is opgeslagen en ingediend. De redactie bekijkt het zo snel"
                 " mogelijk.",
    "sent_back": "Uw {noun} is opgeslagen. Dien het opnieuw in als u klaar bent.",
    "published": "Uw {noun} is opgeslagen.",
    "archived": "Uw {noun} is opgeslagen. Het blijft gearchiveerd.",
}

# Why a revision exists (services.revisions.REASONS), as the history page says it.
REVISION_REASONS = {
    "created": "Eerste versie",
    "edited": "Bewerkt",
    "imported": "Ingelezen uit de inhoudsbestanden",
    "restored": "Versie {detail} teruggezet",
    "merged": "Een andere casus samengevoegd met deze",
    "moved": "Verplaatst naar de casus die bleef na samenvoegen",
}

# After an editorial step on /…/status, by the step's form value.
STEP_DONE = {
    "indienen": "Ingediend. De redactie bekijkt het zo snel mogelijk.",
    "publiceren": "Gepubliceerd.",
    "terugsturen": "Teruggestuurd naar de auteur, met uw opmerking.",
    "archiveren": "Gearchiveerd. Het staat niet meer in lijsten en zoekresultaten.",
}

READING_LIST_DONE = {
    "added": "Toegevoegd aan het leerpad.",
    "removed": "Verwijderd uit het leerpad.",
}

# services.validation.Refused codes (workflow, merge, featuring), and the merge form's
# own checks.
REFUSALS = {
    "not_published": "U kunt alleen een gepubliceerde casus uitlichten. Publiceer de casus"
                     " eerst.",
    "private": "Deze casus mag alleen de auteur lezen. Zo’n casus kunt u niet uitlichten.",
    "pick_two": "Kies twee casussen die u kunt lezen.",
    "reading_list_unknown_item": "Kies een gepubliceerde casus of reflectie uit de lijst.",
    "reading_list_note_too_long": "De toelichting is te lang: gebruik hoogstens 300 tekens.",
    "reading_list_full": "Het leerpad is vol (50 stukken). Haal er eerst een weg.",
    "reading_list_already_there": "Dit staat al in het leerpad.",
    "pick_survivor": "Kies welke casus blijft.",
    "same_case": "U koos twee keer dezelfde casus. Kies twee verschillende.",
    "already_merged": "Een van deze casussen is al samengevoegd met een andere.",
    "cannot_submitted": "Dit kan niet meer worden ingediend: het is al ingediend of gepubliceerd.",
    "cannot_published": "Dit is al gepubliceerd.",
    "not_submitted": "De auteur heeft dit nog niet ingediend. Publiceren kan pas daarna.",
    "merged": "Deze casus is samengevoegd met een andere. Werk verder in de casus die bleef.",
    "cannot_sent_back": "Alleen ingediende of gepubliceerde stukken kunt u terugsturen.",
    "cannot_archived": "Dit is al gearchiveerd.",
    "comment_required": "Schrijf de auteur waarom u het terugstuurt.",
    "comment_too_long": "Uw opmerking is te lang: gebruik hoogstens 2000 tekens.",
}

SITE_ROLE_LABELS = {"participant": "Deelnemer", "editor": "Redacteur", "admin": "Beheerder"}

# Every code of services.audit.ACTIONS, as /beheer/logboek shows it.
ACTION_LABELS = {
    "sign_in": "Ingelogd",
    "sign_in_failed": "Inloggen mislukt",
    "sign_out": "Uitgelogd",
    "password_changed": "Wachtwoord gewijzigd",
    "user_created": "Account aangemaakt",
    "user_changed": "Account gewijzigd",
    "role_changed": "Rol gewijzigd",
    "user_deactivated": "Account uitgezet",
    "user_activated": "Account aangezet",
    "membership_changed": "Leergroepen gewijzigd",
    "submitted": "Ingediend",
    "published": "Gepubliceerd",
    "sent_back": "Teruggestuurd",
    "archived": "Gearchiveerd",
    "restored": "Hersteld",
    "merged": "Samengevoegd",
    "featured": "Uitgelicht",
    "unfeatured": "Niet meer uitgelicht",
    "term_renamed": "Term hernoemd",
    "term_merged": "Termen samengevoegd",
}


def describe(field: str, error: FieldError) -> str:
    template = SPECIFIC.get((field, error.code)) or GENERAL.get(error.code, "Controleer ‘{label}’.")
    return template.format(label=FIELD_LABELS.get(field, field), **error.params)
