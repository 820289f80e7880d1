"""Issue 5 acceptance, end to end through /skills/... and /pay/... with the KakaoPay stand-in on a
real port and two botUserKeys (plus a stranger): both flows to 거래완료, cancel at every stage,
cancel_url and fail_url, a replayed approval, a lost approve answer, tampering, the wrong user on
every action, and `make run`'s in-process stand-in."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from chatbot.config import Settings
from chatbot.models import Listing, Order, Payment
from tests.conftest import TEST_REDIS_URL, texts_of
from tests.market_helpers import BUYER, SELLER, listings, members, quick_reply, register, sell
from tests.trade_helpers import (
    follow_kakaopay,
    fresh,
    local_path,
    order_of,
    payment_settings,
    payments_of,
)

STRANGER = "stranger-key-0003"
TRADE_SKILLS = [
    "buy",
    "reserve",
    "cancel-reservation",
    "my-orders",
    "tracking",
    "confirm-purchase",
    "confirm-sale",
]


@pytest.fixture
def settings(migrated_database, standin):
    return payment_settings(migrated_database, TEST_REDIS_URL, standin)


def buttons(answer: dict) -> list[dict]:
    """Every button of every card in `answer` (carousels included)."""
    out = []
    for output in answer["template"]["outputs"]:
        for card in [*output.values(), *output.get("carousel", {}).get("items", [])]:
            if isinstance(card, dict):
                out += card.get("buttons", [])
    return out


def button(answer: dict, label: str) -> dict | None:
    return next((b for b in buttons(answer) if b["label"] == label), None)


@pytest.fixture
def market(kakao, rt):
    """Seller (판매왕) with one listing (30,000 KRW, 직거래·택배, open chat); buyer, stranger registered."""
    register(kakao, SELLER, nickname="판매왕")
    register(kakao, BUYER, nickname="구매왕", phone="01022223333")
    register(kakao, STRANGER, nickname="구경꾼", phone="01044445555")
    sell(kakao, SELLER, price="3만", trade_method="둘 다")
    return listings(rt)[0].id


def _order_id(rt) -> int:
    with rt.sessions() as session:
        return session.query(Order).order_by(Order.id.desc()).first().id


def _buy_kakaopay(kakao, rt, listing_id: int) -> tuple[int, str]:
    answer = kakao.call(
        "buy", client_extra={"listing_id": listing_id, "method": "카카오페이"}, user_key=BUYER
    )
    assert "주문했어요" in texts_of(answer)
    pay = button(answer, "카카오페이 결제")
    assert pay["action"] == "webLink" and "/pay/" in pay["webLinkUrl"] and "/start?t=" in pay["webLinkUrl"]
    return _order_id(rt), pay["webLinkUrl"]


def _call(kakao, skill: str, order_id: int, user_key: str, **params) -> str:
    return texts_of(kakao.call(skill, client_extra={"order_id": order_id}, params=params, user_key=user_key))


# --- the two flows -------------------------------------------------------------------------------


def test_face_to_face_flow_to_completed(kakao, rt, market):
    detail = kakao.call("listing", client_extra={"listing_id": market}, user_key=BUYER)
    assert button(detail, "구매하기")["extra"] == {"listing_id": market}
    assert (
        button(kakao.call("listing", client_extra={"listing_id": market}, user_key=SELLER), "구매하기")
        is None
    )

    choose = kakao.call("buy", client_extra={"listing_id": market}, user_key=BUYER)
    assert {b["label"] for b in buttons(choose)} == {"직거래 예약", "카카오페이 결제"}
    reserved = kakao.call("buy", client_extra=button(choose, "직거래 예약")["extra"], user_key=BUYER)
    assert "예약했어요" in texts_of(reserved)
    assert button(reserved, "판매자 오픈채팅")["webLinkUrl"] == "https://open.kakao.com/o/sAnonChT"
    order_id = _order_id(rt)
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == ("reserved", "reserved")

    # Both see it in my-orders with their next action.
    mine = kakao.call("my-orders", user_key=BUYER)
    assert "예약중" in texts_of(mine) and button(mine, "구매확정") and button(mine, "거래 취소")
    theirs = kakao.call("my-orders", user_key=SELLER)
    assert button(theirs, "거래 취소") and not button(theirs, "구매확정")
    assert "구매확정했어요" in _call(kakao, "confirm-purchase", order_id, BUYER)
    assert button(kakao.call("my-orders", user_key=SELLER), "판매확정")
    assert "거래가 끝났어요" in _call(kakao, "confirm-sale", order_id, SELLER)
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == ("completed", "sold")
    assert "이미 판매된 상품" in texts_of(
        kakao.call("buy", client_extra={"listing_id": market, "method": "직거래"}, user_key=STRANGER)
    )


def test_kakaopay_flow_to_completed(kakao, client, rt, market, standin):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    assert order_of(rt, order_id).status == "pending_payment"

    approval_url, page = follow_kakaopay(
        client, start_url, user_agent="Mozilla/5.0 (iPhone) KAKAOTALK 10.4.0"
    )
    assert page.status_code == 200 and "결제가 완료되었어요" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    [payment] = payments_of(rt, order_id)
    assert (payment.status, payment.amount) == ("APPROVED", 30000)
    assert payment.tid not in page.get_data(as_text=True) and payment.tid not in approval_url
    assert order_of(rt, order_id).status == "paid"

    # The seller ships: courier from a quickReply, the number typed (hyphens dropped).
    ask = kakao.call("tracking", client_extra={"order_id": order_id}, user_key=SELLER)
    cj = quick_reply(ask, "CJ대한통운")
    assert cj["extra"] == {"order_id": order_id, "courier": "CJ대한통운"}
    wrong = kakao.call(
        "tracking", client_extra=cj["extra"], params={"tracking_number": "12-34"}, user_key=SELLER
    )
    assert "운송장 번호" in texts_of(wrong) and order_of(rt, order_id).status == "paid"
    shipped = kakao.call(
        "tracking", client_extra=cj["extra"], params={"tracking_number": "6070-1234-5678"}, user_key=SELLER
    )
    assert "송장을 등록했어요" in texts_of(shipped)
    order = order_of(rt, order_id)
    assert (order.status, order.courier, order.tracking_number) == ("shipping", "CJ대한통운", "607012345678")
    assert "CJ대한통운 607012345678" in _call(kakao, "tracking", order_id, BUYER)
    assert "607012345678" in texts_of(kakao.call("my-orders", user_key=BUYER))

    assert "구매확정했어요" in _call(kakao, "confirm-purchase", order_id, BUYER)
    assert "거래가 끝났어요" in _call(kakao, "confirm-sale", order_id, SELLER)
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == ("completed", "sold")


def test_buying_a_taken_listing_says_who_has_it(kakao, rt, market):
    kakao.call("reserve", client_extra={"listing_id": market}, user_key=BUYER)
    for extra in ({"listing_id": market}, {"listing_id": market, "method": "직거래"}):
        mine = texts_of(kakao.call("buy", client_extra=extra, user_key=BUYER))
        assert "이미 내가 예약한 상품이에요" in mine, extra
        theirs = texts_of(kakao.call("buy", client_extra=extra, user_key=STRANGER))
        assert "이미 예약된 상품입니다" in theirs and "직거래 예약" not in theirs, extra
    order_id = _order_id(rt)
    _call(kakao, "confirm-purchase", order_id, BUYER)
    _call(kakao, "confirm-sale", order_id, SELLER)
    for extra in ({"listing_id": market}, {"listing_id": market, "method": "카카오페이"}):
        assert "이미 판매된 상품입니다" in texts_of(kakao.call("buy", client_extra=extra, user_key=STRANGER))
    with rt.sessions() as session:
        assert session.query(Order).count() == 1


def test_a_non_member_is_led_to_register_and_back_to_the_listing(kakao, rt, market):
    from tests.market_helpers import call_with_contexts, contexts_of

    first = kakao.call("buy", client_extra={"listing_id": market}, user_key="newcomer-0009")
    assert quick_reply(first, "회원가입")["extra"] == {"next": "buy"}
    kept = contexts_of(first)
    welcome = kakao.call(
        "register",
        client_extra={"next": "buy"},
        params={"nickname": "새손님", "phone": "01099998888"},
        user_key="newcomer-0009",
    )
    back = quick_reply(welcome, "구매 계속하기")
    again = call_with_contexts(kakao, "buy", back["messageText"], contexts=kept, user_key="newcomer-0009")
    assert {b["label"] for b in buttons(again)} == {"직거래 예약", "카카오페이 결제"}


# --- cancel at every stage -----------------------------------------------------------------------


def test_cancel_before_payment_by_either_party(kakao, rt, market):
    kakao.call("reserve", client_extra={"listing_id": market}, user_key=BUYER)
    assert "다시 판매중" in texts_of(
        kakao.call("cancel-reservation", client_extra={"listing_id": market}, user_key=BUYER)
    )
    assert fresh(rt, Listing, market).status == "on_sale"
    kakao.call("reserve", client_extra={"listing_id": market}, user_key=BUYER)
    assert "다시 판매중" in _call(kakao, "cancel-reservation", _order_id(rt), SELLER)
    order_id, _ = _buy_kakaopay(kakao, rt, market)
    assert "다시 판매중" in _call(kakao, "cancel-reservation", order_id, BUYER)
    assert order_of(rt, order_id).status == "canceled"
    assert "이미 취소된" in _call(kakao, "cancel-reservation", order_id, BUYER)
    assert fresh(rt, Listing, market).status == "on_sale"


def test_cancel_after_payment_refunds_and_is_refused_once_shipped(kakao, client, rt, market, standin):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    follow_kakaopay(client, start_url)
    answer = kakao.call("cancel-reservation", client_extra={"order_id": order_id}, user_key=SELLER)
    refund = button(answer, "취소·환불")
    assert refund["action"] == "webLink" and order_of(rt, order_id).status == "paid"
    confirm = client.get(local_path(refund["webLinkUrl"]))
    assert confirm.status_code == 200 and "환불" in confirm.get_data(as_text=True)
    token = parse_qs(urlsplit(refund["webLinkUrl"]).query)["t"][0]
    done = client.post(urlsplit(refund["webLinkUrl"]).path, data={"t": token})
    assert done.status_code == 200 and "환불했어요" in done.get_data(as_text=True)
    [payment] = payments_of(rt, order_id)
    assert (payment.status, payment.canceled_amount) == ("CANCELED", 30000)
    assert standin.payment(payment.tid)["status"] == "CANCEL_PAYMENT"
    assert order_of(rt, order_id).status == "canceled" and fresh(rt, Listing, market).status == "on_sale"
    again = client.post(urlsplit(refund["webLinkUrl"]).path, data={"t": token})
    assert again.status_code == 409

    # Next buyer pays; once shipped neither chat nor web can cancel.
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    follow_kakaopay(client, start_url)
    refund = button(kakao.call("my-orders", user_key=BUYER), "취소·환불")
    _call(kakao, "tracking", order_id, SELLER, courier="우체국", tracking_number="1234567890123")
    assert "배송이 시작된" in _call(kakao, "cancel-reservation", order_id, BUYER)
    token = parse_qs(urlsplit(refund["webLinkUrl"]).query)["t"][0]
    refused = client.post(urlsplit(refund["webLinkUrl"]).path, data={"t": token})
    assert refused.status_code == 409 and "배송이 시작된" in refused.get_data(as_text=True)
    _call(kakao, "confirm-purchase", order_id, BUYER)
    assert "취소할 수 없어요" in _call(kakao, "cancel-reservation", order_id, SELLER)
    _call(kakao, "confirm-sale", order_id, SELLER)
    assert "거래완료된 거래" in _call(kakao, "cancel-reservation", order_id, BUYER)
    assert order_of(rt, order_id).status == "completed"


def test_the_buyer_cancels_a_paid_order_from_my_orders_and_is_refunded(kakao, client, rt, market, standin):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    follow_kakaopay(client, start_url)
    assert "결제가 끝난 거래예요" in _call(kakao, "cancel-reservation", order_id, BUYER)
    assert order_of(rt, order_id).status == "paid"
    refund = button(kakao.call("my-orders", user_key=BUYER), "취소·환불")
    token = parse_qs(urlsplit(refund["webLinkUrl"]).query)["t"][0]
    done = client.post(urlsplit(refund["webLinkUrl"]).path, data={"t": token})
    assert done.status_code == 200 and "환불했어요" in done.get_data(as_text=True)
    [payment] = payments_of(rt, order_id)
    assert (payment.status, payment.canceled_amount) == ("CANCELED", 30000)
    assert standin.payment(payment.tid)["canceled_amount"]["total"] == 30000
    assert standin.calls().count("cancel") == 1
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == ("canceled", "on_sale")
    assert "취소" in texts_of(kakao.call("my-orders", user_key=BUYER))


def test_the_seller_cancels_an_unpaid_order_and_the_buyers_payment_is_never_taken(
    kakao, client, rt, market, standin
):
    # Cancelled before the buyer opened the pay link: the link refuses, nothing is prepared.
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    assert "다시 판매중" in _call(kakao, "cancel-reservation", order_id, SELLER)
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == ("canceled", "on_sale")
    late = client.get(local_path(start_url))
    assert late.status_code == 409 and "취소된 거래라 결제할 수 없어요" in late.get_data(as_text=True)
    assert "ready" not in standin.calls()

    # Cancelled while the buyer is on KakaoPay's page: the approval URL charges nothing.
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    to_kakaopay = client.get(local_path(start_url))
    assert to_kakaopay.status_code == 302
    assert "다시 판매중" in _call(kakao, "cancel-reservation", order_id, SELLER)
    back = requests.get(to_kakaopay.headers["Location"], allow_redirects=False, timeout=5)
    page = client.get(local_path(back.headers["Location"]))
    assert page.status_code == 409 and "결제할 수 없어요" in page.get_data(as_text=True)
    assert "approve" not in standin.calls()
    assert [p.status for p in payments_of(rt, order_id)] == ["FAILED"]
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == ("canceled", "on_sale")

    # A failed payment is over: nothing left to cancel.
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    follow_kakaopay(client, start_url, outcome="fail")
    assert "이미 결제실패된 거래" in _call(kakao, "cancel-reservation", order_id, BUYER)
    assert order_of(rt, order_id).status == "payment_failed"


def test_a_face_to_face_trade_cannot_be_cancelled_once_the_purchase_is_confirmed(kakao, rt, market):
    kakao.call("reserve", client_extra={"listing_id": market}, user_key=BUYER)
    order_id = _order_id(rt)
    assert "구매확정했어요" in _call(kakao, "confirm-purchase", order_id, BUYER)
    assert not button(kakao.call("my-orders", user_key=BUYER), "거래 취소")
    assert not button(kakao.call("my-orders", user_key=SELLER), "거래 취소")
    for who in (BUYER, SELLER):
        assert "구매확정 상태에서는 취소할 수 없어요" in _call(kakao, "cancel-reservation", order_id, who)
    assert "구매확정 상태에서는 취소할 수 없어요" in texts_of(
        kakao.call("cancel-reservation", client_extra={"listing_id": market}, user_key=BUYER)
    )
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == (
        "purchase_confirmed",
        "reserved",
    )
    assert "거래가 끝났어요" in _call(kakao, "confirm-sale", order_id, SELLER)
    for who in (BUYER, SELLER):
        assert "이미 거래완료된 거래" in _call(kakao, "cancel-reservation", order_id, who)
    assert (order_of(rt, order_id).status, fresh(rt, Listing, market).status) == ("completed", "sold")


# --- KakaoPay's return pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent,page",
    [
        ("Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 Mobile Safari/537.36", "mobile"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) KAKAOTALK 10.8.0", "mobile"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36", "pc"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15", "pc"),
    ],
)
def test_start_redirects_to_kakaopays_mobile_or_pc_page_by_user_agent(
    kakao, client, rt, market, standin, user_agent, page
):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    to = client.get(local_path(start_url), headers={"User-Agent": user_agent})
    assert to.status_code == 302 and "/pay/redirect/" in to.headers["Location"]
    assert parse_qs(urlsplit(to.headers["Location"]).query) == {"env": [page]}
    [payment] = payments_of(rt, order_id)
    assert payment.tid not in to.headers["Location"] + to.get_data(as_text=True)


def test_cancel_url_keeps_the_order_and_fail_url_ends_it(kakao, client, rt, market, standin):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    _, page = follow_kakaopay(client, start_url, outcome="cancel")
    assert page.status_code == 200 and "결제를 취소했어요" in page.get_data(as_text=True)
    assert order_of(rt, order_id).status == "pending_payment"
    assert payments_of(rt, order_id)[0].failure == "quit"
    # The buyer tries again from the same chat button and pays.
    _, page = follow_kakaopay(client, start_url)
    assert "결제가 완료되었어요" in page.get_data(as_text=True)
    assert order_of(rt, order_id).status == "paid"

    other = sell(kakao, SELLER, title="책상 팝니다", trade_method="택배")
    assert "올렸어요" in texts_of(other)
    desk = listings(rt)[-1].id
    order_id, start_url = _buy_kakaopay(kakao, rt, desk)
    _, page = follow_kakaopay(client, start_url, outcome="fail")
    assert "결제에 실패했어요" in page.get_data(as_text=True)
    assert order_of(rt, order_id).status == "payment_failed"
    assert fresh(rt, Listing, desk).status == "on_sale"
    assert "결제실패된 거래" in client.get(local_path(start_url)).get_data(as_text=True)


def test_a_replayed_approval_url_approves_once(kakao, client, rt, market, standin):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    approval_url, _ = follow_kakaopay(client, start_url)
    replay = client.get(local_path(approval_url))
    assert replay.status_code == 200 and "결제가 완료되었어요" in replay.get_data(as_text=True)
    assert standin.calls().count("approve") == 1
    assert [p.status for p in payments_of(rt, order_id)] == ["APPROVED"]
    # A new start on a paid order is refused; nothing is prepared.
    again = client.get(local_path(start_url))
    assert again.status_code == 409 and "이미 결제된" in again.get_data(as_text=True)
    assert standin.calls().count("ready") == 1


def test_an_approve_timeout_is_resolved_by_the_lookup(kakao, client, rt, market, standin):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    standin.control(delay={"approve": 1.5})
    _, page = follow_kakaopay(client, start_url)
    assert "결제가 완료되었어요" in page.get_data(as_text=True)
    assert standin.calls()[-2:] == ["approve", "order"]
    assert order_of(rt, order_id).status == "paid"


def test_tampering_is_rejected(kakao, client, rt, market, standin):
    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    path = local_path(start_url)
    token = parse_qs(urlsplit(start_url).query)["t"][0]
    # An amount in the query string is ignored: KakaoPay is asked for our price.
    moved = client.get(path + "&amount=100&total_amount=100")
    assert moved.status_code == 302
    [payment] = payments_of(rt, order_id)
    assert standin.payment(payment.tid)["amount"]["total"] == 30000
    # Another order id with this token, a forged token, no token.
    for bad in (
        f"/pay/{order_id + 1}/start?t={token}",
        f"/pay/{order_id}/start?t={token[:-3]}abc",
        f"/pay/{order_id}/start",
    ):
        refused = client.get(bad)
        assert refused.status_code == 403 and "링크" in refused.get_data(as_text=True)
    # The approval URL: moved to another order, a start token in place of a return token, no pg_token.
    approval_url = requests.get(moved.headers["Location"], allow_redirects=False, timeout=5).headers[
        "Location"
    ]
    approval = local_path(approval_url)
    assert client.get(approval.replace(f"/pay/{order_id}/", f"/pay/{order_id + 1}/")).status_code == 403
    assert client.get(f"/pay/{order_id}/approve?t={token}&pg_token=abc").status_code == 403
    assert client.get(approval.split("&pg_token=")[0]).status_code == 400
    assert client.post(f"/pay/{order_id}/refund", data={"t": token}).status_code == 403
    assert order_of(rt, order_id).status == "pending_payment"
    assert fresh(rt, Payment, payment.id).status == "READY"
    # The real one still works.
    assert "결제가 완료되었어요" in client.get(approval).get_data(as_text=True)


# --- the wrong user ------------------------------------------------------------------------------


def test_the_wrong_user_is_refused_on_every_action(kakao, client, rt, market, standin):
    from chatbot.services import payments

    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    for skill in ("cancel-reservation", "tracking", "confirm-purchase", "confirm-sale"):
        assert "내 거래가 아니에요" in _call(kakao, skill, order_id, STRANGER), skill
    seller_token = payments.link_token(rt.settings, "start", order_id, m=order_of(rt, order_id).seller_id)
    seller_link = payments.pay_url(rt.settings, order_id, "start", seller_token)
    assert "구매자만 결제" in client.get(local_path(seller_link)).get_data(as_text=True)
    follow_kakaopay(client, start_url)
    assert "판매자만 송장" in _call(
        kakao, "tracking", order_id, BUYER, courier="CJ", tracking_number="123456789"
    )
    assert "구매자만" not in _call(kakao, "tracking", order_id, BUYER)  # the buyer may look
    _call(kakao, "tracking", order_id, SELLER, courier="한진", tracking_number="123456789")
    assert "구매자만 구매확정" in _call(kakao, "confirm-purchase", order_id, SELLER)
    _call(kakao, "confirm-purchase", order_id, BUYER)
    assert "판매자만 판매확정" in _call(kakao, "confirm-sale", order_id, BUYER)
    assert "내 거래가 아니에요" in _call(kakao, "confirm-sale", order_id, STRANGER)
    assert order_of(rt, order_id).status == "purchase_confirmed"
    assert "회원가입" in _call(kakao, "confirm-sale", order_id, "not-a-member")
    # A seller cannot buy their own listing.
    other = sell(kakao, SELLER, title="스탠드 팝니다")
    assert "올렸어요" in texts_of(other)
    own = kakao.call(
        "buy", client_extra={"listing_id": listings(rt)[-1].id, "method": "직거래"}, user_key=SELLER
    )
    assert "내 판매글은 살 수 없어요" in texts_of(own)


def test_a_stranger_is_refused_by_listing_and_on_every_pay_link(kakao, client, rt, market, standin):
    from chatbot.services import payments

    order_id, start_url = _buy_kakaopay(kakao, rt, market)
    stranger_id = next(m.id for m in members(rt) if m.bot_user_key == STRANGER)
    answer = kakao.call("cancel-reservation", client_extra={"listing_id": market}, user_key=STRANGER)
    assert "내 거래가 아니에요" in texts_of(answer)
    assert order_of(rt, order_id).status == "pending_payment"
    assert "아직 거래가 없어요" in texts_of(kakao.call("my-orders", user_key=STRANGER))
    own_start = payments.pay_url(
        rt.settings, order_id, "start", payments.link_token(rt.settings, "start", order_id, m=stranger_id)
    )
    refused = client.get(local_path(own_start))
    assert refused.status_code == 403 and "구매자만 결제" in refused.get_data(as_text=True)
    assert "ready" not in standin.calls()

    follow_kakaopay(client, start_url)
    own_refund = payments.pay_url(
        rt.settings, order_id, "refund", payments.link_token(rt.settings, "refund", order_id, m=stranger_id)
    )
    token = parse_qs(urlsplit(own_refund).query)["t"][0]
    refused = client.post(urlsplit(own_refund).path, data={"t": token})
    assert refused.status_code == 403 and "내 거래가 아니에요" in refused.get_data(as_text=True)
    assert "cancel" not in standin.calls()
    assert order_of(rt, order_id).status == "paid"
    assert [p.status for p in payments_of(rt, order_id)] == ["APPROVED"]


# --- every payload, bad input --------------------------------------------------------------------


@pytest.mark.parametrize("skill", TRADE_SKILLS)
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"listing_id": "abc"},
        {"order_id": "-1"},
        {"order_id": "999999"},
        {"listing_id": 999_999, "method": "현금"},
        {"order_id": "1; DROP TABLE orders", "courier": "<b>", "tracking_number": "x" * 5000},
    ],
)
def test_bad_input_gets_a_korean_answer_and_changes_nothing(kakao, rt, market, skill, extra):
    from tests.test_skill_endpoint import has_korean

    answer = kakao.call(skill, client_extra=extra, user_key=BUYER)
    assert has_korean(texts_of(answer))
    assert fresh(rt, Listing, market).status == "on_sale"


# --- make run: the stand-in inside our own app ---------------------------------------------------


def test_make_run_pays_through_the_in_process_standin(migrated_database, redis_client, kakao):
    """No KAKAOPAY_SECRET_KEY: the stand-in is mounted at /_kakaopay and the whole flow works offline."""
    from chatbot import create_app, runtime

    holder: dict = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        Settings(
            app_env="test", database_url=migrated_database, redis_url=TEST_REDIS_URL, public_base_url=base
        )
    )
    holder["app"] = app.wsgi_app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        live = type(kakao)(app.test_client())
        register(live, SELLER, nickname="판매왕")
        register(live, BUYER, nickname="구매왕", phone="01022223333")
        sell(live, SELLER, price="12000", trade_method="택배")
        listing_id = listings(runtime(app))[-1].id
        answer = live.call(
            "buy", client_extra={"listing_id": listing_id, "method": "카카오페이"}, user_key=BUYER
        )
        pay_url = button(answer, "카카오페이 결제")["webLinkUrl"]
        assert pay_url.startswith(base + "/pay/")
        page = requests.get(pay_url, timeout=10)  # our start → /_kakaopay page → our approval_url
        assert page.status_code == 200 and "결제가 완료되었어요" in page.text
        assert urlsplit(page.url).path.endswith("/approve")
        assert "/_kakaopay/pay/redirect/" in page.history[0].headers["Location"]
        with runtime(app).sessions() as session:
            assert session.query(Order).one().status == "paid"
    finally:
        server.shutdown()
        runtime(app).engine.dispose()
