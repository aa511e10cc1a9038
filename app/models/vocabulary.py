"""The fixed sets of values items carry; the words shown for them live in templates."""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an item is in the editorial workflow (services/editorial/workflow.py moves it)."""

    DRAFT = "draft"            # being written; only the author and editors see it
    SUBMITTED = "submitted"    # waiting in the editors' queue
    SENT_BACK = "sent_back"    # returned to the author with the editor's comment
    PUBLISHED = "published"    # counts for the site: lists, counts, search, feeds
    ARCHIVED = "archived"      # withdrawn from the site, kept with its history


class Visibility(StrEnum):
    PRIVATE = "private"    # the author only; editors cannot see it either
    GROUP = "group"        # members of the item's learning group(s)
    INTERNAL = "internal"  # every signed-in user
    PUBLIC = "public"      # anyone, also without signing in


class SiteRole(StrEnum):
    PARTICIPANT = "participant"
    EDITOR = "editor"
    ADMIN = "admin"


class TermKind(StrEnum):
    """Kinds of editable vocabulary; each maps to a list in content/taxonomy.yml."""

    POLICY_DOMAIN = "policy_domains"
    PHASE = "phases"
    SCALE = "scales"
    STAKEHOLDER_TYPE = "stakeholder_types"
    REFLECTION_CONTEXT = "reflection_contexts"
    QUADRANT_AXIS = "quadrant_axes"
    ORGANISATION = "organisations"  # with kinds, parents and aliases: services/organisations.py
