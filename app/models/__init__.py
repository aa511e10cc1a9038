"""ORM classes only: no Flask request, no search, no commits, no session listeners.

Importing this package registers every table on `Base.metadata`, with the audit log's
own guards (models/audit.py: its rows are never changed or deleted), and no session
listeners: the change log's rows are written by app/indexer/outbox.py, which the app
factory switches on.
"""
from app.models.api_token import ApiToken
from app.models.audit import AuditEntry, AuditLogIsAppendOnly
from app.models.base import MAX_ID, Base, utcnow
from app.models.case import Case
from app.models.changelog import ChangeLog
from app.models.group import LearningGroup, SubTheme
from app.models.index_node import ChangeLogHorizon, IndexNode
from app.models.item import ItemMixin
from app.models.reading_list import ReadingListEntry
from app.models.reflection import PROMPT_FIELDS, Reflection
from app.models.revision import Revision
from app.models.search_log import MissedSearch, SearchLogSalt
from app.models.sign_in import SignIn
from app.models.taxonomy import GlossaryEntry, Role, SynonymSet, Term
from app.models.user import User
from app.models.vocabulary import SiteRole, Status, TermKind, Visibility

# The searchable item kinds by their `search_kind`: what a change-log row or an index key
# ("case:12") names.
ITEM_MODELS: dict[str, type[ItemMixin]] = {model.search_kind: model for model in (Case, Reflection)}

__all__ = [
    "ITEM_MODELS", "MAX_ID",
    "PROMPT_FIELDS", "ApiToken", "AuditEntry", "AuditLogIsAppendOnly", "Base", "Case", "ChangeLog",
    "ChangeLogHorizon", "GlossaryEntry", "IndexNode", "ItemMixin", "LearningGroup", "MissedSearch",
    "ReadingListEntry", "Reflection", "Revision", "Role", "SearchLogSalt", "SignIn", "SiteRole",
    "Status", "SubTheme", "SynonymSet", "Term", "TermKind", "User", "Visibility", "utcnow",
]
