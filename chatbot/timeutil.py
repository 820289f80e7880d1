"""Time helpers: UTC for storage, Asia/Seoul for people."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


def seoul_now() -> datetime:
    """The current time as a timezone-aware Asia/Seoul datetime."""
    return datetime.now(SEOUL)


def humanize_age(then: datetime, now: datetime | None = None) -> str:
    """How long ago `then` was, in Korean ("방금", "3분 전", "2시간 전", "3일 전").

    Both datetimes must be timezone-aware; a `then` in the future reads "방금".
    """
    seconds = int(((now or utcnow()) - then).total_seconds())
    if seconds < 60:
        return "방금"
    if seconds < 3600:
        return f"{seconds // 60}분 전"
    if seconds < 86400:
        return f"{seconds // 3600}시간 전"
    return f"{seconds // 86400}일 전"
