"""The index nodes: every app node keeps its own search index and says here how far it got.

Each node's indexer writes only its own row (its name is INDEX_NODE_NAME). The rows tell
`flask search status` how every node is doing (and whether all sign with one SECRET_KEY),
and they tell pruning which change-log rows every node has applied, so that those can go.

`ChangeLogHorizon` is one row: the id through which the change log has been pruned. A
node whose index is behind it missed changes that are gone and must rebuild; counting
that from the log itself (its lowest id) would not do, since ids have gaps and an empty
log says nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

HORIZON_ROW = 1  # ChangeLogHorizon holds this one row


class IndexNode(Base):
    __tablename__ = "index_nodes"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    applied_through: Mapped[int]            # the node's index mark: change-log id applied
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    index_version: Mapped[str | None] = mapped_column(String(60))  # its current version
    # A fingerprint of the node's SECRET_KEY (indexer/nodes.py, key_fingerprint); None
    # until a node that predates it records itself again.
    key_fingerprint: Mapped[str | None] = mapped_column(String(16))

    def __repr__(self) -> str:
        return f"<IndexNode {self.name} through {self.applied_through}>"


class ChangeLogHorizon(Base):
    __tablename__ = "change_log_horizon"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    pruned_through: Mapped[int]             # every change-log row up to this id is gone
    pruned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
