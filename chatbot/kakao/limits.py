"""Every SkillResponse limit we enforce, with its source, and the text-cutting helpers.

GB-FMT = https://kakaobusiness.gitbook.io/main/tool/chatbot/skill_guide/answer_json_format
(the section is named next to each number). Collected in ../shared/fixtures/kakao/INDEX.md ("Limits").
Lengths are counted in Unicode code points (Python `len`), the way a person counts Korean characters.
"""

from __future__ import annotations

__all__ = [
    "ALT_TEXT_MAX",
    "BASIC_CARD_DESCRIPTION_MAX",
    "BASIC_CARD_TITLE_MAX",
    "BUTTONS_HORIZONTAL_MAX",
    "BUTTONS_VERTICAL_MAX",
    "BUTTON_LABEL_HORIZONTAL_MAX",
    "BUTTON_LABEL_MAX",
    "CAROUSEL_HEADER_DESCRIPTION_LINES",
    "CAROUSEL_HEADER_TITLE_LINES",
    "CAROUSEL_ITEMS_MAX",
    "CAROUSEL_LIST_CARD_ITEMS_MAX",
    "COMMERCE_CARD_DESCRIPTION_MAX",
    "COMMERCE_CARD_TITLE_MAX",
    "ELLIPSIS",
    "IMAGE_TITLE_DESCRIPTION_LINES",
    "IMAGE_TITLE_TITLE_LINES",
    "ITEM_CARD_LINES_MAX",
    "ITEM_CARD_LIST_CAROUSEL_MAX",
    "ITEM_CARD_LIST_MAX",
    "ITEM_CARD_PROFILE_TITLE_MAX",
    "ITEM_CARD_TEXT_CAROUSEL_MAX",
    "ITEM_CARD_TEXT_MAX",
    "ITEM_LIST_SUMMARY_DESCRIPTION_MAX",
    "ITEM_LIST_TITLE_MAX",
    "LIST_CARD_ITEMS_CAROUSEL_MAX",
    "LIST_CARD_ITEMS_MAX",
    "LIST_ITEM_DESCRIPTION_MAX",
    "LIST_ITEM_TITLE_MAX",
    "MESSAGE_TEXT_MAX",
    "OUTPUTS_MAX",
    "QUICK_REPLIES_MAX",
    "QUICK_REPLY_LABEL_MAX",
    "SIMPLE_TEXT_MAX",
    "TEXT_CARD_DESCRIPTION_CAROUSEL_MAX",
    "TEXT_CARD_TEXT_MAX",
    "TEXT_CARD_TITLE_MAX",
    "THUMBNAIL_ALT_TEXT_MAX",
    "VERSION",
    "KakaoLimitError",
    "cut_lines",
    "cut_text",
]

VERSION = "2.0"  # GB-FMT §Version: without it Kakao treats the answer as the old format

OUTPUTS_MAX = 3  # GB-FMT §SkillTemplate: outputs 1..3
QUICK_REPLIES_MAX = 10  # GB-FMT §SkillTemplate

SIMPLE_TEXT_MAX = 1000  # GB-FMT §SimpleText (over 500 is folded behind "전체 보기")
ALT_TEXT_MAX = 50  # GB-FMT §SimpleImage
THUMBNAIL_ALT_TEXT_MAX = 50  # GB-FMT §Thumbnail

TEXT_CARD_TITLE_MAX = 50  # GB-FMT §TextCard
TEXT_CARD_TEXT_MAX = 400  # GB-FMT §TextCard: title + description together, single card
TEXT_CARD_DESCRIPTION_CAROUSEL_MAX = 128  # GB-FMT §TextCard, inside a carousel

BASIC_CARD_TITLE_MAX = 50  # GB-FMT §BasicCard
BASIC_CARD_DESCRIPTION_MAX = 230  # GB-FMT §BasicCard

