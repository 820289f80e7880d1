"""`flask crawl`: one pass, `--loop` forever, or `--source NAME --file PATH` for a saved page."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from chatbot import runtime

# The crawler (requests, bs4, lxml) is imported when a crawl command runs, not when the web app
# registers the command: gunicorn workers never crawl and should not carry it in memory.


@click.command("crawl")
@click.option("--source", "source_name", help="Board name (e.g. ppomppu). Default: every live board.")
@click.option(
    "--file",
    "file_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Ingest this saved list page of --source instead of fetching.",
)
@click.option("--loop", is_flag=True, help="Keep crawling, one pass per CRAWLER_MIN_INTERVAL seconds.")
@with_appcontext
def crawl_command(source_name: str | None, file_path: Path | None, loop: bool) -> None:
    """Read deal boards into the DB and the Redis snapshot."""
    from crawler.fetcher import PoliteFetcher
    from crawler.pipeline import CrawlerBusy, crawl_forever, crawl_lock, crawl_once, ingest
    from crawler.sources import SOURCES, get_source

    rt = runtime(current_app)
    try:
        source = get_source(source_name) if source_name else None
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--source") from None
    if file_path is not None:
        if source is None:
            raise click.UsageError("--file needs --source")
        with crawl_lock(rt.redis):
            outcome = ingest(rt, source, file_path.read_bytes(), origin="file")
        click.echo(f"{outcome.source}: {outcome.deals} deals ingested from {file_path}")
        return

    sources = [source] if source else [s for s in SOURCES.values() if s.live and _enabled(rt, s.name)]
    fetcher = PoliteFetcher(
        rt.redis,
        user_agent=rt.settings.crawler_user_agent,
        min_interval=rt.settings.crawler_min_interval,
        jitter=rt.settings.crawler_jitter,
    )
    if loop:
        click.echo(
            f"crawling {', '.join(s.name for s in sources)} every ~{rt.settings.crawler_min_interval:.0f}s"
        )
        crawl_forever(rt, fetcher, sources)
        return
    try:
        if sys.stdout.isatty():
            with click.progressbar(length=len(sources), label="crawling") as bar:
                outcomes = crawl_once(rt, fetcher, sources, progress=lambda _o: bar.update(1))
        else:
            outcomes = crawl_once(rt, fetcher, sources)
    except CrawlerBusy:
        click.echo("another crawler is running; nothing done")
        return
    for outcome in outcomes:
        click.echo(_describe(outcome))


def _enabled(rt, name: str) -> bool:  # type: ignore[no-untyped-def]
    return not rt.settings.crawler_sources or name in rt.settings.crawler_sources


def _describe(outcome) -> str:  # type: ignore[no-untyped-def]
    text = f"{outcome.source}: {outcome.status}"
    if outcome.status == "ok":
        text += f" ({outcome.deals} deals)"
    if outcome.detail:
        text += f" — {outcome.detail}"
    return text
