"""중계나라 core: `create_app()` is the only place that wires settings, connections and routes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis
from flask import Flask, Request
from flask import Response as FlaskResponse
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chatbot.config import INSTANCE_DIR, Settings
from chatbot.extensions import make_engine, make_redis, make_session_factory
from chatbot.logs import configure_logging
from chatbot.services import market_version


@dataclass(frozen=True)
class Runtime:
    """What a request or command needs, made once per app: settings, DB engine/sessions, Redis."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: redis.Redis


def create_app(config: Settings | dict[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    `config` is a `Settings`, a dict of `Settings` overrides applied on top of the environment, or
    `None` for the environment alone. Raises `chatbot.config.ConfigError` on unsafe settings.
    The runtime is at `app.extensions["junggyenara"]` (a `Runtime`).
    """
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env().with_overrides(**(config or {}))

    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    # A SkillPayload is a few KB; anything near a megabyte is not one.
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=1024 * 1024)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Korean stays readable in bodies and logs
    app.json.sort_keys = False  # type: ignore[attr-defined]  # key order is irrelevant to Kakao; sorting costs
    # No cookie sessions: skills are keyed by botUserKey, admins by JWT, payment links by signed
    # tokens. Without this Flask builds a signing serializer on every request.
    app.session_interface = _NoSessions()
    engine = make_engine(settings.database_url)
    rt = Runtime(
        settings=settings, engine=engine, sessions=make_session_factory(engine), redis=make_redis(settings)
    )
    app.extensions["junggyenara"] = rt
    market_version.watch(rt.sessions, rt.redis)  # every commit that changes a listing card
    configure_logging(settings.log_format)  # text, or JSON lines in the image; redacted either way
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin

    import admin_api
    from chatbot import cli, kakaopay, storage, web
    from skills import blueprint as skills_blueprint
    from skills.pay import blueprint as pay_blueprint

    web.init_app(app)
    storage.init_app(app)
    app.register_blueprint(skills_blueprint)
    admin_api.init_app(app)
    app.register_blueprint(pay_blueprint)
    kakaopay.init_app(app, settings)
    cli.init_app(app)
    return app


class _NoSessions(SessionInterface):
    """A session interface that never reads or writes a cookie (`session` is a NullSession)."""

    def open_session(self, app: Flask, request: Request) -> None:
        return None

    def save_session(self, app: Flask, session: SessionMixin, response: FlaskResponse) -> None:
        return None


def runtime(app: Flask) -> Runtime:
    """The `Runtime` bound to `app` by `create_app`."""
    return app.extensions["junggyenara"]
