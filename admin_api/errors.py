"""The admin API's one error shape, `{"error": {"code", "message", "details"}}` (DESIGN.md §3),
for every failure: bad input (422 with field-level `details`), 401 vs 403, domain errors, 404/405.

`chatbot.web.error_body` builds the body; this module decides the HTTP status and never lets a
stack trace out (unexpected exceptions fall through to `chatbot.web`'s JSON 500 with a request id).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, Response, jsonify

from chatbot.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Unavailable,
)
from chatbot.services.admins import AuthenticationFailed, TokenRejected
from chatbot.web import error_body

logger = logging.getLogger("junggyenara.admin_api")

# Domain error class -> HTTP status (RFC 9110 §15); the first match in this order wins.
DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (AuthenticationFailed, 401),
    (TokenRejected, 401),
    (NotFound, 404),
    (Forbidden, 403),
    (InvalidInput, 422),
    (InvalidTransition, 409),
    (Conflict, 409),
    (Unavailable, 503),
)
BEARER_CHALLENGE = 'Bearer realm="junggyenara-admin"'


class ApiError(Exception):
    """An HTTP error of the admin API: `status`, stable `code`, human `message`, `details` (a dict;
    for bad input, field path -> reason). Raised anywhere under a request; rendered by `init_app`."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def unauthorized(code: str = "unauthorized", message: str = "로그인이 필요해요.") -> ApiError:
    """A 401: no, malformed, expired or revoked credentials (RFC 9110 §15.5.2)."""
    return ApiError(401, code, message)


def validation_error(errors: Iterable[Mapping[str, Any]]) -> ApiError:
    """A 422 `invalid_input` from pydantic's `errors()`: `details` maps each field path
    ("title", "limit", "items.0.name"; "body" for the body as a whole) to its reason."""
    details: dict[str, str] = {}
    for err in errors:
        path = ".".join(str(part) for part in err.get("loc", ())) or "body"
        details.setdefault(path, err.get("msg", "invalid"))
    return ApiError(422, "invalid_input", "입력한 값을 확인해 주세요.", details)


def _render(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> tuple[Response, int]:
    response = jsonify(error_body(code, message, details))
    if status == 401:
        # RFC 6750 §3: a 401 for a bearer-protected resource says how to authenticate.
        error = "" if code == "unauthorized" else ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = BEARER_CHALLENGE + error
    return response, status


def domain_status(exc: DomainError) -> int:
    """The HTTP status of a domain error (`DOMAIN_STATUS`; 400 for any other kind)."""
    return next((status for kind, status in DOMAIN_STATUS if isinstance(exc, kind)), 400)


def init_app(blueprint: Blueprint) -> None:
    """Register the JSON error handlers on the admin blueprint. HTTP errors (404, 405, 429 from the
    login throttle) are rendered in the same shape by `chatbot.web`, headers kept."""

    @blueprint.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        return _render(exc.status, exc.code, exc.message, exc.details)

    @blueprint.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> tuple[Response, int]:
        return _render(domain_status(exc), exc.code, exc.user_message, exc.details)
