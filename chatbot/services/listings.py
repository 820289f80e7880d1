"""Listings: the rules of selling (issue 4 §2–§4, DESIGN.md §5 "Listing", "Listing status").

* value rules, each a small pure function raising `InvalidInput` with `details={field: reason}`:
  `parse_price`, `parse_category`, `parse_trade_method`, `check_open_chat_url`, `check_text`,
  `check_image_urls`; `validate_listing_fields` applies them all and keeps what was valid;
* `transition` — the one place that decides which status change is legal;
* use cases taking a `Session`: `create_listing`, `get_listing`, `browse`, `search`,
  `seller_listings`, `change_status`;
* view counts in Redis (`record_view`, `pending_views`) moved to the DB by `sync_views`.

Prices are int KRW. Status codes are stored in English, shown with `STATUS_LABELS`.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import redis
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from chatbot.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from chatbot.models import Listing, ListingPhoto, Member
from chatbot.services import search as search_service
from chatbot.services.paging import Page, keyset_page
from chatbot.services.photos import host_allowed
from chatbot.services.validation import field_error, parse_id, validate_fields

logger = logging.getLogger("junggyenara.listings")

# --- vocabulary ----------------------------------------------------------------------------------

# The ten categories of the original service (DESIGN.md §4), code -> label, in menu order.
CATEGORIES: dict[str, str] = {
    "fashion": "패션/잡화",
    "appliance": "생활가전",
    "furniture": "가구/인테리어",
    "beauty": "뷰티/미용",
    "ticket": "티켓/교환권",
    "digital": "디지털기기",
    "book": "도서",
    "hobby": "취미/게임/음반",
    "sports": "스포츠/레저",
    "etc": "기타",
}
# Words people use for a category besides the parts of its label.
_CATEGORY_ALIASES = {"가전": "appliance", "책": "book", "디지털": "digital", "전자기기": "digital"}

STATUS_LABELS: dict[str, str] = {
    "on_sale": "판매중",
    "reserved": "예약중",
    "sold": "판매완료",
    "hidden": "숨김",
    "deleted": "삭제",
}
# DESIGN.md §5: 판매중 → 예약중 → 판매완료; 예약중 → 판매중; 판매중 ⇄ 숨김; any → 삭제 (soft).
TRANSITIONS: dict[str, frozenset[str]] = {
    "on_sale": frozenset({"reserved", "hidden", "deleted"}),
    "reserved": frozenset({"on_sale", "sold", "deleted"}),
    "sold": frozenset({"deleted"}),
    "hidden": frozenset({"on_sale", "deleted"}),
    "deleted": frozenset(),
}
# Statuses everyone can see in browse and search.
PUBLIC_STATUSES = ("on_sale", "reserved")

TRADE_METHODS: dict[str, str] = {"direct": "직거래", "delivery": "택배", "both": "직거래·택배"}
_TRADE_WORDS = {
    "직거래": "direct",
    "직접": "direct",
    "만나서": "direct",
    "택배": "delivery",
    "배송": "delivery",
    "택배거래": "delivery",
    "둘다": "both",
    "모두": "both",
    "상관없음": "both",
    "직거래택배": "both",
    "직거래/택배": "both",
    "택배/직거래": "both",
}

FIELD_LABELS: dict[str, str] = {
    "title": "제목",
    "price": "가격",
    "category": "분류",
    "description": "설명",
    "trade_method": "거래 방법",
    "place": "거래 장소",
    "open_chat_url": "오픈채팅 주소",
    "images": "사진",
    "query": "검색어",
    "status": "상태",
}
REQUIRED_FIELDS = ("title", "price", "category", "trade_method")

TITLE_MAX = 40
DESCRIPTION_MAX = 1000
PLACE_MAX = 40
OPEN_CHAT_URL_MAX = 200
IMAGE_URL_MAX = 1000
PRICE_MAX = 100_000_000  # KRW
PHOTOS_MAX = 10


def invalid(field: str, reason: str) -> InvalidInput:
    """An `InvalidInput` for one field: message "제목: 40자 이내로 …", `details` = {field: reason}."""
    return field_error(field, FIELD_LABELS.get(field, field), reason)


# --- value rules ---------------------------------------------------------------------------------

_UNITS = {"억": 100_000_000, "천만": 10_000_000, "백만": 1_000_000, "만": 10_000, "천": 1_000, "백": 100}
_PRICE_PART = re.compile(r"(\d+(?:\.\d+)?)?(억|천만|백만|만|천|백)")
_FREE_WORDS = {"무료", "나눔", "무료나눔", "공짜", "0"}


def parse_price(value: Any) -> int:
    """A price in KRW (int, 0..100,000,000) from what a person or Open Builder gives.

    Accepts "12000", "12,000원", "₩12,000", "1.2만", "3만5천원", "만원", "1억", "무료"/"나눔" → 0,
    an int, and the `sys.number` forms `{"amount": 12000, "unit": null}` (dict or JSON string).
    Raises `InvalidInput` (field `price`) for text that is no price, a fraction of a won, a
    negative amount or more than 1억 원.
    """
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid("price", "숫자로 입력해 주세요. (예: 12000, 1.2만, 3만5천원)") from None
    if isinstance(value, Mapping):
        value = value.get("amount")
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise invalid("price", "숫자로 입력해 주세요. (예: 12000, 1.2만, 3만5천원)")
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"[\s,₩\\]", "", text).removesuffix("원").removesuffix("KRW")
    if not text:
        raise invalid("price", "가격을 입력해 주세요.")
    if text in _FREE_WORDS:
        return 0
    if text.startswith("-"):
        raise invalid("price", "0원 이상으로 입력해 주세요.")
    amount = _korean_amount(text)
    if amount is None:
        raise invalid("price", "숫자로 입력해 주세요. (예: 12000, 1.2만, 3만5천원)")
    if amount != amount.to_integral_value():
        raise invalid("price", "원 단위까지만 입력해 주세요.")
    if amount > PRICE_MAX:
        raise invalid("price", "1억 원 이하로 입력해 주세요.")
    return int(amount)


def _korean_amount(text: str) -> Decimal | None:
    """ "3만5천" → 35000, "1.2만" → 12000, "12000" → 12000; units must go down; None if not a price."""
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return Decimal(text)
        total, pos, last_unit = Decimal(0), 0, None
        for part in _PRICE_PART.finditer(text):
            if part.start() != pos:
                return None
            unit = _UNITS[part.group(2)]
            if last_unit is not None and unit >= last_unit:
                return None
            total += Decimal(part.group(1) or 1) * unit
            pos, last_unit = part.end(), unit
        rest = text[pos:]
        if rest and not re.fullmatch(r"\d+", rest):
            return None
        if pos == 0:
            return None
        return total + (Decimal(rest) if rest else 0)
    except InvalidOperation:
        return None


def _fold(text: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


def parse_category(value: Any) -> str:
    """The category code for a label, code or word people use ("디지털기기", "digital", "가전", "도서").

    Raises `InvalidInput` (field `category`) naming the ten categories otherwise.
    """
    wanted = _fold(value)
    if wanted:
        for code, label in CATEGORIES.items():
            if wanted in (code, _fold(label)) or wanted in label.split("/"):
                return code
        if wanted in _CATEGORY_ALIASES:
            return _CATEGORY_ALIASES[wanted]
    raise invalid("category", "다음 중에서 골라 주세요: " + ", ".join(CATEGORIES.values()))


def parse_trade_method(value: Any) -> str:
    """`direct`, `delivery` or `both` from "직거래", "택배", "둘 다" (and codes, "직거래/택배", …).

    Raises `InvalidInput` (field `trade_method`) otherwise.
    """
    wanted = _fold(value)
    if wanted in TRADE_METHODS:
        return wanted
    if wanted in _TRADE_WORDS:
        return _TRADE_WORDS[wanted]
    raise invalid("trade_method", "직거래, 택배, 둘 다 중에서 골라 주세요.")


_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")


def check_text(value: Any, field: str, max_length: int, *, multiline: bool = False) -> str:
    """Plain text to store for `field`: NFKC, trimmed, control characters removed, line breaks
    kept only when `multiline` (at most two in a row), ≤ `max_length` characters, no HTML tags.

    "" when nothing is left. Raises `InvalidInput` (field `field`) for text too long or with markup.
    Quotes, semicolons and SQL words are ordinary text: queries bind values, they never splice them.
    """
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ")
    text = _CONTROL.sub("", text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) > max_length:
        raise invalid(field, f"{max_length}자 이내로 입력해 주세요. (지금 {len(text):,}자)")
    if _TAG.search(text):
        raise invalid(field, "HTML 태그는 쓸 수 없어요.")
    return text


def check_open_chat_url(value: Any) -> str:
    """A KakaoTalk open-chat link: `https://open.kakao.com/...` with a path, ≤ 200 characters.

    Raises `InvalidInput` (field `open_chat_url`) for any other scheme, host, port or user part.
    """
    text = str(value or "").strip()
    if len(text) > OPEN_CHAT_URL_MAX or re.search(r"\s", text):
        raise invalid("open_chat_url", "https://open.kakao.com/ 으로 시작하는 오픈채팅 주소를 입력해 주세요.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        port, parts = -1, None
    if (
        parts is None
        or parts.scheme != "https"
        or parts.hostname != "open.kakao.com"
        or parts.username is not None
        or port is not None
        or len(parts.path.strip("/")) < 2
    ):
        raise invalid("open_chat_url", "https://open.kakao.com/ 으로 시작하는 오픈채팅 주소를 입력해 주세요.")
    return text


def check_image_urls(urls: list[str], allowed_hosts: tuple[str, ...]) -> list[str]:
    """The photo URLs to keep (the first 10), each http(s) on a host in `allowed_hosts`
    (patterns like `*.kakaocdn.net`, `Settings.image_host_allowlist`).

    Raises `InvalidInput` (field `images`) if any URL is on a foreign host or too long: only photos
    sent through KakaoTalk's image plugin are taken, never a link to somewhere else.
    """
    kept = []
    for url in urls[:PHOTOS_MAX]:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            host, parts = "", None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or len(url) > IMAGE_URL_MAX
            or parts.username is not None
            or not host_allowed(host, allowed_hosts)
        ):
            raise invalid("images", "카카오톡 사진 올리기로 보낸 사진만 쓸 수 있어요.")
        kept.append(url)
    return kept


_RULES: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: check_text(v, "title", TITLE_MAX),
    "price": parse_price,
    "category": parse_category,
    "description": lambda v: check_text(v, "description", DESCRIPTION_MAX, multiline=True),
    "trade_method": parse_trade_method,
    "place": lambda v: check_text(v, "place", PLACE_MAX),
    "open_chat_url": check_open_chat_url,
}


def validate_listing_fields(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check every field of a listing given as `raw` (field -> what the user gave; None = absent).

    Returns `(accepted, errors)` (see `chatbot.services.validation.validate_fields`): `accepted`
    holds the normalized value of each valid field given (price int KRW, category/trade_method
    codes, texts cleaned); `errors` maps each rejected or missing required field
    (`REQUIRED_FIELDS`) to a Korean reason. Photos are checked by `check_image_urls`. Never raises.
    """
    return validate_fields(_RULES, raw, REQUIRED_FIELDS)


