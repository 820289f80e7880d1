"""`validate_skill_response`: check any SkillResponse dict against GB-FMT's rules, naming the path.

GB-FMT = https://kakaobusiness.gitbook.io/main/tool/chatbot/skill_guide/answer_json_format. Every
number lives in `chatbot.kakao.limits`. Two levels:

* default (lenient): what Kakao accepts — every structural rule (counts, required fields, action
  fields, layouts, carousel rules) and every text limit that Kakao's own examples respect. Every file
  in ../shared/fixtures/kakao/responses passes, including the `data`-only answer, the `useCallback`
  ack without a template and the real listCard with relative `link.web` values.
* `strict=True`: also what our builders guarantee — button labels 14 (8 when two sit side by side;
  GB-FMT's own itemCard and horizontal textCard examples exceed both), itemList titles 6 (its example
  says "Terminal"), quickReply labels 14 and messageText 1000 (secondary source), ListItem text 50
  (our choice), carousel header thumbnail with `imageUrl` only, `extra` only where an action reads it.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeGuard

from chatbot.kakao import limits as L
from chatbot.kakao.limits import KakaoLimitError

__all__ = ["CARD_KINDS", "CAROUSEL_KINDS", "OUTPUT_KINDS", "button_layout", "validate_skill_response"]

CARD_KINDS = ("textCard", "basicCard", "commerceCard", "listCard", "itemCard")
OUTPUT_KINDS = ("simpleText", "simpleImage", *CARD_KINDS, "carousel")
# GB-FMT §Carousel: basicCard, commerceCard, listCard, itemCard; its items type list also names TextCard.
CAROUSEL_KINDS = CARD_KINDS
# GB-FMT §Button action -> the field it needs (None: no field).
BUTTON_ACTIONS: dict[str, str | None] = {
    "webLink": "webLinkUrl",
    "message": "messageText",
    "phone": "phoneNumber",
    "block": "blockId",
    "share": None,
    "operator": None,
}
# GROUP-QS: team-chat bots only; accepted leniently, refused by strict (we are a channel bot).
TEAM_CHAT_BUTTON_ACTIONS = frozenset({"guide", "invite", "inviteMember", "mention", "settings"})
QUICK_REPLY_ACTIONS: dict[str, str] = {"message": "messageText", "block": "blockId"}


def button_layout(card: dict[str, Any]) -> str:
    """ "horizontal" or "vertical": `buttonLayout` if set, else horizontal when the (first) thumbnail
    has `fixedRatio: true`, else vertical (GB-FMT §buttonLayout, §Thumbnail)."""
    layout = card.get("buttonLayout")
    if layout in ("vertical", "horizontal"):
        return layout
    thumb = card.get("thumbnail")
    if thumb is None:
        thumbs = card.get("thumbnails")
        thumb = thumbs[0] if isinstance(thumbs, list) and thumbs else None
    if isinstance(thumb, dict) and thumb.get("fixedRatio") is True:
        return "horizontal"
    return "vertical"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """One validation pass; raises KakaoLimitError at the first problem."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict

    # --- primitives ---------------------------------------------------------------------------

    @staticmethod
    def fail(path: str, problem: str) -> NoReturn:
        raise KakaoLimitError(path, problem)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"must be an object, got {type(value).__name__}")
        return value

    def array(self, value: Any, path: str, lo: int, hi: int | None) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, f"must be an array, got {type(value).__name__}")
        if len(value) < lo:
            self.fail(path, f"needs at least {lo} item(s), has {len(value)}")
        if hi is not None and len(value) > hi:
            self.fail(path, f"at most {hi} allowed, has {len(value)}")
        return value

    def text(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        limit: int | None = None,
        lines: int | None = None,
    ) -> str:
        """obj[key] as a str ("" if absent and optional); required means present and non-blank."""
        value = obj.get(key)
        where = f"{path}.{key}" if path else key
        if value is None:
            if required:
                self.fail(where, "is required")
            return ""
        if not isinstance(value, str):
            self.fail(where, f"must be a string, got {type(value).__name__}")
        if required and not value.strip():
            self.fail(where, "must not be empty")
        if limit is not None and len(value) > limit:
            self.fail(where, f"{len(value)} characters, limit {limit}")
        if lines is not None and value.count("\n") + 1 > lines:
            self.fail(where, f"{value.count(chr(10)) + 1} lines, limit {lines}")
        return value

    def flag(self, obj: dict[str, Any], key: str, path: str) -> None:
        if key in obj and not isinstance(obj[key], bool):
            self.fail(f"{path}.{key}" if path else key, "must be true or false")

    # --- response -----------------------------------------------------------------------------

    def response(self, resp: Any) -> None:
        resp = self.obj(resp, "")
        if resp.get("version") != L.VERSION:
            self.fail("version", f'must be "{L.VERSION}", got {resp.get("version")!r}')
        if not any(k in resp for k in ("template", "data", "context", "useCallback")):
            self.fail("template", "missing: a SkillResponse needs template, data, context or useCallback")
        self.flag(resp, "useCallback", "")
        if "template" in resp:
            self.template(resp["template"], "template")
        if "context" in resp:
            self.context(resp["context"], "context")
        if "data" in resp:
            self.obj(resp["data"], "data")

    def template(self, template: Any, path: str) -> None:
        template = self.obj(template, path)
        outputs = self.array(template.get("outputs"), f"{path}.outputs", 1, L.OUTPUTS_MAX)
        for i, output in enumerate(outputs):
            self.output(output, f"{path}.outputs[{i}]")
        if "quickReplies" in template:
            replies = self.array(template["quickReplies"], f"{path}.quickReplies", 0, L.QUICK_REPLIES_MAX)
            for i, reply in enumerate(replies):
                self.quick_reply(reply, f"{path}.quickReplies[{i}]")

    def output(self, output: Any, path: str) -> None:
        output = self.obj(output, path)
        if len(output) != 1:
            self.fail(path, f"an output holds exactly one of {', '.join(OUTPUT_KINDS)}; has {sorted(output)}")
        kind, body = next(iter(output.items()))
        if kind not in OUTPUT_KINDS:
            self.fail(path, f"unknown output type {kind!r}")
        path = f"{path}.{kind}"
        body = self.obj(body, path)
        if kind == "simpleText":
            self.text(body, "text", path, required=True, limit=L.SIMPLE_TEXT_MAX)
        elif kind == "simpleImage":
            self.text(body, "imageUrl", path, required=True)
            self.text(body, "altText", path, required=self.strict, limit=L.ALT_TEXT_MAX)
        elif kind == "carousel":
            self.carousel(body, path)
        else:
            self.card(kind, body, path, in_carousel=False)

    # --- cards --------------------------------------------------------------------------------

    def card(self, kind: str, card: dict[str, Any], path: str, *, in_carousel: bool) -> None:
        getattr(self, f"_{kind}")(card, path, in_carousel)
        self.buttons(card, path)
        self.flag(card, "forwardable", path)

    def _textCard(self, card: dict[str, Any], path: str, in_carousel: bool) -> None:
        title = self.text(card, "title", path, limit=L.TEXT_CARD_TITLE_MAX)
        if in_carousel:
            description = self.text(card, "description", path, limit=L.TEXT_CARD_DESCRIPTION_CAROUSEL_MAX)
        else:
            description = self.text(card, "description", path, limit=L.TEXT_CARD_TEXT_MAX)
            if len(title) + len(description) > L.TEXT_CARD_TEXT_MAX:
                self.fail(
                    f"{path}.description",
                    f"title + description = {len(title) + len(description)} characters, "
                    f"limit {L.TEXT_CARD_TEXT_MAX}",
                )
        if not title.strip() and not description.strip():
            self.fail(path, "textCard needs a title or a description")

    def _basicCard(self, card: dict[str, Any], path: str, in_carousel: bool) -> None:
        if "thumbnail" not in card:
            self.fail(f"{path}.thumbnail", "is required")
        self.thumbnail(card["thumbnail"], f"{path}.thumbnail")
        self.text(card, "title", path, limit=L.BASIC_CARD_TITLE_MAX)
        self.text(card, "description", path, limit=L.BASIC_CARD_DESCRIPTION_MAX)
        if "profile" in card:
            self.profile(card["profile"], f"{path}.profile")

    def _commerceCard(self, card: dict[str, Any], path: str, in_carousel: bool) -> None:
        self.text(card, "title", path, limit=L.COMMERCE_CARD_TITLE_MAX)
        self.text(card, "description", path, limit=L.COMMERCE_CARD_DESCRIPTION_MAX)
        if not _is_int(card.get("price")) or card["price"] < 0:
            self.fail(f"{path}.price", f"must be an integer ≥ 0, got {card.get('price')!r}")
        if "currency" in card and card["currency"] != "won":
            self.fail(f"{path}.currency", f'only "won" is allowed, got {card["currency"]!r}')
        for key in ("discount", "discountedPrice"):
            if key in card and (not _is_int(card[key]) or card[key] < 0):
                self.fail(f"{path}.{key}", f"must be an integer ≥ 0, got {card[key]!r}")
        if "discountRate" in card:
            rate = card["discountRate"]
            if not _is_int(rate) or not 0 <= rate <= 100:
                self.fail(f"{path}.discountRate", f"must be an integer 0..100, got {rate!r}")
            # GB-FMT's table spells the field "dicountedPrice"; accept both spellings.
            if "discountedPrice" not in card and "dicountedPrice" not in card:
                self.fail(f"{path}.discountRate", "needs discountedPrice")
        thumbs = card.get("thumbnails")
        if not isinstance(thumbs, list) or len(thumbs) != 1:
            got = len(thumbs) if isinstance(thumbs, list) else "none"
            self.fail(f"{path}.thumbnails", f"exactly 1 thumbnail required, got {got}")
        self.thumbnail(thumbs[0], f"{path}.thumbnails[0]")
        if "profile" in card:
            self.profile(card["profile"], f"{path}.profile")

    def _listCard(self, card: dict[str, Any], path: str, in_carousel: bool) -> None:
        header = self.obj(card.get("header"), f"{path}.header")
        strict_title = L.LIST_ITEM_TITLE_MAX if self.strict else None
        self.text(header, "title", f"{path}.header", required=True, limit=strict_title)
        hi = L.LIST_CARD_ITEMS_CAROUSEL_MAX if in_carousel else L.LIST_CARD_ITEMS_MAX
        items = self.array(card.get("items"), f"{path}.items", 1, hi)
        for i, item in enumerate(items):
            self.list_item(item, f"{path}.items[{i}]")

    def list_item(self, item: Any, path: str) -> None:
        item = self.obj(item, path)
        strict = self.strict
        self.text(item, "title", path, required=True, limit=L.LIST_ITEM_TITLE_MAX if strict else None)
        self.text(item, "description", path, limit=L.LIST_ITEM_DESCRIPTION_MAX if strict else None)
        self.text(item, "imageUrl", path)
        if "link" in item:
            self.link(item["link"], f"{path}.link")
        action = item.get("action")
        if action is not None:
            if action not in QUICK_REPLY_ACTIONS:
                self.fail(f"{path}.action", f'must be "block" or "message", got {action!r}')
            self.text(item, QUICK_REPLY_ACTIONS[action], path, required=True)
        self.extra(item, path, allowed=action is not None)

    def _itemCard(self, card: dict[str, Any], path: str, in_carousel: bool) -> None:
        hi = L.ITEM_CARD_LIST_CAROUSEL_MAX if in_carousel else L.ITEM_CARD_LIST_MAX
        rows = self.array(card.get("itemList"), f"{path}.itemList", 1, hi)
        for i, row in enumerate(rows):
            where = f"{path}.itemList[{i}]"
            row = self.obj(row, where)
            self.text(
                row, "title", where, required=True, limit=L.ITEM_LIST_TITLE_MAX if self.strict else None
            )
            self.text(row, "description", where)
        title = self.text(card, "title", path)
        description = self.text(card, "description", path)
        if description.strip() and not title.strip():
            self.fail(f"{path}.description", "itemCard description needs a title")
        text_max = L.ITEM_CARD_TEXT_CAROUSEL_MAX if in_carousel else L.ITEM_CARD_TEXT_MAX
        if len(title) + len(description) > text_max:
            self.fail(
                f"{path}.description",
                f"title + description = {len(title) + len(description)} characters, limit {text_max}",
            )
        n_lines = sum(t.count("\n") + 1 for t in (title, description) if t)
        if n_lines > L.ITEM_CARD_LINES_MAX:
            self.fail(
                f"{path}.description", f"title + description = {n_lines} lines, limit {L.ITEM_CARD_LINES_MAX}"
            )
        if "head" in card and "profile" in card:
            self.fail(f"{path}.profile", "head and profile cannot be used together")
        if "head" in card:
            self.text(self.obj(card["head"], f"{path}.head"), "title", f"{path}.head", required=True)
        if "profile" in card:
            profile = self.obj(card["profile"], f"{path}.profile")
            self.text(profile, "title", f"{path}.profile", required=True, limit=L.ITEM_CARD_PROFILE_TITLE_MAX)
            self.text(profile, "imageUrl", f"{path}.profile")
        if "imageTitle" in card:
            where = f"{path}.imageTitle"
            image_title = self.obj(card["imageTitle"], where)
            self.text(image_title, "title", where, required=True, lines=L.IMAGE_TITLE_TITLE_LINES)
            self.text(image_title, "description", where, lines=L.IMAGE_TITLE_DESCRIPTION_LINES)
            self.text(image_title, "imageUrl", where)
        if "thumbnail" in card:
            thumb = self.thumbnail(card["thumbnail"], f"{path}.thumbnail")
            width, height = thumb.get("width"), thumb.get("height")
            # GB-FMT §ItemCard: in a carousel only the 2:1 thumbnail is allowed.
            if in_carousel and _is_int(width) and _is_int(height) and width != 2 * height:
                self.fail(
                    f"{path}.thumbnail",
                    f"in a carousel an itemCard thumbnail must be 2:1, got {width}×{height}",
                )
        if "itemListAlignment" in card and card["itemListAlignment"] not in ("left", "right"):
            self.fail(
                f"{path}.itemListAlignment", f'must be "left" or "right", got {card["itemListAlignment"]!r}'
            )
        if "itemListSummary" in card:
            where = f"{path}.itemListSummary"
            summary = self.obj(card["itemListSummary"], where)
            self.text(
                summary, "title", where, required=True, limit=L.ITEM_LIST_TITLE_MAX if self.strict else None
            )
            self.text(summary, "description", where, required=True, limit=L.ITEM_LIST_SUMMARY_DESCRIPTION_MAX)

    def carousel(self, carousel: dict[str, Any], path: str) -> None:
        kind = carousel.get("type")
        if kind not in CAROUSEL_KINDS:
            self.fail(f"{path}.type", f"must be one of {', '.join(CAROUSEL_KINDS)}, got {kind!r}")
        hi = L.CAROUSEL_LIST_CARD_ITEMS_MAX if kind == "listCard" else L.CAROUSEL_ITEMS_MAX
        items = self.array(carousel.get("items"), f"{path}.items", 1, hi)
        if "header" in carousel:
            self.carousel_header(kind, carousel["header"], f"{path}.header")
        ratios: set[bool] = set()
        for i, item in enumerate(items):
            where = f"{path}.items[{i}]"
            item = self.obj(item, where)
            if len(item) == 1 and next(iter(item)) in OUTPUT_KINDS:
                inner = next(iter(item))
                self.fail(where, f"carousel items are bare {kind} objects, got one wrapped in {inner!r}")
            self.card(kind, item, where, in_carousel=True)
            thumb = item.get("thumbnail") or (item.get("thumbnails") or [None])[0]
            if isinstance(thumb, dict):
                ratios.add(thumb.get("fixedRatio") is True)
        # GB-FMT §Carousel: the images of one carousel are all 1:1 or all 2:1.
        if len(ratios) > 1:
            self.fail(f"{path}.items", "thumbnails mix fixedRatio true (1:1) and false (2:1)")

    def carousel_header(self, kind: str, header: Any, path: str) -> None:
        if kind in ("textCard", "listCard"):
            self.fail(path, f"a carousel of {kind} cannot have a header")
        header = self.obj(header, path)
        self.text(header, "title", path, required=True, lines=L.CAROUSEL_HEADER_TITLE_LINES)
        self.text(header, "description", path, lines=L.CAROUSEL_HEADER_DESCRIPTION_LINES)
        thumb = self.obj(header.get("thumbnail"), f"{path}.thumbnail")
        self.text(thumb, "imageUrl", f"{path}.thumbnail", required=True)
        if self.strict and set(thumb) != {"imageUrl"}:
            self.fail(f"{path}.thumbnail", f"only imageUrl is supported, got {sorted(thumb)}")

    # --- parts --------------------------------------------------------------------------------

    def thumbnail(self, thumb: Any, path: str) -> dict[str, Any]:
        thumb = self.obj(thumb, path)
        self.text(thumb, "imageUrl", path, required=True)
        self.text(thumb, "altText", path, limit=L.THUMBNAIL_ALT_TEXT_MAX)
        self.flag(thumb, "fixedRatio", path)
        for key in ("width", "height"):
            if key in thumb and (not _is_int(thumb[key]) or thumb[key] <= 0):
                self.fail(f"{path}.{key}", f"must be a positive integer, got {thumb[key]!r}")
        if "link" in thumb:
            self.link(thumb["link"], f"{path}.link")
        return thumb

    def link(self, link: Any, path: str) -> None:
        link = self.obj(link, path)
        # Relative values are kept (a real bot sent them); only the type is checked.
        if not any(isinstance(link.get(k), str) and link[k] for k in ("web", "pc", "mobile")):
            self.fail(path, "needs web, pc or mobile")
        for key in ("web", "pc", "mobile"):
            self.text(link, key, path)

    def profile(self, profile: Any, path: str) -> None:
        profile = self.obj(profile, path)
        self.text(profile, "nickname", path, required=True)
        self.text(profile, "imageUrl", path)

    def extra(self, obj: dict[str, Any], path: str, *, allowed: bool) -> None:
        if "extra" not in obj:
            return
        if not isinstance(obj["extra"], dict):
            self.fail(f"{path}.extra", "must be an object (it arrives as action.clientExtra)")
        if self.strict and not allowed:
            self.fail(f"{path}.extra", "only a block or message action passes extra on")

    def buttons(self, card: dict[str, Any], path: str) -> None:
        if "buttonLayout" in card and card["buttonLayout"] not in ("vertical", "horizontal"):
            self.fail(
                f"{path}.buttonLayout", f'must be "vertical" or "horizontal", got {card["buttonLayout"]!r}'
            )
        if "buttons" not in card:
            return
        layout = button_layout(card)
        hi = L.BUTTONS_HORIZONTAL_MAX if layout == "horizontal" else L.BUTTONS_VERTICAL_MAX
        buttons = self.array(card["buttons"], f"{path}.buttons", 0, hi)
        label_max = None
        if self.strict:
            side_by_side = layout == "horizontal" and len(buttons) == 2
            label_max = L.BUTTON_LABEL_HORIZONTAL_MAX if side_by_side else L.BUTTON_LABEL_MAX
        for i, button in enumerate(buttons):
            self.button(button, f"{path}.buttons[{i}]", label_max)

    def button(self, button: Any, path: str, label_max: int | None) -> None:
        button = self.obj(button, path)
        self.text(button, "label", path, required=True, limit=label_max)
        action = button.get("action")
        if action in BUTTON_ACTIONS:
            needed = BUTTON_ACTIONS[action]
            if needed is not None:
                self.text(button, needed, path, required=True)
        elif self.strict or action not in TEAM_CHAT_BUTTON_ACTIONS:
            self.fail(f"{path}.action", f"must be one of {', '.join(BUTTON_ACTIONS)}, got {action!r}")
        if action == "block" or action == "message":
            self.text(button, "messageText", path, limit=L.MESSAGE_TEXT_MAX if self.strict else None)
        self.extra(button, path, allowed=action in ("block", "message"))

    def quick_reply(self, reply: Any, path: str) -> None:
        reply = self.obj(reply, path)
        self.text(reply, "label", path, required=True, limit=L.QUICK_REPLY_LABEL_MAX if self.strict else None)
        action = reply.get("action")
        if action not in QUICK_REPLY_ACTIONS:
            self.fail(f"{path}.action", f'must be "message" or "block", got {action!r}')
        self.text(reply, QUICK_REPLY_ACTIONS[action], path, required=True)
        self.text(reply, "messageText", path, limit=L.MESSAGE_TEXT_MAX if self.strict else None)
        self.extra(reply, path, allowed=True)

    def context(self, context: Any, path: str) -> None:
        context = self.obj(context, path)
        values = self.array(context.get("values"), f"{path}.values", 0, None)
        for i, value in enumerate(values):
            where = f"{path}.values[{i}]"
            value = self.obj(value, where)
            self.text(value, "name", where, required=True)
            if not _is_int(value.get("lifeSpan")) or value["lifeSpan"] < 0:
                self.fail(
                    f"{where}.lifeSpan", f"must be an integer ≥ 0 (0 deletes), got {value.get('lifeSpan')!r}"
                )
            if "ttl" in value and (not _is_int(value["ttl"]) or value["ttl"] < 0):
                self.fail(f"{where}.ttl", f"must be an integer ≥ 0 (seconds), got {value['ttl']!r}")
            if "params" in value:
                params = self.obj(value["params"], f"{where}.params")
                for key, param in params.items():
                    if not isinstance(param, str):
                        self.fail(f"{where}.params.{key}", f"must be a string, got {type(param).__name__}")


def validate_skill_response(resp: dict[str, Any], *, strict: bool = False) -> None:
    """Check a SkillResponse dict (`{"version": "2.0", "template": {...}, "context": {...}, "data": {...}}`
    or a `useCallback` ack) against GB-FMT's rules; return None if it is valid.

    `strict=False` (default) accepts what Kakao accepts, including every fixture in
    fixtures/kakao/responses; `strict=True` also demands what our builders guarantee (see the module
    docstring). Raises `KakaoLimitError` at the first problem, with `.path` such as
    "template.outputs[0].carousel.items[2].buttons[1].label". Source: GB-FMT §SkillResponse, §SkillTemplate,
    and the section of each component.
    """
    _Checker(strict).response(resp)
