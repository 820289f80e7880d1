"""The shipping files keep the promises of issue 7 that hadolint, actionlint and `compose config`
do not check: the image runs the entrypoint the tests exercise, as a non-root user, with a
HEALTHCHECK and no secret; the compose stack has every role and migrates first; the workflows pin
actions by SHA, ask for least privilege, queue deploys, and migrate before the rollout with a
rollback after it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import yaml

from tests.conftest import REPO_ROOT

SECRET_WORDS = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|_KEY\b|CREDENTIAL", re.IGNORECASE)


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def instructions(name: str) -> list[str]:
    return [line[len(name) :].strip() for line in dockerfile() if line.upper().startswith(name + " ")]


def workflow(name: str) -> dict:
    data = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_the_image_is_multi_stage_non_root_with_a_healthcheck():
    stages = instructions("FROM")
    assert len(stages) >= 2 and stages[-1].endswith("AS runtime"), stages
    [user] = instructions("USER")
    assert user.split(":")[0] not in ("", "0", "root")
    [health] = instructions("HEALTHCHECK")
    assert "docker/healthcheck.py" in health
    # The entrypoint and command the tests run without Docker (test_ops_entrypoint.py).
    assert json.loads(instructions("ENTRYPOINT")[0]) == ["/app/docker/entrypoint.sh"]
    assert json.loads(instructions("CMD")[-1]) == ["serve"]
    entrypoint = (REPO_ROOT / "docker" / "entrypoint.sh").read_text(encoding="utf-8")
    assert "exec gunicorn -c gunicorn.conf.py" in entrypoint


def test_the_image_bakes_in_no_secret():
    for kind in ("ENV", "ARG", "LABEL"):
        for line in instructions(kind):
            assert not SECRET_WORDS.search(line), line
    ignore = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", "an allow-list: nothing reaches the build unless named"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert not allowed & {".env", "instance", ".venv", "tests", ".git"}, allowed


def test_the_compose_stack_has_every_role_and_migrates_first():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"app", "crawler", "worker", "migrate", "mariadb", "redis", "s3"} <= set(services)
    assert services["migrate"]["command"] == ["migrate"]
    for role, command in (("app", "serve"), ("crawler", "crawl"), ("worker", "worker")):
        assert services[role]["command"] == [command]
        assert services[role]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["depends_on"]["mariadb"] == {"condition": "service_healthy"}


def _steps(data: dict):
    for job_name, job in data["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, job, step


def test_workflows_pin_actions_by_sha_and_ask_for_least_privilege():
    for name in ("ci.yml", "deploy.yml"):
        data = workflow(name)
        assert data["permissions"] == {"contents": "read"}, name
        assert "group" in data["concurrency"], name
        for job_name, job, step in _steps(data):
            uses = step.get("uses")
            if uses and not uses.startswith("./"):
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (name, job_name, uses)
            # id-token (OIDC) only in jobs that assume the AWS role, and nothing else above read.
            grants = job.get("permissions", {})
            assumes_role = any(
                s.get("uses", "").startswith("aws-actions/configure-aws-credentials") for s in job["steps"]
            )
            assert grants.get("id-token", "none") == ("write" if assumes_role else "none"), (name, job_name)
            assert {k: v for k, v in grants.items() if k != "id-token"} in ({}, {"contents": "read"}), (
                name,
                job_name,
            )
        assert data.get("on"), name


def test_ci_runs_on_every_push_and_pull_request_and_the_makefile_targets():
    data = workflow("ci.yml")
    assert {"push", "pull_request"} <= set(data["on"])
    runs = " ".join(step.get("run", "") for _, _, step in _steps(data))
    for target in ("make lint", "make typecheck", "make ops-check", "make test", "make api-check"):
        assert target in runs, target
    ci_run = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for target in ("make lint", "make typecheck", "make ops-check", "make api-check", "make test"):
        assert target in ci_run, target


def test_deploy_uses_oidc_migrates_before_the_rollout_and_rolls_back():
    data = workflow("deploy.yml")
    assert data["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    assert data["concurrency"]["cancel-in-progress"] is False  # never stop a rollout halfway
    for _, _, step in _steps(data):
        assert "aws-access-key-id" not in step.get("with", {}), "OIDC only, no stored keys"
    rollout = data["jobs"]["rollout"]
    assert rollout["environment"]["name"] == "production"
    ids = [step.get("id") for step in rollout["steps"]]
    assert ids.index("previous") < ids.index("migrate") < ids.index("deploy") < ids.index("health")
    [rollback] = [step for step in rollout["steps"] if "Roll back" in step.get("name", "")]
    assert "failure()" in rollback["if"] and "steps.health.outcome == 'failure'" in rollback["if"]
    assert "PREVIOUS" in rollback["run"]
    assert data["jobs"]["image"]["needs"] == "ci" and rollout["needs"] == "image"


def test_gunicorn_takes_workers_and_threads_from_the_environment_and_stops_within_kakaos_limit(tmp_path):
    """gunicorn.conf.py read as gunicorn reads it, in a child process (it sets up the metrics
    directory as a side effect, which this process must not get)."""
    keys = ("workers", "threads", "graceful_timeout", "bind", "worker_class", "control_socket_disable")
    probe = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
        f"print(json.dumps({{k: c[k] for k in {keys!r}}}))"
    )
    env = {
        **os.environ,
        "GUNICORN_WORKERS": "3",
        "GUNICORN_THREADS": "6",
        "GUNICORN_BIND": "0.0.0.0:8000",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    conf = json.loads(out.stdout)
    assert (conf["workers"], conf["threads"], conf["bind"]) == (3, 6, "0.0.0.0:8000")
    assert conf["worker_class"] == "gthread"
    assert conf["control_socket_disable"] is True  # the image's HOME is not writable
    assert 0 < conf["graceful_timeout"] < 5  # Open Builder gives up on a skill after 5 s


def test_empty_gunicorn_variables_mean_the_defaults(tmp_path):
    """`.env.example` lists GUNICORN_BIND= and GUNICORN_WORKERS= empty; loaded as they stand (an
    env file, `set -a; . .env`) they must give the defaults, not an empty address or a crash."""
    names = [line.split("=")[0] for line in (REPO_ROOT / ".env.example").read_text().splitlines()]
    empty = {name: "" for name in names if name.startswith("GUNICORN_") or name in ("PORT",)}
    assert "GUNICORN_BIND" in empty
    for name in ("GUNICORN_TIMEOUT", "GUNICORN_KEEPALIVE", "GUNICORN_LOGLEVEL", "FORWARDED_ALLOW_IPS"):
        empty[name] = ""
    probe = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); print(json.dumps({k: c[k] for k in "
        "('bind', 'workers', 'threads', 'timeout', 'graceful_timeout', 'keepalive', 'loglevel')}))"
    )
    env = {**os.environ, **empty, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    conf = json.loads(out.stdout)
    assert conf["bind"] == "127.0.0.1:8000" and conf["workers"] >= 1 and conf["threads"] == 4
    assert (conf["timeout"], conf["graceful_timeout"], conf["keepalive"], conf["loglevel"]) == (
        30,
        4,
        5,
        "info",
    )
