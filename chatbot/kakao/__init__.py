"""The Kakao i Open Builder skill protocol: SkillPayload in, SkillResponse out.

GB-FMT = https://kakaobusiness.gitbook.io/main/tool/chatbot/skill_guide/answer_json_format.

* `parse_skill_payload(body) -> SkillPayload` (payload.py): lenient pydantic models of what Open
  Builder POSTs; `SkillPayloadError` (a ValueError) with a Korean `user_message` and an English `reason`.
* builders (response.py): plain dicts for every output type, quickReplies and context, with every
  limit of ../shared/fixtures/kakao/INDEX.md enforced (long text cut with "…", structural excess raises
  `KakaoLimitError`, a ValueError).
* `validate_skill_response(resp, strict=False)` (validate.py): check any SkillResponse dict.
* limits.py: the numbers, each with its source.
"""

from chatbot.kakao.limits import ELLIPSIS, KakaoLimitError, cut_lines, cut_text
from chatbot.kakao.payload import (
    Action,
    Context,
    DetailParam,
    SkillPayload,
    SkillPayloadError,
    decode_secure_urls,
    parse_skill_payload,
)
from chatbot.kakao.response import (
    basic_card,
    button_block,
    button_message,
    button_operator,
    button_phone,
    button_share,
    button_weblink,
    carousel,
    carousel_header,
    commerce_card,
    context_value,
    error_response,
    image_title,
    item_card,
    item_card_profile,
    item_row,
    link,
    list_card,
    list_item,
    profile,
    quick_reply_block,
    quick_reply_message,
    simple_image,
    simple_text,
    skill_response,
    text_card,
    thumbnail,
)
from chatbot.kakao.validate import validate_skill_response

__all__ = [
    "ELLIPSIS",
    "Action",
    "Context",
    "DetailParam",
    "KakaoLimitError",
    "SkillPayload",
    "SkillPayloadError",
    "basic_card",
    "button_block",
    "button_message",
    "button_operator",
    "button_phone",
    "button_share",
    "button_weblink",
    "carousel",
    "carousel_header",
    "commerce_card",
    "context_value",
    "cut_lines",
    "cut_text",
    "decode_secure_urls",
    "error_response",
    "image_title",
    "item_card",
    "item_card_profile",
    "item_row",
    "link",
    "list_card",
    "list_item",
    "parse_skill_payload",
    "profile",
    "quick_reply_block",
    "quick_reply_message",
    "simple_image",
    "simple_text",
    "skill_response",
    "text_card",
    "thumbnail",
    "validate_skill_response",
]
