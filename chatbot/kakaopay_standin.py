"""A local KakaoPay stand-in speaking the documented single-payment protocol (issue 5 §5).

`create_standin_app()` is a small Flask app with:

* `POST /online/v1/payment/{ready,approve,cancel,order}` — the current API: `Authorization:
  SECRET_KEY <any non-empty key>`, JSON bodies (numbers as numbers or strings, like the doc's curl
  sample), answers shaped like ../shared/fixtures/kakaopay/current/*.json, errors
  `{"error_code", "error_message", "extras"}` with HTTP 400;
* `POST /v1/payment/{…}` — the legacy API: `Authorization: KakaoAK <key>`, form bodies, errors
  `{"code", "msg", "extras"}`, ready's answer with the undocumented `tms_result` (fixtures legacy/);
* `GET /pay/redirect/<page key>` — the page `next_redirect_{pc,mobile,app}_url` point to (keyed,
  like KakaoPay's own pages, by 64 random hex characters, never by the tid): it stands for
  the buyer choosing a method and passing authentication, and 302s at once to
  `approval_url?pg_token=<20 hex>` (status AUTH_PASSWORD), or with `?outcome=cancel` to
  `cancel_url` (QUIT_PAYMENT) or `?outcome=fail` to `fail_url` (FAIL_PAYMENT) — INDEX.md infers
  that mapping, the doc does not state it;
* `POST /_control` — tests only: `{"delay": {"approve": 1.5}}` makes an endpoint answer that many
  seconds late *after* doing its work (a lost response), `{"fail": {"approve": {"status": 400,
  "error_code": -780, "extras": {…}}}}` makes its next call fail without doing anything (`status`
  500 = a server error), `{"reset": true}` forgets payments and injections. `GET /_control`
  shows the calls received (`calls`: endpoint names, in order).

Errors: only -780 (approval failure) and -781 (cancel failure) are evidenced by KakaoPay's docs, so
the stand-in answers -780 for every approve/order failure and -781 for every cancel failure, with
`extras.method_result_code` saying which: `ALREADY_APPROVED`, `INVALID_TID`, `INVALID_PG_TOKEN`,
`AMOUNT_MISMATCH`, `PARTNER_MISMATCH`, `NOT_APPROVED` (the stand-in's own names) and `6666` /
"원거래없음" (legacy/cancel_error_781_code_msg.json). A missing or foreign Authorization scheme
gets HTTP 401 `error_code -401` (unverified). State lives in SQLite (`state_path`; ":memory:" by
default) so the workers of one `make run` share it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from chatbot.timeutil import SEOUL

_ZERO = {"total": 0, "tax_free": 0, "vat": 0, "point": 0, "discount": 0, "green_deposit": 0}


class _Store:
    """Payments by tid, as JSON rows in SQLite (opened on first use), plus in-memory injections."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.delays: dict[str, float] = {}
        self.failures: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)  # instance/ on a fresh clone
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=15, isolation_level=None)
            self._db.execute("CREATE TABLE IF NOT EXISTS payments (tid TEXT PRIMARY KEY, data TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS pages (page TEXT PRIMARY KEY, tid TEXT NOT NULL)")
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One thread of this process and one process at a time (SQLite BEGIN IMMEDIATE), so a
        read-modify-write of a payment is atomic across the workers of `make run`."""
        with self.lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def get(self, tid: str) -> dict[str, Any] | None:
        """The payment `tid` as stored (a dict), or None."""
        row = self._conn().execute("SELECT data FROM payments WHERE tid = ?", (tid,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, payment: dict[str, Any]) -> None:
        """Store `payment` under its tid (insert or replace)."""
        self._conn().execute(
            "INSERT OR REPLACE INTO payments (tid, data) VALUES (?, ?)",
            (payment["tid"], json.dumps(payment, ensure_ascii=False)),
        )

    def put_page(self, page: str, tid: str) -> None:
        """Remember that the payment page `page` (64 hex characters) belongs to payment `tid`."""
        self._conn().execute("INSERT INTO pages (page, tid) VALUES (?, ?)", (page, tid))

    def tid_of_page(self, page: str) -> str | None:
        """The tid whose payment page is `page`, or None."""
        row = self._conn().execute("SELECT tid FROM pages WHERE page = ?", (page,)).fetchone()
        return row[0] if row else None

    def reset(self) -> None:
        """Forget every payment, injection and recorded call."""
        self._conn().execute("DELETE FROM payments")
        self._conn().execute("DELETE FROM pages")
        self.delays.clear()
        self.failures.clear()
        self.calls.clear()


def _now() -> str:
    """KakaoPay's timestamp style: Asia/Seoul, `YYYY-MM-DDTHH:MM:SS`, no zone (INDEX.md)."""
    return datetime.now(SEOUL).strftime("%Y-%m-%dT%H:%M:%S")


