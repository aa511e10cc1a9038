"""ORM classes only: no Flask request, no search, no commits.

Importing this package registers every table on `Base.metadata` and the change-log
listener on all sessions.
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
from app.models.sign_in import SignIn
from app.models.taxonomy import Role, SynonymSet, Term
from app.models.user import User
from app.models.vocabulary import SiteRole, Status, TermKind, Visibility

__all__ = [
    "MAX_ID",
    "PROMPT_FIELDS", "ApiToken", "AuditEntry", "AuditLogIsAppendOnly", "Base", "Case", "ChangeLog",
    "ChangeLogHorizon", "IndexNode", "ItemMixin", "LearningGroup", "ReadingListEntry",
    "Reflection", "Revision", "Role", "SignIn", "SiteRole", "Status", "SubTheme", "SynonymSet",
    "Term", "TermKind", "User", "Visibility", "utcnow",
]
