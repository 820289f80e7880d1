"""`hotdeals`: today's deals from the Redis snapshot, as a carousel of listCards (DESIGN.md §4, §6).

Reads only the snapshot (never a deal site). Filters: `board`, `category`, `keyword` (from
clientExtra, params, or words in the utterance); paging by quickReply `clientExtra.page`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from chatbot.kakao import carousel, list_card, list_item, simple_text, skill_response
from chatbot.services.deals import DealQuery, current_snapshot, find_board, select_deals
from chatbot.timeutil import SEOUL, humanize_age, utcnow
from skills.answers import AnswerMemo, asked_from
from skills.nav import go_to
from skills.registry import PreparedResponse, SkillContext, skill

ITEMS_PER_CARD = 4  # listCard inside a carousel: at most 4 items (GB-FMT §ListCard)
CARDS_PER_PAGE = 5  # a carousel of listCards: at most 5 cards (GB-FMT §Carousel)
PAGE_SIZE = ITEMS_PER_CARD * CARDS_PER_PAGE

# Answers per (snapshot version, filters, page, calling block): a popular question is built once
# per minute per process, not once per request.
_answers = AnswerMemo()

PREPARING = "🔥 핫딜을 준비하고 있어요. 잠시 후 다시 확인해 주세요."
NOTHING_FOUND = "조건에 맞는 진행 중인 핫딜이 없어요. 다른 조건으로 찾아 보세요."

TRIGGER = "핫딜"
FREE_SHIPPING = {"무료", "무배", "무료배송", "배송비무료"}
# Words that ask for deals without narrowing them ("오늘 핫딜 보여줘").
_FILLER = {
    "핫딜",
    "오늘",
    "오늘의",
    "지금",
    "보여줘",
    "보여주세요",
    "알려줘",
    "추천",
    "목록",
    "다음",
    "이전",
    "전체",
}
_PAGE_WORD = re.compile(r"^(\d{1,3})(쪽|페이지|p)$", re.IGNORECASE)


@skill("hotdeals")
def hotdeals(ctx: SkillContext) -> dict[str, Any] | PreparedResponse:
    """Deals matching the request's filters, 20 per page (5 listCards of 4), newest first."""
    snapshot = current_snapshot(ctx.redis, ctx.sessions, ctx.settings.snapshot_ttl)
    if not snapshot["boards"]:
        return skill_response([simple_text(PREPARING)], quick_replies=[go_to(ctx, "처음으로", "welcome")])
    query, page = _read_request(ctx, snapshot)
    key = (snapshot["version"], query, page, *asked_from(ctx))
    return _answers.answer(key, lambda: _render(ctx, snapshot, query, page, utcnow()))


