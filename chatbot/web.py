"""HTTP plumbing shared by every blueprint: request ids, health probes, JSON-only errors."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from chatbot.kakao import error_response

logger = logging.getLogger("junggyenara.web")

REQUEST_ID_HEADER = "X-Request-Id"


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
    """Register health routes, the request-id header and JSON error handlers on `app`."""
    from chatbot import runtime

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
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        if _is_skill_call():
            return jsonify(error_response("잘못된 요청이에요.")), exc.code or 400
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify(error_body(code, exc.description or exc.name)), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        logger.exception("unhandled error request_id=%s path=%s", request_id(), request.path)
        if _is_skill_call():
            return jsonify(error_response("죄송해요, 잠시 후 다시 시도해 주세요.")), 500
        return jsonify(error_body("internal_error", "internal error", {"request_id": request_id()})), 500


def _is_skill_call() -> bool:
    # Open Builder must always get a SkillResponse, even for a wrong method or an oversized body.
    return request.path.startswith("/skills/")
