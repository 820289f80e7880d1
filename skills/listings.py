"""The market in the chat (DESIGN.md §4, issue 4 §2–§3): `sell`, `listings`, `listing`, `search`,
`my-listings`, `listing-status`.

Thin: read params (clientExtra first, then params, then the sell draft kept in context) ->
`chatbot.services.listings` -> cards. Photos are shown through `chatbot.services.photos.photo_url`
once ingested, else our own placeholder image; a Kakao or foreign URL is never hotlinked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chatbot.errors import InvalidInput
from chatbot.kakao import (
    basic_card,
    button_weblink,
    carousel,
    commerce_card,
    profile,
    simple_text,
    skill_response,
    thumbnail,
)
from chatbot.models import Listing
from chatbot.services import listings as service
from chatbot.services import market_version, photos
from chatbot.services.listings import CATEGORIES, FIELD_LABELS, STATUS_LABELS, TRADE_METHODS
from chatbot.services.orders import allowed_methods
from chatbot.timeutil import humanize_age
from skills.answers import AnswerMemo, asked_from
from skills.forms import draft_context, draft_of, end_draft, errors_text, form_values
from skills.members import current_member, registration_needed
from skills.nav import button_to, go_to
from skills.registry import PreparedResponse, SkillContext, skill

SELL_DRAFT = "sell_draft"
SELL_FIELDS = ("title", "price", "category", "description", "trade_method", "place", "open_chat_url")
IMAGES_PARAM = "images"
PAGE_SIZE = 10  # a carousel holds at most 10 cards (GB-FMT §Carousel)
PLACEHOLDER_PATH = "/static/no-photo.png"
ALL = "all"  # the `category` of "every category" in our quickReplies

# Browse and search pages are the same for every viewer: rendered once per market version.
_public_pages = AnswerMemo()


# --- pieces --------------------------------------------------------------------------------------


def placeholder_url(ctx: SkillContext) -> str:
    """Our neutral "no photo yet" image, absolute (`PUBLIC_BASE_URL` + /static/no-photo.png)."""
    return ctx.settings.public_base_url + PLACEHOLDER_PATH


def _photo_keys(listing: Listing, *, large: bool = False) -> list[str]:
    """Storage keys of `listing`'s ready photos in position order: the resized copies (`large`)
    or the 800×400 thumbnails."""
    keys = [p.image_key if large else p.thumb_key for p in listing.photos if p.status == "ready"]
    return [key for key in keys if key]


def _photo(ctx: SkillContext, listing: Listing, *, large: bool = False, index: int = 0) -> str:
    """The URL of photo `index` (0 = cover) of `listing`, else our placeholder image."""
    keys = _photo_keys(listing, large=large)
    if index < len(keys):
        return photos.photo_url(ctx.settings, keys[index])
    return placeholder_url(ctx)


def _price(price: int) -> str:
    return "무료 나눔" if price == 0 else f"{price:,}원"


def _cursor(ctx: SkillContext) -> int | None:
    value = str(ctx.param("before", "")).strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _owner_buttons(ctx: SkillContext, listing: Listing) -> list[dict[str, Any]]:
    """The status changes a seller may make from a card, as buttons to `listing-status`."""
    extra = {"listing_id": listing.id}
    buttons = []
    if listing.status == "on_sale":
        buttons.append(button_to(ctx, "숨기기", "listing-status", extra={**extra, "status": "hidden"}))
    if listing.status == "hidden":
        buttons.append(button_to(ctx, "다시 판매", "listing-status", extra={**extra, "status": "on_sale"}))
    buttons.append(button_to(ctx, "삭제", "listing-status", extra={**extra, "status": "deleted"}))
    return buttons


def listing_card(ctx: SkillContext, listing: Listing, *, owner: bool = False) -> dict[str, Any]:
    """A commerceCard for lists: cover thumbnail, price, title, category · place · status, seller,
    a "자세히 보기" button (plus the seller's status buttons when `owner`)."""
    facts = [CATEGORIES[listing.category]]
    if listing.place:
        facts.append(listing.place)
    if listing.status != "on_sale":
        facts.insert(0, f"[{STATUS_LABELS[listing.status]}]")
    buttons = [button_to(ctx, "자세히 보기", "listing", extra={"listing_id": listing.id})]
    if owner:
        buttons += _owner_buttons(ctx, listing)
    return commerce_card(
        thumbnail(_photo(ctx, listing), alt_text=listing.title),
        listing.price,
        title=listing.title,
        description=" · ".join(facts),
        profile=profile(listing.seller.nickname),
        buttons=buttons,
    )


def _page_answer(
    ctx: SkillContext,
    page: service.Page,
    intro: str,
    empty: str,
    next_reply: dict[str, Any] | None,
    replies: list[dict[str, Any]],
    *,
    owner: bool = False,
) -> dict[str, Any]:
    """A page of listings as text + commerceCard carousel, "다음 ▶" first among the quickReplies."""
    if not page.items:
        return skill_response([simple_text(empty)], quick_replies=replies)
    cards = [listing_card(ctx, listing, owner=owner) for listing in page.items]
    quick = ([next_reply] if page.next_before is not None and next_reply else []) + replies
    return skill_response([simple_text(intro), carousel("commerceCard", cards)], quick_replies=quick[:10])


def _public_page(
    ctx: SkillContext,
    asked: tuple[Any, ...],
    fetch: Callable[[], service.Page],
    intro: str,
    empty: str,
    more: Callable[[int | None], dict[str, Any]],
) -> PreparedResponse:
    """A page that every viewer sees alike (browse, search), rendered once per market version and
    question (`asked`: skill name, filters, cursor). `fetch()` reads the page from the DB on a miss;
    `more(next_before)` is its "다음 ▶" quickReply."""

    def render() -> dict[str, Any]:
        page = fetch()
        return _page_answer(ctx, page, intro, empty, more(page.next_before), _market_replies(ctx))

    return _public_pages.answer((market_version.current(ctx.redis), *asked, *asked_from(ctx)), render)


def _market_replies(ctx: SkillContext) -> list[dict[str, Any]]:
    return [
        go_to(ctx, "다른 분류", "listings"),
        go_to(ctx, "검색", "search"),
        go_to(ctx, "판매하기", "sell"),
        go_to(ctx, "처음으로", "welcome"),
    ]


# --- sell ----------------------------------------------------------------------------------------


@skill("sell")
def sell(ctx: SkillContext) -> dict[str, Any]:
    """Post a listing from `title`, `price`, `category`, `description`, `trade_method`, `place`,
    `open_chat_url` and the secureimage param `images`.

    A rejected value is named with its reason and every accepted one is kept in the context
    `sell_draft` (lifeSpan 5), so the next call needs only the corrected value. A non-member is
    sent to `register` (next: sell) with the draft kept.
    """
    draft = draft_of(ctx, SELL_DRAFT)
    raw = form_values(ctx, SELL_FIELDS, draft)
    accepted, errors = service.validate_listing_fields(raw)
    photo_urls = ctx.payload.secure_images(IMAGES_PARAM)
    try:
        photo_urls = service.check_image_urls(photo_urls, ctx.settings.image_host_allowlist)
    except InvalidInput as exc:
        errors.update(exc.details)
        photo_urls = []
    keep = {**accepted, IMAGES_PARAM: photo_urls} if photo_urls else accepted

    seller = current_member(ctx)
    if seller is None:
        return registration_needed(
            ctx,
            "sell",
            "판매글을 올리려면 먼저 회원가입이 필요해요. 입력한 내용은 잠시 기억해 둘게요.",
            context=[draft_context(SELL_DRAFT, keep)],
        )
    if errors:
        intro = "판매글을 올리려면 아래 항목을 확인해 주세요. 나머지는 기억해 둘게요."
        if not accepted and set(errors) == set(service.REQUIRED_FIELDS):
            intro = "판매글을 올릴게요. 아래 항목을 알려 주세요."
        return skill_response(
            [simple_text(errors_text(errors, FIELD_LABELS, intro))],
            quick_replies=[go_to(ctx, "이어서 입력", "sell"), go_to(ctx, "처음으로", "welcome")],
            context=[draft_context(SELL_DRAFT, keep)],
        )

    listing = service.create_listing(ctx.db, seller, accepted, photo_urls)
    if listing.photos:
        photos.queue_photo_job(ctx.redis, listing.id)
    replies = [
        go_to(ctx, "내 판매글", "my-listings"),
        go_to(ctx, "하나 더 팔기", "sell"),
        go_to(ctx, "처음으로", "welcome"),
    ]
    text = "✅ 판매글을 올렸어요!"
    if listing.photos:
        text += f" 사진 {len(listing.photos)}장은 정리하는 대로 보여 드릴게요."
    return skill_response(
        [simple_text(text), listing_card(ctx, listing, owner=True)],
        quick_replies=replies,
        context=[end_draft(SELL_DRAFT)],
    )


# --- browse --------------------------------------------------------------------------------------


def _category_menu(ctx: SkillContext, intro: str) -> dict[str, Any]:
    replies = [
        go_to(ctx, label, "listings", extra={"category": code}, message_text=label)
        for code, label in CATEGORIES.items()
    ]
    return skill_response([simple_text(intro)], quick_replies=replies)


@skill("listings")
def listings(ctx: SkillContext) -> dict[str, Any] | PreparedResponse:
    """Listings of a `category` (clientExtra/params, or the utterance naming one; "전체"/all = every
    category), newest first, 10 per page; the "다음 ▶" quickReply carries the keyset cursor
    `before`. Without a category: the category menu."""
    given = ctx.param("category")
    if given is None and ctx.payload.utterance in ("전체", "전체 보기"):
        given = ALL
    if given is None:
        try:
            given = service.parse_category(ctx.payload.utterance)
        except InvalidInput:
            return _category_menu(
                ctx, "🛍️ 어떤 물건을 볼까요? 분류를 골라 주세요. ('전체'라고 하면 모두 보여 드려요)"
            )
    if str(given).strip().lower() in (ALL, "전체"):
        category = None
    else:
        try:
            category = service.parse_category(given)
        except InvalidInput as exc:
            return _category_menu(ctx, exc.user_message)
    label = CATEGORIES[category] if category else "전체"
    before = _cursor(ctx)
    return _public_page(
        ctx,
        ("listings", category, before),
        lambda: service.browse(ctx.db, category, before=before, limit=PAGE_SIZE),
        f"🛍️ {label} 새 판매글이에요.",
        f"'{label}'에 아직 판매글이 없어요. 첫 판매글을 올려 보세요!",
        lambda after: go_to(
            ctx,
            "다음 ▶",
            "listings",
            extra={"category": category or ALL, "before": after},
            message_text=f"{label} 더 보기",
        ),
    )


@skill("listing")
def listing(ctx: SkillContext) -> dict[str, Any]:
    """One listing (`listing_id`): photos, price, seller, place, status, views (DB + pending Redis
    delta), and buttons (구매하기 while on sale; open chat; the seller's status changes). Counts the
    view in Redis."""
    listing_id = service.parse_listing_id(ctx.param("listing_id"))
    viewer = current_member(ctx)
    item = service.get_listing(ctx.db, listing_id, viewer)
    owner = viewer is not None and viewer.id == item.seller_id
    if not owner:
        service.record_view(ctx.redis, item.id)
    views = service.total_views(ctx.redis, item)
    lines = [
        f"💰 {_price(item.price)} · {STATUS_LABELS[item.status]}",
        f"📂 {CATEGORIES[item.category]} · 🤝 {TRADE_METHODS[item.trade_method]}"
        + (f" · 📍 {item.place}" if item.place else ""),
        f"👤 {item.seller.nickname} · 👀 {views:,} · {humanize_age(item.created_at)}",
    ]
    if item.description:
        lines += ["", item.description]
    buttons = []
    if item.open_chat_url and not owner:
        buttons.append(button_weblink("오픈채팅 문의", item.open_chat_url))
    if not owner and item.status == "on_sale" and allowed_methods(item):
        buttons.append(button_to(ctx, "구매하기", "buy", extra={"listing_id": item.id}))
    if owner:
        buttons += _owner_buttons(ctx, item)
    else:
        extra = {"category": item.category}
        buttons.append(button_to(ctx, "같은 분류 더 보기", "listings", extra=extra))
    outputs = [
        basic_card(
            thumbnail(_photo(ctx, item, large=True), alt_text=item.title),
            title=item.title,
            description="\n".join(lines),
            buttons=buttons,
        )
    ]
    shown = len(_photo_keys(item, large=True))
    if shown > 1:
        more = [
            basic_card(
                thumbnail(_photo(ctx, item, large=True, index=i), alt_text=f"{item.title} 사진 {i + 1}")
            )
            for i in range(1, shown)
        ]
        outputs.append(carousel("basicCard", more[:10]))
    replies = [
        go_to(ctx, "목록으로", "listings", extra={"category": item.category}),
        *_market_replies(ctx)[1:],
    ]
    return skill_response(outputs, quick_replies=replies)


@skill("search")
def search(ctx: SkillContext) -> dict[str, Any] | PreparedResponse:
    """Listings whose title/description hold every word of `query` (else the utterance after "검색"),
    newest first, 10 per page with the keyset cursor in the "다음 ▶" quickReply."""
    query = ctx.param("query")
    if query is None:
        query = ctx.payload.utterance.removeprefix("검색").strip()
    query = service.check_text(query, "query", 40)
    if not query:
        return skill_response(
            [simple_text("🔎 무엇을 찾을까요? '검색 아이폰'처럼 말해 주세요.")],
            quick_replies=_market_replies(ctx),
        )
    before = _cursor(ctx)
    return _public_page(
        ctx,
        ("search", query, before),
        lambda: service.search(ctx.db, query, before=before, limit=PAGE_SIZE),
        f"🔎 '{query}' 검색 결과예요.",
        f"'{query}'에 맞는 판매글이 없어요. 다른 말로 찾아 보세요.",
        lambda after: go_to(
            ctx, "다음 ▶", "search", extra={"query": query, "before": after}, message_text=f"검색 {query}"
        ),
    )


@skill("my-listings")
def my_listings(ctx: SkillContext) -> dict[str, Any]:
    """The member's own listings (every status but deleted), newest first, with status buttons."""
    member = current_member(ctx)
    if member is None:
        return registration_needed(ctx, "my-listings", "내 판매글을 보려면 먼저 회원가입이 필요해요.")
    page = service.seller_listings(ctx.db, member, before=_cursor(ctx), limit=PAGE_SIZE)
    return _page_answer(
        ctx,
        page,
        f"📦 {member.nickname}님의 판매글이에요.",
        "아직 올린 판매글이 없어요. 첫 물건을 팔아 보세요!",
        go_to(ctx, "다음 ▶", "my-listings", extra={"before": page.next_before}),
        [go_to(ctx, "판매하기", "sell"), go_to(ctx, "처음으로", "welcome")],
        owner=True,
    )


_DONE = {
    "hidden": "🙈 판매글을 숨겼어요.",
    "on_sale": "🛍️ 다시 판매를 시작했어요.",
    "deleted": "🗑️ 판매글을 삭제했어요.",
}


@skill("listing-status")
def listing_status(ctx: SkillContext) -> dict[str, Any]:
    """Hide, relist or delete a listing (`listing_id`, `status` 숨김/판매중/삭제); seller only —
    anyone else is refused and nothing changes."""
    member = current_member(ctx)
    if member is None:
        return registration_needed(ctx, "my-listings", "판매글을 관리하려면 먼저 회원가입이 필요해요.")
    listing_id = service.parse_listing_id(ctx.param("listing_id"))
    target = service.parse_status_command(ctx.param("status"))
    item = service.change_status(ctx.db, listing_id, member, target)
    if target == "deleted" and item.photos:
        photos.queue_photo_job(ctx.redis, item.id)  # the job deletes them: never S3 in a skill
    replies = [go_to(ctx, "내 판매글", "my-listings"), go_to(ctx, "처음으로", "welcome")]
    if target != "deleted":
        replies.insert(0, go_to(ctx, "판매글 보기", "listing", extra={"listing_id": item.id}))
    return skill_response([simple_text(f"{_DONE[target]}\n「{item.title}」")], quick_replies=replies)
