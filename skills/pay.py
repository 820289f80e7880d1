"""`/pay/<order_id>/...`: the buyer's browser between KakaoTalk and KakaoPay (issue 5 §4).

The chat never calls KakaoPay: its 결제하기 button is a webLink to `start`, which calls ready and
redirects to KakaoPay's page (mobile or PC URL by User-Agent). KakaoPay sends the browser back to
`approve` (with `pg_token`), `cancel` or `fail`; each answers a small Korean page telling the buyer
to go back to KakaoTalk. `refund` (GET: confirm, POST: do) cancels a paid order before shipping.

Every URL carries `t`, a token signed with SECRET_KEY (`chatbot.services.payments.link_token`):
it, not anything else in the query string, says which order, payment and member the browser acts
for; amounts come from the DB. A bad or expired token is a 403 page; nothing changes.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from chatbot import kakaopay, runtime
from chatbot.errors import DomainError, NotFound
from chatbot.models import Member
from chatbot.services import payments

blueprint = Blueprint("pay", __name__, url_prefix="/pay")

_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|iPod|KAKAOTALK", re.IGNORECASE)
_STATUS = {"forbidden": 403, "not_found": 404, "invalid_transition": 409, "unavailable": 503}


def _page(status: int, icon: str, title: str, *lines: str, **form: str) -> tuple[str, int]:
    """A Korean HTML page (chatbot/templates/pay/page.html); `form` = form_action, form_label, token."""
    return render_template("pay/page.html", icon=icon, title=title, lines=lines, **form), status


@blueprint.after_request
def _private(response: Response) -> Response:
    """Pages with signed links are never cached and never leak their URL as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blueprint.errorhandler(DomainError)
def _refused(exc: DomainError) -> tuple[str, int]:
    return _page(_STATUS.get(exc.code, 400), "⚠️", "진행할 수 없어요", exc.user_message)


def _return_claims(order_id: int) -> dict[str, int]:
    settings = runtime(current_app).settings
    max_age = settings.kakaopay_ready_ttl + 3600
    return payments.read_token(settings, "return", request.args.get("t", ""), order_id, max_age)


@blueprint.get("/<int:order_id>/start")
def start(order_id: int) -> BaseResponse:
    """Call ready for the order of the buyer named in `t` and redirect to KakaoPay's payment page."""
    rt = runtime(current_app)
    token = request.args.get("t", "")
    claims = payments.read_token(rt.settings, "start", token, order_id, payments.START_LINK_MAX_AGE)
    with rt.sessions() as session:
        to = payments.start(session, kakaopay.client(current_app), rt.settings, order_id, claims["m"])
    return redirect(to.mobile_url if _MOBILE.search(request.user_agent.string) else to.pc_url, code=302)


@blueprint.get("/<int:order_id>/approve")
def approve(order_id: int) -> tuple[str, int]:
    """approval_url: approve once with `pg_token` (a replay shows the same success page)."""
    claims = _return_claims(order_id)
    pg_token = request.args.get("pg_token", "")
    if not pg_token:
        return _page(400, "⚠️", "결제 정보가 없어요", "카카오톡 '내 거래'에서 다시 결제해 주세요.")
    rt = runtime(current_app)
    with rt.sessions() as session:
        outcome = payments.approve(session, kakaopay.client(current_app), order_id, claims["p"], pg_token)
    if outcome == "paid":
        return _page(200, "✅", "결제가 완료되었어요", "판매자가 물건을 보내면 송장 번호를 알려 드릴게요.")
    if outcome == "pending":
        return _page(
            202, "⏳", "결제를 확인하고 있어요", "잠시 뒤 카카오톡 '내 거래'에서 결제 상태를 확인해 주세요."
        )
    return _page(402, "❌", "결제에 실패했어요", "결제되지 않았고, 주문은 결제실패로 끝났어요.")


@blueprint.get("/<int:order_id>/cancel")
def cancel(order_id: int) -> tuple[str, int]:
    """cancel_url: the buyer left KakaoPay; the order keeps waiting for payment."""
    claims = _return_claims(order_id)
    with runtime(current_app).sessions() as session:
        payments.quit_payment(session, order_id, claims["p"])
    return _page(
        200,
        "↩️",
        "결제를 취소했어요",
        "결제되지 않았어요. '내 거래'에서 다시 결제하거나 주문을 취소할 수 있어요.",
    )


@blueprint.get("/<int:order_id>/fail")
def fail(order_id: int) -> tuple[str, int]:
    """fail_url: KakaoPay could not take the payment; the order ends as 결제실패."""
    claims = _return_claims(order_id)
    with runtime(current_app).sessions() as session:
        payments.fail_payment(session, order_id, claims["p"])
    return _page(
        200, "❌", "결제에 실패했어요", "결제되지 않았어요. 다시 사려면 카카오톡에서 구매하기를 눌러 주세요."
    )


@blueprint.route("/<int:order_id>/refund", methods=["GET", "POST"])
def refund(order_id: int) -> tuple[str, int]:
    """GET: ask to confirm the refund; POST (form field `t`): cancel the order and refund in full."""
    rt = runtime(current_app)
    token = request.values.get("t", "")
    claims = payments.read_token(rt.settings, "refund", token, order_id, payments.START_LINK_MAX_AGE)
    if request.method == "GET":
        return _page(
            200,
            "💸",
            "거래를 취소하고 환불할까요?",
            "결제한 금액 전부가 카카오페이로 환불돼요. 배송이 시작되면 취소할 수 없어요.",
            form_action=request.path,
            form_label="취소하고 환불하기",
            token=token,
        )
    with rt.sessions() as session:
        member = session.get(Member, claims["m"])
        if member is None:
            raise NotFound("회원 정보를 찾을 수 없어요.")
        payments.refund(session, kakaopay.client(current_app), order_id, member)
    return _page(200, "✅", "환불했어요", "거래가 취소되었고 결제 금액 전부를 환불했어요.")
