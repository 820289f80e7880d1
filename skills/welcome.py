"""`welcome`: greeting and the main menu (DESIGN.md §4)."""

from __future__ import annotations

from typing import Any

from chatbot.kakao import simple_text, skill_response
from skills.nav import go_to
from skills.registry import SkillContext, skill

GREETING = (
    "안녕하세요, 중계나라예요! 👋\n"
    "오늘의 핫딜을 모아 보여 드리고, 이웃과 중고 물건을 사고팔 수 있어요.\n"
    "아래 메뉴에서 골라 주세요."
)

MENU = (
    ("핫딜", "hotdeals"),
    ("중고거래", "listings"),
    ("판매하기", "sell"),
    ("내 정보", "profile"),
)


@skill("welcome")
def welcome(ctx: SkillContext) -> dict[str, Any]:
    """Greeting plus the main menu as quickReplies (핫딜, 중고거래, 판매하기, 내 정보)."""
    quick_replies = [go_to(ctx, label, target, message_text=label) for label, target in MENU]
    return skill_response([simple_text(GREETING)], quick_replies=quick_replies)