def parse_listing_id(value: Any) -> int:
    """A listing id from clientExtra/params (int or digits, 1..2^31-1); `InvalidInput` otherwise."""
    return parse_id(value, "listing_id", "어떤 판매글인지 알 수 없어요. 목록에서 다시 골라 주세요.")


# --- status --------------------------------------------------------------------------------------


def transition(listing: Listing, target: str) -> Listing:
    """Move `listing` to status `target` if DESIGN.md §5 allows it (`TRANSITIONS`); returns it.

    The only function that changes `Listing.status`. Raises `InvalidTransition` with a Korean
    message for an unknown status, the same status, or a move the table does not allow.
    """
    current = listing.status
    if target not in STATUS_LABELS:
        raise InvalidTransition("알 수 없는 상태예요.")
    if target == current:
        raise InvalidTransition(f"이미 {STATUS_LABELS[current]} 상태예요.")
    if target not in TRANSITIONS.get(current, frozenset()):
        if current == "deleted":
            raise InvalidTransition("삭제된 판매글이에요.")
        raise InvalidTransition(
            f"{STATUS_LABELS[current]} 상태에서는 {STATUS_LABELS[target]}(으)로 바꿀 수 없어요."
        )
    listing.status = target
    return listing


# What the `listing-status` skill accepts (DESIGN.md §4: 숨김 / 판매중 / 삭제), word -> status.
_STATUS_COMMANDS = {
    "숨김": "hidden",
    "숨기기": "hidden",
    "숨겨줘": "hidden",
    "hidden": "hidden",
    "hide": "hidden",
    "판매중": "on_sale",
    "다시판매": "on_sale",
    "다시판매하기": "on_sale",
    "재등록": "on_sale",
    "on_sale": "on_sale",
    "relist": "on_sale",
    "삭제": "deleted",
    "삭제하기": "deleted",
    "deleted": "deleted",
    "delete": "deleted",
}


