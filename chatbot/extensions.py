"""Connections created once per process and bound in `create_app`: the database and the cache."""

from __future__ import annotations

from pathlib import Path

import redis
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from chatbot.config import Settings

# One in-process Redis shared by every app made in this process (embedded `make run` defaults).
_fake_redis_server = None


def make_engine(database_url: str) -> Engine:
    """An `Engine` for `database_url` (SQLite or MariaDB via PyMySQL).

    SQLite gets WAL and a busy timeout so the server and a `flask crawl` in another process can
    share the file; MariaDB gets pre-ping and recycling below its `wait_timeout`.
    """
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_recycle=1800, pool_size=10, max_overflow=10)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (handlers render after saving)."""
    return sessionmaker(engine, expire_on_commit=False)


def make_redis(settings: Settings) -> redis.Redis:
    """The Redis client: `REDIS_URL` when set, else the process-wide fakeredis (str responses)."""
    if settings.redis_url:
        return redis.Redis.from_url(
            settings.redis_url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
    global _fake_redis_server
    import fakeredis  # only the embedded defaults need it; real deployments never load it

    if _fake_redis_server is None:
        _fake_redis_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_fake_redis_server, decode_responses=True)
