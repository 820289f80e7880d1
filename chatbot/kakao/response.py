"""SkillResponse builders: plain, JSON-ready dicts with every GB-FMT limit enforced.

GB-FMT = https://kakaobusiness.gitbook.io/main/tool/chatbot/skill_guide/answer_json_format.
Builders run on every answer, so they make dicts directly (no pydantic on the way out).

Two kinds of limit (numbers in `chatbot.kakao.limits`):

* text a person reads that is too long (simpleText, card titles and descriptions, altText, button and
  quickReply labels, ListItem text, line counts) is cut with "…" to exactly the limit;
* structural excess (0 or > 3 outputs, > 10 quickReplies, too many carousel items, list rows or
  buttons, a missing required field, mixed carousel item types, a header where none is allowed) raises
  `KakaoLimitError`: that is a bug in the caller, caught by tests.

Card builders return a one-key output (`{"basicCard": {...}}`), ready for `skill_response`. `carousel`
takes such outputs (or bare cards) and applies the in-carousel limits (listCard ≤ 4 rows, textCard
description ≤ 128, itemCard ≤ 5 rows and ≤ 100 characters), so the order of calls does not matter.

Example::

    skill_response(
        [simple_text("안녕하세요"), carousel("basicCard", [basic_card("https://…/a.jpg", title="의자")])],
        quick_replies=[quick_reply_block("판매하기", block_id, extra={"listing_id": 7})],
    )
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from chatbot.kakao import limits as L
from chatbot.kakao.limits import KakaoLimitError, cut_lines, cut_text
from chatbot.kakao.validate import CAROUSEL_KINDS, OUTPUT_KINDS, button_layout, validate_skill_response

__all__ = [
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
    "error_response",
    "image_title",
    "item_card",
    "item_card_profile",
    "item_row",
    "link",
    "list_card",
    "list_item",
    "profile",
    "quick_reply_block",
    "quick_reply_message",
    "simple_image",
    "simple_text",
    "skill_response",
    "text_card",
    "thumbnail",
]

Json = dict[str, Any]
Layout = Literal["vertical", "horizontal"]
CarouselKind = Literal["basicCard", "commerceCard", "listCard", "itemCard", "textCard"]

DEFAULT_ERROR = "죄송해요, 요청을 처리하지 못했어요. 잠시 후 다시 시도해 주세요."


def _required(value: Any, path: str) -> str:
    """A non-blank string, else KakaoLimitError (a required field is missing)."""
    if not isinstance(value, str) or not value.strip():
        raise KakaoLimitError(path, f"is required (non-empty string), got {value!r}")
    return value


def _extra(extra: Mapping[str, Any] | None, path: str) -> dict[str, Any] | None:
    if extra is None:
        return None
    if not isinstance(extra, Mapping):
        raise KakaoLimitError(path, "must be a mapping (it arrives as action.clientExtra)")
    return dict(extra)


# --- parts ------------------------------------------------------------------------------------------


def link(web: str | None = None, *, pc: str | None = None, mobile: str | None = None) -> Json:
    """Link (GB-FMT §Link): `{"web"?, "pc"?, "mobile"?}`; `web` wins over the others. Raises
    KakaoLimitError when all three are empty."""
    out = {k: v for k, v in (("web", web), ("pc", pc), ("mobile", mobile)) if v}
    if not out:
        raise KakaoLimitError("link", "needs web, pc or mobile")
    return out


def _link(value: str | Mapping[str, str] | None, path: str) -> Json | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {"web": _required(value, path)}
    return link(value.get("web"), pc=value.get("pc"), mobile=value.get("mobile"))


def thumbnail(
    image_url: str,
    *,
    link: str | Mapping[str, str] | None = None,
    fixed_ratio: bool | None = None,
    alt_text: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Json:
    """Thumbnail (GB-FMT §Thumbnail): `{"imageUrl", "link"?, "fixedRatio"?, "altText"? (cut to 50),
    "width"?, "height"? (px)}`. `fixed_ratio=True` shows a 1:1 area and lays buttons out
    horizontally (≤ 2). Raises KakaoLimitError without an image URL."""
    out: Json = {"imageUrl": _required(image_url, "thumbnail.imageUrl")}
    if link is not None:
        out["link"] = _link(link, "thumbnail.link")
    if fixed_ratio is not None:
        out["fixedRatio"] = bool(fixed_ratio)
    if alt_text:
        out["altText"] = cut_text(alt_text, L.THUMBNAIL_ALT_TEXT_MAX)
    for key, value in (("width", width), ("height", height)):
        if value is not None:
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise KakaoLimitError(f"thumbnail.{key}", f"must be a positive integer, got {value!r}")
            out[key] = value
    return out


def _thumb(value: str | Mapping[str, Any], path: str) -> Json:
    if isinstance(value, str):
        return thumbnail(value)
    if not isinstance(value, Mapping) or not value.get("imageUrl"):
        raise KakaoLimitError(path, "needs a thumbnail with imageUrl")
    return dict(value)


def profile(nickname: str, image_url: str | None = None) -> Json:
    """Profile of a basicCard/commerceCard (GB-FMT §Profile): `{"nickname", "imageUrl"?}`
    (image 180×180 px recommended). Raises KakaoLimitError without a nickname."""
    out: Json = {"nickname": _required(nickname, "profile.nickname")}
    if image_url:
        out["imageUrl"] = image_url
    return out


# --- buttons ----------------------------------------------------------------------------------------


def _button(label: str, action: str, **fields: Any) -> Json:
    out: Json = {"label": cut_text(_required(label, "button.label"), L.BUTTON_LABEL_MAX), "action": action}
    out.update({k: v for k, v in fields.items() if v is not None})
    return out


def button_weblink(label: str, url: str) -> Json:
    """Button opening `url` (GB-FMT §Button, action webLink): `{"label", "action": "webLink",
    "webLinkUrl"}`. Label cut to 14 (8 when the card lays two out side by side)."""
    return _button(label, "webLink", webLinkUrl=_required(url, "button.webLinkUrl"))


def button_message(label: str, text: str | None = None, extra: Mapping[str, Any] | None = None) -> Json:
    """Button that says `text` (default: the label) as the user (GB-FMT §Button, action message):
    `{"label", "action": "message", "messageText", "extra"?}`; `extra` arrives as clientExtra."""
    text = _required(text if text is not None else label, "button.messageText")
    return _button(label, "message", messageText=text, extra=_extra(extra, "button.extra"))


def button_block(
    label: str, block_id: str, *, message_text: str | None = None, extra: Mapping[str, Any] | None = None
) -> Json:
    """Button that calls block `block_id` (GB-FMT §Button, action block): `{"label", "action":
    "block", "blockId", "messageText"?, "extra"?}`; without messageText the label is the utterance.
    Raises KakaoLimitError without a blockId."""
    return _button(
        label,
        "block",
        blockId=_required(block_id, "button.blockId"),
        messageText=message_text,
        extra=_extra(extra, "button.extra"),
    )


def button_phone(label: str, phone_number: str) -> Json:
    """Button that dials `phone_number` (GB-FMT §Button, action phone; hidden in PC KakaoTalk)."""
    return _button(label, "phone", phoneNumber=_required(phone_number, "button.phoneNumber"))


def button_share(label: str = "공유하기") -> Json:
    """Button that shares the bubble (GB-FMT §Button, action share)."""
    return _button(label, "share")


def button_operator(label: str = "상담원 연결") -> Json:
    """Button that hands over to a person (GB-FMT §Button, action operator; 상담 연결 플러그인)."""
    return _button(label, "operator")


def _apply_buttons(card: Json, buttons: Sequence[Json] | None, layout: Layout | None, path: str) -> None:
    """Attach buttons with the count allowed by the layout; cut labels to 8 when two sit side by side.

    GB-FMT §buttonLayout / §Thumbnail: vertical ≤ 3, horizontal ≤ 2 (fixedRatio thumbnail ⇒ horizontal).
    """
    if layout is not None:
        if layout not in ("vertical", "horizontal"):
            raise KakaoLimitError(
                f"{path}.buttonLayout", f'must be "vertical" or "horizontal", got {layout!r}'
            )
        card["buttonLayout"] = layout
    if not buttons:
        return
    effective = button_layout(card)
    hi = L.BUTTONS_HORIZONTAL_MAX if effective == "horizontal" else L.BUTTONS_VERTICAL_MAX
    if len(buttons) > hi:
        raise KakaoLimitError(
            f"{path}.buttons", f"at most {hi} buttons in a {effective} layout, got {len(buttons)}"
        )
    if effective == "horizontal" and len(buttons) == 2:
        buttons = [
            {**b, "label": cut_text(b["label"], L.BUTTON_LABEL_HORIZONTAL_MAX)}
            if len(b.get("label", "")) > L.BUTTON_LABEL_HORIZONTAL_MAX
            else b
            for b in buttons
        ]
    card["buttons"] = list(buttons)


# --- outputs ----------------------------------------------------------------------------------------


def simple_text(text: str) -> Json:
    """SimpleText output (GB-FMT §SimpleText): `{"simpleText": {"text"}}`, text cut to 1000
    characters (over 500 is folded behind "전체 보기"). Raises KakaoLimitError for empty text."""
    return {"simpleText": {"text": cut_text(_required(text, "simpleText.text"), L.SIMPLE_TEXT_MAX)}}


def simple_image(image_url: str, alt_text: str) -> Json:
    """SimpleImage output (GB-FMT §SimpleImage): `{"simpleImage": {"imageUrl", "altText"}}`, altText
    (what screen readers and notifications show) cut to 50. Raises KakaoLimitError if either is empty."""
    return {
        "simpleImage": {
            "imageUrl": _required(image_url, "simpleImage.imageUrl"),
            "altText": cut_text(_required(alt_text, "simpleImage.altText"), L.ALT_TEXT_MAX),
        }
    }


def text_card(
    title: str | None = None,
    description: str | None = None,
    *,
    buttons: Sequence[Json] | None = None,
    button_layout: Layout | None = None,
    forwardable: bool | None = None,
) -> Json:
    """TextCard output (GB-FMT §TextCard): `{"textCard": {"title"?, "description"?, "buttons"?,
    "buttonLayout"?, "forwardable"?}}`. Title cut to 50, description to 400 − len(title) (≤ 128 once
    put in a carousel). Raises KakaoLimitError with neither title nor description, or too many buttons."""
    if not (title and title.strip()) and not (description and description.strip()):
        raise KakaoLimitError("textCard", "needs a title or a description")
    card: Json = {}
    if title:
        card["title"] = cut_text(title, L.TEXT_CARD_TITLE_MAX)
    if description:
        card["description"] = cut_text(description, L.TEXT_CARD_TEXT_MAX - len(card.get("title", "")))
    _apply_buttons(card, buttons, button_layout, "textCard")
    if forwardable is not None:
        card["forwardable"] = bool(forwardable)
    return {"textCard": card}


def basic_card(
    thumbnail: str | Mapping[str, Any],
    title: str | None = None,
    description: str | None = None,
    *,
    buttons: Sequence[Json] | None = None,
    button_layout: Layout | None = None,
    profile: Mapping[str, Any] | None = None,
    forwardable: bool | None = None,
) -> Json:
    """BasicCard output (GB-FMT §BasicCard): `{"basicCard": {"thumbnail", "title"?, "description"?,
    "profile"?, "buttons"?, "buttonLayout"?, "forwardable"?}}`. `thumbnail` is a URL or a `thumbnail()`
    dict (required). Title cut to 50, description to 230. Raises KakaoLimitError without a
    thumbnail or with too many buttons for the layout (3 vertical, 2 horizontal/fixedRatio)."""
    card: Json = {"thumbnail": _thumb(thumbnail, "basicCard.thumbnail")}
    if title:
        card["title"] = cut_text(title, L.BASIC_CARD_TITLE_MAX)
    if description:
        card["description"] = cut_text(description, L.BASIC_CARD_DESCRIPTION_MAX)
    if profile is not None:
        card["profile"] = dict(profile)
    _apply_buttons(card, buttons, button_layout, "basicCard")
    if forwardable is not None:
        card["forwardable"] = bool(forwardable)
    return {"basicCard": card}


def commerce_card(
    thumbnails: str | Mapping[str, Any] | Sequence[str | Mapping[str, Any]],
    price: int,
    title: str | None = None,
    description: str | None = None,
    *,
    discount: int | None = None,
    discount_rate: int | None = None,
    discounted_price: int | None = None,
    profile: Mapping[str, Any] | None = None,
    buttons: Sequence[Json] | None = None,
    button_layout: Layout | None = None,
) -> Json:
    """CommerceCard output (GB-FMT §CommerceCard): `{"commerceCard": {"thumbnails": [one], "price",
    "currency": "won", "title"?, "description"?, "discount"?, "discountRate"?, "discountedPrice"?,
    "profile"?, "buttons"?}}`. Prices are int KRW ≥ 0. Title cut to 30 and description to 40 (GB-FMT's
    numbers; secondary copies say 50/230, INDEX contradiction 2). Raises KakaoLimitError without
    exactly one thumbnail, for a bad price, a discount_rate without discounted_price, or too many
    buttons."""
    if isinstance(thumbnails, str | Mapping):
        thumbnails = [thumbnails]
    if len(thumbnails) != 1:
        raise KakaoLimitError(
            "commerceCard.thumbnails", f"exactly 1 thumbnail required, got {len(thumbnails)}"
        )
    card: Json = {}
    if title:
        card["title"] = cut_text(title, L.COMMERCE_CARD_TITLE_MAX)
    if description:
        card["description"] = cut_text(description, L.COMMERCE_CARD_DESCRIPTION_MAX)
    for key, value in (
        ("price", price),
        ("discount", discount),
        ("discountRate", discount_rate),
        ("discountedPrice", discounted_price),
    ):
        if value is None and key != "price":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise KakaoLimitError(f"commerceCard.{key}", f"must be an integer ≥ 0, got {value!r}")
        card[key] = value
    if discount_rate is not None:
        if discount_rate > 100:
            raise KakaoLimitError("commerceCard.discountRate", f"must be 0..100, got {discount_rate}")
        if discounted_price is None:
            raise KakaoLimitError("commerceCard.discountRate", "needs discounted_price")
    card["currency"] = "won"  # GB-FMT: the only currency
    card["thumbnails"] = [_thumb(thumbnails[0], "commerceCard.thumbnails[0]")]
    if profile is not None:
        card["profile"] = dict(profile)
    _apply_buttons(card, buttons, button_layout, "commerceCard")
    return {"commerceCard": card}


def list_item(
    title: str,
    description: str | None = None,
    image_url: str | None = None,
    link: str | Mapping[str, str] | None = None,
    action: Literal["block", "message"] | None = None,
    block_id: str | None = None,
    message_text: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Json:
    """ListItem (GB-FMT §ListItem): `{"title", "description"?, "imageUrl"?, "link"?, "action"?,
    "blockId"?, "messageText"?, "extra"?}`. Title and description cut to 50 each (no Kakao number;
    ours). `action="block"` needs `block_id` (the title becomes the utterance), `"message"` needs
    `message_text` (defaults to the title); `extra` arrives as clientExtra and needs an action.
    Raises KakaoLimitError for a missing title or action field."""
    item: Json = {"title": cut_text(_required(title, "listItem.title"), L.LIST_ITEM_TITLE_MAX)}
    if description:
        item["description"] = cut_text(description, L.LIST_ITEM_DESCRIPTION_MAX)
    if image_url:
        item["imageUrl"] = image_url
    if link is not None:
        item["link"] = _link(link, "listItem.link")
    if action == "block":
        item.update(action="block", blockId=_required(block_id, "listItem.blockId"))
        if message_text:
            item["messageText"] = message_text
    elif action == "message":
        item.update(action="message", messageText=_required(message_text or title, "listItem.messageText"))
    elif action is not None:
        raise KakaoLimitError("listItem.action", f'must be "block" or "message", got {action!r}')
    if extra is not None:
        if action is None:
            raise KakaoLimitError("listItem.extra", "needs action block or message to be passed on")
        item["extra"] = _extra(extra, "listItem.extra")
    return item


def list_card(
    header: str | Mapping[str, Any],
    items: Sequence[Json],
    buttons: Sequence[Json] | None = None,
    *,
    button_layout: Layout | None = None,
) -> Json:
    """ListCard output (GB-FMT §ListCard): `{"listCard": {"header": {"title"}, "items": [ListItem],
    "buttons"?}}`. `header` is a title (cut to 50; only the title is shown) or a ListItem. Raises
    KakaoLimitError for 0 or > 5 items (> 4 once put in a carousel) or too many buttons."""
    if isinstance(header, str):
        header = {"title": cut_text(_required(header, "listCard.header.title"), L.LIST_ITEM_TITLE_MAX)}
    else:
        header = dict(header)
        _required(header.get("title"), "listCard.header.title")
    if not 1 <= len(items) <= L.LIST_CARD_ITEMS_MAX:
        raise KakaoLimitError("listCard.items", f"1..{L.LIST_CARD_ITEMS_MAX} items allowed, got {len(items)}")
    card: Json = {"header": header, "items": list(items)}
    _apply_buttons(card, buttons, button_layout, "listCard")
    return {"listCard": card}


def item_row(title: str, description: str) -> Json:
    """One itemCard.itemList row (GB-FMT §ItemCard): `{"title" (cut to 6; GB-FMT's own example has 8,
    INDEX contradiction 11 — we take 6), "description"}`."""
    return {
        "title": cut_text(_required(title, "itemList.title"), L.ITEM_LIST_TITLE_MAX),
        "description": description,
    }


def image_title(title: str, description: str | None = None, image_url: str | None = None) -> Json:
    """itemCard.imageTitle (GB-FMT §ItemCard): `{"title" (≤ 2 lines), "description"? (1 line),
    "imageUrl"? (108×108 iOS / 98×98 Android)}`; extra lines are cut with "…"."""
    out: Json = {"title": cut_lines(_required(title, "imageTitle.title"), L.IMAGE_TITLE_TITLE_LINES)}
    if description:
        out["description"] = cut_lines(description, L.IMAGE_TITLE_DESCRIPTION_LINES)
    if image_url:
        out["imageUrl"] = image_url
    return out


def item_card_profile(
    title: str, image_url: str | None = None, *, width: int | None = None, height: int | None = None
) -> Json:
    """itemCard.profile (GB-FMT §ItemCard): `{"title" (cut to 15), "imageUrl"?, "width"?, "height"?}`."""
    out: Json = {"title": cut_text(_required(title, "itemCard.profile.title"), L.ITEM_CARD_PROFILE_TITLE_MAX)}
    for key, value in (("imageUrl", image_url), ("width", width), ("height", height)):
        if value is not None:
            out[key] = value
    return out


def _fit_item_text(card: Json, limit: int) -> None:
    """Cut itemCard title + description to `limit` characters and 12 lines (description goes first)."""
    title, description = card.get("title", ""), card.get("description", "")
    if title:
        title = cut_lines(cut_text(title, limit), L.ITEM_CARD_LINES_MAX)
        card["title"] = title
    if description:
        room_chars = limit - len(title)
        room_lines = L.ITEM_CARD_LINES_MAX - (title.count("\n") + 1 if title else 0)
        if room_chars <= 0 or room_lines <= 0:
            del card["description"]
        else:
            card["description"] = cut_lines(cut_text(description, room_chars), room_lines)


def item_card(
    item_list: Sequence[Json | tuple[str, str]],
    *,
    title: str | None = None,
    description: str | None = None,
    thumbnail: Mapping[str, Any] | None = None,
    head: str | None = None,
    profile: Mapping[str, Any] | None = None,
    image_title: Mapping[str, Any] | None = None,
    item_list_alignment: Literal["left", "right"] | None = None,
    item_list_summary: tuple[str, str] | None = None,
    buttons: Sequence[Json] | None = None,
    button_layout: Layout | None = None,
    forwardable: bool | None = None,
) -> Json:
    """ItemCard output (GB-FMT §ItemCard): `{"itemCard": {"itemList": [{"title", "description"}],
    "title"?, "description"?, "thumbnail"?, "head"? | "profile"?, "imageTitle"?, "itemListAlignment"?,
    "itemListSummary"?, "buttons"?, "buttonLayout"?, "forwardable"?}}`.

    Rows are `item_row()` dicts or (title, description) pairs (title cut to 6). Title + description cut
    to 200 characters and 12 lines (100 in a carousel). `item_list_summary` is (title, amount): the
    amount must fit 14 characters and is never cut (a cut amount would lie). Raises KakaoLimitError
    for 0 or > 10 rows (> 5 in a carousel), head with profile, a description without a title, a long
    summary amount, or too many buttons.
    """
    rows = [item_row(*row) if isinstance(row, tuple) else dict(row) for row in item_list]
    if not 1 <= len(rows) <= L.ITEM_CARD_LIST_MAX:
        raise KakaoLimitError("itemCard.itemList", f"1..{L.ITEM_CARD_LIST_MAX} rows allowed, got {len(rows)}")
    if head is not None and profile is not None:
        raise KakaoLimitError("itemCard.profile", "head and profile cannot be used together")
    if description and not title:
        raise KakaoLimitError("itemCard.description", "itemCard description needs a title")
    card: Json = {}
    if thumbnail is not None:
        card["thumbnail"] = _thumb(thumbnail, "itemCard.thumbnail")
    if head is not None:
        card["head"] = {"title": _required(head, "itemCard.head.title")}
    if profile is not None:
        card["profile"] = dict(profile)
    if image_title is not None:
        card["imageTitle"] = dict(image_title)
    if title:
        card["title"] = title
    if description:
        card["description"] = description
    _fit_item_text(card, L.ITEM_CARD_TEXT_MAX)
    card["itemList"] = rows
    if item_list_alignment is not None:
        if item_list_alignment not in ("left", "right"):
            raise KakaoLimitError(
                "itemCard.itemListAlignment", f"must be left or right, got {item_list_alignment!r}"
            )
        card["itemListAlignment"] = item_list_alignment
    if item_list_summary is not None:
        s_title, s_amount = item_list_summary
        where = "itemCard.itemListSummary.description"
        if len(_required(s_amount, where)) > L.ITEM_LIST_SUMMARY_DESCRIPTION_MAX:
            limit = L.ITEM_LIST_SUMMARY_DESCRIPTION_MAX
            raise KakaoLimitError(where, f"{len(s_amount)} characters, limit {limit} (amounts are not cut)")
        card["itemListSummary"] = {
            "title": cut_text(_required(s_title, "itemCard.itemListSummary.title"), L.ITEM_LIST_TITLE_MAX),
            "description": s_amount,
        }
    _apply_buttons(card, buttons, button_layout, "itemCard")
    if forwardable is not None:
        card["forwardable"] = bool(forwardable)
    return {"itemCard": card}


def carousel_header(title: str, description: str, image_url: str) -> Json:
    """CarouselHeader (GB-FMT §CarouselHeader): `{"title" (≤ 2 lines), "description" (≤ 3 lines),
    "thumbnail": {"imageUrl"}}` (only imageUrl is supported); extra lines are cut with "…"."""
    return {
        "title": cut_lines(_required(title, "carousel.header.title"), L.CAROUSEL_HEADER_TITLE_LINES),
        "description": cut_lines(description, L.CAROUSEL_HEADER_DESCRIPTION_LINES),
        "thumbnail": {"imageUrl": _required(image_url, "carousel.header.thumbnail.imageUrl")},
    }


def _in_carousel(kind: str, card: Json, path: str) -> Json:
    """A copy of `card` fitted to the in-carousel limits (GB-FMT §Carousel and each card's section)."""
    card = dict(card)
    if kind == "textCard" and len(card.get("description", "")) > L.TEXT_CARD_DESCRIPTION_CAROUSEL_MAX:
        card["description"] = cut_text(card["description"], L.TEXT_CARD_DESCRIPTION_CAROUSEL_MAX)
    elif kind == "listCard" and len(card.get("items", ())) > L.LIST_CARD_ITEMS_CAROUSEL_MAX:
        raise KakaoLimitError(
            f"{path}.items",
            f"at most {L.LIST_CARD_ITEMS_CAROUSEL_MAX} in a carousel, got {len(card['items'])}",
        )
    elif kind == "itemCard":
        if len(card.get("itemList", ())) > L.ITEM_CARD_LIST_CAROUSEL_MAX:
            raise KakaoLimitError(
                f"{path}.itemList",
                f"at most {L.ITEM_CARD_LIST_CAROUSEL_MAX} rows in a carousel, got {len(card['itemList'])}",
            )
        _fit_item_text(card, L.ITEM_CARD_TEXT_CAROUSEL_MAX)
    return card


def carousel(kind: CarouselKind, items: Sequence[Json], header: Mapping[str, Any] | None = None) -> Json:
    """Carousel output (GB-FMT §Carousel): `{"carousel": {"type": kind, "items": [card], "header"?}}`.

    `items` are outputs from the card builders (`{"basicCard": {...}}`) or bare cards of `kind`; they
    are copied and fitted to the carousel limits. `header` (from `carousel_header`) is not allowed for
    textCard/listCard. Raises KakaoLimitError for an unknown kind, 0 or > 10 items (> 5 listCards),
    items of another type, a header where none is allowed, or a card over an in-carousel count limit.
    """
    if kind not in CAROUSEL_KINDS:
        raise KakaoLimitError("carousel.type", f"must be one of {', '.join(CAROUSEL_KINDS)}, got {kind!r}")
    hi = L.CAROUSEL_LIST_CARD_ITEMS_MAX if kind == "listCard" else L.CAROUSEL_ITEMS_MAX
    if not 1 <= len(items) <= hi:
        raise KakaoLimitError("carousel.items", f"1..{hi} items allowed for {kind}, got {len(items)}")
    cards = []
    for i, item in enumerate(items):
        path = f"carousel.items[{i}]"
        if len(item) == 1 and next(iter(item)) in OUTPUT_KINDS:
            item_kind, card = next(iter(item.items()))
            if item_kind != kind:
                raise KakaoLimitError(path, f"a {kind} carousel cannot hold a {item_kind}")
        else:
            card = item
        cards.append(_in_carousel(kind, card, path))
    body: Json = {"type": kind, "items": cards}
    if header is not None:
        if kind in ("textCard", "listCard"):
            raise KakaoLimitError("carousel.header", f"a carousel of {kind} cannot have a header")
        body["header"] = dict(header)
    return {"carousel": body}


# --- quick replies and context ---------------------------------------------------------------------


def quick_reply_message(label: str, text: str | None = None, extra: Mapping[str, Any] | None = None) -> Json:
    """QuickReply that says `text` (default: the label) as the user (GB-FMT §QuickReplies, action
    message): `{"label", "action": "message", "messageText", "extra"?}`. Label cut to 14 (GB-FMT gives
    no number, a secondary copy says 14). Entities are not extracted from a quick-reply utterance."""
    out: Json = {
        "label": cut_text(_required(label, "quickReply.label"), L.QUICK_REPLY_LABEL_MAX),
        "action": "message",
        "messageText": _required(text if text is not None else label, "quickReply.messageText"),
    }
    if extra is not None:
        out["extra"] = _extra(extra, "quickReply.extra")
    return out


def quick_reply_block(
    label: str, block_id: str, extra: Mapping[str, Any] | None = None, message_text: str | None = None
) -> Json:
    """QuickReply that calls block `block_id` (GB-FMT §QuickReplies, action block): `{"label",
    "action": "block", "blockId", "messageText"?, "extra"?}`; `extra` arrives as action.clientExtra.
    Label cut to 14. Raises KakaoLimitError without a blockId."""
    out: Json = {
        "label": cut_text(_required(label, "quickReply.label"), L.QUICK_REPLY_LABEL_MAX),
        "action": "block",
        "blockId": _required(block_id, "quickReply.blockId"),
    }
    if message_text:
        out["messageText"] = message_text
    if extra is not None:
        out["extra"] = _extra(extra, "quickReply.extra")
    return out


def _param_str(value: Any) -> str:
    # ContextValue.params is Map<String, String>: other scalars are written the way Kakao's example does.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def context_value(
    name: str, life_span: int, params: Mapping[str, Any] | None = None, ttl: int | None = None
) -> Json:
    """ContextValue (GB-FMT §ContextControl): `{"name", "lifeSpan", "ttl"?, "params"?: {str: str}}`.

    `life_span` counts block turns (0 deletes the context); `ttl` is seconds (only in GB-FMT's example;
    real requests show 600). Param values become strings (bool "true"/"false", numbers, JSON for the
    rest; None raises). Raises KakaoLimitError for an empty name or a negative/non-int lifeSpan/ttl.
    """
    out: Json = {"name": _required(name, "context.name")}
    for key, value in (("lifeSpan", life_span), ("ttl", ttl)):
        if value is None and key == "ttl":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise KakaoLimitError(f"context.{key}", f"must be an integer ≥ 0, got {value!r}")
        out[key] = value
    if params:
        for key, value in params.items():
            if value is None:
                raise KakaoLimitError(f"context.params.{key}", "must not be None")
        out["params"] = {str(k): _param_str(v) for k, v in params.items()}
    return out


