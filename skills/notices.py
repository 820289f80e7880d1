"""`notices`: the newest notices admins published (DESIGN.md §4, issue 6 §2)."""

from __future__ import annotations

from typing import Any

from chatbot.kakao import carousel, simple_text, skill_response, text_card
from chatbot.services import notices as notice_service
from chatbot.timeutil import SEOUL
from skills.nav import go_to
from skills.registry import SkillContext, skill

SHOWN = 5  # notices per answer: a carousel of textCards, newest first
NONE_YET = "아직 등록된 공지사항이 없어요."


@skill("notices")
def notices(ctx: SkillContext) -> dict[str, Any]:
    """Published notices as a carousel of textCards (title, date and the start of the text); a
    single notice is shown whole as text."""
    found = notice_service.published_notices(ctx.db, limit=SHOWN)
    replies = [go_to(ctx, "처음으로", "welcome")]
    if not found:
        return skill_response([simple_text(NONE_YET)], quick_replies=replies)
    if len(found) == 1:
        notice = found[0]
        text = f"📢 {notice.title}\n({_date(notice)})\n\n{notice.body}"
        return skill_response([simple_text(text)], quick_replies=replies)
    cards = [text_card(notice.title, f"{_date(notice)}\n{notice.body}") for notice in found]
    return skill_response([simple_text("📢 공지사항"), carousel("textCard", cards)], quick_replies=replies)


def _date(notice: Any) -> str:
    return notice.created_at.astimezone(SEOUL).strftime("%Y.%m.%d")
