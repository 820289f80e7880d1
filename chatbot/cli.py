"""Core `flask` commands: `flask db upgrade|downgrade`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from chatbot import runtime, schema


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Migrate the database to REVISION."""
    schema.upgrade(runtime(current_app).settings.database_url, revision)


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision: str) -> None:
    """Migrate the database down to REVISION ("base" removes every table)."""
    schema.downgrade(runtime(current_app).settings.database_url, revision)


def init_app(app: Flask) -> None:
    """Register the core commands and the crawler's on `app`."""
    from crawler.cli import crawl_command

    app.cli.add_command(db_group)
    app.cli.add_command(crawl_command)