# --- the response -----------------------------------------------------------------------------------


def skill_response(
    outputs: Json | Sequence[Json],
    quick_replies: Sequence[Json] | None = None,
    context: Sequence[Json] | Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> Json:
    """A whole SkillResponse (GB-FMT §SkillResponse): `{"version": "2.0", "template": {"outputs":
    [1..3], "quickReplies"?: [≤ 10]}, "context"?: {"values": [...]}, "data"?: {...}}`.

    `outputs` is one output or a list; `context` a list of `context_value()` or `{"values": [...]}`.
    Validates the result with `validate_skill_response(strict=True)` and raises `KakaoLimitError`
    naming the path of the first problem.
    """
    if isinstance(outputs, Mapping):
        outputs = [outputs]
    template: Json = {"outputs": list(outputs)}
    if quick_replies:
        template["quickReplies"] = list(quick_replies)
    resp: Json = {"version": L.VERSION, "template": template}
    if context is not None:
        resp["context"] = dict(context) if isinstance(context, Mapping) else {"values": list(context)}
    if data is not None:
        resp["data"] = dict(data)
    validate_skill_response(resp, strict=True)
    return resp


def error_response(message: str) -> Json:
    """A SkillResponse holding one simpleText with `message` (Korean; cut to 1000), for apologies and
    the body of HTTP 400 answers. An empty message becomes a generic apology. Never raises."""
    return {
        "version": L.VERSION,
        "template": {"outputs": [simple_text(message if message and message.strip() else DEFAULT_ERROR)]},
    }
