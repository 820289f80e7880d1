"""A thin KakaoPay online single-payment (단건 결제) client on `requests`, and its wiring.

Protocol (../shared/fixtures/kakaopay/INDEX.md):

* current API (default): `POST {base}/online/v1/payment/{ready,approve,cancel,order}`, header
  `Authorization: SECRET_KEY <secret key>`, JSON bodies, errors `{"error_code", "error_message",
  "extras"}` (current/requests.http, current/approve_error_780_user_locked_doc.json);
* legacy API (`KAKAOPAY_API=legacy`): `POST {base}/v1/payment/{…}` on kapi.kakao.com, header
  `Authorization: KakaoAK <admin key>`, form-encoded bodies, errors `{"code", "msg", "extras"}`
  (legacy/requests.http, legacy/approve_error_780_code_msg.json, legacy/cancel_error_781_code_msg.json).

Every call has timeouts (connect 3 s, read 10 s by default) and raises `KakaoPayError` for an error
answer or `KakaoPayUnavailable` when KakaoPay did not answer (timeout, connection error, 5xx or a
body that is not JSON) — the caller then asks `order` what happened. Responses are returned as the
decoded JSON dicts.

Without `KAKAOPAY_SECRET_KEY` (development), `init_app` mounts the local stand-in
(`chatbot.kakaopay_standin`) at `/_kakaopay` of our own app and points the client at it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import Flask

from chatbot.config import INSTANCE_DIR, Settings

logger = logging.getLogger("junggyenara.kakaopay")

CURRENT_BASE_URL = "https://open-api.kakaopay.com"
LEGACY_BASE_URL = "https://kapi.kakao.com"
STANDIN_MOUNT = "/_kakaopay"
STANDIN_SECRET_KEY = "DEV-STANDIN"

# Error codes evidenced by the fixtures (INDEX.md "Not found in any stored source": -701/-702 are
# not). -780 covers every approval failure (USER_LOCKED, an approved or unknown tid …), -781 every
# cancel failure (e.g. method_result_code 6666 "원거래없음": no such tid); `extras.method_result_code`
# says which.
APPROVAL_FAILURE = -780
CANCEL_FAILURE = -781
ERROR_NAMES = {APPROVAL_FAILURE: "approval failure", CANCEL_FAILURE: "cancel failure"}

# Lookup statuses (INDEX.md "status values"): still waiting for the buyer, paid, and given up.
WAITING_STATUSES = frozenset(
    {"READY", "SEND_TMS", "OPEN_PAYMENT", "SELECT_METHOD", "ARS_WAITING", "AUTH_PASSWORD"}
)
PAID_STATUSES = frozenset({"SUCCESS_PAYMENT"})
CANCELED_STATUSES = frozenset({"CANCEL_PAYMENT", "PART_CANCEL_PAYMENT"})
FAILED_STATUSES = frozenset({"FAIL_AUTH_PASSWORD", "QUIT_PAYMENT", "FAIL_PAYMENT"})


class KakaoPayError(Exception):
    """KakaoPay answered with an error: `code` (e.g. -780, -781; 0 if none was given), `message`
    (`error_message`/`msg`), `extras` (e.g. `method_result_code`), `http_status`."""

    def __init__(self, code: int, message: str, extras: dict | None = None, http_status: int = 400) -> None:
        self.code = code
        self.message = message
        self.extras = extras or {}
        self.http_status = http_status
        super().__init__(f"KakaoPay error {code}: {message} {self.extras}")

    @property
    def method_result_code(self) -> str:
        """`extras.method_result_code` ("USER_LOCKED", "6666", …) or ""."""
        return str(self.extras.get("method_result_code") or "")


class KakaoPayUnavailable(KakaoPayError):
    """KakaoPay did not answer usefully (timeout, connection error, HTTP 5xx, no JSON): whether the
    call took effect is unknown; ask `order`."""

    def __init__(self, message: str) -> None:
        super().__init__(0, message, http_status=0)


@dataclass
class KakaoPayClient:
    """Calls KakaoPay's four single-payment endpoints.

    `base_url` without a trailing slash; `secret_key` is the current API's secret key (or, with
    `api="legacy"`, the Kakao app's admin key); `cid` the merchant code (test: TC0ONETIME);
    `timeout` (connect, read) seconds.
    """

    base_url: str
    secret_key: str
    cid: str = "TC0ONETIME"
    api: str = "current"
    timeout: tuple[float, float] = (3.0, 10.0)
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def _post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {"cid": self.cid, **{k: v for k, v in body.items() if v is not None}}
        if self.api == "legacy":
            url = f"{self.base_url}/v1/payment/{endpoint}"
            kwargs: dict[str, Any] = {
                "data": {k: str(v) for k, v in body.items()},
                "headers": {"Authorization": f"KakaoAK {self.secret_key}"},
            }
        else:
            url = f"{self.base_url}/online/v1/payment/{endpoint}"
            kwargs = {"json": body, "headers": {"Authorization": f"SECRET_KEY {self.secret_key}"}}
        try:
            resp = self.session.post(url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            logger.warning("kakaopay %s unreachable: %s", endpoint, type(exc).__name__)
            raise KakaoPayUnavailable(f"{endpoint}: {type(exc).__name__}") from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code >= 500 or not isinstance(data, dict):
            raise KakaoPayUnavailable(f"{endpoint}: HTTP {resp.status_code}")
        if resp.status_code >= 400:
            code = data.get("error_code", data.get("code", 0))
            message = data.get("error_message", data.get("msg", ""))
            logger.info("kakaopay %s error code=%s extras=%s", endpoint, code, data.get("extras"))
            raise KakaoPayError(int(code or 0), str(message), data.get("extras"), resp.status_code)
        return data

    def ready(
        self,
        *,
        partner_order_id: str,
        partner_user_id: str,
        item_name: str,
        total_amount: int,
        approval_url: str,
        cancel_url: str,
        fail_url: str,
        quantity: int = 1,
        tax_free_amount: int = 0,
    ) -> dict[str, Any]:
        """Prepare a payment of `total_amount` KRW (ready; current/ready_request_doc.json).

        Gives `{"tid", "next_redirect_pc_url", "next_redirect_mobile_url", "next_redirect_app_url",
        "created_at", …}` (current/ready_response_doc.json). `item_name` is cut to 100 characters;
        VAT is left to KakaoPay ((total − tax free)/11).
        """
        return self._post(
            "ready",
            {
                "partner_order_id": partner_order_id,
                "partner_user_id": partner_user_id,
                "item_name": item_name[:100],
                "quantity": quantity,
                "total_amount": total_amount,
                "tax_free_amount": tax_free_amount,
                "approval_url": approval_url,
                "cancel_url": cancel_url,
                "fail_url": fail_url,
            },
        )

    def approve(
        self,
        *,
        tid: str,
        partner_order_id: str,
        partner_user_id: str,
        pg_token: str,
        total_amount: int | None = None,
    ) -> dict[str, Any]:
        """Approve (charge) the payment `tid` with the `pg_token` KakaoPay gave the approval_url
        (current/approve_request_doc.json); `total_amount` KRW, when given, must equal ready's.

        Gives the approval (`aid`, `amount{total,…}`, `approved_at`, …;
        current/approve_response_money_doc.json). A failure is `KakaoPayError` -780
        (current/approve_error_780_user_locked_doc.json).
        """
        return self._post(
            "approve",
            {
                "tid": tid,
                "partner_order_id": partner_order_id,
                "partner_user_id": partner_user_id,
                "pg_token": pg_token,
                "total_amount": total_amount,
            },
        )

    def cancel(
        self,
        *,
        tid: str,
        cancel_amount: int,
        cancel_tax_free_amount: int = 0,
        cancel_available_amount: int | None = None,
    ) -> dict[str, Any]:
        """Refund `cancel_amount` KRW of the approved payment `tid` (current/cancel_request_doc.json).

        Gives `{"status": "CANCEL_PAYMENT" | "PART_CANCEL_PAYMENT", "canceled_amount", …}`
        (current/cancel_response_doc.json). A failure is `KakaoPayError` -781
        (legacy/cancel_error_781_code_msg.json).
        """
        return self._post(
            "cancel",
            {
                "tid": tid,
                "cancel_amount": cancel_amount,
                "cancel_tax_free_amount": cancel_tax_free_amount,
                "cancel_available_amount": cancel_available_amount,
            },
        )

    def order(self, *, tid: str) -> dict[str, Any]:
        """Look the payment `tid` up (current/order_request_doc.json): `{"status", "amount",
        "canceled_amount", "payment_action_details", …}` (current/order_response_success_payment_doc.json;
        statuses in INDEX.md)."""
        return self._post("order", {"tid": tid})


def client_for(settings: Settings) -> KakaoPayClient:
    """The client `settings` ask for: the real API of `KAKAOPAY_API` with `KAKAOPAY_SECRET_KEY`, or
    the stand-in (at `KAKAOPAY_BASE_URL`, else `PUBLIC_BASE_URL/_kakaopay`) without a key."""
    if settings.kakaopay_standin:
        base = settings.kakaopay_base_url or settings.public_base_url + STANDIN_MOUNT
        key = STANDIN_SECRET_KEY
    else:
        default = LEGACY_BASE_URL if settings.kakaopay_api == "legacy" else CURRENT_BASE_URL
        base, key = settings.kakaopay_base_url or default, settings.kakaopay_secret_key
    return KakaoPayClient(
        base_url=base,
        secret_key=key,
        cid=settings.kakaopay_cid,
        api=settings.kakaopay_api,
        timeout=(settings.kakaopay_connect_timeout, settings.kakaopay_read_timeout),
    )


def init_app(app: Flask, settings: Settings) -> None:
    """Bind the client to `app` (`client(app)`); without a secret key and a base URL, mount the
    stand-in at `/_kakaopay` (state in instance/kakaopay-standin.db, shared by workers)."""
    app.extensions["kakaopay"] = client_for(settings)
    if settings.kakaopay_standin and not settings.kakaopay_base_url:
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        from chatbot.kakaopay_standin import create_standin_app

        standin = create_standin_app(state_path=str(INSTANCE_DIR / "kakaopay-standin.db"))
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {STANDIN_MOUNT: standin})  # type: ignore[method-assign]


def client(app: Flask) -> KakaoPayClient:
    """The `KakaoPayClient` bound to `app` by `init_app`."""
    return app.extensions["kakaopay"]
