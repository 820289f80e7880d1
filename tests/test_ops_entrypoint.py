"""The image's entrypoint without Docker: `docker/entrypoint.sh serve` starts the same gunicorn
command the container runs (gunicorn.conf.py, several workers, multiprocess metrics, JSON logs),
answers /healthz and the HEALTHCHECK script, and /metrics adds up every worker's skill calls."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import FIXTURES_DIR, REPO_ROOT, TEST_REDIS_URL
from tests.ops_helpers import sample

ENTRYPOINT = REPO_ROOT / "docker" / "entrypoint.sh"
HEALTHCHECK = [sys.executable, str(REPO_ROOT / "docker" / "healthcheck.py")]
CALLS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.read(), dict(resp.headers)


def post_json(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


@pytest.fixture
def served(migrated_database, redis_client, tmp_path: Path):
    """`docker/entrypoint.sh serve` on a free loopback port, 2 workers; yields (base URL, log path)."""
    port = free_port()
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "APP_ENV": "test",
        "DATABASE_URL": migrated_database,
        "REDIS_URL": TEST_REDIS_URL,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESSLOG": "-",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(ENTRYPOINT), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"{base}/healthz", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not come up:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base, env, log_path, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_entrypoint_serves_health_and_aggregated_metrics(served):
    base, env, log_path, proc = served
    status, body, headers = get(f"{base}/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"} and headers["X-Request-Id"]

    # The image's HEALTHCHECK command, against the same server.
    check = subprocess.run(
        [sys.executable, str(REPO_ROOT / "docker" / "healthcheck.py")], env=env, timeout=10
    )
    assert check.returncode == 0

    payload = (FIXTURES_DIR / "kakao/requests/req_real_plain_utterance_test_block.json").read_bytes()
    before = get(f"{base}/metrics")[1].decode()
    for _ in range(CALLS):
        assert post_json(f"{base}/skills/welcome", payload) == 200
    after = get(f"{base}/metrics")[1].decode()
    name = "junggyenara_skill_request_duration_seconds_count"
    # Whichever of the two workers answered, the scrape counts every call.
    assert (
        sample(after, name, skill="welcome", status="200")
        - sample(before, name, skill="welcome", status="200")
        == CALLS
    )
    assert any(Path(env["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"))
    # The number of workers comes from the environment (GUNICORN_WORKERS): the master's children.
    workers = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(workers) == int(env["GUNICORN_WORKERS"])

    # A pg_token travels in KakaoPay's redirect URL; gunicorn's access line leaves the query out.
    assert get(f"{base}/healthz?pg_token=leak-me-0123")[0] == 200

    time.sleep(0.5)  # let the log lines reach the file
    assert "leak-me-0123" not in log_path.read_text()
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    skill_lines = [line for line in lines if line.get("skill") == "welcome"]
    access_lines = [line for line in lines if line.get("logger") == "gunicorn.access"]
    assert len(skill_lines) == CALLS
    assert all(line["status"] == 200 and line["request_id"] and "ms" in line for line in skill_lines)
    assert {line["request_id"] for line in skill_lines} <= {line["request_id"] for line in access_lines}


def test_healthcheck_fails_when_nothing_listens():
    env = {**os.environ, "GUNICORN_BIND": f"0.0.0.0:{free_port()}"}
    check = subprocess.run(
        [sys.executable, str(REPO_ROOT / "docker" / "healthcheck.py")], env=env, timeout=10
    )
    assert check.returncode == 1