def _render(
    ctx: SkillContext, snapshot: dict[str, Any], query: DealQuery, page: int, now: datetime
) -> dict[str, Any]:
    selection = select_deals(snapshot, query)
    pages = max(1, -(-len(selection.deals) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = selection.deals[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    board_names = {b["name"]: b["display_name"] for b in snapshot["boards"].values()}

    if not shown:
        outputs = [simple_text(f"{NOTHING_FOUND}\n({_describe(query, snapshot)})")]
        return skill_response(outputs, quick_replies=_filter_replies(ctx, snapshot, query))

    age = humanize_age(selection.crawled_at, now) if selection.crawled_at else "방금"
    summary = f"🔥 {_describe(query, snapshot)} 핫딜 {len(selection.deals)}건 · {age} 기준"
    if pages > 1:
        summary += f" ({page}/{pages}쪽)"
    header_title = board_names.get(selection.boards[0]["name"], "핫딜") if query.board else "오늘의 핫딜"
    cards = [
        list_card(
            header=f"{header_title} {(page - 1) * CARDS_PER_PAGE + i + 1}",
            items=[_deal_item(deal, board_names, now) for deal in chunk],
        )
        for i, chunk in enumerate(_chunks(shown, ITEMS_PER_CARD))
    ]
    replies = []
    if page > 1:
        replies.append(
            go_to(ctx, "◀ 이전", "hotdeals", extra=_extra(query, page - 1), message_text="핫딜 이전")
        )
    if page < pages:
        replies.append(
            go_to(ctx, "다음 ▶", "hotdeals", extra=_extra(query, page + 1), message_text="핫딜 다음")
        )
    replies += _filter_replies(ctx, snapshot, query)
    return skill_response([simple_text(summary), carousel("listCard", cards)], quick_replies=replies[:10])


def _read_request(ctx: SkillContext, snapshot: dict[str, Any]) -> tuple[DealQuery, int]:
    """Filters and page from clientExtra/params, else from the utterance ("뽐뿌 핫딜 노트북 2쪽").

    Leftover words become a keyword only when the utterance asks for deals ("핫딜 노트북"): a block
    may reach this skill by any sentence, and "테스트" is not a search.
    """
    board = _clean(ctx.param("board"))
    category = _clean(ctx.param("category"))
    keyword = _clean(ctx.param("keyword"))
    page = _to_int(ctx.param("page"), 1)
    if not (board or category or keyword) and not ctx.payload.client_extra:
        words = []
        utterance = ctx.payload.utterance
        for word in utterance.split():
            match = _PAGE_WORD.match(word)
            if match:
                page = int(match.group(1))
            elif find_board(snapshot, word):
                board = word
            elif word not in _FILLER:
                words.append(word)
        if TRIGGER in utterance:
            keyword = " ".join(words)[:30] or None
    return DealQuery(board=board, category=category, keyword=keyword), page


def _deal_item(deal: dict[str, Any], board_names: dict[str, str], now: datetime) -> dict[str, Any]:
    parts = []
    if deal.get("price") is not None:
        parts.append(f"{deal['price']:,}원")
    elif deal.get("price_text"):
        parts.append(deal["price_text"])
    if deal.get("shipping"):
        parts.append(_shipping_label(deal["shipping"]))
    if deal.get("shop"):
        parts.append(deal["shop"])
    parts.append(board_names.get(deal["source"], deal["source"]))
    if deal.get("posted_at"):
        posted = datetime.fromisoformat(deal["posted_at"])
        parts.append(
            humanize_age(posted, now)
            if (now - posted).days < 1
            else posted.astimezone(SEOUL).strftime("%m/%d")
        )
    return list_item(deal["title"], description=" · ".join(parts), link=deal["url"])


def _shipping_label(shipping: str) -> str:
    # Boards abbreviate free shipping many ways ("무배", "무료"); say it one way.
    return "무료배송" if shipping.replace(" ", "") in FREE_SHIPPING else f"배송 {shipping}"


def _filter_replies(ctx: SkillContext, snapshot: dict[str, Any], query: DealQuery) -> list[dict[str, Any]]:
    replies = []
    if query.board or query.category or query.keyword:
        replies.append(go_to(ctx, "전체 핫딜", "hotdeals", extra={"page": 1}, message_text="핫딜"))
    for board in snapshot["boards"].values():
        if len(replies) >= 7:
            break
        if not query.board or find_board(snapshot, query.board) is not board:
            label = board["display_name"]
            replies.append(
                go_to(ctx, label, "hotdeals", extra={"board": board["name"]}, message_text=f"{label} 핫딜")
            )
    replies.append(go_to(ctx, "처음으로", "welcome"))
    return replies


def _describe(query: DealQuery, snapshot: dict[str, Any]) -> str:
    parts = []
    if query.board:
        board = find_board(snapshot, query.board)
        parts.append(board["display_name"] if board else query.board)
    if query.category:
        parts.append(f"'{query.category}' 분류")
    if query.keyword:
        parts.append(f"'{query.keyword}'")
    return " ".join(parts) or "전체"


def _extra(query: DealQuery, page: int) -> dict[str, Any]:
    extra: dict[str, Any] = {"page": page}
    for key in ("board", "category", "keyword"):
        value = getattr(query, key)
        if value:
            extra[key] = value
    return extra


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text[:30] or None


def _to_int(value: Any, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default
