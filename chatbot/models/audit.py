"""The audit log: one row per admin write (issue 6 §2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.models.base import Base, UTCDateTime
from chatbot.timeutil import utcnow


class AuditEntry(Base):
    """Who (`admin_id`) did what (`action`, e.g. `listing.hide`) to which thing (`target_type`,
    `target_id`), with the thing as JSON `before` and `after` (None when it did not exist / no longer
    exists), when (`at`, UTC) and in which request (`request_id`, the `X-Request-Id`).

    Written in the same transaction as the change (`chatbot.services.audit.watch`), so a change is
    never stored without its entry.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    request_id: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        Index("ix_audit_log_target_type_target_id", "target_type", "target_id"),
        Index("ix_audit_log_admin_id_id", "admin_id", "id"),
    )
