"""gunicorn settings, all overridable from the environment (used by `make serve`, the image, bench).

The image runs exactly `gunicorn -c gunicorn.conf.py wsgi:app` (docker/entrypoint.sh `serve`).
"""

import json
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

# An empty variable (as .env.example lists them) means the default, like an unset one.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 8))
# Threads let one worker overlap Redis/DB waits; skills run in a small pool inside each worker.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or "4")
# A worker silent for this long is killed (gthread heartbeats while requests run in threads).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or "30")
# On SIGTERM (a deploy), requests in flight get this long to finish: below Kakao's 5 s skill limit,
# since Open Builder has given up on anything older anyway.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or "4")
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or "5")
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or "0")
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER") or "0")
# Heartbeat files; the image points this at /dev/shm (a container's /tmp may be a slow overlay).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
# Scheme (X-Forwarded-Proto) trusted from these proxies; behind the ALB the image trusts any peer,
# the security group letting only the ALB reach the port.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
# The app writes one JSON line per request itself (chatbot.logs); gunicorn's own access line is
# off unless GUNICORN_ACCESSLOG is set ("-" = stdout), and then it is JSON too (JsonAccessLogger).
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL") or "info"
# No control socket (gunicorn ≥ 25.1 opens one at $HOME/.gunicorn/gunicorn.ctl): nothing here uses
# `gunicornc`, the image's user cannot write its HOME (/app) so every start would log an error, and
# two servers on one machine (tests, api-check, bench) would take each other's socket.
control_socket_disable = True


class JsonAccessLogger(Logger):
    """gunicorn's logger with each access line written as one JSON object (no query string: a
    `pg_token` travels in one)."""

    def access(self, resp, req, environ, request_time):
        """Write one JSON access line for a finished request."""
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "ts": atoms["t"].strip("[]"),
            "logger": "gunicorn.access",
            "method": atoms["m"],
            "path": atoms["U"],
            "status": resp.status_code if hasattr(resp, "status_code") else atoms["s"],
            "bytes": atoms["B"],
            "ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": atoms.get("{x-request-id}o", "-"),
            "remote": atoms["h"],
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # never let a log line fail a request
            self.exception("failed to write an access line")


logger_class = JsonAccessLogger


# Metrics of every worker add up in /metrics (chatbot.metrics): prometheus-client's multiprocess
# mode, through files in PROMETHEUS_MULTIPROC_DIR. Set here, in the master, before any worker
# imports the library; when the environment does not name a directory, each master makes its own
# (two servers on one machine must not share one) and removes it on exit.
_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="junggyenara-metrics-")
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server):
    """Start every master with an empty metrics directory: files left by a previous run would be
    counted again."""
    shutil.rmtree(METRICS_DIR, ignore_errors=True)
    METRICS_DIR.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """Tell prometheus-client that a worker died, so its live gauges stop being reported."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this master made for itself."""
    if _OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
