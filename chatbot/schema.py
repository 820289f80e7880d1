"""Running the Alembic migrations from code (`flask db upgrade`, tests, `make run`)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from chatbot.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """The project's Alembic `Config` (alembic.ini) bound to `database_url`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` up to `revision`; raises Alembic/SQLAlchemy errors."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database at `database_url` down to `revision` ("base" empties it)."""
    command.downgrade(alembic_config(database_url), revision)
