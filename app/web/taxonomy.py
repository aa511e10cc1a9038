"""The editors' pages for the vocabularies: see what is used how often, rename, merge.

Everything here is for editors; anyone else gets the same 404 as for a page that does not
exist, so the pages do not even show that they are there.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.services.editorial import taxonomy
from app.services.permissions import is_editor
from app.services.validation import ValidationFailed
from app.web.forms import error_messages
from app.web.messages import ORGANISATION_KINDS

bp = Blueprint("taxonomy", __name__, url_prefix="/redactie/taxonomie")

# Address segment -> vocabulary, in the order the overview lists them.
VOCABULARIES = {
    "beleidsterreinen": taxonomy.TermKind.POLICY_DOMAIN.value,
    "belanghebbenden": taxonomy.TermKind.STAKEHOLDER_TYPE.value,
    "organisaties": taxonomy.ORGANISATIONS,
    "organisaties-indelen": taxonomy.UNFILED,
    "subthemas": taxonomy.SUBTHEMES,
    "fasen": taxonomy.TermKind.PHASE.value,
    "schalen": taxonomy.TermKind.SCALE.value,
    "contexten": taxonomy.TermKind.REFLECTION_CONTEXT.value,
}
# Address segment -> (heading, what one entry is called, what the list is for).
WORDS = {
    "beleidsterreinen": (_l("Beleidsterreinen"), _l("beleidsterrein"),
                         _l("Het beleidsterrein van een casus, zoals water of mobiliteit.")),
    "belanghebbenden": (_l("Soorten belanghebbenden"), _l("soort belanghebbende"),
                        _l("Met wie de casus te maken had, genoemd naar soort, niet naar"
                           " naam.")),
    "organisaties": (_l("Organisaties"), _l("organisatie"),
                     _l("Ministeries met hun directies, agentschappen, provincies,"
                        " waterschappen, gemeenten en andere organisaties, elk met hun"
                        " afkortingen en vroegere namen.")),
    "organisaties-indelen": (_l("Organisaties om in te delen"), _l("naam van een organisatie"),
                             _l("Namen van organisaties die auteurs invulden en die niet in"
                                " de lijst met organisaties staan. Deel ze in bij een"
                                " organisatie uit de lijst, of laat ze staan.")),
    "subthemas": (_l("Subthema’s van leergroepen"), _l("subthema"),
                  _l("De onderdelen van een leergroep, zoals Watercoalitie bij Leergroep"
                     " Water.")),
    "fasen": (_l("Fasen"), _l("fase"), _l("In welke fase het dossier was.")),
    "schalen": (_l("Schalen"), _l("schaal"), _l("Op welke schaal de casus speelde.")),
    "contexten": (_l("Waar reflecties speelden"), _l("context"),
                  _l("Bijvoorbeeld een dag van het werkatelier of een bijeenkomst van de"
                     " leergroep.")),
}


@bp.before_request
def _editors_only():
    if not is_editor(current_user):
        abort(404)


def _vocabulary(segment: str) -> str:
    return VOCABULARIES.get(segment) or abort(404)


def _entry(segment: str, key: str | None):
    return taxonomy.find_entry(current_user, _vocabulary(segment), key or "") or abort(404)


@bp.get("/")
def index():
    counts = taxonomy.overview(current_user)
    return render_template("taxonomy/index.html", words=WORDS,
                           counts={segment: counts[vocabulary]
                                   for segment, vocabulary in VOCABULARIES.items()})


@bp.get("/<segment>/")
def listing(segment: str):
    entries = taxonomy.entries(current_user, _vocabulary(segment))
    return render_template("taxonomy/list.html", segment=segment, words=WORDS[segment],
                           entries=entries, kinds=ORGANISATION_KINDS)


def _entry_page(segment: str, entry, errors: dict | None = None, typed: dict | None = None):
    return render_template(
        "taxonomy/entry.html", segment=segment, words=WORDS[segment], entry=entry,
        targets=taxonomy.merge_targets(current_user, entry), errors=errors or {},
        typed=typed or {}, kinds=ORGANISATION_KINDS,
    ), (422 if errors else 200)


@bp.get("/<segment>/wijzigen")
def edit(segment: str):
    return _entry_page(segment, _entry(segment, request.args.get("item")))


@bp.post("/<segment>/hernoemen")
def rename(segment: str):
    entry = _entry(segment, request.form.get("item"))
    try:
        renamed = taxonomy.rename(current_user, entry.vocabulary, entry.key,
                                  request.form.get("new_name"))
    except ValidationFailed as failure:
        return _entry_page(segment, entry, error_messages(failure), request.form)
    flash(_("‘%(old)s’ heet nu ‘%(new)s’.", old=entry.name, new=renamed.name), "success")
    return redirect(url_for("taxonomy.listing", segment=segment), code=303)


@bp.post("/<segment>/samenvoegen")
def merge(segment: str):
    entry = _entry(segment, request.form.get("item"))
    try:
        kept = taxonomy.merge(current_user, entry.vocabulary, entry.key,
                              request.form.get("merge_into"))
    except ValidationFailed as failure:
        return _entry_page(segment, entry, error_messages(failure), request.form)
    if entry.vocabulary == taxonomy.UNFILED:
        flash(_("‘%(old)s’ is ingedeeld bij ‘%(kept)s’: het is nu een andere naam van die"
                " organisatie. Casussen met deze naam horen voortaan bij ‘%(kept)s’.",
                old=entry.name, kept=kept.name), "success")
        return redirect(url_for("taxonomy.listing", segment=segment), code=303)
    flash(_("‘%(old)s’ is samengevoegd met ‘%(kept)s’. Alles wat bij ‘%(old)s’ hoorde,"
            " hoort nu bij ‘%(kept)s’.", old=entry.name, kept=kept.name), "success")
    return redirect(url_for("taxonomy.listing", segment=segment), code=303)
