"""Core `flask` commands: `flask db upgrade|downgrade`, `flask sync-views`, `flask seed-demo`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from chatbot import jobs, runtime


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Migrate the database to REVISION."""
    from chatbot import schema  # Alembic is loaded by the commands that use it, not by every worker

    schema.upgrade(runtime(current_app).settings.database_url, revision)


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision: str) -> None:
    """Migrate the database down to REVISION ("base" removes every table)."""
    from chatbot import schema

    schema.downgrade(runtime(current_app).settings.database_url, revision)


@click.command("sync-views")
@with_appcontext
def sync_views_command() -> None:
    """Move listing view counts from Redis into the database (safe to run concurrently)."""
    from chatbot.services.listings import sync_views

    rt = runtime(current_app)
    with rt.sessions() as session:
        moved = sync_views(session, rt.redis)
    click.echo(f"synced {moved} views")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create demo members and listings in every category (once; a second run does nothing)."""
    from chatbot.services.demo import seed_demo

    with runtime(current_app).sessions() as session:
        members, listings = seed_demo(session)
    click.echo(f"created {members} members and {listings} listings" if members else "demo data already there")


def init_app(app: Flask) -> None:
    """Register the core commands and the crawler's on `app`."""
    from crawler.cli import crawl_command

    app.cli.add_command(db_group)
    app.cli.add_command(crawl_command)
    app.cli.add_command(sync_views_command)
    app.cli.add_command(seed_demo_command)
    jobs.init_app(app)  # flask worker
