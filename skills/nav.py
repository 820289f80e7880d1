"""Quick replies that lead to another skill (or back to the same one) with `clientExtra`."""

from __future__ import annotations

from typing import Any

from chatbot.kakao import quick_reply_block, quick_reply_message
from skills.registry import SkillContext

# What a person types (or a message quickReply sends) to reach each skill's block.
UTTERANCES = {
    "welcome": "처음으로",
    "hotdeals": "핫딜",
}


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
    block_id = ctx.settings.kakao_block_ids.get(skill)
    if block_id is None and skill == ctx.name:
        block_id = ctx.payload.block_id
    text = message_text or UTTERANCES.get(skill, label)
    if block_id:
        return quick_reply_block(label, block_id, extra=extra, message_text=text)
    return quick_reply_message(label, text, extra=extra)
