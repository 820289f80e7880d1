"""Members: KakaoTalk users who signed up from the chat (DESIGN.md §5 "Member")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.models.base import Base, UTCDateTime
from chatbot.timeutil import utcnow


class Member(Base):
    """A signed-up KakaoTalk user, keyed by the botUserKey (`userRequest.user.id`, ≤ 70 chars).

    - `nickname`: 2–12 characters, unique (rules in `chatbot.services.members.check_nickname`).
    - `phone`: `010-XXXX-XXXX` (normalized by `chatbot.services.members.normalize_phone`).
    - `plusfriend_user_key`, `app_user_id`: stored when the SkillPayload carries them.
    - `grade`: a short code (`basic` for now); `status`: `active` or `suspended` (admin API).
    """

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_user_key: Mapped[str] = mapped_column(String(70), unique=True)
    plusfriend_user_key: Mapped[str | None] = mapped_column(String(100))
    app_user_id: Mapped[str | None] = mapped_column(String(100))
    nickname: Mapped[str] = mapped_column(String(12), unique=True)
    phone: Mapped[str] = mapped_column(String(13))
    grade: Mapped[str] = mapped_column(String(10), default="basic")
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
