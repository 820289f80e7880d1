"""KakaoPay: the client against the stand-in over HTTP (both API generations, the documented shapes
and error codes), the payment flows (idempotent approve, lost answers resolved by the lookup, refund,
reconcile) and the settings that choose the stand-in or the real API."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
import requests

from chatbot.config import ConfigError, Settings
from chatbot.errors import Forbidden, InvalidTransition, Unavailable
from chatbot.kakaopay import (
    APPROVAL_FAILURE,
    CANCEL_FAILURE,
    CURRENT_BASE_URL,
    LEGACY_BASE_URL,
    KakaoPayClient,
    KakaoPayError,
    KakaoPayUnavailable,
    client_for,
)
from chatbot.models import Listing, Order, Payment
from chatbot.services import orders as order_service
from chatbot.services import payments as service
from tests.conftest import FIXTURES_DIR, TEST_REDIS_URL
from tests.trade_helpers import (
    STANDIN_KEY,
    fresh,
    make_listing,
    make_member,
    make_parties,
    order_of,
    payment_settings,
    payments_of,
)

KAKAOPAY = FIXTURES_DIR / "kakaopay"


def fixture(name: str) -> dict:
    return json.loads((KAKAOPAY / name).read_text(encoding="utf-8"))


@pytest.fixture
def settings(migrated_database, standin):
    return payment_settings(migrated_database, TEST_REDIS_URL, standin)


@pytest.fixture
def kp(standin) -> KakaoPayClient:
    return KakaoPayClient(base_url=standin.base_url, secret_key=STANDIN_KEY, timeout=(3, 1))


def _ready(client: KakaoPayClient, amount: int = 2200) -> dict:
    return client.ready(
        partner_order_id="1",
        partner_user_id="2",
        item_name="초코파이",
        total_amount=amount,
        approval_url="https://example.test/success",
        cancel_url="https://example.test/cancel",
        fail_url="https://example.test/fail",
    )


def _authorize(ready: dict, outcome: str = "approve") -> str:
    """Walk KakaoPay's page; gives the pg_token (approve) or the URL we were sent back to."""
    url = ready["next_redirect_pc_url"] + ("" if outcome == "approve" else f"&outcome={outcome}")
    back = requests.get(url, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    location = back.headers["Location"]
    return location.split("pg_token=")[1] if outcome == "approve" else location


# --- the client and the stand-in ----------------------------------------------------------------


def test_ready_approve_order_cancel_have_the_documented_shapes(kp, standin):
    ready = _ready(kp)
    assert set(fixture("current/ready_response_doc.json")) <= set(ready)
    assert len(ready["tid"]) == 20 and ready["tid"].startswith("T")
    assert not any(ready["tid"] in ready[key] for key in ready if key.startswith("next_redirect_"))
    assert kp.order(tid=ready["tid"])["status"] == "READY"

    pg_token = _authorize(ready)
    assert len(pg_token) == 20
    assert kp.order(tid=ready["tid"])["status"] == "AUTH_PASSWORD"
    approved = kp.approve(
        tid=ready["tid"], partner_order_id="1", partner_user_id="2", pg_token=pg_token, total_amount=2200
    )
    assert set(fixture("current/approve_response_money_doc.json")) <= set(approved)
    assert approved["amount"]["total"] == 2200 and approved["amount"]["vat"] == 200

    looked = kp.order(tid=ready["tid"])
    assert set(fixture("current/order_response_success_payment_doc.json")) <= set(looked)
    assert looked["status"] == "SUCCESS_PAYMENT"
    assert looked["payment_action_details"][0]["payment_action_type"] == "PAYMENT"

    part = kp.cancel(tid=ready["tid"], cancel_amount=200)
    assert part["status"] == "PART_CANCEL_PAYMENT" and part["cancel_available_amount"]["total"] == 2000
    rest = kp.cancel(tid=ready["tid"], cancel_amount=2000, cancel_available_amount=2000)
    assert set(fixture("current/cancel_response_doc.json")) <= set(rest)
    assert rest["status"] == "CANCEL_PAYMENT" and rest["canceled_amount"]["total"] == 2200
    assert kp.order(tid=ready["tid"])["status"] == "CANCEL_PAYMENT"


def test_error_codes_and_bodies_are_shaped_like_the_fixtures(kp, standin):
    ready = _ready(kp)
    pg_token = _authorize(ready)
    ok = {"tid": ready["tid"], "partner_order_id": "1", "partner_user_id": "2"}
    with pytest.raises(KakaoPayError) as wrong_token:
        kp.approve(**ok, pg_token="0" * 20)
    assert wrong_token.value.code == APPROVAL_FAILURE
    with pytest.raises(KakaoPayError) as wrong_amount:
        kp.approve(**ok, pg_token=pg_token, total_amount=1)
    assert wrong_amount.value.method_result_code == "AMOUNT_MISMATCH"
    with pytest.raises(KakaoPayError) as wrong_partner:
        kp.approve(**{**ok, "partner_order_id": "9"}, pg_token=pg_token)
    assert wrong_partner.value.method_result_code == "PARTNER_MISMATCH"
    kp.approve(**ok, pg_token=pg_token)
    with pytest.raises(KakaoPayError) as again:
        kp.approve(**ok, pg_token=pg_token)
    assert (again.value.code, again.value.method_result_code) == (APPROVAL_FAILURE, "ALREADY_APPROVED")
    with pytest.raises(KakaoPayError) as unknown:
        kp.cancel(tid="T0000000000000000000", cancel_amount=100)
    assert (unknown.value.code, unknown.value.method_result_code) == (CANCEL_FAILURE, "6666")
    with pytest.raises(KakaoPayError) as too_much:
        kp.cancel(tid=ready["tid"], cancel_amount=9999)
    assert too_much.value.code == CANCEL_FAILURE

    raw = requests.post(
        f"{standin.base_url}/online/v1/payment/cancel",
        json={
            "cid": "TC0ONETIME",
            "tid": "T0000000000000000000",
            "cancel_amount": 1,
            "cancel_tax_free_amount": 0,
        },
        headers={"Authorization": f"SECRET_KEY {STANDIN_KEY}"},
        timeout=5,
    )
    assert raw.status_code == 400
    body = raw.json()
    assert set(body) == set(fixture("current/approve_error_780_user_locked_doc.json"))
    assert (
        body["extras"]["method_result_message"]
        == fixture("legacy/cancel_error_781_code_msg.json")["extras"]["method_result_message"]
    )
    unauthorized = requests.post(f"{standin.base_url}/online/v1/payment/order", json={}, timeout=5)
    assert unauthorized.status_code == 401


def test_ready_refuses_what_the_doc_does_not_allow(standin):
    """A zero amount, ids and names over 100 characters, return URLs over 255 (INDEX.md field table)."""
    sample = fixture("current/ready_request_doc.json")
    for bad in (
        {"total_amount": "0"},
        {"item_name": "가" * 101},
        {"partner_order_id": "1" * 101},
        {"approval_url": "https://example.test/" + "a" * 235},
    ):
        resp = requests.post(
            f"{standin.base_url}/online/v1/payment/ready",
            json={**sample, **bad},
            headers={"Authorization": f"SECRET_KEY {STANDIN_KEY}"},
            timeout=5,
        )
        assert resp.status_code == 400 and resp.json()["error_code"] == APPROVAL_FAILURE, bad


def test_our_return_urls_fit_kakaopays_limit(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    long_host = settings.with_overrides(public_base_url="https://" + "b" * 60 + ".example.com")
    with rt.sessions() as session:
        service.start(session, client_for(settings), long_host, order_id, buyer.id)
    [payment] = payments_of(rt, order_id)
    sent = standin.payment(payment.tid)
    assert all(len(sent[k]) <= 255 for k in ("approval_url", "cancel_url", "fail_url"))
    assert sent["approval_url"].startswith(long_host.public_base_url + f"/pay/{order_id}/approve?t=")


def test_the_doc_sample_request_is_accepted_as_sent(standin):
    """The doc's curl sample sends numbers as strings; the stand-in takes them as KakaoPay does."""
    resp = requests.post(
        f"{standin.base_url}/online/v1/payment/ready",
        json=fixture("current/ready_request_doc.json"),
        headers={"Authorization": f"SECRET_KEY {STANDIN_KEY}"},
        timeout=5,
    )
    assert resp.status_code == 200 and resp.json()["tid"]


def test_legacy_api_kakaoak_and_form_bodies(standin):
    legacy = KakaoPayClient(base_url=standin.base_url, secret_key="admin-key", api="legacy", timeout=(3, 2))
    ready = _ready(legacy)
    pg_token = _authorize(ready)
    approved = legacy.approve(tid=ready["tid"], partner_order_id="1", partner_user_id="2", pg_token=pg_token)
    assert approved["amount"]["total"] == 2200
    with pytest.raises(KakaoPayError) as failed:
        legacy.cancel(tid="T0000000000000000000", cancel_amount=1)
    assert failed.value.code == CANCEL_FAILURE and failed.value.message == "cancel failure!"
    raw = requests.post(
        f"{standin.base_url}/v1/payment/cancel",
        data=fixture("legacy/cancel_request_fields.json"),
        headers={"Authorization": "KakaoAK admin-key"},
        timeout=5,
    )
    assert set(raw.json()) == set(fixture("legacy/cancel_error_781_code_msg.json"))
    # The current scheme is refused on legacy paths, and the other way round.
    assert (
        requests.post(
            f"{standin.base_url}/v1/payment/order", headers={"Authorization": "SECRET_KEY x"}
        ).status_code
        == 401
    )


def test_legacy_answers_have_the_legacy_fixture_shapes(standin):
    """Legacy ready (with the undocumented `tms_result`), approve, order and cancel carry every key of
    the real legacy answers in fixtures legacy/; the legacy doc's form fields are taken as sent."""
    legacy = KakaoPayClient(base_url=standin.base_url, secret_key="admin-key", api="legacy", timeout=(3, 2))
    ready = _ready(legacy)
    assert set(fixture("legacy/ready_response_test_mode_2023.json")) <= set(ready)
    assert ready["tms_result"] is False
    pg_token = _authorize(ready)
    approved = legacy.approve(tid=ready["tid"], partner_order_id="1", partner_user_id="2", pg_token=pg_token)
    assert set(fixture("legacy/approve_response_money_test_mode_2023.json")) <= set(approved)
    looked = legacy.order(tid=ready["tid"])
    assert set(fixture("legacy/order_response_success_payment_doc.json")) <= set(looked)
    canceled = legacy.cancel(tid=ready["tid"], cancel_amount=2200)
    assert set(fixture("legacy/cancel_response_test_mode_2022_no_green_deposit.json")) <= set(canceled)
    assert canceled["status"] == "CANCEL_PAYMENT"
    sample = requests.post(
        f"{standin.base_url}/v1/payment/ready",
        data=fixture("legacy/ready_request_fields.json"),
        headers={"Authorization": "KakaoAK admin-key"},
        timeout=5,
    )
    assert sample.status_code == 200 and sample.json()["tid"]
    refused = requests.post(
        f"{standin.base_url}/v1/payment/approve",
        data={**fixture("legacy/approve_request_fields.json"), "tid": "T0000000000000000000"},
        headers={"Authorization": "KakaoAK admin-key"},
        timeout=5,
    )
    assert refused.status_code == 400
    assert set(refused.json()) == set(fixture("legacy/approve_error_780_code_msg.json"))
    assert refused.json()["code"] == APPROVAL_FAILURE


def test_the_payment_page_leads_to_each_return_url_with_the_documented_statuses(kp, standin):
    """approve: 302 to approval_url?pg_token=<20 hex> (AUTH_PASSWORD); cancel: cancel_url
    (QUIT_PAYMENT); fail: fail_url (FAIL_PAYMENT); a finished page is gone; nothing else approves."""
    quit_ready = _ready(kp)
    assert _authorize(quit_ready, "cancel") == "https://example.test/cancel"
    assert kp.order(tid=quit_ready["tid"])["status"] == "QUIT_PAYMENT"
    failed_ready = _ready(kp)
    assert _authorize(failed_ready, "fail") == "https://example.test/fail"
    assert kp.order(tid=failed_ready["tid"])["status"] == "FAIL_PAYMENT"
    gone = requests.get(failed_ready["next_redirect_mobile_url"], allow_redirects=False, timeout=5)
    assert gone.status_code == 404
    for ready in (quit_ready, failed_ready):
        with pytest.raises(KakaoPayError) as refused:
            kp.approve(tid=ready["tid"], partner_order_id="1", partner_user_id="2", pg_token="a" * 20)
        assert refused.value.code == APPROVAL_FAILURE

    ready = _ready(kp)
    back = requests.get(ready["next_redirect_mobile_url"], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    location = back.headers["Location"]
    assert location.startswith("https://example.test/success?pg_token=")
    pg_token = location.split("pg_token=")[1]
    assert len(pg_token) == 20 and all(c in "0123456789abcdef" for c in pg_token)
    with pytest.raises(KakaoPayError) as unknown:
        kp.approve(tid="T0000000000000000000", partner_order_id="1", partner_user_id="2", pg_token=pg_token)
    assert (unknown.value.code, unknown.value.method_result_code) == (APPROVAL_FAILURE, "INVALID_TID")
    with pytest.raises(KakaoPayError) as lookup:
        kp.order(tid="T0000000000000000000")
    assert (lookup.value.code, lookup.value.method_result_code) == (APPROVAL_FAILURE, "INVALID_TID")
    with pytest.raises(KakaoPayError) as not_paid:
        kp.cancel(tid=ready["tid"], cancel_amount=2200)
    assert (not_paid.value.code, not_paid.value.method_result_code) == (CANCEL_FAILURE, "NOT_APPROVED")
    other_cid = KakaoPayClient(base_url=standin.base_url, secret_key=STANDIN_KEY, cid="TCSUBSCRIP")
    with pytest.raises(KakaoPayError, match="INVALID_TID"):
        other_cid.approve(tid=ready["tid"], partner_order_id="1", partner_user_id="2", pg_token=pg_token)
    assert kp.order(tid=ready["tid"])["status"] == "AUTH_PASSWORD"


def test_injected_failures_delays_and_server_errors(kp, standin):
    extras = fixture("current/approve_error_780_user_locked_doc.json")["extras"]
    standin.control(fail={"ready": {"status": 400, "error_code": -780, "extras": extras}})
    with pytest.raises(KakaoPayError) as locked:
        _ready(kp)
    assert locked.value.method_result_code == "USER_LOCKED"
    standin.control(fail={"order": {"status": 500}})
    with pytest.raises(KakaoPayUnavailable):
        kp.order(tid="T0000000000000000000")
    ready = _ready(kp)
    standin.control(delay={"order": 1.5})
    with pytest.raises(KakaoPayUnavailable):
        kp.order(tid=ready["tid"])
    unreachable = KakaoPayClient(base_url="http://127.0.0.1:9", secret_key="x", timeout=(0.5, 0.5))
    with pytest.raises(KakaoPayUnavailable):
        unreachable.order(tid=ready["tid"])


def test_settings_choose_the_api():
    base = Settings(app_env="test")
    assert base.kakaopay_standin
    assert client_for(base).base_url == "http://127.0.0.1:8000/_kakaopay"
    real = base.with_overrides(kakaopay_secret_key="DEV123")
    assert (client_for(real).base_url, client_for(real).api) == (CURRENT_BASE_URL, "current")
    legacy = real.with_overrides(kakaopay_api="legacy")
    assert client_for(legacy).base_url == LEGACY_BASE_URL
    assert client_for(real).timeout == (3.0, 10.0)
    with pytest.raises(ConfigError):
        base.with_overrides(kakaopay_api="v3")
    production = {
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "SKILL_TOKEN": "t",
        "REDIS_URL": "redis://r",
        "DATABASE_URL": "mysql+pymysql://u@h/db",
    }
    with pytest.raises(ConfigError, match="KAKAOPAY_SECRET_KEY"):
        Settings.from_env(production)
    try:  # with a key, KakaoPay is no reason to refuse (other production settings may still be)
        Settings.from_env({**production, "KAKAOPAY_SECRET_KEY": "PRD123"})
    except ConfigError as exc:
        assert "KAKAOPAY" not in str(exc)


# --- the flows ----------------------------------------------------------------------------------


@pytest.fixture
def order(rt):
    """A 결제대기 order of a 30,000 KRW listing: (order id, buyer, seller, stranger)."""
    with rt.sessions() as session:
        seller, buyer, stranger = make_parties(session)
        placed = order_service.place_order(session, make_listing(session, seller).id, buyer, "kakaopay")
        return placed.id, buyer, seller, stranger


def _start(rt, settings, order_id: int, buyer) -> tuple[Payment, str]:
    """ready through the service, then the buyer passes KakaoPay's page: (payment, pg_token)."""
    kp = client_for(settings)
    with rt.sessions() as session:
        to = service.start(session, kp, settings, order_id, buyer.id)
    [payment] = [p for p in payments_of(rt, order_id) if p.status == "READY"]
    back = requests.get(to.pc_url, allow_redirects=False, timeout=5).headers["Location"]
    return payment, back.split("pg_token=")[1]


def test_start_sends_our_amount_and_ids(rt, settings, order, standin):
    order_id, buyer, seller, _ = order
    payment, _ = _start(rt, settings, order_id, buyer)
    sent = standin.payment(payment.tid)
    assert sent["amount"]["total"] == 30000 == payment.amount
    assert (sent["partner_order_id"], sent["partner_user_id"]) == (str(order_id), str(buyer.id))
    assert sent["item_name"] == "원목 의자"
    assert sent["approval_url"].startswith(f"{settings.public_base_url}/pay/{order_id}/approve?t=")
    with rt.sessions() as session, pytest.raises(Forbidden, match="구매자만"):
        service.start(session, client_for(settings), settings, order_id, seller.id)


def test_a_payment_and_its_refund_run_on_the_legacy_api_too(rt, settings, order, standin):
    """KAKAOPAY_API=legacy: the same flows over KakaoAK and form bodies."""
    order_id, buyer, seller, _ = order
    legacy = settings.with_overrides(kakaopay_api="legacy")
    kp = client_for(legacy)
    assert kp.api == "legacy" and kp.base_url == standin.base_url
    payment, pg_token = _start(rt, legacy, order_id, buyer)
    with rt.sessions() as session:
        assert service.approve(session, kp, order_id, payment.id, pg_token) == "paid"
    with rt.sessions() as session:
        service.refund(session, kp, order_id, seller)
    assert standin.payment(payment.tid)["status"] == "CANCEL_PAYMENT"
    assert (fresh(rt, Payment, payment.id).status, order_of(rt, order_id).status) == ("CANCELED", "canceled")


def test_approve_is_idempotent_also_when_clicked_twice_at_once(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    payment, pg_token = _start(rt, settings, order_id, buyer)
    kp = client_for(settings)
    outcomes = []

    def click() -> None:
        with rt.sessions() as session:
            outcomes.append(service.approve(session, kp, order_id, payment.id, pg_token))

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["paid"] * 5
    assert standin.calls().count("approve") == 1
    assert order_of(rt, order_id).status == "paid"
    assert fresh(rt, Payment, payment.id).status == "APPROVED"
    with rt.sessions() as session:  # and a replay later
        assert service.approve(session, kp, order_id, payment.id, pg_token) == "paid"
    assert standin.calls().count("approve") == 1


def test_a_new_start_while_the_approval_url_arrives_does_not_deadlock(
    rt, settings, order, standin, monkeypatch
):
    """start (결제하기 pressed again) and approve (KakaoPay's redirect) of one order at once: both
    take the order row first, then the payment, so neither waits for the other in a circle (the
    loser of a MariaDB deadlock would get an error page). The newest link wins: the old payment is
    superseded and charges nothing."""
    order_id, buyer, _, _ = order
    payment, pg_token = _start(rt, settings, order_id, buyer)
    original = order_service.lock_order

    def slow_for_start(session, locked_id):
        locked = original(session, locked_id)
        if threading.current_thread().name == "start":
            time.sleep(0.5)  # start holds the order row while approve arrives
        return locked

    monkeypatch.setattr(order_service, "lock_order", slow_for_start)
    kp = client_for(settings)
    results: dict[str, object] = {}

    def run(name, call) -> None:
        with rt.sessions() as session:
            try:
                results[name] = call(session)
            except Exception as exc:
                results[name] = exc

    starting = threading.Thread(
        name="start", target=run, args=("start", lambda s: service.start(s, kp, settings, order_id, buyer.id))
    )
    approving = threading.Thread(
        name="approve",
        target=run,
        args=("approve", lambda s: service.approve(s, kp, order_id, payment.id, pg_token)),
    )
    starting.start()
    time.sleep(0.15)
    approving.start()
    starting.join(15)
    approving.join(15)
    assert isinstance(results["start"], service.Redirect), results
    assert isinstance(results["approve"], InvalidTransition), results
    assert [(p.status, p.failure) for p in payments_of(rt, order_id)] == [
        ("FAILED", "superseded"),
        ("READY", None),
    ]
    assert "approve" not in standin.calls()
    assert order_of(rt, order_id).status == "pending_payment"


def test_a_lost_approve_answer_is_resolved_by_the_lookup(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    payment, pg_token = _start(rt, settings, order_id, buyer)
    standin.control(delay={"approve": 1.5})  # approved at KakaoPay, the answer comes too late
    with rt.sessions() as session:
        assert service.approve(session, client_for(settings), order_id, payment.id, pg_token) == "paid"
    assert standin.calls()[-2:] == ["approve", "order"]
    assert order_of(rt, order_id).status == "paid"


def test_a_lost_answer_with_kakaopay_unreachable_stays_pending_for_reconcile(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    payment, pg_token = _start(rt, settings, order_id, buyer)
    standin.control(fail={"approve": {"status": 500}, "order": {"status": 500}})
    with rt.sessions() as session:
        assert service.approve(session, client_for(settings), order_id, payment.id, pg_token) == "pending"
    assert fresh(rt, Payment, payment.id).status == "READY"
    assert order_of(rt, order_id).status == "pending_payment"


def test_a_refused_approval_fails_the_order_and_frees_the_listing(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    payment, pg_token = _start(rt, settings, order_id, buyer)
    extras = fixture("current/approve_error_780_user_locked_doc.json")["extras"]
    standin.control(fail={"approve": {"status": 400, "error_code": -780, "extras": extras}})
    with rt.sessions() as session:
        assert service.approve(session, client_for(settings), order_id, payment.id, pg_token) == "failed"
    assert fresh(rt, Payment, payment.id).status == "FAILED"
    placed = order_of(rt, order_id)
    assert placed.status == "payment_failed" and placed.active_listing_id is None
    assert fresh(rt, Listing, placed.listing_id).status == "on_sale"


def test_an_order_cancelled_meanwhile_is_never_charged(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    payment, pg_token = _start(rt, settings, order_id, buyer)
    with rt.sessions() as session:
        order_service.act(session, order_id, buyer, "cancel")
    with rt.sessions() as session, pytest.raises(InvalidTransition):
        service.approve(session, client_for(settings), order_id, payment.id, pg_token)
    assert "approve" not in standin.calls()
    assert fresh(rt, Payment, payment.id).status == "FAILED"


def test_a_new_start_supersedes_the_old_link(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    first, first_token = _start(rt, settings, order_id, buyer)
    second, second_token = _start(rt, settings, order_id, buyer)
    assert fresh(rt, Payment, first.id).failure == "superseded"
    with rt.sessions() as session, pytest.raises(InvalidTransition):
        service.approve(session, client_for(settings), order_id, first.id, first_token)
    with rt.sessions() as session:
        assert service.approve(session, client_for(settings), order_id, second.id, second_token) == "paid"


def test_refund_before_shipping_only(rt, settings, order, standin):
    order_id, buyer, seller, stranger = order
    payment, pg_token = _start(rt, settings, order_id, buyer)
    kp = client_for(settings)
    with rt.sessions() as session:
        service.approve(session, kp, order_id, payment.id, pg_token)
    with rt.sessions() as session, pytest.raises(Forbidden):
        service.refund(session, kp, order_id, stranger)
    standin.control(fail={"cancel": {"status": 400, "error_code": -781, "error_message": "cancel failure!"}})
    with rt.sessions() as session, pytest.raises(Unavailable):
        service.refund(session, kp, order_id, buyer)
    assert order_of(rt, order_id).status == "paid"
    with rt.sessions() as session:
        service.refund(session, kp, order_id, seller)
    refunded = fresh(rt, Payment, payment.id)
    assert (refunded.status, refunded.canceled_amount) == ("CANCELED", 30000)
    assert standin.payment(payment.tid)["status"] == "CANCEL_PAYMENT"
    assert order_of(rt, order_id).status == "canceled"
    with rt.sessions() as session, pytest.raises(InvalidTransition, match="취소된"):
        service.refund(session, kp, order_id, buyer)


def test_tokens_are_bound_to_purpose_order_and_time(settings):
    token = service.link_token(settings, "start", 7, m=3)
    assert service.read_token(settings, "start", token, 7, 60) == {"o": 7, "m": 3}
    for purpose, order_id, value in (
        ("refund", 7, token),
        ("start", 8, token),
        ("start", 7, token[:-2] + "xx"),
    ):
        with pytest.raises(Forbidden):
            service.read_token(settings, purpose, value, order_id, 60)
    with pytest.raises(Forbidden, match="만료"):
        service.read_token(settings, "start", token, 7, -1)


def _age(rt, seconds: int) -> None:
    with rt.sessions() as session:
        for model in (Payment, Order):
            for row in session.query(model):
                row.created_at -= timedelta(seconds=seconds)
                row.updated_at -= timedelta(seconds=seconds)
        session.commit()


def test_reconcile_settles_old_ready_payments(rt, settings, standin, runner):
    kp = client_for(settings)
    with rt.sessions() as session:
        seller = make_member(session, "seller", "판매자")
        buyer = make_member(session, "buyer", "구매자")
        ids = [
            order_service.place_order(
                session, make_listing(session, seller, title=f"물건{i}").id, buyer, "kakaopay"
            ).id
            for i in range(4)
        ]
    lost, lost_token = _start(rt, settings, ids[0], buyer)  # approved, answer lost, page never settled
    standin.control(delay={"approve": 1.5}, fail={"order": {"status": 500}})
    with rt.sessions() as session:
        assert service.approve(session, kp, ids[0], lost.id, lost_token) == "pending"
    standin.control(reset=False, delay={"approve": 0})
    _start(rt, settings, ids[1], buyer)  # the buyer walked away on KakaoPay's page
    with rt.sessions() as session:
        service.start(session, kp, settings, ids[2], buyer.id)  # never opened
    _start(rt, settings, ids[3], buyer)  # paid for on KakaoPay's page, approval URL never reached

    with rt.sessions() as session:  # nothing is old enough yet
        assert service.reconcile(session, kp, settings)["approved"] == 0
    _age(rt, settings.kakaopay_ready_ttl + 60)
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "approved=1" in result.output and "expired=3" in result.output
    assert order_of(rt, ids[0]).status == "paid"
    assert [order_of(rt, i).status for i in ids[1:]] == ["payment_failed"] * 3
    assert all(fresh(rt, Listing, order_of(rt, i).listing_id).status == "on_sale" for i in ids[1:])


def test_reconcile_cancels_orders_left_without_a_payment(rt, settings, order, standin):
    order_id, buyer, _, _ = order
    payment, _ = _start(rt, settings, order_id, buyer)
    with rt.sessions() as session:
        service.quit_payment(session, order_id, payment.id)  # cancel_url: the order keeps waiting
    assert order_of(rt, order_id).status == "pending_payment"
    _age(rt, settings.kakaopay_ready_ttl + 60)
    with rt.sessions() as session:
        counts = service.reconcile(session, client_for(settings), settings)
    assert counts["canceled_orders"] == 1
    assert order_of(rt, order_id).status == "canceled"
