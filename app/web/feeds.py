"""Atom feeds, and the <link rel="alternate"> that lets browsers and readers find them.

The views never look at `current_user`: a feed is the same for everyone (see
services/reading/feeds.py), so it can be shared and cached without leaking a session's view. For
the same reason a feed document is always Dutch, like the items in it (xml:lang="nl"),
whatever language the reader chose; only the titles of the <link>s on the pages follow
the reader's language.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import force_locale

from app.services import catalog
from app.services.reading import feeds
from app.web.language import DEFAULT, localized
from app.web.messages import FEED_TITLES

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _addresses(feed_url: str, page_url: str) -> feeds.FeedAddresses:
    def item_url(item) -> str:
        if item.search_kind == "case":
            return url_for("cases.detail", slug=item.slug, _external=True)
        return url_for("reflections.detail", reflection_id=item.id, _external=True)

    return feeds.FeedAddresses(feed=feed_url, page=page_url,
                               roles=url_for("pages.roles", _external=True),
                               host=urlsplit(request.host_url).hostname or "",
                               item=item_url)


def feed_title(kind: str, name: str = "") -> str:
    """A feed's title (FEED_TITLES) in the current language; `name` fills in {name}."""
    return str(FEED_TITLES[kind]).format(name=name)


def _atom(kind: str, items, page_url: str, name: str = "") -> Response:
    addresses = _addresses(url_for(request.endpoint, _external=True, **request.view_args),
                           page_url)
    with force_locale(DEFAULT):  # the same document for everyone: see above
        document_title = feed_title(kind, name)
    return Response(feeds.atom_document(document_title, items, addresses),
                    content_type=ATOM_TYPE)


@bp.get("/casussen.atom")
def cases():
    return _atom("cases", feeds.newest_cases(), url_for("cases.index", _external=True))


@bp.get("/reflecties.atom")
def reflections():
    return _atom("reflections", feeds.newest_reflections(),
                 url_for("reflections.index", _external=True))


@bp.get("/rollen/<role_id>.atom")
def role(role_id: str):
    role = catalog.role(role_id) or abort(404)
    return _atom("role", feeds.newest_for_role(role),
                 url_for("pages.role", role_id=role.id, _external=True), name=role.label)


@bp.get("/leergroepen/<slug>.atom")
def group(slug: str):
    group = catalog.group(slug) or abort(404)
    return _atom("group", feeds.newest_for_group(group),
                 url_for("groups.detail", slug=group.slug, _external=True), name=group.name)


def feed_links() -> list[tuple[str, str]]:
    """(title, address) of the feeds that follow the page being shown, for base.html.

    Decided by the page's endpoint rather than by each template, so that pages owned by
    others carry their feed without edits; a role or group that does not exist (its
    404 page) gets none.
    """
    endpoint, args = request.endpoint, request.view_args or {}
    if endpoint in ("pages.home", "cases.index"):
        links = [(feed_title("cases"), url_for("feeds.cases"))]
        if endpoint == "pages.home":
            links.append((feed_title("reflections"), url_for("feeds.reflections")))
        return links
    if endpoint == "reflections.index":
        return [(feed_title("reflections"), url_for("feeds.reflections"))]
    if endpoint == "pages.role" and (role := catalog.role(args.get("role_id", ""))):
        return [(feed_title("role", localized(role)), url_for("feeds.role", role_id=role.id))]
    if endpoint == "groups.detail" and (group := catalog.group(args.get("slug", ""))):
        return [(feed_title("group", group.name), url_for("feeds.group", slug=group.slug))]
    return []


@bp.app_context_processor
def _feed_links_for_templates():
    return {"feed_links": feed_links}
