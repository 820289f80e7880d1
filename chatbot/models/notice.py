"""Notices admins write and the `notices` skill shows (issue 6 §2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.models.base import Base, UTCDateTime
from chatbot.timeutil import utcnow


class Notice(Base):
    """A notice: `title` (≤ 100), `body` (≤ 1000, plain text with line breaks); only `published`
    ones reach KakaoTalk, newest first."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(1000))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_notices_published_id", "published", "id"),)
