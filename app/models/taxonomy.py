"""The four government roles and the editable vocabularies (domains, phases, …)."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


class Role(Base):
    """A quadrant of the NSOB model. The id is stable; every word shown is content."""

    __tablename__ = "roles"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120), default="")
    short: Mapped[str] = mapped_column(String(300), default="")
    short_en: Mapped[str] = mapped_column(String(300), default="")
    paradigm: Mapped[str] = mapped_column(String(120), default="")
    # Where the quadrant sits: "<boven|onder>-<links|rechts>", named after the axes.
    position: Mapped[str] = mapped_column(String(20))
    order: Mapped[int] = mapped_column(Integer, default=0)
    behaviours: Mapped[list[str]] = mapped_column(JSON, default=list)
    description_html: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str | None] = mapped_column(String(64))

    @property
    def row(self) -> str:
        return self.position.split("-")[0]

    @property
    def column(self) -> str:
        return self.position.split("-")[1]

    def __repr__(self) -> str:
        return f"<Role {self.id}>"


class Term(Base):
    """One entry of an editable list; items refer to it so that a rename is one row."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("kind", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The entry of taxonomy.yml as last imported: an import changes the term only when
    # the file changed since, so that an editor's rename survives the next `make run`.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Set when an editor merged this term into another. The row stays as a tombstone: an
    # import must not bring it back, and files naming its slug still mean the survivor.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("terms.id", ondelete="SET NULL"))
    # Organisations only (services/organisations.py): what sort of body it is (ministerie,
    # directie, gemeente, …), the organisation it is part of (a directorate's ministry),
    # and the other names it goes by (abbreviations, former names), which the resolver
    # matches as it matches the labels.
    category: Mapped[str] = mapped_column(String(40), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id", ondelete="SET NULL"))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)

    parent: Mapped[Term | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    def __repr__(self) -> str:
        return f"<Term {self.kind}:{self.slug}>"


class SynonymSet(Base):
    """Words and abbreviations that mean the same to a search, such as HSL and
    hogesnelheidslijn. Editors keep them in content/synonyms.yml; queries expand them."""

    __tablename__ = "synonym_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    words: Mapped[list[str]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<SynonymSet {self.words}>"


class GlossaryEntry(Base):
    """English words and phrases that lead a search to Dutch ones (`water board` →
    waterschap), for readers with the English interface. Editors keep them in
    content/glossary.yml; queries translate them (search/glossary.py). `english_only`
    marks a false friend: an English word that is also a Dutch one with another meaning
    (`stage`), which applies only with the English interface."""

    __tablename__ = "glossary_entries"
    # Ids only grow, on SQLite too: a search tells a changed glossary by its row count
    # and highest id (services/reading/search.py), and an import replaces every row.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    english: Mapped[list[str]] = mapped_column(JSON)
    dutch: Mapped[list[str]] = mapped_column(JSON)
    english_only: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<GlossaryEntry {self.english} → {self.dutch}>"
