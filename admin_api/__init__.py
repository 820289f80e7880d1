"""`/admin/api/v1`: the JWT-protected admin REST API (issue 6, DESIGN.md §3).

Thin routes (`admin_api.routes`) call the same services as the skills. Authentication is in
`admin_api.auth` and `admin_api.tokens`, the models and OpenAPI document in `admin_api.schemas` and
`admin_api.spec`, the error shape in `admin_api.errors`. `init_app` is called by `create_app`.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

blueprint = Blueprint("admin_api", __name__, url_prefix="/admin/api/v1")

# Login throttling (issue 6 §1). Counted in Settings.rate_limit_storage (Redis when REDIS_URL is set,
# so every gunicorn worker shares the counts). One process-wide limiter: its storage is the one of
# the last app initialised, which is the only app outside tests.
limiter = Limiter(key_func=get_remote_address, key_prefix="junggyenara", headers_enabled=True)


def init_app(app: Flask) -> None:
    """Mount the admin API on `app`: login throttling on the app's storage, routes, error handlers."""
    from admin_api import auth, errors, routes  # noqa: F401  (routes register themselves)
    from chatbot import runtime

    app.config["RATELIMIT_STORAGE_URI"] = runtime(app).settings.rate_limit_storage
    limiter.init_app(app)
    _scope_limiter_hooks(app)
    if "admin_api" not in app.blueprints:
        app.register_blueprint(blueprint)


def _scope_limiter_hooks(app: Flask) -> None:
    """Run Flask-Limiter's request hooks for admin API requests only.

    `Limiter.init_app` hooks every request of the app (before, after, teardown), but only admin
    routes carry limits; on the skills' hot path those hooks cost about 0.1 ms of CPU per call.
    They are moved to the admin blueprint's slot of the same hook tables (what Flask itself uses
    for blueprint hooks). A hook that is not where `init_app` put it is left alone.
    """
    tables = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    for table in cast(tuple[dict[str | None, list[Any]], ...], tables):
        app_hooks = table.get(None, [])
        if app_hooks and _is_limiter_hook(app_hooks[-1]):
            table.setdefault(blueprint.name, []).append(app_hooks.pop())


def _is_limiter_hook(hook: object) -> bool:
    target = getattr(hook, "func", hook)  # the after-request hook is a functools.partial
    return getattr(target, "__qualname__", "").startswith("Limiter.")


def _setup_blueprint() -> None:
    from admin_api import auth, errors

    errors.init_app(blueprint)
    blueprint.teardown_request(auth.close_db)


_setup_blueprint()