def parse_status_command(value: Any) -> str:
    """The status a seller asks for in chat: `hidden` (숨김/숨기기), `on_sale` (판매중/다시 판매/재등록)
    or `deleted` (삭제). Raises `InvalidInput` (field `status`) for anything else — 예약중 and
    판매완료 come from trades, not from this command."""
    status = _STATUS_COMMANDS.get(_fold(value))
    if status is None:
        raise invalid("status", "숨김, 판매중, 삭제 중에서 골라 주세요.")
    return status


# --- use cases -----------------------------------------------------------------------------------


def create_listing(
    session: Session, seller: Member, fields: Mapping[str, Any], image_urls: Sequence[str] = ()
) -> Listing:
    """Save a listing of `seller` from validated `fields` (see `validate_listing_fields`) with one
    pending `ListingPhoto` per URL of `image_urls` (≤ 10, already checked), and commit.

    Raises `InvalidInput` if a required field is missing. Returns the listing (photos loaded).
    """
    missing = [f for f in REQUIRED_FIELDS if f not in fields]
    if missing:
        raise invalid(missing[0], "입력해 주세요.")
    description = fields.get("description", "")
    listing = Listing(
        seller=seller,
        title=fields["title"],
        price=fields["price"],
        category=fields["category"],
        description=description,
        trade_method=fields["trade_method"],
        place=fields.get("place") or None,
        open_chat_url=fields.get("open_chat_url") or None,
        status="on_sale",
        view_count=0,
        search_text=search_service.document_tokens(fields["title"], description),
        photos=[ListingPhoto(position=i, source_url=url) for i, url in enumerate(image_urls[:PHOTOS_MAX])],
    )
    session.add(listing)
    session.commit()
    return listing


