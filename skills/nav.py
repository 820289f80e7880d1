"""Quick replies that lead to another skill (or back to the same one) with `clientExtra`."""

from __future__ import annotations

from typing import Any

from chatbot.kakao import button_block, button_message, quick_reply_block, quick_reply_message
from skills.registry import SkillContext

# What a person types (or a message quickReply sends) to reach each skill's block.
UTTERANCES = {
    "welcome": "처음으로",
    "hotdeals": "핫딜",
    "register": "회원가입",
    "profile": "내 정보",
    "sell": "판매하기",
    "listings": "중고거래",
    "listing": "판매글 보기",
    "search": "검색",
    "my-listings": "내 판매글",
    "listing-status": "판매글 상태 변경",
    "buy": "구매하기",
    "reserve": "예약하기",
    "cancel-reservation": "거래 취소",
    "my-orders": "내 거래",
    "tracking": "송장 입력",
    "confirm-purchase": "구매확정",
    "confirm-sale": "판매확정",
    "notices": "공지사항",
}


def _route(ctx: SkillContext, label: str, skill: str, message_text: str | None) -> tuple[str | None, str]:
    """How to reach `skill`: its blockId (configured in `KAKAO_BLOCK_IDS`, or the calling block for
    the skill itself; None when only an utterance can reach it) and the utterance to send."""
    block_id = ctx.settings.kakao_block_ids.get(skill)
    if block_id is None and skill == ctx.name:
        block_id = ctx.payload.block_id
    return block_id or None, message_text or UTTERANCES.get(skill, label)


def go_to(
    ctx: SkillContext,
    label: str,
    skill: str,
    *,
    extra: dict[str, Any] | None = None,
    message_text: str | None = None,
) -> dict[str, Any]:
    """A quickReply to `skill`.

    With a known blockId (configured in `KAKAO_BLOCK_IDS`, or the block that called this very skill)
    it is a `block` quickReply whose `extra` arrives as `action.clientExtra`; otherwise a `message`
    quickReply that sends `message_text` (default: the skill's usual utterance) for Open Builder to
    route — `extra` is sent along too (GB-FMT §QuickReplies).
    """
    block_id, text = _route(ctx, label, skill, message_text)
    if block_id:
        return quick_reply_block(label, block_id, extra=extra, message_text=text)
    return quick_reply_message(label, text, extra=extra)


def button_to(
    ctx: SkillContext,
    label: str,
    skill: str,
    *,
    extra: dict[str, Any] | None = None,
    message_text: str | None = None,
) -> dict[str, Any]:
    """A card button to `skill`, chosen like `go_to`: a `block` button when the blockId is known,
    else a `message` button saying `message_text` (default: the skill's usual utterance) with
    `extra` (GB-FMT §Button)."""
    block_id, text = _route(ctx, label, skill, message_text)
    if block_id:
        return button_block(label, block_id, message_text=text, extra=extra)
    return button_message(label, text, extra=extra)
