"""Alembic environment: one URL (DATABASE_URL or the embedded default), the models' metadata."""

from __future__ import annotations

from alembic import context

from chatbot.config import Settings
from chatbot.extensions import make_engine
from chatbot.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(_database_url())
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    # An index that exists on some dialects only (MariaDB's FULLTEXT) says so in `info["dialects"]`.
    dialects = getattr(obj, "info", {}).get("dialects") if not reflected else None
    return dialects is None or context.get_bind().dialect.name in dialects


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch lets ALTERs work on SQLite too, so one set of migrations serves both.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
