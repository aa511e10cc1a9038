"""What a search page (and the API) says about its results beside the hits: the index's
state, a shortened query, filters and syntax that were left out or held back (each code
made by services/reading/search.py or search/expansion.py), worded in Dutch (B1)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

NOTICES = {
    "query_shortened": _l("Uw zoekvraag was erg lang. We hebben gezocht op het begin ervan."),
    "index_not_ready": _l(
        "De zoekfunctie wordt op dit moment klaargezet: de zoekindex ontbreekt of is"
        " beschadigd en wordt opnieuw opgebouwd. Probeer het over een paar minuten opnieuw, of"
        " blader intussen via de rollen en leergroepen. Er gaat niets verloren."
    ),
    "index_being_rebuilt": _l(
        "De zoekindex wordt opnieuw opgebouwd. Zoeken werkt weer over een paar minuten."
        " Blader intussen via de rollen en leergroepen. Er gaat niets verloren."
    ),
    "index_behind": _l(
        "Nog niet alles is vindbaar: {count} wijziging(en) worden nog verwerkt. Dat duurt"
        " meestal een paar seconden."
    ),
    "index_rebuilding": _l(
        "De zoekfunctie wordt opnieuw opgebouwd. U ziet de resultaten van vlak daarvoor;"
        " de laatste wijzigingen volgen zo."
    ),
    "unknown_filter": _l("Het filter ‘{filter}’ kennen we niet. We hebben het overgeslagen."),
    # {terms}: the words typed with ~ or *, such as ‘woord~2’, ‘a*’ (search/expansion.py).
    "expansion_dropped": _l(
        "Bij {terms} hebben we gezocht op het woord zelf, zonder ~ of *. U kunt ~ en * bij"
        " hoogstens {max} woorden gebruiken, en * niet vooraan in een woord."
    ),
    "expansion_narrowed": _l(
        "Bij {terms} horen erg veel woorden. We hebben alleen gezocht op de woorden die er het"
        " meest op lijken en die het vaakst voorkomen."
    ),
    "phrases_as_words": _l(
        "Uw zoekvraag had meer dan {max} zinnen tussen aanhalingstekens. Bij de zinnen daarna"
        " hebben we gezocht op teksten met alle woorden van de zin, in elke volgorde."
    ),
}


def notice_text(code: str, values: dict) -> str:
    """The notice in the reader's language, its {placeholders} filled in."""
    return str(NOTICES[code]).format(**values)
