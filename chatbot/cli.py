"""Core `flask` commands: `flask db upgrade|downgrade`, `flask sync-views`, `flask seed-demo`,
`flask payments reconcile`, `flask admin create`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from chatbot import jobs, runtime
from chatbot.models import ROLES


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


@click.group("payments")
def payments_group() -> None:
    """KakaoPay payments."""


@payments_group.command("reconcile")
@with_appcontext
def reconcile_command() -> None:
    """Settle payments left READY beyond KAKAOPAY_READY_TTL by KakaoPay's order lookup (run it
    every few minutes, e.g. from cron)."""
    from chatbot import kakaopay
    from chatbot.services.payments import reconcile

    with runtime(current_app).sessions() as session:
        counts = reconcile(session, kakaopay.client(current_app), runtime(current_app).settings)
    click.echo(" ".join(f"{name}={n}" for name, n in counts.items()))


@click.group("admin")
def admin_group() -> None:
    """Admin API accounts."""


@admin_group.command("create")
@click.option("--email", required=True)
@click.option("--username", required=True, help="3–40 of a-z 0-9 _ . -")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.password_option(envvar="ADMIN_PASSWORD", help="12–128 characters (else ADMIN_PASSWORD, else prompted)")
@with_appcontext
def create_admin_command(email: str, username: str, role: str, password: str) -> None:
    """Create an admin who can log in at /admin/api/v1/auth/login."""
    from chatbot.errors import DomainError
    from chatbot.services.admins import create_admin

    try:
        with runtime(current_app).sessions() as session:
            admin = create_admin(session, email=email, username=username, password=password, role=role)
    except DomainError as exc:
        raise click.ClickException(exc.user_message) from None
    click.echo(f"created admin #{admin.id} {admin.username} ({admin.role})")


def init_app(app: Flask) -> None:
    """Register the core commands and the crawler's on `app`."""
    from crawler.cli import crawl_command

    app.cli.add_command(db_group)
    app.cli.add_command(crawl_command)
    app.cli.add_command(sync_views_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(payments_group)
    app.cli.add_command(admin_group)
    jobs.init_app(app)  # flask worker
