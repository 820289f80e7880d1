"""Background jobs: listing photos are ingested, and deleted with their listing, outside the skill's
request (one job per listing does both: `chatbot.services.images.ingest_listing_photos`).

With `REDIS_URL` set, `enqueue_photos` puts an RQ job on queue `images` of the same Redis and
`flask worker` runs it (an `rq worker --with-scheduler -u $REDIS_URL images` works too; it builds
the app from the environment). A transient failure (timeout, HTTP 5xx, storage down) is retried
after 10, 30 and 90 seconds — Kakao's secureimage URLs live about ten minutes — and the last try
marks what still fails as `failed`.

With the embedded defaults (`REDIS_URL` unset, in-process fakeredis) there is no worker process to
reach, so jobs go to one daemon thread of the server process. Running them synchronously would make
the `sell` skill wait on Kakao's CDN and Pillow and miss its 3.5 s budget; a thread returns at once,
one thread keeps photo work from competing with requests for more than one core, and a daemon
thread never holds up shutdown (photos of a killed process stay `pending`; posting again or
`flask worker` with Redis picks them up). This mode is for development only: production requires
`REDIS_URL`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from functools import lru_cache
from typing import TYPE_CHECKING

import click
import redis
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.job import Job

from chatbot import runtime
from chatbot.storage import storage_for

if TYPE_CHECKING:
    from chatbot.services.images import IngestResult

logger = logging.getLogger("junggyenara.jobs")

QUEUE_NAME = "images"
RETRY_INTERVALS = (10, 30, 90)  # seconds between tries of a photo job
JOB_TIMEOUT = 180  # seconds one try may run (a few photos × IMAGE_FETCH_TIMEOUT)

_rq_clients: weakref.WeakKeyDictionary[redis.ConnectionPool, redis.Redis] = weakref.WeakKeyDictionary()
_local_jobs: queue.Queue[tuple[Flask, int]] = queue.Queue()
_local_thread: threading.Thread | None = None
_local_lock = threading.Lock()


def rq_connection(client: redis.Redis) -> redis.Redis:
    """A client on the same server as `client` that returns bytes, as RQ requires (the app's own
    client decodes to str). One per connection pool, reused."""
    pool = client.connection_pool
    twin = _rq_clients.get(pool)
    if twin is None:
        kwargs = {**pool.connection_kwargs, "decode_responses": False}
        twin = redis.Redis(
            connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs)
        )
        _rq_clients[pool] = twin
    return twin


def photo_queue(client: redis.Redis) -> Queue:
    """The RQ queue `images` on `client`'s server."""
    return Queue(QUEUE_NAME, connection=rq_connection(client))


def enqueue_photos(client: redis.Redis, listing_id: int) -> Job | None:
    """Queue the ingestion of `listing_id`'s pending photos; never waits for it.

    A real Redis gets an RQ job (returned); the embedded fakeredis hands it to the current app's
    photo thread (`None`; needs an app context). See the module docstring.
    """
    if has_app_context() and runtime(current_app).settings.redis_url is None:
        _submit_local(current_app._get_current_object(), listing_id)  # type: ignore[attr-defined]
        return None
    return photo_queue(client).enqueue(
        ingest_photos_job,
        listing_id,
        retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
        job_timeout=JOB_TIMEOUT,
        description=f"photos of listing {listing_id}",
    )


def run_photo_ingest(app: Flask, listing_id: int, *, final: bool) -> IngestResult:
    """One try at `listing_id`'s pending photos with `app`'s DB, storage and settings.

    A Redis lock per listing keeps two workers from fetching the same photos at once.
    """
    # Pillow and the download stack load here, in the worker, never in a web worker's request path.
    from chatbot.services.images import ingest_listing_photos

    rt = runtime(app)
    lock = rt.redis.lock(f"photos:listing:{listing_id}", timeout=JOB_TIMEOUT, blocking_timeout=JOB_TIMEOUT)
    with lock, rt.sessions() as session:
        return ingest_listing_photos(session, storage_for(app), rt.settings, listing_id, final=final)


def ingest_photos_job(listing_id: int) -> dict[str, int]:
    """The RQ job: ingest `listing_id`'s photos; gives the counts of `IngestResult`.

    Uses the current app (`flask worker`) or one built from the environment (`rq worker`). Raises
    `RetryableImageError` while photos wait for a retry, so RQ schedules the next try; on the last
    try (no retries left) those photos are marked `failed` instead.
    """
    job = get_current_job()
    final = job is None or not job.retries_left
    app = current_app._get_current_object() if has_app_context() else _environment_app()  # type: ignore[attr-defined]
    result = run_photo_ingest(app, listing_id, final=final)
    if result.retry:
        from chatbot.services.images import RetryableImageError

        raise RetryableImageError(f"{result.retry} photos of listing {listing_id} wait for a retry")
    return {"ready": result.ready, "failed": result.failed}


@lru_cache(maxsize=1)
def _environment_app() -> Flask:
    from chatbot import create_app

    return create_app()


# --- embedded mode: one daemon thread ------------------------------------------------------------


def _submit_local(app: Flask, listing_id: int) -> None:
    global _local_thread
    with _local_lock:
        if _local_thread is None or not _local_thread.is_alive():
            _local_thread = threading.Thread(target=_local_loop, name="photo-jobs", daemon=True)
            _local_thread.start()
    _local_jobs.put((app, listing_id))


def _local_loop() -> None:
    while True:
        app, listing_id = _local_jobs.get()
        try:
            with app.app_context():
                _run_with_retries(app, listing_id)
        except Exception:
            logger.exception("photo job for listing %s failed", listing_id)
        finally:
            _local_jobs.task_done()


def _run_with_retries(app: Flask, listing_id: int) -> None:
    """The thread's version of RQ's retry: the same intervals, then a final try."""
    for delay in (*RETRY_INTERVALS, None):
        if not run_photo_ingest(app, listing_id, final=delay is None).retry or delay is None:
            return
        time.sleep(delay)


def wait_for_local_jobs() -> None:
    """Block until the embedded photo thread has finished every job given to it (for tests/CLI)."""
    _local_jobs.join()


# --- flask worker -------------------------------------------------------------------------------


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty instead of waiting.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Process listing photos from the Redis queue `images` (REDIS_URL) until stopped."""
    rt = runtime(current_app)
    if not rt.settings.redis_url:
        raise click.UsageError("REDIS_URL is not set: the server processes photos itself, no worker needed")
    connection = rq_connection(rt.redis)
    # SimpleWorker runs jobs in this process, with this app's DB pool and S3 client (a forked
    # work-horse would inherit open connections); the scheduler is what runs the delayed retries.
    worker = SimpleWorker([photo_queue(rt.redis)], connection=connection)
    worker.work(burst=burst, with_scheduler=True)


def init_app(app: Flask) -> None:
    """Register `flask worker` on `app` (called from `chatbot.cli.init_app`)."""
    app.cli.add_command(worker_command)
