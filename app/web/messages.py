"""How the interface words things in Dutch (B1): field names, errors and notices.

Every text is marked for translation with `_l` (lazy_gettext): it is looked up in the
reader's language each time it is shown, not once when this module is imported. A lazy
text is not a str: call str() on it before .format(), flash() or anything that stores or
serialises it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.validation import FieldError

# The reflection prompts as the interface shows them.
# services.contributing.reflections.PROMPT_HEADINGS holds the same words, in Dutch only,
# because they are also the section headings of the content files; keep the two lists the
# same.
PROMPT_LABELS = {
    "situation": _l("Situatie"),
    "looking_back": _l("Terugblik"),
    "dilemma": _l("Kern en dilemma"),
    "quality_pitfall": _l("Kwaliteit en valkuil"),
    "alternatives": _l("Alternatieven"),
    "intention": _l("Voornemen"),
    "lesson": _l("Les voor de leergroep"),
}

FIELD_LABELS = {
    "title": _l("Titel"),
    "summary": _l("Samenvatting"),
    "body": _l("Beschrijving"),
    "roles": _l("Overheidsrollen"),
    "dominant_role": _l("Belangrijkste rol"),
    "policy_domain": _l("Beleidsterrein"),
    "organisation": _l("Organisatie of directie"),
    "phase": _l("Fase"),
    "scale": _l("Schaal"),
    "stakeholder_types": _l("Soorten belanghebbenden"),
    "learning_groups": _l("Leergroep"),
    "learning_group": _l("Leergroep"),
    "subthemes": _l("Subthema’s"),
    "year_start": _l("Beginjaar"),
    "year_end": _l("Eindjaar"),
    "dilemma": _l("Dilemma"),
    "visibility": _l("Wie mag dit lezen"),
    "case": _l("Casus"),
    "context": _l("Waar speelde het"),
    "occurred_on": _l("Datum"),
    "roles_acted": _l("Vanuit welke rol handelde u"),
    "roles_asked": _l("Welke rol vroeg de situatie"),
    "switch_from": _l("Schakelmoment: van"),
    "switch_to": _l("Schakelmoment: naar"),
    "switch_note": _l("Schakelmoment: toelichting"),
    "confirm_new": _l("Mijn casus is nieuw"),
    "email": _l("E-mailadres"),
    "password": _l("Wachtwoord"),
    "name": _l("Naam"),
    "site_role": _l("Rol"),
    "active": _l("Account actief"),
    "groups": _l("Leergroepen"),
    "current_password": _l("Huidig wachtwoord"),
    "new_password": _l("Nieuw wachtwoord"),
    "new_password_repeat": _l("Herhaal het nieuwe wachtwoord"),
    "actie": _l("Actie"),
    "vanaf": _l("Vanaf"),
    "tot": _l("Tot en met"),
    "new_name": _l("Nieuwe naam"),
    "merge_into": _l("Samenvoegen met"),
    **PROMPT_LABELS,
}

# Where a field needs its own sentence instead of the general one.
SPECIFIC = {
    ("title", "required"): _l("Vul een titel in."),
    ("summary", "required"): _l("Vul een korte samenvatting in."),
    ("body", "required"): _l("Beschrijf de casus."),
    ("roles", "too_few"): _l("Kies minstens één overheidsrol."),
    ("roles_acted", "too_few"): _l("Kies minstens één rol van waaruit u handelde."),
    ("policy_domain", "required"): _l("Kies een beleidsterrein."),
    ("situation", "required"): _l("Beschrijf de situatie."),
    ("intention", "required"): _l("Schrijf op wat u zich voorneemt."),
    ("dominant_role", "not_among"): _l("De belangrijkste rol moet een van de gekozen rollen zijn."),
    ("subthemes", "not_among"): _l("Kies alleen subthema’s van de gekozen leergroepen."),
    ("year_end", "before_start"): _l("Het eindjaar ligt vóór het beginjaar."),
    ("current_password", "wrong_password"): _l("Het huidige wachtwoord klopt niet."),
    ("new_password_repeat", "mismatch"): _l(
        "U typte twee verschillende nieuwe wachtwoorden. Typ hetzelfde wachtwoord twee keer."
    ),
    ("site_role", "last_admin"): _l(
        "Dit is de laatste actieve beheerder. Maak eerst iemand anders beheerder."
    ),
    ("active", "last_admin"): _l(
        "Dit is de laatste actieve beheerder. Maak eerst iemand anders beheerder."
    ),
    ("vanaf", "invalid_date"): _l(
        "Vul bij ‘Vanaf’ een datum in als jaar-maand-dag, bijvoorbeeld 2026-11-01."
    ),
    ("tot", "invalid_date"): _l(
        "Vul bij ‘Tot en met’ een datum in als jaar-maand-dag, bijvoorbeeld 2026-11-30."
    ),
    ("tot", "before_start"): _l("De einddatum ligt vóór de begindatum."),
    ("new_name", "required"): _l("Vul een nieuwe naam in."),
    ("new_name", "unchanged"): _l("De nieuwe naam is gelijk aan de huidige. Typ een andere naam."),
    ("new_name", "in_use"): _l(
        "Deze naam bestaat al in de lijst. Bedoelt u hetzelfde? Voeg ze dan samen."
    ),
    ("merge_into", "required"): _l("Kies waarmee u wilt samenvoegen."),
    ("merge_into", "same"): _l("U kunt iets niet met zichzelf samenvoegen. Kies een ander."),
    ("merge_into", "other_kind"): _l(
        "U kunt alleen samenvoegen binnen dezelfde lijst. Kies een term uit deze lijst."
    ),
    ("merge_into", "other_group"): _l(
        "U kunt alleen subthema’s van dezelfde leergroep samenvoegen. Kies een subthema van"
        " deze leergroep."
    ),
    ("merge_into", "unknown"): _l("Kies waarmee u wilt samenvoegen uit de lijst."),
    ("merge_into", "own_unit"): _l(
        "Dit is een onderdeel van de organisatie die u wilt samenvoegen. Kies een organisatie"
        " die er geen deel van is."
    ),
    ("confirm_new", "likely_duplicate"): _l(
        "Er is al een casus met een vergelijkbare titel: {titles}. Bekijk die eerst. Is uw"
        " casus toch nieuw? Vink dan ‘Mijn casus is nieuw’ aan en sla opnieuw op."
    ),
}

# When neither SPECIFIC nor GENERAL knows the error.
CHECK_FIELD = _l("Controleer ‘{label}’.")

GENERAL = {
    "required": _l("Vul ‘{label}’ in."),
    "too_long": _l("‘{label}’ is te lang: {actual} tekens. Het mogen er hoogstens {max} zijn."),
    "too_short": _l("‘{label}’ is te kort: gebruik minstens {min} tekens."),
    "too_few": _l("Kies bij ‘{label}’ minstens {min} mogelijkheid."),
    "unknown": _l("Kies bij ‘{label}’ een mogelijkheid uit de lijst."),
    "not_among": _l("‘{label}’ past niet bij wat u verder koos."),
    "control_characters": _l("‘{label}’ bevat onzichtbare stuurtekens. Haal ze weg."),
    "invalid_year": _l("Vul bij ‘{label}’ een jaartal in, bijvoorbeeld 2017."),
    "before_start": _l("‘{label}’ ligt vóór het begin."),
    "invalid_date": _l("Vul bij ‘{label}’ een datum in, bijvoorbeeld 2017-10-05."),
    "invalid_email": _l("Vul een geldig e-mailadres in, bijvoorbeeld naam@minienw.nl."),
    "taken": _l("Dit e-mailadres heeft al een account."),
    "required_for_group_visibility": _l("Kies een leergroep, of kies wie het anders mag lezen."),
    "not_member": _l(
        "U bent geen lid van deze leergroep. Kies een leergroep waarvan u lid bent, of kies"
        " wie het anders mag lezen."
    ),
    "switch_incomplete": _l("Kies bij het schakelmoment zowel de rol ‘van’ als de rol ‘naar’."),
    "switch_same": _l("Kies bij ‘naar’ een andere rol dan bij ‘van’."),
    # app/markdown_limits.py: text the site cannot show as Markdown in reasonable time
    "markup_too_deep": _l(
        "In ‘{label}’ staan haakjes, citaten (>), lijsten of nadruk (* en _) te diep in"
        " elkaar: meer dan {max} lagen. Haal een paar lagen weg."
    ),
    "markup_too_complex": _l(
        "‘{label}’ heeft te veel opmaaktekens om te tonen, zoals * _ [ ] ( ) < & ` of #, of"
        " heel lange woorden met streepjes. Zet lege regels tussen lange stukken tekst en"
        " haal tekens weg die niet nodig zijn."
    ),
}

FACET_LABELS = {
    "rol": _l("Overheidsrol"),
    "type": _l("Soort"),
    "beleidsterrein": _l("Beleidsterrein"),
    "leergroep": _l("Leergroep"),
    "organisatie": _l("Organisatie"),
    "jaar": _l("Jaar"),
}

# The Atom feeds, by kind; {name} is a role's label or a learning group's name.
FEED_TITLES = {
    "cases": _l("Casusbank: nieuwe casussen"),
    "reflections": _l("Casusbank: nieuwe reflecties"),
    "role": _l("Casusbank: {name}, nieuwe casussen en reflecties"),
    "group": _l("Casusbank: {name}, nieuwe casussen en reflecties"),
}

# /bladeren: each facet by its address segment (the case list's filter), as a heading
# and in the plural ("alle organisaties").
BROWSE_FACETS = {
    "beleidsterrein": (_l("Beleidsterrein"), _l("beleidsterreinen")),
    "organisatie": (_l("Organisatie"), _l("organisaties")),
    "belanghebbende": (_l("Soort belanghebbende"), _l("soorten belanghebbenden")),
    "jaar": (_l("Jaar"), _l("jaren")),
}


# The kinds of organisation of the vocabulary (services/organisations.py KINDS).
ORGANISATION_KINDS = {
    "ministerie": _l("Ministerie"),
    "directie": _l("Directie of directoraat-generaal"),
    "programma": _l("Programma"),
    "agentschap": _l("Agentschap van een ministerie"),
    "zbo": _l("Zelfstandig bestuursorgaan"),
    "provincie": _l("Provincie"),
    "waterschap": _l("Waterschap"),
    "gemeente": _l("Gemeente"),
    "koepel": _l("Vereniging van overheden"),
    "overig": _l("Andere organisatie"),
}

VISIBILITY_LABELS = {
    "private": _l("Alleen ik"),
    "group": _l("Leden van de leergroep"),
    "internal": _l("Alle deelnemers (na inloggen)"),
    "public": _l("Iedereen (openbaar)"),
}

KIND_LABELS = {"case": _l("Casus"), "reflection": _l("Reflectie")}

STATUS_LABELS = {
    "draft": _l("Concept"),
    "submitted": _l("Ingediend, wacht op de redactie"),
    "sent_back": _l("Teruggestuurd door de redactie"),
    "published": _l("Gepubliceerd"),
    "archived": _l("Gearchiveerd"),
}

# After saving a case or reflection, by the status the save left it in; {noun} is the
# kind's word in SAVED_NOUNS.
SAVED_NOUNS = {"case": _l("casus"), "reflection": _l("reflectie")}
SAVED_MESSAGES = {
    "draft": _l("Uw {noun} is opgeslagen als concept. Alleen u en de redactie kunnen het lezen."),
    "submitted": _l("Uw {noun} is opgeslagen en ingediend. De redactie bekijkt het zo snel"
                    " mogelijk."),
    "sent_back": _l("Uw {noun} is opgeslagen. Dien het opnieuw in als u klaar bent."),
    "published": _l("Uw {noun} is opgeslagen."),
    "archived": _l("Uw {noun} is opgeslagen. Het blijft gearchiveerd."),
}

# Why a revision exists (services.contributing.revisions.REASONS), as the history page says it.
REVISION_REASONS = {
    "created": _l("Eerste versie"),
    "edited": _l("Bewerkt"),
    "imported": _l("Ingelezen uit de inhoudsbestanden"),
    "restored": _l("Versie {detail} teruggezet"),
    "merged": _l("Een andere casus samengevoegd met deze"),
    "moved": _l("Verplaatst naar de casus die bleef na samenvoegen"),
}

# After an editorial step on /…/status, by the step's form value.
STEP_DONE = {
    "indienen": _l("Ingediend. De redactie bekijkt het zo snel mogelijk."),
    "publiceren": _l("Gepubliceerd."),
    "terugsturen": _l("Teruggestuurd naar de auteur, met uw opmerking."),
    "archiveren": _l("Gearchiveerd. Het staat niet meer in lijsten en zoekresultaten."),
}

# After saving a case whose organisation is not in the vocabulary (services/organisations.py).
UNFILED_ORGANISATION = _l("De organisatie ‘{name}’ staat nog niet in onze lijst. De redactie"
                          " deelt die naam in; u hoeft niets te doen.")

READING_LIST_DONE = {
    "added": _l("Toegevoegd aan het leerpad."),
    "removed": _l("Verwijderd uit het leerpad."),
}

# services.validation.Refused codes (workflow, merge, featuring), and the merge form's
# own checks.
REFUSALS = {
    "not_published": _l("U kunt alleen een gepubliceerde casus uitlichten. Publiceer de"
                        " casus eerst."),
    "private": _l("Deze casus mag alleen de auteur lezen. Zo’n casus kunt u niet uitlichten."),
    "pick_two": _l("Kies twee casussen die u kunt lezen."),
    "reading_list_unknown_item": _l("Kies een gepubliceerde casus of reflectie uit de lijst."),
    "reading_list_note_too_long": _l("De toelichting is te lang: gebruik hoogstens 300 tekens."),
    "reading_list_full": _l("Het leerpad is vol (50 stukken). Haal er eerst een weg."),
    "reading_list_already_there": _l("Dit staat al in het leerpad."),
    "pick_survivor": _l("Kies welke casus blijft."),
    "same_case": _l("U koos twee keer dezelfde casus. Kies twee verschillende."),
    "already_merged": _l("Een van deze casussen is al samengevoegd met een andere."),
    "cannot_submitted": _l("Dit kan niet meer worden ingediend: het is al ingediend of"
                           " gepubliceerd."),
    "cannot_published": _l("Dit is al gepubliceerd."),
    "not_submitted": _l("De auteur heeft dit nog niet ingediend. Publiceren kan pas daarna."),
    "merged": _l("Deze casus is samengevoegd met een andere. Werk verder in de casus die bleef."),
    "cannot_sent_back": _l("Alleen ingediende of gepubliceerde stukken kunt u terugsturen."),
    "cannot_archived": _l("Dit is al gearchiveerd."),
    "comment_required": _l("Schrijf de auteur waarom u het terugstuurt."),
    "comment_too_long": _l("Uw opmerking is te lang: gebruik hoogstens 2000 tekens."),
}

SITE_ROLE_LABELS = {"participant": _l("Deelnemer"), "editor": _l("Redacteur"),
                    "admin": _l("Beheerder")}

# Every code of services.editorial.audit.ACTIONS, as /beheer/logboek shows it.
ACTION_LABELS = {
    "sign_in": _l("Ingelogd"),
    "sign_in_failed": _l("Inloggen mislukt"),
    "sign_out": _l("Uitgelogd"),
    "password_changed": _l("Wachtwoord gewijzigd"),
    "token_created": _l("API-sleutel gemaakt"),
    "token_revoked": _l("API-sleutel ingetrokken"),
    "user_created": _l("Account aangemaakt"),
    "user_changed": _l("Account gewijzigd"),
    "role_changed": _l("Rol gewijzigd"),
    "user_deactivated": _l("Account uitgezet"),
    "user_activated": _l("Account aangezet"),
    "membership_changed": _l("Leergroepen gewijzigd"),
    "submitted": _l("Ingediend"),
    "published": _l("Gepubliceerd"),
    "sent_back": _l("Teruggestuurd"),
    "archived": _l("Gearchiveerd"),
    "restored": _l("Hersteld"),
    "merged": _l("Samengevoegd"),
    "featured": _l("Uitgelicht"),
    "unfeatured": _l("Niet meer uitgelicht"),
    "term_renamed": _l("Term hernoemd"),
    "term_merged": _l("Termen samengevoegd"),
    "organisation_filed": _l("Organisatie ingedeeld"),
}


def describe(field: str, error: FieldError) -> str:
    """The message for one field's error, in the reader's language."""
    template = SPECIFIC.get((field, error.code)) or GENERAL.get(error.code, CHECK_FIELD)
    return str(template).format(label=str(FIELD_LABELS.get(field, field)), **error.params)
