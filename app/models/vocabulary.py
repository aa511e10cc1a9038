"""The fixed sets of values items carry; the words shown for them live in templates."""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    ARCHIVED = "archived"


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