def _amount(total: int, tax_free: int = 0) -> dict[str, int]:
    return {**_ZERO, "total": total, "tax_free": tax_free, "vat": round((total - tax_free) / 11)}


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class _Failure(Exception):
    def __init__(self, status: int, code: int, message: str, extras: dict | None = None) -> None:
        self.status, self.code, self.message, self.extras = status, code, message, extras or {}


_ERRORS = {-780: "approval failure!", -781: "cancel failure!"}


def _failure(code: int, method_result_code: str, message: str) -> _Failure:
    """HTTP 400 with `code` (-780 approval or -781 cancel failure) and the method result in extras."""
    extras = {"method_result_code": method_result_code, "method_result_message": message}
    return _Failure(400, code, _ERRORS[code], extras)


def _approval_failure(method_result_code: str, message: str) -> _Failure:
    return _failure(-780, method_result_code, message)


def _cancel_failure(method_result_code: str, message: str) -> _Failure:
    return _failure(-781, method_result_code, message)


def create_standin_app(state_path: str = ":memory:") -> Flask:
    """The stand-in as a WSGI app; mount it anywhere (its URLs follow `request.script_root`).

    `app.extensions["kakaopay_standin"]` is its `_Store` (tests may inspect it).
    """
    app = Flask("kakaopay_standin")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    store = _Store(state_path)
    app.extensions["kakaopay_standin"] = store
    bp = Blueprint("standin", __name__)

    def reply(dialect: str, body: dict[str, Any] | _Failure) -> tuple[Response, int]:
        """JSON 200, or the error shaped for the dialect (error_code/error_message or code/msg)."""
        if isinstance(body, _Failure):
            keys = ("code", "msg") if dialect == "legacy" else ("error_code", "error_message")
            err = {keys[0]: body.code, keys[1]: body.message}
            if body.extras:
                err["extras"] = body.extras
            return jsonify(err), body.status
        return jsonify(body), 200

    def endpoint(dialect: str, name: str) -> tuple[Response, int]:
        """One API call: check the Authorization scheme, apply injections, run the handler."""
        scheme = "KakaoAK" if dialect == "legacy" else "SECRET_KEY"
        auth = request.headers.get("Authorization", "")
        if not auth.startswith(scheme + " ") or not auth[len(scheme) + 1 :].strip():
            return reply(dialect, _Failure(401, -401, "invalid authorization"))
        data = request.form.to_dict() if dialect == "legacy" else (request.get_json(silent=True) or {})
        with store.lock:
            store.calls.append(name)
            injected = store.failures.pop(name, None)
        if injected is not None:
            status = int(injected.get("status", 400))
            if status >= 500:
                return Response("Internal Server Error", status=status), status
            return reply(
                dialect,
                _Failure(
                    status,
                    int(injected.get("error_code", -780)),
                    injected.get("error_message", "approval failure!"),
                    injected.get("extras"),
                ),
            )
        try:
            with store.transaction():
                body = HANDLERS[name](store, data)
        except _Failure as failure:
            return reply(dialect, failure)
        if dialect == "legacy" and name == "ready":
            body["tms_result"] = False  # undocumented; every real legacy answer has it (INDEX.md)
        delay = store.delays.get(name)
        if delay:
            time.sleep(delay)  # the work is done; the answer is late (a lost response)
        return reply(dialect, body)

    for dialect, prefix in (("current", "/online/v1/payment"), ("legacy", "/v1/payment")):
        for name in ("ready", "approve", "cancel", "order"):
            bp.add_url_rule(
                f"{prefix}/{name}",
                f"{dialect}_{name}",
                lambda dialect=dialect, name=name: endpoint(dialect, name),
                methods=["POST"],
            )

    @bp.get("/pay/redirect/<page>")
    def payment_page(page: str) -> BaseResponse:
        """KakaoPay's payment page: the buyer is done at once; 302 to approval/cancel/fail URL."""
        outcome = request.args.get("outcome", "approve")
        with store.transaction():
            tid = store.tid_of_page(page)
            payment = store.get(tid) if tid else None
            if payment is None or payment["status"] != "READY":
                return Response(
                    "결제 정보를 찾을 수 없어요.", status=404, content_type="text/plain; charset=utf-8"
                )
            if outcome == "cancel":
                payment["status"], target = "QUIT_PAYMENT", payment["cancel_url"]
            elif outcome == "fail":
                payment["status"], target = "FAIL_PAYMENT", payment["fail_url"]
            else:
                payment["status"] = "AUTH_PASSWORD"
                payment["pg_token"] = secrets.token_hex(10)
                sep = "&" if "?" in payment["approval_url"] else "?"
                target = f"{payment['approval_url']}{sep}{urlencode({'pg_token': payment['pg_token']})}"
            store.put(payment)
        return redirect(target, code=302)

    @bp.route("/_control", methods=["GET", "POST"])
    def control() -> Response:
        """Tests only: GET the calls received; POST delays, one-shot failures or a reset."""
        if request.method == "GET":
            return jsonify(calls=list(store.calls))
        data = request.get_json(silent=True) or {}
        with store.lock:
            if data.get("reset"):
                store.reset()
            store.delays.update({k: float(v) for k, v in (data.get("delay") or {}).items()})
            store.failures.update(data.get("fail") or {})
        return jsonify(ok=True)

    app.register_blueprint(bp)
    return app


