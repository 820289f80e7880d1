"""Admin API orders and payments (issue 6 §2): lists, detail with the state history, and the
force-cancel that refunds through KakaoPay via `chatbot.services.payments` (the stand-in over HTTP)."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from chatbot.kakaopay import client_for
from chatbot.models import AuditEntry, Listing, Payment
from chatbot.services import orders as order_service
from chatbot.services import payments as payment_service
from tests.admin_helpers import API, access_token, assert_error, bearer, make_admins
from tests.conftest import TEST_REDIS_URL
from tests.trade_helpers import fresh, make_listing, make_parties, order_of, payment_settings, payments_of


@pytest.fixture
def settings(migrated_database, standin):
    """The test settings with KakaoPay pointed at the stand-in."""
    return payment_settings(migrated_database, TEST_REDIS_URL, standin)


@pytest.fixture
def boss(rt):
    return bearer(access_token(rt, make_admins(rt)["admin"]))


@pytest.fixture
def trade(rt):
    """A seller, a buyer, and a 30,000 KRW listing of the seller."""
    with rt.sessions() as session:
        seller, buyer, _ = make_parties(session)
        listing = make_listing(session, seller)
        return seller, buyer, listing.id


def place(rt, buyer, listing_id: int, method: str) -> int:
    with rt.sessions() as session:
        return order_service.place_order(session, listing_id, buyer, method).id


def pay(rt, settings, order_id: int, buyer) -> Payment:
    """The buyer pays through the stand-in: ready, KakaoPay's page, approve."""
    kp = client_for(settings)
    with rt.sessions() as session:
        to = payment_service.start(session, kp, settings, order_id, buyer.id)
    [payment] = [p for p in payments_of(rt, order_id) if p.status == "READY"]
    back = requests.get(to.pc_url, allow_redirects=False, timeout=5).headers["Location"]
    with rt.sessions() as session:
        payment_service.approve(session, kp, order_id, payment.id, back.split("pg_token=")[1])
    return fresh(rt, Payment, payment.id)


def test_orders_list_and_detail_with_history(client, rt, settings, boss, trade):
    seller, buyer, listing_id = trade
    order_id = place(rt, buyer, listing_id, "kakaopay")
    payment = pay(rt, settings, order_id, buyer)

    page = client.get(f"{API}/orders?status=paid", headers=boss).get_json()
    assert [o["id"] for o in page["items"]] == [order_id]
    assert page["items"][0]["listing_title"] == "원목 의자" and page["items"][0]["amount"] == 30000
    assert (
        client.get(f"{API}/orders?member_id={seller.id}", headers=boss).get_json()["items"][0]["id"]
        == order_id
    )
    assert client.get(f"{API}/orders?status=canceled", headers=boss).get_json()["items"] == []

    detail = client.get(f"{API}/orders/{order_id}", headers=boss).get_json()
    assert [(e["from_status"], e["to_status"]) for e in detail["history"]] == [
        (None, "pending_payment"),
        ("pending_payment", "paid"),
    ]
    [shown] = detail["payments"]
    assert (shown["id"], shown["status"], shown["amount"]) == (payment.id, "APPROVED", 30000)
    assert payment.tid not in client.get(f"{API}/orders/{order_id}", headers=boss).get_data(as_text=True)
    assert "tid" not in shown

    assert (
        client.get(f"{API}/payments?order_id={order_id}", headers=boss).get_json()["items"][0]["id"]
        == payment.id
    )
    assert client.get(f"{API}/payments/{payment.id}", headers=boss).get_json()["status"] == "APPROVED"
    assert_error(client.get(f"{API}/orders/999999", headers=boss), 404, "not_found")
    assert_error(client.get(f"{API}/payments/999999", headers=boss), 404, "not_found")
    assert_error(client.get(f"{API}/payments?status=PAID", headers=boss), 422, "invalid_input")


def test_force_cancel_of_a_paid_order_refunds_through_kakaopay(client, rt, settings, standin, boss, trade):
    _, buyer, listing_id = trade
    order_id = place(rt, buyer, listing_id, "kakaopay")
    payment = pay(rt, settings, order_id, buyer)

    resp = client.post(f"{API}/orders/{order_id}/cancel", headers=boss)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "canceled"
    assert body["history"][-1] == {
        **body["history"][-1],
        "action": "refund",
        "actor": "admin",
        "to_status": "canceled",
    }
    assert body["payments"][0]["status"] == "CANCELED" and body["payments"][0]["canceled_amount"] == 30000
    assert standin.payment(payment.tid)["status"] == "CANCEL_PAYMENT"
    assert fresh(rt, Listing, listing_id).status == "on_sale"

    with rt.sessions() as session:
        [entry] = session.scalars(select(AuditEntry))
    assert (entry.action, entry.target_type, entry.target_id) == ("order.cancel", "order", str(order_id))
    assert (entry.before["status"], entry.after["status"]) == ("paid", "canceled")
    assert_error(client.post(f"{API}/orders/{order_id}/cancel", headers=boss), 409, "invalid_transition")


def test_force_cancel_of_an_unpaid_order(client, rt, boss, trade):
    _, buyer, listing_id = trade
    order_id = place(rt, buyer, listing_id, "face_to_face")
    body = client.post(f"{API}/orders/{order_id}/cancel", headers=boss).get_json()
    assert body["status"] == "canceled" and body["history"][-1]["actor"] == "admin"
    assert body["payments"] == []
    assert fresh(rt, Listing, listing_id).status == "on_sale"


def test_force_cancel_refused_once_shipped_and_when_kakaopay_fails(
    client, rt, settings, standin, boss, trade
):
    seller, buyer, listing_id = trade
    order_id = place(rt, buyer, listing_id, "kakaopay")
    pay(rt, settings, order_id, buyer)

    standin.control(fail={"cancel": {"status": 400, "error_code": -781, "error_message": "cancel failure!"}})
    assert_error(client.post(f"{API}/orders/{order_id}/cancel", headers=boss), 503, "unavailable")
    assert order_of(rt, order_id).status == "paid"  # nothing changed
    standin.control(reset=True)

    with rt.sessions() as session:
        order_service.act(
            session, order_id, seller, "ship", courier="우체국", tracking_number="1234567890123"
        )
    error = assert_error(
        client.post(f"{API}/orders/{order_id}/cancel", headers=boss), 409, "invalid_transition"
    )
    assert "배송" in error["message"]
    with rt.sessions() as session:
        assert session.scalars(select(AuditEntry)).first() is None  # refused writes leave no entry


def test_only_admins_force_cancel(client, rt, trade):
    _, buyer, listing_id = trade
    order_id = place(rt, buyer, listing_id, "face_to_face")
    operator = bearer(access_token(rt, make_admins(rt)["operator"]))
    assert client.get(f"{API}/orders/{order_id}", headers=operator).status_code == 200
    assert_error(client.post(f"{API}/orders/{order_id}/cancel", headers=operator), 403, "forbidden")
    assert order_of(rt, order_id).status == "reserved"