def _with_details(stmt: Any) -> Any:
    # The seller in the same query (every listing has one); photos in one more for the whole page.
    return stmt.options(joinedload(Listing.seller, innerjoin=True), selectinload(Listing.photos))


def get_listing(
    session: Session, listing_id: int, viewer: Member | None = None, *, staff: bool = False
) -> Listing:
    """The listing `listing_id` with seller and photos. A deleted listing, or a hidden one seen by
    anyone but its seller or `staff` (the admin API), raises `NotFound`."""
    listing = session.scalar(_with_details(select(Listing).where(Listing.id == listing_id)))
    if listing is None or listing.status == "deleted":
        raise NotFound("판매글을 찾을 수 없어요. 삭제되었을 수 있어요.")
    if listing.status == "hidden" and not staff and (viewer is None or viewer.id != listing.seller_id):
        raise NotFound("판매글을 찾을 수 없어요. 판매자가 숨겼을 수 있어요.")
    return listing


def _page(session: Session, where: list[ColumnElement[bool]], before: int | None, limit: int) -> Page:
    """Keyset pagination on id (ids grow with time, so id desc = newest first): no OFFSET."""
    return keyset_page(session, _with_details(select(Listing).where(*where)), Listing.id, before, limit)


def browse(session: Session, category: str | None, *, before: int | None = None, limit: int = 10) -> Page:
    """Listings on sale or reserved in `category` (a code; None = every category), newest first,
    `limit` per page after the id `before`."""
    where: list[ColumnElement[bool]] = [Listing.status.in_(PUBLIC_STATUSES)]
    if category is not None:
        where.append(Listing.category == category)
    return _page(session, where, before, limit)


def search(session: Session, query: str, *, before: int | None = None, limit: int = 10) -> Page:
    """Listings on sale or reserved whose title/description hold every word of `query`, newest
    first (`chatbot.services.search.keyword_condition`: FULLTEXT on MariaDB). An empty query
    finds nothing. MariaDB's FULLTEXT sees committed rows only."""
    condition = search_service.keyword_condition(session, query)
    if condition is None:
        return Page([], None)
    return _page(session, [Listing.status.in_(PUBLIC_STATUSES), condition], before, limit)


def staff_listings(
    session: Session,
    *,
    status: str | None = None,
    category: str | None = None,
    seller_id: int | None = None,
    keyword: str | None = None,
    before: int | None = None,
    limit: int = 20,
) -> Page:
    """Every listing for the admin API, newest first, filtered by `status` (any of `STATUS_LABELS`;
    None = all but deleted), `category` code, `seller_id` and `keyword` (as `search`)."""
    where: list[ColumnElement[bool]] = [Listing.status == status if status else Listing.status != "deleted"]
    if category:
        where.append(Listing.category == category)
    if seller_id is not None:
        where.append(Listing.seller_id == seller_id)
    if keyword:
        condition = search_service.keyword_condition(session, keyword)
        if condition is None:
            return Page([], None)
        where.append(condition)
    return _page(session, where, before, limit)


