"""Payments: KakaoPay single payments of orders (issue 5 §4, DESIGN.md §5 "Payment").

* `transition` — the one place that changes `Payment.status`: READY → APPROVED → CANCELED,
  READY → FAILED.
* flows, each taking a `Session` and a `chatbot.kakaopay.KakaoPayClient`:
  `start` (ready; the buyer is then redirected to KakaoPay), `approve` (approval_url; idempotent),
  `quit_payment` (cancel_url), `fail_payment` (fail_url), `refund` (cancel API, before shipping)
  and `reconcile` (`flask payments reconcile`: READY payments past `KAKAOPAY_READY_TTL`).
* signed links (`link_token`, `read_token`): what authorizes a browser on `/pay/...`; amounts and
  items always come from our DB, never from a URL.

The amount is the order's (int KRW); `partner_order_id` is our order id and `partner_user_id` the
buyer's member id (KakaoPay forbids personal data there). The tid is never shown to anyone.
Approving holds the order and payment rows locked (`FOR UPDATE`) for the duration of the call, so a
double-clicked or replayed approval URL waits and then finds the payment APPROVED; if KakaoPay's
answer is lost, the order lookup (`order`) decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.config import Settings
from chatbot.errors import DomainError, Forbidden, InvalidTransition, NotFound, Unavailable
from chatbot.kakaopay import (
    CANCELED_STATUSES,
    FAILED_STATUSES,
    PAID_STATUSES,
    KakaoPayClient,
    KakaoPayError,
    KakaoPayUnavailable,
)
from chatbot.models import Member, Order, Payment
from chatbot.services import orders as order_service
from chatbot.timeutil import utcnow

logger = logging.getLogger("junggyenara.payments")

STATUSES = ("READY", "APPROVED", "CANCELED", "FAILED")
TRANSITIONS: dict[str, frozenset[str]] = {
    "READY": frozenset({"APPROVED", "FAILED"}),
    "APPROVED": frozenset({"CANCELED"}),
    "CANCELED": frozenset(),
    "FAILED": frozenset(),
}
# Keys of KakaoPay's answers kept in `Payment.raw` (no tid, no card details).
RAW_KEYS = (
    "aid",
    "status",
    "payment_method_type",
    "amount",
    "canceled_amount",
    "cancel_available_amount",
    "created_at",
    "approved_at",
    "canceled_at",
)
KAKAOPAY_DOWN = "카카오페이 연결이 원활하지 않아요. 잠시 후 다시 시도해 주세요."
START_LINK_MAX_AGE = 86400  # seconds a 결제하기 / 환불 link from the chat stays valid


def transition(payment: Payment, target: str, *, failure: str | None = None) -> Payment:
    """Move `payment` to `target` if `TRANSITIONS` allows it (`failure` says why it FAILED);
    raises `InvalidTransition` otherwise. The only function that changes `Payment.status`."""
    if target not in TRANSITIONS.get(payment.status, frozenset()):
        raise InvalidTransition("이미 처리된 결제예요.")
    payment.status = target
    if target == "FAILED":
        payment.failure = failure
    return payment


def _trim(response: dict[str, Any]) -> dict[str, Any]:
    return {k: response[k] for k in RAW_KEYS if k in response}


# --- signed links --------------------------------------------------------------------------------


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=f"junggyenara-pay-{purpose}")


def link_token(settings: Settings, purpose: str, order_id: int, **claims: int) -> str:
    """A signed, timestamped token for a `/pay/<order_id>/...` link: `purpose` is `start`,
    `refund` (claims `m`: the member it was given to) or `return` (claims `p`: the payment id)."""
    return _serializer(settings, purpose).dumps({"o": order_id, **claims})


def read_token(settings: Settings, purpose: str, token: str, order_id: int, max_age: int) -> dict[str, int]:
    """The claims of `token` if it is ours, for `purpose` and `order_id`, and younger than
    `max_age` seconds; raises `Forbidden` otherwise (a tampered order id fails here)."""
    try:
        claims = _serializer(settings, purpose).loads(token or "", max_age=max_age)
    except SignatureExpired:
        raise Forbidden("링크가 만료되었어요. 카카오톡 '내 거래'에서 다시 시도해 주세요.") from None
    except BadSignature:
        raise Forbidden("올바르지 않은 링크예요. 카카오톡 '내 거래'에서 다시 시도해 주세요.") from None
    if not isinstance(claims, dict) or claims.get("o") != order_id:
        raise Forbidden("올바르지 않은 링크예요. 카카오톡 '내 거래'에서 다시 시도해 주세요.")
    return claims


def pay_url(settings: Settings, order_id: int, page: str, token: str) -> str:
    """`PUBLIC_BASE_URL/pay/<order_id>/<page>?t=<token>`."""
    return f"{settings.public_base_url}/pay/{order_id}/{page}?t={token}"


# --- flows ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Redirect:
    """Where to send the buyer after ready: KakaoPay's page for PC and for mobile browsers."""

    pc_url: str
    mobile_url: str


