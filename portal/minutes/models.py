"""The conference record, the minutes (会议纪要) in versions, comments and signatures."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import User
from portal.timeutil import UTCDateTime, utcnow


class RecordSection(db.Model):
    """One independently edited part of a conference's record, as JSON.

    Parts are saved separately so that two people can record different parts at once;
    the version column detects two people saving the same part.
    """

    __tablename__ = "record_sections"
    __table_args__ = (sa.UniqueConstraint("conference_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(20))
    data: Mapped[str] = mapped_column(sa.Text, default="null")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class VersionStatus(Labelled):
    DRAFT = "draft"
    REVIEW = "review"
    SIGNING = "signing"
    ISSUED = "issued"
    SUPERSEDED = "superseded"


LABELS = {
    VersionStatus.DRAFT: _l("Draft"),
    VersionStatus.REVIEW: _l("Circulated for review"),
    VersionStatus.SIGNING: _l("Open for signing"),
    VersionStatus.ISSUED: _l("Issued"),
    VersionStatus.SUPERSEDED: _l("Superseded"),
}


class MinutesVersion(db.Model):
    """One version of a conference's minutes. An issued version never changes again."""

    __tablename__ = "minutes_versions"
    __table_args__ = (sa.UniqueConstraint("conference_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        sa.Enum(VersionStatus, native_enum=False, length=16), default=VersionStatus.DRAFT)
    # The document as JSON, from which the PDF is rendered and the hash computed.
    snapshot: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))

    created_by: Mapped[User] = relationship()
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Signature.id")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Comment.id")

    @property
    def locked(self) -> bool:
        return self.status in (VersionStatus.ISSUED, VersionStatus.SUPERSEDED)


class Signature(db.Model):
    """An attendee's signature on one version (by re-entering their password), or refusal."""

    __tablename__ = "minutes_signatures"
    __table_args__ = (sa.UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes_versions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refused: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    cancelled: Mapped[bool] = mapped_column(default=False)

    version: Mapped[MinutesVersion] = relationship(back_populates="signatures")
    user: Mapped[User] = relationship()


class Comment(db.Model):
    """A participant's review comment on a circulated version."""

    __tablename__ = "minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes_versions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[MinutesVersion] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
