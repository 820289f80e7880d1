"""`POST /skills/<name>`: edge auth, SkillPayload parsing, time budget, errors -> Korean answers.

Every answer is a valid SkillResponse (`version: "2.0"`, Kakao i Open Builder skill protocol,
https://kakaobusiness.gitbook.io/main/tool/chatbot/skill_guide/answer_json_format). Kakao waits
5 s for a skill (AI 챗봇 콜백 개발 가이드 §개요); we answer within `SKILL_TIME_BUDGET` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from chatbot import metrics, runtime
from chatbot.errors import DomainError
from chatbot.kakao import SkillPayloadError, error_response, parse_skill_payload
from chatbot.logs import log_request
from chatbot.services import members as member_service
from chatbot.web import error_body, request_id
from skills.registry import REGISTRY, PreparedResponse, SkillContext

logger = logging.getLogger("junggyenara.skills")

blueprint = Blueprint("skills", __name__, url_prefix="/skills")

APOLOGY = "죄송해요, 요청을 처리하는 중에 문제가 생겼어요. 잠시 후 다시 시도해 주세요."
TOO_SLOW = "잠시 후 다시 시도해 주세요."
UNAUTHORIZED = "허용되지 않은 요청이에요."

# Handlers run here so the dispatcher can give up on one at its time budget and still answer
# Kakao; a late handler finishes in the background. Made lazily: gunicorn forks after import.
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="skill")
    return _executor


def member_hash(user_key: str | None) -> str:
    """A short, stable, non-reversible tag for a botUserKey, for logs (12 hex chars, '-' if none)."""
    if not user_key:
        return "-"
    return hashlib.sha256(user_key.encode()).hexdigest()[:12]


@blueprint.get("")
def list_skills() -> Response:
    """`GET /skills`: the registered skill names, sorted."""
    return jsonify(skills=sorted(REGISTRY))


@blueprint.post("/<name>")
def run_skill(name: str) -> tuple[Response, int]:
    """Answer one SkillPayload with a SkillResponse (always JSON; 200 unless the request is bad)."""
    started = time.perf_counter()
    handler = REGISTRY.get(name)
    if handler is None:
        return jsonify(
            error_body("unknown_skill", f"no skill named {name!r}", {"skills": sorted(REGISTRY)})
        ), 404
    rt = runtime(current_app)
    settings = rt.settings
    user_key: str | None = None

    def answer(body: dict[str, Any] | PreparedResponse, status: int, outcome: str) -> tuple[Response, int]:
        elapsed = time.perf_counter() - started
        # The request's one log line (chatbot.logs): a member hash, never a phone number or token.
        log_request(
            logger,
            skill=name,
            member=member_hash(user_key),
            status=status,
            outcome=outcome,
            ms=round(elapsed * 1000, 1),
            request_id=request_id(),
        )
        metrics.observe_skill(name, status, outcome, elapsed)
        if isinstance(body, PreparedResponse):
            return Response(body.json, mimetype="application/json"), status
        return jsonify(body), status

    if settings.skill_token and not hmac.compare_digest(
        request.headers.get("X-Skill-Token", "").encode(), settings.skill_token.encode()
    ):
        return answer(error_response(UNAUTHORIZED), 401, "bad_token")
    try:
        payload = parse_skill_payload(request.get_data(cache=False))
    except SkillPayloadError as exc:
        return answer(error_response(exc.user_message), 400, f"bad_payload:{exc.reason}")
    user_key = payload.user_key
    if settings.kakao_bot_ids and (payload.bot_id or "").rstrip("!") not in {
        bot_id.rstrip("!") for bot_id in settings.kakao_bot_ids
    }:
        return answer(error_response(UNAUTHORIZED), 403, "bad_bot")

    ctx = SkillContext(
        name=name,
        payload=payload,
        settings=settings,
        redis=rt.redis,
        sessions=rt.sessions,
        request_id=request_id(),
    )
    future = _pool().submit(_call, current_app._get_current_object(), handler, ctx)  # type: ignore[attr-defined]
    try:
        body, outcome = future.result(timeout=settings.skill_time_budget)
    except FutureTimeout:
        return answer(error_response(TOO_SLOW), 200, "timeout")
    return answer(body, 200, outcome)


def _call(app: Flask, handler: Any, ctx: SkillContext) -> tuple[dict[str, Any], str]:
    """Run a handler inside `app`'s context (services may use `current_app`, e.g. the embedded photo
    worker); a DomainError becomes its Korean message, anything else an apology."""
    try:
        with app.app_context():
            member_service.ensure_not_suspended(ctx.redis, ctx.sessions, ctx.payload.user_key)
            return handler(ctx), "ok"
    except DomainError as exc:
        return error_response(exc.user_message), exc.code
    except Exception:
        logger.exception("skill failed request_id=%s", ctx.request_id)
        return error_response(f"{APOLOGY}\n(오류 번호: {ctx.request_id[:8]})"), "error"
    finally:
        ctx.close()