# --- the four calls (each in one store transaction) ----------------------------------------


# Longest values ready takes (INDEX.md "ready — request": ≤ 100 / ≤ 255 characters).
_READY_LIMITS = {
    "partner_order_id": 100,
    "partner_user_id": 100,
    "item_name": 100,
    "item_code": 100,
    "approval_url": 255,
    "cancel_url": 255,
    "fail_url": 255,
}


def _ready(store: _Store, data: dict[str, Any]) -> dict[str, Any]:
    """ready: stores the payment READY; fixtures current/ready_request_doc.json → ready_response_doc.json."""
    total, tax_free = _int(data.get("total_amount")), _int(data.get("tax_free_amount"))
    required = (
        "cid",
        "partner_order_id",
        "partner_user_id",
        "item_name",
        "approval_url",
        "cancel_url",
        "fail_url",
    )
    if (
        any(not data.get(k) for k in required)
        or total is None
        or total <= 0
        or tax_free is None
        or _int(data.get("quantity")) is None
        or any(len(str(data.get(k, ""))) > limit for k, limit in _READY_LIMITS.items())
    ):
        raise _approval_failure("INVALID_REQUEST", "필수 항목이 없거나 잘못되었어요.")
    tid = "T" + secrets.token_hex(10)[:19]
    page_key = secrets.token_hex(32)  # the real pages end in 64 hex characters (INDEX.md), not the tid
    store.put_page(page_key, tid)
    page = url_for("standin.payment_page", page=page_key, _external=True)
    payment = {
        "tid": tid,
        "cid": data["cid"],
        "status": "READY",
        "partner_order_id": str(data["partner_order_id"]),
        "partner_user_id": str(data["partner_user_id"]),
        "item_name": data["item_name"],
        "item_code": str(data.get("item_code") or ""),  # "" when not given, as in legacy answers
        "quantity": _int(data.get("quantity")),
        "amount": _amount(total, tax_free),
        "canceled_amount": dict(_ZERO),
        "approval_url": data["approval_url"],
        "cancel_url": data["cancel_url"],
        "fail_url": data["fail_url"],
        "created_at": _now(),
        "payment_action_details": [],
    }
    store.put(payment)
    return {
        "tid": tid,
        "next_redirect_app_url": page + "?env=app",
        "next_redirect_mobile_url": page + "?env=mobile",
        "next_redirect_pc_url": page + "?env=pc",
        "android_app_scheme": "kakaotalk://kakaopay/pg?url=" + page,
        "ios_app_scheme": "kakaotalk://kakaopay/pg?url=" + page,
        "created_at": payment["created_at"],
    }


# Fields of the stored payment echoed by the answers (each answer takes those its fixture has).
_FIELDS = (
    "tid",
    "cid",
    "status",
    "partner_order_id",
    "partner_user_id",
    "payment_method_type",
    "item_name",
    "item_code",
    "quantity",
    "amount",
    "canceled_amount",
    "created_at",
    "approved_at",
    "canceled_at",
)


def _view(payment: dict[str, Any], *leave_out: str) -> dict[str, Any]:
    return {k: payment[k] for k in _FIELDS if k in payment and k not in leave_out}


def _act(payment: dict[str, Any], kind: str, amount: int, at: str) -> str:
    """Record a `payment_action_details` entry (PAYMENT or CANCEL); gives its new aid."""
    aid = "A" + secrets.token_hex(10)[:19]
    payment["payment_action_details"].append(
        {
            "aid": aid,
            "payment_action_type": kind,
            "payment_method_type": "MONEY",
            "amount": amount,
            "point_amount": 0,
            "discount_amount": 0,
            "approved_at": at,
            "green_deposit": 0,
        }
    )
    return aid


