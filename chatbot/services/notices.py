"""Notices: written by admins (admin API), read by the `notices` skill (issue 6 §2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.models import Notice
from chatbot.services.paging import Page, get_or_404, keyset_page
from chatbot.services.validation import field_error

TITLE_MAX = 100
BODY_MAX = 1000
# What `str.strip()` removes (every character with `str.isspace()`), spelled out so the admin API's
# schema can demand "at least one other character" as a character class that every regex engine
# (Python's, pydantic's Rust one, ECMA in clients and fuzzers) reads the same way: `\S` differs
# between them (U+0085 is a space to Unicode, not to ECMAScript).
BLANK = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
NOT_BLANK_PATTERN = f"[^{BLANK}]"
FIELD_LABELS = {"title": "제목", "body": "내용"}


def check_text(value: Any, field: str, max_length: int) -> str:
    """`value` trimmed, 1..`max_length` characters; raises `InvalidInput` (field `field`) otherwise."""
    text = str(value or "").strip()
    if not text:
        raise field_error(field, FIELD_LABELS[field], "입력해 주세요.")
    if len(text) > max_length:
        raise field_error(field, FIELD_LABELS[field], f"{max_length}자 이내로 입력해 주세요.")
    return text


def staff_notices(
    session: Session, *, published: bool | None = None, before: int | None = None, limit: int = 20
) -> Page[Notice]:
    """Notices newest first, all or only those with `published` as given."""
    stmt = select(Notice)
    if published is not None:
        stmt = stmt.where(Notice.published.is_(published))
    return keyset_page(session, stmt, Notice.id, before, limit)


def published_notices(session: Session, limit: int = 5) -> list[Notice]:
    """The newest `limit` published notices (what the `notices` skill shows)."""
    return staff_notices(session, published=True, limit=limit).items


def get_notice(session: Session, notice_id: int) -> Notice:
    """The notice `notice_id`; raises `NotFound`."""
    return get_or_404(session, Notice, notice_id, "공지사항을 찾을 수 없어요.")


def create_notice(session: Session, title: Any, body: Any, published: bool = False) -> Notice:
    """Save a notice and commit; raises `InvalidInput` for an empty or too long title/body."""
    notice = Notice(
        title=check_text(title, "title", TITLE_MAX),
        body=check_text(body, "body", BODY_MAX),
        published=bool(published),
    )
    session.add(notice)
    session.commit()
    return notice


def update_notice(
    session: Session, notice_id: int, *, title: Any = None, body: Any = None, published: bool | None = None
) -> Notice:
    """Change the given fields (None = keep) of notice `notice_id` and commit.

    Raises `NotFound`, or `InvalidInput` (nothing changed) for an empty or too long title/body.
    """
    notice = get_notice(session, notice_id)
    new_title = check_text(title, "title", TITLE_MAX) if title is not None else None
    new_body = check_text(body, "body", BODY_MAX) if body is not None else None
    if new_title is not None:
        notice.title = new_title
    if new_body is not None:
        notice.body = new_body
    if published is not None:
        notice.published = published
    session.commit()
    return notice


def delete_notice(session: Session, notice_id: int) -> None:
    """Delete notice `notice_id` for good and commit; raises `NotFound`."""
    session.delete(get_notice(session, notice_id))
    session.commit()