def _lock_payment(session: Session, order_id: int, payment_id: int) -> tuple[Payment, Order]:
    """Payment `payment_id` of order `order_id` and the order, both rows locked (`FOR UPDATE`) and
    re-read. Every flow locks the order row before its payments (start, approve, refund,
    reconcile), so two flows on one order queue instead of deadlocking. Raises `NotFound`."""
    order = order_service.lock_order(session, order_id)
    payment = session.scalar(
        select(Payment)
        .where(Payment.id == payment_id, Payment.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None:
        raise NotFound("결제 정보를 찾을 수 없어요.")
    return payment, order


def _unpaid(order: Order) -> None:
    """Raise `InvalidTransition` unless `order` waits for its payment."""
    if order.status == "pending_payment":
        return
    if order.status in ("paid", "shipping", "purchase_confirmed", "completed"):
        raise InvalidTransition("이미 결제된 거래예요.")
    raise InvalidTransition(f"{order_service.STATUS_LABELS[order.status]}된 거래라 결제할 수 없어요.")


def start(
    session: Session, client: KakaoPayClient, settings: Settings, order_id: int, member_id: int
) -> Redirect:
    """Call ready for order `order_id` on behalf of its buyer `member_id` and commit the READY payment.

    Amount and item come from the order and its listing. Earlier READY payments of the order are
    marked FAILED (`superseded`): only the newest approval link can charge. Raises `NotFound`,
    `Forbidden` (not the buyer), `InvalidTransition` (not 결제대기), `Unavailable` (KakaoPay down or
    refusing; the attempt is FAILED).
    """
    order = order_service.lock_order(session, order_id)
    try:
        if order.buyer_id != member_id:
            raise Forbidden("구매자만 결제할 수 있어요.")
        _unpaid(order)
    except DomainError:
        session.rollback()
        raise
    for older in session.scalars(
        select(Payment).where(Payment.order_id == order.id, Payment.status == "READY")
    ):
        transition(older, "FAILED", failure="superseded")
    payment = Payment(
        order_id=order.id,
        cid=client.cid,
        partner_order_id=str(order.id),
        partner_user_id=str(order.buyer_id),
        amount=order.amount,
        status="READY",
    )
    session.add(payment)
    session.commit()  # the id goes into the return links; the order lock ends here
    token = link_token(settings, "return", order.id, p=payment.id)
    try:
        ready = client.ready(
            partner_order_id=payment.partner_order_id,
            partner_user_id=payment.partner_user_id,
            item_name=order.listing.title,
            total_amount=payment.amount,
            approval_url=pay_url(settings, order.id, "approve", token),
            cancel_url=pay_url(settings, order.id, "cancel", token),
            fail_url=pay_url(settings, order.id, "fail", token),
        )
    except KakaoPayError:
        transition(payment, "FAILED", failure="ready_error")
        session.commit()
        raise Unavailable(KAKAOPAY_DOWN) from None
    payment.tid = ready["tid"]
    payment.raw = _trim(ready)
    session.commit()
    return Redirect(pc_url=ready["next_redirect_pc_url"], mobile_url=ready["next_redirect_mobile_url"])


def _settle_approved(session: Session, payment: Payment, order: Order, response: dict[str, Any]) -> None:
    transition(payment, "APPROVED")
    payment.approved_at = utcnow()
    payment.raw = _trim(response)
    order_service.apply(session, order, "pay", "system")


def _settle_failed(session: Session, payment: Payment, order: Order, failure: str) -> None:
    transition(payment, "FAILED", failure=failure)
    has_other = session.scalar(
        select(Payment.id).where(
            Payment.order_id == order.id, Payment.status == "READY", Payment.id != payment.id
        )
    )
    if order.status == "pending_payment" and has_other is None:
        order_service.apply(session, order, "fail_payment", "system")


def _lookup(client: KakaoPayClient, tid: str) -> dict[str, Any] | None:
    try:
        return client.order(tid=tid)
    except KakaoPayError:
        return None


def approve(session: Session, client: KakaoPayClient, order_id: int, payment_id: int, pg_token: str) -> str:
    """Approve payment `payment_id` of order `order_id` with the `pg_token` KakaoPay gave the
    approval_url, and commit. Idempotent: a replay finds the payment APPROVED and approves nothing.

    Gives `paid` (now or before), `pending` (KakaoPay's answer was lost and its lookup says the
    buyer is not done or cannot be reached: `reconcile` settles it) or `failed` (KakaoPay refused:
    the order is 결제실패 and its listing back on sale). Raises `NotFound`, and `InvalidTransition`
    for a payment already failed or cancelled or an order no longer waiting (then nothing is charged).
    """
    try:
        payment, order = _lock_payment(session, order_id, payment_id)
        if payment.status == "APPROVED":
            session.rollback()
            return "paid"
        if payment.status != "READY" or not payment.tid:
            raise InvalidTransition("이미 끝난 결제예요. 카카오톡 '내 거래'에서 확인해 주세요.")
        if order.status != "pending_payment":
            _settle_failed(session, payment, order, "order_closed")
            session.commit()
            _unpaid(order)
        try:
            response = client.approve(
                tid=payment.tid,
                partner_order_id=payment.partner_order_id,
                partner_user_id=payment.partner_user_id,
                pg_token=pg_token,
                total_amount=payment.amount,
            )
        except KakaoPayError as exc:
            # Lost answer, or refused (e.g. approved meanwhile by a replay): the lookup decides.
            found = _lookup(client, payment.tid)
            status = (found or {}).get("status")
            if found is not None and status in PAID_STATUSES:
                response = found
            elif isinstance(exc, KakaoPayUnavailable) and status not in FAILED_STATUSES:
                session.rollback()
                return "pending"
            else:
                logger.info(
                    "payment %s not approved: code=%s %s", payment.id, exc.code, exc.method_result_code
                )
                _settle_failed(session, payment, order, "approve_error")
                session.commit()
                return "failed"
        _settle_approved(session, payment, order, response)
        session.commit()
        return "paid"
    except Exception:
        session.rollback()
        raise


def _returning(session: Session, order_id: int, payment_id: int, failure: str) -> Order:
    try:
        payment, order = _lock_payment(session, order_id, payment_id)
        if payment.status == "READY":
            if failure == "quit":
                transition(payment, "FAILED", failure="quit")
            else:
                _settle_failed(session, payment, order, failure)
        session.commit()
        return order
    except Exception:
        session.rollback()
        raise


def quit_payment(session: Session, order_id: int, payment_id: int) -> Order:
    """The buyer left KakaoPay's page (cancel_url): the READY payment is FAILED (`quit`) and the
    order stays 결제대기, so the buyer may pay again or cancel. Anything else: no change."""
    return _returning(session, order_id, payment_id, "quit")


def fail_payment(session: Session, order_id: int, payment_id: int) -> Order:
    """KakaoPay reports a failed payment (fail_url): the READY payment is FAILED and, with no newer
    attempt waiting, the order 결제실패 and its listing back on sale. Anything else: no change."""
    return _returning(session, order_id, payment_id, "fail")


def _refund_payment(client: KakaoPayClient, payment: Payment) -> None:
    """Refund what is left of an APPROVED payment through the cancel API (lookup when the answer is
    lost); `Unavailable` when KakaoPay cannot confirm it."""
    left = payment.amount - payment.canceled_amount
    try:
        response = client.cancel(tid=payment.tid or "", cancel_amount=left, cancel_available_amount=left)
    except KakaoPayError as exc:
        found = _lookup(client, payment.tid or "") if isinstance(exc, KakaoPayUnavailable) else None
        if not found or found.get("status") not in CANCELED_STATUSES:
            logger.warning("refund failed payment=%s code=%s", payment.id, exc.code)
            raise Unavailable("환불하지 못했어요. 잠시 후 다시 시도해 주세요.") from None
        response = found
    transition(payment, "CANCELED")
    payment.canceled_amount = payment.amount
    payment.canceled_at = utcnow()
    payment.raw = _trim(response)


def refund(session: Session, client: KakaoPayClient, order_id: int, member: Member) -> Order:
    """Cancel a paid order that has not shipped, refunding the buyer in full, and commit.

    `member` is the buyer or the seller. Raises `NotFound`, `Forbidden` (anyone else),
    `InvalidTransition` (not 결제완료, e.g. 배송중) and `Unavailable` (KakaoPay did not refund;
    nothing changed).
    """
    try:
        order = order_service.lock_order(session, order_id)
        order_service.check(order, "refund", order_service.role_of(order, member))
        _refund_payment(client, _approved_payment(session, order))
        order_service.apply(
            session, order, "refund", order_service.role_of(order, member), actor_member_id=member.id
        )
        session.commit()
        return order
    except Exception:
        session.rollback()
        raise


def _approved_payment(session: Session, order: Order) -> Payment:
    """The APPROVED payment of `order`, locked; `InvalidTransition` when there is none."""
    payment = session.scalar(
        select(Payment).where(Payment.order_id == order.id, Payment.status == "APPROVED").with_for_update()
    )
    if payment is None:
        raise InvalidTransition("환불할 결제를 찾을 수 없어요.")
    return payment


def staff_cancel(session: Session, client: KakaoPayClient, order_id: int) -> Order:
    """An admin cancels order `order_id` (admin API) and it is committed: a paid order is refunded
    in full through KakaoPay first (as `refund`), an unpaid one is cancelled (as a member's cancel).
    The same moves as the members' (`order_service.MOVES` lets `admin` cancel and refund), recorded
    with actor `admin`.

    Raises `NotFound`, `InvalidTransition` (e.g. 배송중 or already finished) and `Unavailable`
    (KakaoPay did not refund; nothing changed).
    """
    try:
        order = order_service.lock_order(session, order_id)
        action = "refund" if order.status == "paid" else "cancel"
        order_service.check(order, action, "admin")
        if action == "refund":
            _refund_payment(client, _approved_payment(session, order))
        order_service.apply(session, order, action, "admin")
        session.commit()
        return order
    except Exception:
        session.rollback()
        raise


def reconcile(session: Session, client: KakaoPayClient, settings: Settings) -> dict[str, int]:
    """Settle payments left READY for longer than `KAKAOPAY_READY_TTL` seconds, by KakaoPay's
    lookup, and cancel 결제대기 orders that waited as long with no payment under way.

    Per payment: SUCCESS_PAYMENT → APPROVED and the order 결제완료 (or, if the order was closed
    meanwhile, refunded); still waiting or given up → FAILED (`expired`) and the order 결제실패;
    lookup unreachable → left for the next run. Gives counts: `approved`, `refunded`, `expired`,
    `skipped` (settled meanwhile), `canceled_orders`, `errors`. Safe to run concurrently with the
    web flows (rows are locked).
    """
    cutoff = utcnow() - timedelta(seconds=settings.kakaopay_ready_ttl)
    counts = dict.fromkeys(("approved", "refunded", "expired", "skipped", "canceled_orders", "errors"), 0)
    stale = list(
        session.scalars(select(Payment.id).where(Payment.status == "READY", Payment.created_at < cutoff))
    )
    session.rollback()
    for payment_id in stale:
        try:
            counts[_reconcile_one(session, client, payment_id)] += 1
        except Exception:
            session.rollback()
            logger.exception("reconcile failed payment=%s", payment_id)
            counts["errors"] += 1
    waiting = list(
        session.scalars(select(Order.id).where(Order.status == "pending_payment", Order.updated_at < cutoff))
    )
    for order_id in waiting:
        order = order_service.lock_order(session, order_id)
        busy = session.scalar(
            select(Payment.id).where(Payment.order_id == order_id, Payment.status == "READY")
        )
        if order.status == "pending_payment" and busy is None:
            order_service.apply(session, order, "cancel", "system")
            counts["canceled_orders"] += 1
        session.commit()
    return counts


def _reconcile_one(session: Session, client: KakaoPayClient, payment_id: int) -> str:
    order_id = session.scalar(select(Payment.order_id).where(Payment.id == payment_id))
    if order_id is None:
        session.rollback()
        return "skipped"
    payment, order = _lock_payment(session, order_id, payment_id)  # the order row first, as everywhere
    if payment.status != "READY":
        session.rollback()
        return "skipped"  # settled meanwhile by the web flow
    found = _lookup(client, payment.tid) if payment.tid else {"status": "READY"}
    if found is None:
        session.rollback()
        return "errors"
    if found.get("status") in PAID_STATUSES:
        if order.status == "pending_payment":
            _settle_approved(session, payment, order, found)
            session.commit()
            return "approved"
        transition(payment, "APPROVED")
        _refund_payment(client, payment)
        session.commit()
        return "refunded"
    _settle_failed(session, payment, order, "expired")
    session.commit()
    return "expired"
