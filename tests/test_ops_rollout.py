"""`docker/rollout.sh`, the script deploy.yml runs on each EC2 instance through SSM, against stand-in
`docker`, `aws` and `curl` commands that record their calls: the app is replaced while the
instance is out of the ALB target group, a new app that does not turn healthy is replaced by the
previous image (and the rollout fails), migrations run once with the new image, and the settings
land in a root-only env file."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

ROLLOUT = REPO_ROOT / "docker" / "rollout.sh"
NEW, OLD = "1234.dkr.ecr.example/junggyenara@sha256:new", "1234.dkr.ecr.example/junggyenara@sha256:old"

# The app container is "healthy" unless its image is listed in $STATE/bad-images.
DOCKER = r"""#!/usr/bin/env bash
echo "docker $*" >>"$CALLS"
healthy() { ! grep -qxF "$(cat "$STATE/app-image" 2>/dev/null)" "$STATE/bad-images" 2>/dev/null; }
case "$1" in
  login) cat >/dev/null ;;  # --password-stdin
  run)
    args=("$@"); n=${#args[@]}; name=""
    for ((i = 0; i < n; i++)); do [ "${args[i]}" = --name ] && name=${args[i+1]}; done
    [ "$name" = junggyenara-app ] && echo "${args[n-2]}" >"$STATE/app-image"
    echo container-id ;;
  inspect) if healthy; then echo healthy; else echo unhealthy; fi ;;
esac
exit 0
"""
CURL = r"""#!/usr/bin/env bash
echo "curl $*" >>"$CALLS"
case "$*" in
  *api/token*) echo metadata-token ;;
  *instance-id*) echo i-0abc ;;
  *readyz*) grep -qxF "$(cat "$STATE/app-image")" "$STATE/bad-images" 2>/dev/null && exit 22 ;;
esac
exit 0
"""
AWS = r"""#!/usr/bin/env bash
echo "aws $*" >>"$CALLS"
case "$1 $2" in
  "ssm get-parameters-by-path")
    printf '%s\t%s\n' /junggyenara/production/env/SECRET_KEY s3cret-value \
      /junggyenara/production/env/METRICS_PORT 9101 ;;
  "ecr get-login-password") echo ecr-password ;;
esac
exit 0
"""


@pytest.fixture
def box(tmp_path: Path):
    """Stand-in commands on PATH (sleep returns at once) and the folders rollout.sh writes to."""
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for name, body in (("docker", DOCKER), ("curl", CURL), ("aws", AWS), ("sleep", "#!/bin/sh\nexit 0\n")):
        path = bin_dir / name
        path.write_text(body)
        path.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls.log"),
        "STATE": str(state),
        "ROLLOUT_CONFIG_DIR": str(tmp_path / "etc"),
        "ROLLOUT_STATE_DIR": str(tmp_path / "var"),
        "TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:region:1234:targetgroup/junggyenara/abc",
    }

    def run(action: str, image: str) -> tuple[int, list[str]]:
        done = subprocess.run(
            ["bash", str(ROLLOUT), action, image], env=env, capture_output=True, text=True, timeout=60
        )
        calls = Path(env["CALLS"]).read_text().splitlines() if Path(env["CALLS"]).exists() else []
        return done.returncode, calls

    return run, tmp_path, state


def index(calls: list[str], *words: str) -> int:
    """Where the first call holding every one of `words` is; fails when there is none."""
    for i, call in enumerate(calls):
        if all(word in call for word in words):
            return i
    raise AssertionError(f"no call with {words}: {calls}")


def test_deploy_replaces_the_app_outside_the_alb_then_the_crawler_and_worker(box):
    run, tmp_path, _state = box
    code, calls = run("deploy", NEW)
    assert code == 0, calls
    leave = index(calls, "aws elbv2 deregister-targets", "Id=i-0abc,Port=8000")
    app = index(calls, "docker run", "--name junggyenara-app", NEW, "serve")
    healthy = index(calls, "curl", "/readyz")
    join = index(calls, "aws elbv2 register-targets")
    crawler = index(calls, "docker run", "--name junggyenara-crawler", "-p 9101:9101", NEW, "crawl")
    worker = index(calls, "docker run", "--name junggyenara-worker", NEW, "worker")
    assert leave < app < healthy < join < crawler < worker
    assert (tmp_path / "var" / "current-image").read_text().strip() == NEW
    env_file = tmp_path / "etc" / "app.env"
    assert "SECRET_KEY=s3cret-value" in env_file.read_text().splitlines()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_an_app_that_does_not_turn_healthy_is_replaced_by_the_previous_image(box):
    run, tmp_path, state = box
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "current-image").write_text(OLD + "\n")
    (state / "bad-images").write_text(NEW + "\n")
    code, calls = run("deploy", NEW)
    assert code != 0  # the workflow's rollback step then puts OLD back on every instance
    new_app = index(calls, "docker run", "--name junggyenara-app", NEW)
    restored = index(calls, "docker run", "--name junggyenara-app", OLD)
    assert new_app < restored < index(calls, "aws elbv2 register-targets")
    assert (state / "app-image").read_text().strip() == OLD
    assert (tmp_path / "var" / "current-image").read_text().strip() == OLD
    assert not any("junggyenara-crawler" in call or "junggyenara-worker" in call for call in calls)


def test_a_first_deploy_that_fails_has_nothing_to_restore(box):
    run, tmp_path, state = box
    (state / "bad-images").write_text(NEW + "\n")
    code, calls = run("deploy", NEW)
    assert code != 0
    assert not any("register-targets" in call and "deregister" not in call for call in calls)
    assert not (tmp_path / "var" / "current-image").exists()


def test_migrate_runs_alembic_once_with_the_new_image_and_touches_no_container(box):
    run, _tmp_path, _state = box
    code, calls = run("migrate", NEW)
    assert code == 0, calls
    [migrate] = [call for call in calls if call.startswith("docker run")]
    assert "--rm" in migrate and "--env-file" in migrate and migrate.endswith(f"{NEW} migrate")
    assert not any("elbv2" in call for call in calls)
