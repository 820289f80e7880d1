"""HTTP plumbing shared by every blueprint: request ids, health probes, JSON-only errors, and the
per-request metrics and log line (`chatbot.metrics`, `chatbot.logs`)."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Flask, Response, g, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from chatbot import metrics
from chatbot.kakao import error_response
from chatbot.logs import log_request, request_logged

logger = logging.getLogger("junggyenara.web")

REQUEST_ID_HEADER = "X-Request-Id"
# Probes and scrapes that succeed are counted in metrics but not logged (the ALB and Prometheus call
# them every few seconds).
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def request_id() -> str:
    """This request's id: the caller's `X-Request-Id` (≤ 64 chars) or a new 32-hex-char one."""
    rid = g.get("request_id")
    if rid is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        g.request_id = rid
    return rid


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    """The one JSON error shape: `{"error": {"code", "message", "details"}}` (DESIGN.md §3)."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def init_app(app: Flask) -> None:
    """Register health routes, `/metrics`, the request-id header, per-request metrics and log line,
    and JSON error handlers on `app`."""
    from chatbot import runtime

    metrics.init_app(app)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        rt = runtime(app)
        checks: dict[str, str] = {}
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # the probe reports, it never raises
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            rt.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503

    @app.after_request
    def _add_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        _observe(response.status_code)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        if _is_skill_call():
            return jsonify(error_response("잘못된 요청이에요.")), exc.code or 400
        code = (exc.name or "error").lower().replace(" ", "_")
        response = jsonify(error_body(code, exc.description or exc.name))
        # Keep the error's own headers: Allow on 405 (RFC 9110 §15.5.6), Retry-After on 429.
        response.headers.extend((k, v) for k, v in exc.get_headers() if k.lower() != "content-type")
        return response, exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        logger.exception("unhandled error request_id=%s path=%s", request_id(), request.path)
        if _is_skill_call():
            return jsonify(error_response("죄송해요, 잠시 후 다시 시도해 주세요.")), 500
        return jsonify(error_body("internal_error", "internal error", {"request_id": request_id()})), 500


def _observe(status: int) -> None:
    """Record this request in the HTTP histogram and, unless a handler already wrote it (a skill
    call, `skills.dispatch`) or it is a successful probe, write its one log line."""
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    metrics.observe_request(route, request.method, status, elapsed)
    if request_logged() or (route in QUIET_ROUTES and status < 400):
        return
    log_request(
        logger,
        route=route,
        method=request.method,
        status=status,
        ms=round(elapsed * 1000, 1),
        request_id=request_id(),
    )


def _is_skill_call() -> bool:
    # Open Builder must always get a SkillResponse, even for a wrong method or an oversized body.
    return request.path.startswith("/skills/")
