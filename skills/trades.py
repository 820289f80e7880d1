"""Trades in the chat (DESIGN.md §4, issue 5 §1): `buy`, `reserve`, `cancel-reservation`,
`my-orders`, `tracking`, `confirm-purchase`, `confirm-sale`.

Thin: read params (clientExtra first, then params, then a draft kept in context) ->
`chatbot.services.orders` -> cards. KakaoPay is never called from here: a kakaopay order answers a
webLink to `/pay/<order_id>/start` (and a paid one to `/pay/<order_id>/refund`), signed for the
member it is shown to (`chatbot.services.payments.link_token`).
"""

from __future__ import annotations

from typing import Any

from chatbot.errors import InvalidInput
from chatbot.kakao import button_weblink, carousel, simple_text, skill_response, text_card
from chatbot.models import Member, Order
from chatbot.services import listings as listing_service
from chatbot.services import orders as service
from chatbot.services import payments
from chatbot.services.orders import METHODS, STATUS_LABELS
from chatbot.services.validation import validate_fields
from skills.forms import draft_context, draft_of, end_draft, errors_text, form_values
from skills.members import current_member, registration_needed
from skills.nav import button_to, go_to
from skills.registry import SkillContext, skill

BUY_DRAFT = "buy_draft"
TRACKING_DRAFT = "tracking_draft"
TRACKING_LABELS = {"courier": "택배사", "tracking_number": "운송장 번호"}
_TRACKING_RULES = {"courier": service.parse_courier, "tracking_number": service.parse_tracking_number}

# The chat's button for each member move, the way forward first and cancelling last (`refund` and
# paying are webLinks, built below).
_ACTION_BUTTONS = {
    "ship": ("송장 입력", "tracking"),
    "confirm_purchase": ("구매확정", "confirm-purchase"),
    "confirm_sale": ("판매확정", "confirm-sale"),
    "cancel": ("거래 취소", "cancel-reservation"),
}


# --- pieces --------------------------------------------------------------------------------------


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _links(ctx: SkillContext, order: Order, member: Member, role: str) -> list[dict[str, Any]]:
    """webLink buttons: pay (buyer, 결제대기), refund (a party, 결제완료), the seller's open chat
    (buyer of an active face-to-face order)."""
    settings = ctx.settings
    out = []
    if role == "buyer" and order.status == "pending_payment":
        token = payments.link_token(settings, "start", order.id, m=member.id)
        out.append(button_weblink("카카오페이 결제", payments.pay_url(settings, order.id, "start", token)))
    if "refund" in service.available_actions(order, role):
        token = payments.link_token(settings, "refund", order.id, m=member.id)
        out.append(button_weblink("취소·환불", payments.pay_url(settings, order.id, "refund", token)))
    if (
        role == "buyer"
        and order.method == "face_to_face"
        and order.active_listing_id
        and order.listing.open_chat_url
    ):
        out.append(button_weblink("판매자 오픈채팅", order.listing.open_chat_url))
    return out


def order_buttons(ctx: SkillContext, order: Order, member: Member) -> list[dict[str, Any]]:
    """The next actions `member` may take on `order` as card buttons (≤ 3): links first, then the
    moves the order state machine allows this member (`orders.available_actions`)."""
    role = service.role_of(order, member) or ""
    buttons = _links(ctx, order, member, role)
    allowed = service.available_actions(order, role)
    for action, (label, target) in _ACTION_BUTTONS.items():
        if action in allowed:
            buttons.append(button_to(ctx, label, target, extra={"order_id": order.id}))
    return buttons[:3]


def order_card(
    ctx: SkillContext, order: Order, member: Member, headline: str | None = None
) -> dict[str, Any]:
    """A textCard of one trade as `member` sees it: item, role, method, status, amount, the other
    party, tracking (when shipped) and the next actions as buttons."""
    role = service.role_of(order, member)
    other = order.seller if role == "buyer" else order.buyer
    lines = [
        f"{'구매' if role == 'buyer' else '판매'} · {METHODS[order.method]} · {STATUS_LABELS[order.status]}",
        f"💰 {_won(order.amount)} · 👤 {other.nickname}",
    ]
    if order.tracking_number:
        lines.append(f"🚚 {order.courier} {order.tracking_number}")
    if headline:
        lines.insert(0, headline)
    return text_card(
        f"「{order.listing.title}」 #{order.id}", "\n".join(lines), buttons=order_buttons(ctx, order, member)
    )


def _menu(ctx: SkillContext) -> list[dict[str, Any]]:
    return [
        go_to(ctx, "내 거래", "my-orders"),
        go_to(ctx, "중고거래", "listings"),
        go_to(ctx, "처음으로", "welcome"),
    ]


