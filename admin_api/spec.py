"""The OpenAPI document and request/response validation, from one set of pydantic models.

`endpoint(...)` is the only decorator a route needs: it checks the bearer token and role
(`admin_api.auth.admin_required`), insists on a JSON object body where the route takes one, lets
spectree validate the query/body against the models named in the view's annotations (`query: X`,
`json: Y`) and the response against the declared models, and registers all of that — the error
responses (401/403/404/409/415/422/429) included — in the OpenAPI 3.1 document served at
`/admin/api/v1/openapi.json`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import request
from pydantic import ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData
from spectree.utils import get_request_model_hints

from admin_api.auth import admin_required
from admin_api.errors import ApiError, validation_error
from admin_api.schemas import ErrorResponse

logger = logging.getLogger("junggyenara.admin_api")

SECURITY_SCHEME = "bearerAuth"
DESCRIPTION = """Admin API of 중계나라 (DESIGN.md §3).

* Log in with `POST /admin/api/v1/auth/login`; send the access token as `Authorization: Bearer <JWT>`
  (15 minutes). Trade the single-use refresh token for a new pair at `/auth/refresh`; a refresh token
  used twice revokes the whole login. `/auth/logout` revokes the login.
* Roles: `viewer` reads, `operator` also changes listings, members, deals and notices, `admin` also
  reads the audit log and force-cancels orders. 401 = not authenticated, 403 = role too low.
* Errors are always `{"error": {"code", "message", "details"}}`; for 422 `details` maps each field
  to its reason. Lists are newest first with cursor paging (`cursor` = previous `next_cursor`).
"""


def _component_name(model: Any) -> str:
    # Generic models are named like "Page[ListingOut]"; OpenAPI component names allow [A-Za-z0-9._-].
    return re.sub(r"[^A-Za-z0-9._-]", "", model.__name__)


def _before(req: Any, resp: Any, req_validation_error: Exception | None, instance: Any, adapter: Any) -> None:
    if isinstance(req_validation_error, ValidationError):
        raise validation_error(req_validation_error.errors(include_url=False, include_input=False))
    if req_validation_error is not None:
        raise ApiError(
            422, "invalid_input", "입력한 값을 확인해 주세요.", {"body": str(req_validation_error)}
        )


def _after(req: Any, resp: Any, resp_validation_error: Exception | None, instance: Any, adapter: Any) -> None:
    if resp_validation_error is not None:
        # Our bug, not the caller's: a plain 500 (request id in the body), details only in the log.
        logger.error("response does not match its schema path=%s: %s", req.path, resp_validation_error)
        raise RuntimeError("admin API response does not match its schema")


api = SpecTree(
    "flask",
    mode="strict",
    title="중계나라 Admin API",
    description=DESCRIPTION,
    version="1.0.0",
    path="admin/api/v1/docs",
    annotations=True,
    security_schemes=[
        SecurityScheme(
            name=SECURITY_SCHEME,
            data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer", bearer_format="JWT"),
        )
    ],
    validation_error_status=422,
    validation_error_model=ErrorResponse,
    naming_strategy=_component_name,
    before=_before,
    after=_after,
)


def _json_object_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """415 unless the body is `application/json`; 422 unless it is a JSON object."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not request.is_json:
            raise ApiError(415, "unsupported_media_type", "본문은 application/json 이어야 해요.")
        if not isinstance(request.get_json(silent=True), dict):
            raise ApiError(
                422, "invalid_input", "본문은 JSON 객체여야 해요.", {"body": "JSON object expected"}
            )
        return view(*args, **kwargs)

    return checked


def endpoint(
    *,
    ok: int,
    model: Any = None,
    role: str | None = "viewer",
    errors: Iterable[int] = (),
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an admin API operation.

    - `ok`, `model`: the success status and its body model (None for no body, e.g. 204);
    - `role`: the least role allowed (`viewer`, `operator`, `admin`), or None for a public route;
    - `errors`: further documented error statuses (401, 403 follow from `role`; 422 from a query
      or body model; 415 from a body model);
    - request models come from the view's annotations: `query: SomeQuery`, `json: SomeBody`.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        hints = get_request_model_hints(view)
        codes = set(errors)
        if role is not None:
            codes.add(401)
            if role != "viewer":
                codes.add(403)
        if hints.get("query") or hints.get("json"):
            codes.add(422)
        if hints.get("json"):
            codes.add(415)
        code_models: dict[str, Any] = {f"HTTP_{code}": ErrorResponse for code in sorted(codes)}
        if model is not None:
            code_models[f"HTTP_{ok}"] = model
        responses = Response(*(() if model is not None else (f"HTTP_{ok}",)), **code_models)
        wrapped = api.validate(resp=responses, tags=tags, security={SECURITY_SCHEME: []} if role else None)(
            view
        )
        if hints.get("json"):
            wrapped = _json_object_body(wrapped)
        return admin_required(role)(wrapped) if role else wrapped

    return decorate