# GB-FMT §CommerceCard says 30 / 40; secondary copies say 50 / 230 (INDEX contradiction 2). The
# smaller numbers are the safe side.
COMMERCE_CARD_TITLE_MAX = 30
COMMERCE_CARD_DESCRIPTION_MAX = 40

LIST_CARD_ITEMS_MAX = 5  # GB-FMT §ListCard
LIST_CARD_ITEMS_CAROUSEL_MAX = 4  # GB-FMT §ListCard, inside a carousel
# No Kakao source gives a number for ListItem text (the client ellipsizes one line). Ours, so a
# title stays readable; the validator checks them only with strict=True.
LIST_ITEM_TITLE_MAX = 50
LIST_ITEM_DESCRIPTION_MAX = 50

ITEM_CARD_LIST_MAX = 10  # GB-FMT §ItemCard, single
ITEM_CARD_LIST_CAROUSEL_MAX = 5  # GB-FMT §ItemCard, inside a carousel
# GB-FMT §ItemCard says itemList.title ≤ 6, its own example uses "Terminal" (8), INDEX contradiction
# 11. Builders cut at 6 (safe side); the validator checks it only with strict=True.
ITEM_LIST_TITLE_MAX = 6
ITEM_LIST_SUMMARY_DESCRIPTION_MAX = 14  # GB-FMT §ItemCard (an amount: builders refuse, never cut)
ITEM_CARD_TEXT_MAX = 200  # GB-FMT §ItemCard: title + description, single
ITEM_CARD_TEXT_CAROUSEL_MAX = 100  # GB-FMT §ItemCard: title + description, in a carousel
ITEM_CARD_LINES_MAX = 12  # GB-FMT §ItemCard: title + description lines
ITEM_CARD_PROFILE_TITLE_MAX = 15  # GB-FMT §ItemCard profile
IMAGE_TITLE_TITLE_LINES = 2  # GB-FMT §ItemCard imageTitle
IMAGE_TITLE_DESCRIPTION_LINES = 1

CAROUSEL_ITEMS_MAX = 10  # GB-FMT §Carousel
CAROUSEL_LIST_CARD_ITEMS_MAX = 5  # GB-FMT §Carousel, listCard carousel
CAROUSEL_HEADER_TITLE_LINES = 2  # GB-FMT §CarouselHeader
CAROUSEL_HEADER_DESCRIPTION_LINES = 3

BUTTONS_VERTICAL_MAX = 3  # GB-FMT §buttonLayout (team-chat bots: 5, GROUP-QS; channel bots: 3)
BUTTONS_HORIZONTAL_MAX = 2  # GB-FMT §buttonLayout / §Thumbnail fixedRatio
BUTTON_LABEL_MAX = 14  # GB-FMT §Button
BUTTON_LABEL_HORIZONTAL_MAX = 8  # GB-FMT §Button: two buttons side by side
# GB-FMT's QuickReplies table gives no number; a secondary copy says 14 / 1000. Safe side: builders cut
# labels at 14; the validator checks both only with strict=True.
QUICK_REPLY_LABEL_MAX = 14
MESSAGE_TEXT_MAX = 1000

ELLIPSIS = "…"


class KakaoLimitError(ValueError):
    """A SkillResponse that breaks a Kakao rule: a programming bug, caught by tests.

    `path` names the offending place (e.g. "template.outputs[1].carousel.items[3].buttons"),
    `problem` says what is wrong; `str(exc)` is "path: problem".
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path or "(response)"
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def cut_text(text: str, limit: int) -> str:
    """`text` if it has ≤ `limit` characters, else its first `limit - 1` characters plus "…"
    (exactly `limit` characters)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def cut_lines(text: str, max_lines: int) -> str:
    """`text` with at most `max_lines` lines ("\\n"-separated); a cut ends the last kept line with "…"."""
    lines = text.split("\n")
    if len(lines) <= max_lines:
        return text
    return "\n".join([*lines[: max_lines - 1], lines[max_lines - 1] + ELLIPSIS])
