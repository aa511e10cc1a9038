"""Cases (casussen): a dossier told so that others can learn from it."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, case, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime
from app.models.group import LearningGroup
from app.models.item import ItemMixin

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from app.models.group import SubTheme
    from app.models.reflection import Reflection
    from app.models.taxonomy import Role, Term


MAX_SPAN_YEARS = 50  # a case that runs "to this day" counts for at most this many years


def _link_table(name: str, column: str, target: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(target, ondelete="CASCADE"), primary_key=True),
    )


case_roles = _link_table("case_roles", "role_id", "roles.id")
case_stakeholder_types = _link_table("case_stakeholder_types", "term_id", "terms.id")
case_groups = _link_table("case_groups", "group_id", "learning_groups.id")
case_subthemes = _link_table("case_subthemes", "subtheme_id", "subthemes.id")


class Case(ItemMixin, Base):
    __tablename__ = "cases"
    # The editors' desk reads each unfiled organisation name's newest cases (migration 0012).
    __table_args__ = (Index("ix_cases_organisation", "organisation", "id"),)
    search_kind = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitised once, on save (rendering.py); pages and the index read these.
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    # The organisation, from the vocabulary (Term of kind "organisations") when the name
    # the author typed was found in it; `organisation` then stays empty. A name that was
    # not found is kept there as typed, for the editors to file (services/organisations.py).
    organisation: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"), index=True)
    dilemma: Mapped[str] = mapped_column(Text, default="")
    year_start: Mapped[int | None] = mapped_column(Integer)
    year_end: Mapped[int | None] = mapped_column(Integer)
    policy_domain_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    scale_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    dominant_role_id: Mapped[str | None] = mapped_column(ForeignKey("roles.id"))
    # Set when an editor merged this case into another: its address then leads there.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"))
    # Set when an editor features the case on the home page ("uitgelicht"); newest first.
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    policy_domain: Mapped[Term | None] = relationship(foreign_keys=[policy_domain_id])
    phase: Mapped[Term | None] = relationship(foreign_keys=[phase_id])
    scale: Mapped[Term | None] = relationship(foreign_keys=[scale_id])
    organisation_term: Mapped[Term | None] = relationship(foreign_keys=[organisation_id])
    dominant_role: Mapped[Role | None] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=case_roles, order_by="Role.order")
    stakeholder_types: Mapped[list[Term]] = relationship(
        secondary=case_stakeholder_types, order_by="Term.position"
    )
    groups: Mapped[list[LearningGroup]] = relationship(
        secondary=case_groups, order_by="LearningGroup.name"
    )
    subthemes: Mapped[list[SubTheme]] = relationship(
        secondary=case_subthemes, order_by="SubTheme.position"
    )
    reflections: Mapped[list[Reflection]] = relationship(
        back_populates="case", order_by="Reflection.occurred_on"
    )

    def years(self, this_year: int) -> range:
        """The years the case is about: start to end, or to `this_year` while it runs,
        never more than MAX_SPAN_YEARS. The index (per case) and the year browser (in SQL,
        `last_year`) count by this one rule."""
        if not self.year_start:
            return range(0)
        end = self.year_end or max(this_year, self.year_start)
        return range(self.year_start, min(end, self.year_start + MAX_SPAN_YEARS) + 1)

    @classmethod
    def last_year(cls, this_year: int) -> ColumnElement[int]:
        """The last of `years()`, as SQL."""
        running = case((cls.year_start > this_year, cls.year_start), else_=this_year)
        end = func.coalesce(cls.year_end, running)
        limit = cls.year_start + MAX_SPAN_YEARS
        return case((end > limit, limit), else_=end)

    @property
    def role_ids(self) -> list[str]:
        return [role.id for role in self.roles]

    def group_ids(self) -> set[int]:
        return {group.id for group in self.groups}

    @classmethod
    def groups_condition(cls, group_ids: set[int]) -> ColumnElement[bool]:
        return cls.groups.any(LearningGroup.id.in_(group_ids))

    def __repr__(self) -> str:
        return f"<Case {self.slug}>"