def seller_listings(session: Session, seller: Member, *, before: int | None = None, limit: int = 10) -> Page:
    """`seller`'s own listings in every status but deleted, newest first."""
    where = [Listing.seller_id == seller.id, Listing.status != "deleted"]
    return _page(session, where, before, limit)


def change_status(session: Session, listing_id: int, member: Member | None, target: str) -> Listing:
    """Owner-only status change (hide, relist, delete, …) through `transition`, committed.
    `member` None is staff acting through the admin API: no owner check, the same transitions.

    Raises `NotFound` (no such listing or deleted), `Forbidden` (not the seller; nothing changes),
    `InvalidTransition` (illegal move). The row is locked (`FOR UPDATE`) while it is decided.
    """
    listing = session.scalar(
        select(Listing)
        .where(Listing.id == listing_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # fresh values even if the row was loaded before
    )
    if listing is None or listing.status == "deleted":
        session.rollback()
        raise NotFound("판매글을 찾을 수 없어요. 삭제되었을 수 있어요.")
    if member is not None and listing.seller_id != member.id:
        session.rollback()
        raise Forbidden("내가 올린 판매글만 바꿀 수 있어요.")
    if listing.status == "reserved":  # held by an order: only the trade moves it (services.orders)
        session.rollback()
        raise InvalidTransition("거래 중인 판매글이에요. '내 거래'에서 거래를 먼저 취소해 주세요.")
    try:
        transition(listing, target)
    except InvalidTransition:
        session.rollback()
        raise
    session.commit()
    return listing


# --- view counts ---------------------------------------------------------------------------------

VIEWS_KEY = "listing:views:{}"
DIRTY_KEY = "listing:views:dirty"
# Take one listing's pending views and forget it, atomically: a view counted meanwhile is either
# in the taken number or left for the next run, never lost or counted twice.
_TAKE_VIEWS = """
local n = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return n
"""


def record_view(cache: redis.Redis, listing_id: int) -> None:
    """Count one view of `listing_id` in Redis (INCR + mark dirty in one MULTI); no DB write.

    A Redis failure is logged and ignored: a view must never fail for its counter."""
    try:
        with cache.pipeline(transaction=True) as pipe:
            pipe.incr(VIEWS_KEY.format(listing_id))
            pipe.sadd(DIRTY_KEY, listing_id)
            pipe.execute()
    except redis.RedisError:
        logger.warning("view not counted listing_id=%s", listing_id, exc_info=True)


def pending_views(cache: redis.Redis, listing_id: int) -> int:
    """Views of `listing_id` counted in Redis and not yet in the DB (0 if Redis fails)."""
    try:
        return int(cache.get(VIEWS_KEY.format(listing_id)) or 0)
    except (redis.RedisError, ValueError):
        return 0


def total_views(cache: redis.Redis, listing: Listing) -> int:
    """What a detail card shows: the DB count plus the pending Redis delta."""
    return listing.view_count + pending_views(cache, listing.id)


def sync_views(session: Session, cache: redis.Redis) -> int:
    """Move every pending view delta from Redis into `listings.view_count`; returns views moved.

    Each listing's delta is taken by a Lua script (GET + DEL + SREM at once), so concurrent runs
    never take the same views twice. If the DB update fails, the delta is put back in Redis.
    """
    take = cache.register_script(_TAKE_VIEWS)
    moved = 0
    for member in cache.smembers(DIRTY_KEY):
        listing_id = int(member)
        key = VIEWS_KEY.format(listing_id)
        delta = int(take(keys=[key, DIRTY_KEY], args=[listing_id]) or 0)
        if delta <= 0:
            continue
        try:
            session.execute(
                update(Listing).where(Listing.id == listing_id).values(view_count=Listing.view_count + delta)
            )
            session.commit()
        except Exception:
            session.rollback()
            with cache.pipeline(transaction=True) as pipe:
                pipe.incrby(key, delta)
                pipe.sadd(DIRTY_KEY, listing_id)
                pipe.execute()
            raise
        moved += delta
    return moved