def _answer(
    ctx: SkillContext, text: str, card: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    outputs = [simple_text(text)] + ([card] if card else [])
    return skill_response(outputs, quick_replies=_menu(ctx), **kwargs)


# --- buy / reserve -------------------------------------------------------------------------------


def _choose_method(ctx: SkillContext, listing_id: int, viewer: Member) -> dict[str, Any]:
    """The listing and a button per way it can be bought (직거래 예약 / 카카오페이 결제)."""
    item = listing_service.get_listing(ctx.db, listing_id, viewer)
    if item.seller_id == viewer.id:
        return _answer(ctx, "내 판매글은 살 수 없어요.")
    if item.status in ("reserved", "sold"):
        return _answer(ctx, service.taken_message(ctx.db, item, viewer))
    if item.status != "on_sale":
        return _answer(ctx, "판매중인 상품이 아니에요.")
    methods = service.allowed_methods(item)
    if not methods:
        return _answer(ctx, "이 상품은 판매자와 오픈채팅으로 먼저 이야기해 주세요.")
    labels = {"face_to_face": "직거래 예약", "kakaopay": "카카오페이 결제"}
    buttons = [
        button_to(ctx, labels[m], "buy", extra={"listing_id": item.id, "method": METHODS[m]}) for m in methods
    ]
    description = f"💰 {_won(item.price)} · 👤 {item.seller.nickname}\n어떻게 거래할까요?"
    return skill_response(
        [text_card(f"「{item.title}」 구매하기", description, buttons=buttons)], quick_replies=_menu(ctx)
    )


def _placed(ctx: SkillContext, order: Order, member: Member) -> dict[str, Any]:
    if order.method == "face_to_face":
        text = "✅ 예약했어요! 판매자와 오픈채팅으로 만날 시간과 장소를 정해 주세요."
        if not order.listing.open_chat_url:
            text = "✅ 예약했어요! 판매자가 연락처를 남기지 않았어요. 판매글의 거래 장소를 확인해 주세요."
        text += "\n물건을 받으면 '구매확정'을 눌러 주세요."
    else:
        text = "🧾 주문했어요! 아래 '카카오페이 결제'를 눌러 결제를 마쳐 주세요."
    return _answer(ctx, text, order_card(ctx, order, member), context=[end_draft(BUY_DRAFT)])


def _buy(ctx: SkillContext, forced_method: str | None) -> dict[str, Any]:
    draft = draft_of(ctx, BUY_DRAFT)
    raw = form_values(ctx, ("listing_id", "method"), draft)
    if forced_method:
        raw["method"] = METHODS[forced_method]
    member = current_member(ctx)
    if member is None:
        return registration_needed(
            ctx,
            "buy",
            "구매하려면 먼저 회원가입이 필요해요. 보던 상품은 기억해 둘게요.",
            context=[draft_context(BUY_DRAFT, raw)],
        )
    listing_id = listing_service.parse_listing_id(raw["listing_id"])
    if raw["method"] in (None, ""):
        return _choose_method(ctx, listing_id, member)
    order = service.place_order(ctx.db, listing_id, member, service.parse_method(raw["method"]))
    return _placed(ctx, order, member)


@skill("buy")
def buy(ctx: SkillContext) -> dict[str, Any]:
    """Start a trade of `listing_id` by `method` (직거래 / 카카오페이); without a method, the ways
    this listing can be bought as buttons. A non-member is sent to `register` (next: buy) with the
    listing kept in the context `buy_draft`. Two buyers at once: one wins, the other is told
    "이미 예약된 상품입니다"."""
    return _buy(ctx, None)


@skill("reserve")
def reserve(ctx: SkillContext) -> dict[str, Any]:
    """Reserve `listing_id` for a face-to-face deal (= `buy` with 직거래); shows the seller's
    open-chat link."""
    return _buy(ctx, "face_to_face")


# --- moves on an order ---------------------------------------------------------------------------


def _member(ctx: SkillContext, next_skill: str) -> Member | dict[str, Any]:
    member = current_member(ctx)
    if member is None:
        return registration_needed(ctx, next_skill, "거래를 하려면 먼저 회원가입이 필요해요.")
    return member


def _order_of(ctx: SkillContext, member: Member) -> Order:
    """The order named by `order_id`, else the active order holding `listing_id`, with `member`
    checked to be a party (`Forbidden` otherwise)."""
    order_id = ctx.param("order_id")
    if order_id in (None, "") and ctx.param("listing_id") not in (None, ""):
        active = service.active_order_for_listing(
            ctx.db, listing_service.parse_listing_id(ctx.param("listing_id"))
        )
        if active is None:
            raise InvalidInput("이 판매글에는 진행 중인 거래가 없어요.", details={"listing_id": "no_order"})
        order_id = active.id
    order, _role = service.get_order(ctx.db, service.parse_order_id(order_id), member)
    return order


@skill("cancel-reservation")
def cancel_reservation(ctx: SkillContext) -> dict[str, Any]:
    """Cancel a trade before payment (`order_id`, or the active order of `listing_id`): a
    reservation or an unpaid KakaoPay order, by the buyer or the seller; the listing is back on
    sale. A paid order is refunded on the web (`/pay/<id>/refund`): the answer links there."""
    member = _member(ctx, "my-orders")
    if isinstance(member, dict):
        return member
    order = _order_of(ctx, member)
    if "refund" in service.available_actions(order, service.role_of(order, member)):
        return _answer(
            ctx,
            "결제가 끝난 거래예요. 아래 '취소·환불'에서 환불하고 취소할 수 있어요.",
            order_card(ctx, order, member),
        )
    order = service.act(ctx.db, order.id, member, "cancel")
    return _answer(ctx, f"❌ 거래를 취소했어요. 「{order.listing.title}」은(는) 다시 판매중이에요.")


@skill("my-orders")
def my_orders(ctx: SkillContext) -> dict[str, Any]:
    """The member's trades as buyer and seller (active first, newest first, 10 at most), each with
    its next action as a button."""
    member = _member(ctx, "my-orders")
    if isinstance(member, dict):
        return member
    found = service.member_orders(ctx.db, member, limit=10)
    if not found:
        return _answer(ctx, "아직 거래가 없어요. 마음에 드는 물건을 찾아 보세요!")
    cards = [order_card(ctx, order, member) for order in found]
    return skill_response(
        [simple_text(f"🤝 {member.nickname}님의 거래예요."), carousel("textCard", cards)],
        quick_replies=_menu(ctx),
    )


@skill("tracking")
def tracking(ctx: SkillContext) -> dict[str, Any]:
    """The seller ships order `order_id`: `courier` (우체국택배, CJ대한통운, 한진택배, 롯데택배,
    로젠택배, 편의점택배(GS/CU)) and `tracking_number` (9–14 digits, hyphens dropped); a typo can be
    corrected while 배송중. Values given earlier wait in the context `tracking_draft`. The buyer
    (giving no values) sees the tracking number."""
    member = _member(ctx, "my-orders")
    if isinstance(member, dict):
        return member
    draft = draft_of(ctx, TRACKING_DRAFT)
    raw = form_values(ctx, ("order_id", "courier", "tracking_number"), draft)
    order, role = service.get_order(ctx.db, service.parse_order_id(raw["order_id"]), member)
    if role == "buyer" and not (raw["courier"] or raw["tracking_number"]):
        text = "🚚 아직 송장이 없어요. 판매자가 보내면 여기서 볼 수 있어요."
        if order.tracking_number:
            text = f"🚚 {order.courier} {order.tracking_number}"
        return _answer(ctx, text, order_card(ctx, order, member))
    service.check(order, "ship", role)
    accepted, errors = validate_fields(_TRACKING_RULES, raw, ("courier", "tracking_number"))
    if errors:
        keep = {"order_id": order.id, **accepted}
        replies = [
            go_to(ctx, name, "tracking", extra={**keep, "courier": name}, message_text=f"송장 {name}")
            for name in service.COURIERS
        ]
        intro = "송장을 입력할게요. 아래 항목을 알려 주세요."
        return skill_response(
            [simple_text(errors_text(errors, TRACKING_LABELS, intro))],
            quick_replies=replies if "courier" in errors else _menu(ctx),
            context=[draft_context(TRACKING_DRAFT, keep)],
        )
    order = service.act(ctx.db, order.id, member, "ship", **accepted)
    return _answer(
        ctx,
        "📦 송장을 등록했어요. 구매자가 받으면 구매확정을 해 줄 거예요.",
        order_card(ctx, order, member),
        context=[end_draft(TRACKING_DRAFT)],
    )


def _confirm(ctx: SkillContext, action: str, done: str) -> dict[str, Any]:
    member = _member(ctx, "my-orders")
    if isinstance(member, dict):
        return member
    order = service.act(ctx.db, service.parse_order_id(ctx.param("order_id")), member, action)
    return _answer(ctx, done, order_card(ctx, order, member))


@skill("confirm-purchase")
def confirm_purchase(ctx: SkillContext) -> dict[str, Any]:
    """The buyer confirms order `order_id` (물건을 받았어요): 예약중/배송중 → 구매확정."""
    return _confirm(ctx, "confirm_purchase", "👍 구매확정했어요. 판매자가 판매확정하면 거래가 끝나요.")


@skill("confirm-sale")
def confirm_sale(ctx: SkillContext) -> dict[str, Any]:
    """The seller closes order `order_id` after the buyer's confirmation: 구매확정 → 거래완료 (the
    listing is 판매완료)."""
    return _confirm(ctx, "confirm_sale", "🎉 거래가 끝났어요. 이용해 주셔서 고마워요!")