def _approve(store: _Store, data: dict[str, Any]) -> dict[str, Any]:
    """approve: AUTH_PASSWORD → SUCCESS_PAYMENT when tid, pg_token and partner ids match;
    fixtures current/approve_request_doc.json → approve_response_money_doc.json."""
    payment = store.get(str(data.get("tid", "")))
    if payment is None or payment["cid"] != data.get("cid"):
        raise _approval_failure("INVALID_TID", "존재하지 않는 결제예요.")
    if payment["status"] in ("SUCCESS_PAYMENT", "CANCEL_PAYMENT", "PART_CANCEL_PAYMENT"):
        raise _approval_failure("ALREADY_APPROVED", "이미 승인된 결제예요.")
    if payment["status"] != "AUTH_PASSWORD" or data.get("pg_token") != payment.get("pg_token"):
        raise _approval_failure("INVALID_PG_TOKEN", "결제 인증 정보가 올바르지 않아요.")
    if (str(data.get("partner_order_id")), str(data.get("partner_user_id"))) != (
        payment["partner_order_id"],
        payment["partner_user_id"],
    ):
        raise _approval_failure("PARTNER_MISMATCH", "주문 정보가 결제 준비 때와 달라요.")
    total = _int(data.get("total_amount"))
    if data.get("total_amount") is not None and total != payment["amount"]["total"]:
        raise _approval_failure("AMOUNT_MISMATCH", "결제 금액이 결제 준비 때와 달라요.")
    payment.update(status="SUCCESS_PAYMENT", approved_at=_now(), payment_method_type="MONEY")
    aid = _act(payment, "PAYMENT", payment["amount"]["total"], payment["approved_at"])
    store.put(payment)
    return {"aid": aid, **_view(payment, "status", "canceled_amount")}


def _cancel(store: _Store, data: dict[str, Any]) -> dict[str, Any]:
    """cancel: refunds part or all of an approved payment; fixtures current/cancel_request_doc.json →
    cancel_response_doc.json (all) / cancel_response_part_cancel_test_mode_2024.json (part)."""
    payment = store.get(str(data.get("tid", "")))
    if payment is None or payment["cid"] != data.get("cid"):
        raise _cancel_failure("6666", "원거래없음")
    if payment["status"] not in ("SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT"):
        raise _cancel_failure("NOT_APPROVED", "취소할 수 있는 결제가 아니에요.")
    amount = _int(data.get("cancel_amount"))
    tax_free = _int(data.get("cancel_tax_free_amount"))
    left = payment["amount"]["total"] - payment["canceled_amount"]["total"]
    if amount is None or amount <= 0 or tax_free is None or amount > left:
        raise _cancel_failure("INVALID_AMOUNT", "취소 금액이 올바르지 않아요.")
    available = _int(data.get("cancel_available_amount"))
    if data.get("cancel_available_amount") is not None and available != left:
        raise _cancel_failure("INVALID_AMOUNT", "취소 가능 금액이 맞지 않아요.")
    payment["canceled_amount"] = _amount(payment["canceled_amount"]["total"] + amount, 0)
    payment["status"] = "CANCEL_PAYMENT" if amount == left else "PART_CANCEL_PAYMENT"
    payment["canceled_at"] = _now()
    aid = _act(payment, "CANCEL", amount, payment["canceled_at"])
    store.put(payment)
    return {
        "aid": aid,
        **_view(payment),
        "approved_cancel_amount": _amount(amount, 0),
        "cancel_available_amount": _amount(left - amount, 0) if left - amount else dict(_ZERO),
    }


def _order(store: _Store, data: dict[str, Any]) -> dict[str, Any]:
    """order lookup; fixtures current/order_request_doc.json → order_response_success_payment_doc.json."""
    payment = store.get(str(data.get("tid", "")))
    if payment is None or payment["cid"] != data.get("cid"):
        raise _approval_failure("INVALID_TID", "존재하지 않는 결제예요.")
    left = payment["amount"]["total"] - payment["canceled_amount"]["total"]
    paid = payment["status"] in ("SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT")
    return {
        **_view(payment),
        "cancel_available_amount": _amount(left, 0) if paid else dict(_ZERO),
        "payment_action_details": payment["payment_action_details"],
    }


HANDLERS = {"ready": _ready, "approve": _approve, "cancel": _cancel, "order": _order}
