#!/usr/bin/env bash
# Runs ON an EC2 instance, sent by .github/workflows/deploy.yml through SSM Run Command.
#
#   rollout.sh migrate IMAGE   Alembic migrations with IMAGE (`flask db upgrade`), then exit
#   rollout.sh deploy IMAGE    replace this instance's app, crawler and worker containers by IMAGE;
#                              if the new app is not healthy within 90 s, put the previous image back
#                              and fail (the workflow then rolls every instance back)
#
# Settings come from SSM Parameter Store (SecureString) under $PARAM_PATH, written to an env file
# readable by root only; the image holds no secret. With $TARGET_GROUP_ARN set, the instance leaves
# the ALB target group before its app is replaced and rejoins once healthy (no dropped requests).
# Needs: docker, AWS CLI v2, the instance role (ECR pull, ssm:GetParametersByPath, kms:Decrypt,
# elasticloadbalancing:(De)RegisterTargets + DescribeTargetHealth).
set -euo pipefail

ACTION=${1:?migrate or deploy}
IMAGE=${2:?image reference}
PARAM_PATH=${PARAM_PATH:-/junggyenara/production/env/}
TARGET_GROUP_ARN=${TARGET_GROUP_ARN:-}
CONFIG_DIR=${ROLLOUT_CONFIG_DIR:-/etc/junggyenara}  # overridable for tests/test_ops_rollout.py
STATE_DIR=${ROLLOUT_STATE_DIR:-/var/lib/junggyenara}
ENV_FILE=$CONFIG_DIR/app.env
PORT=8000

log() { echo "[rollout $(hostname) $(date -u +%H:%M:%S)] $*"; }

write_env_file() {
  install -d -m 700 "$CONFIG_DIR"
  umask 077
  aws ssm get-parameters-by-path --path "$PARAM_PATH" --recursive --with-decryption \
    --query 'Parameters[].[Name,Value]' --output text |
    while IFS=$'\t' read -r name value; do printf '%s=%s\n' "${name##*/}" "$value"; done >"$ENV_FILE.new"
  mv "$ENV_FILE.new" "$ENV_FILE"
}

pull() {
  local registry=${IMAGE%%/*}
  aws ecr get-login-password | docker login --username AWS --password-stdin "$registry" >/dev/null
  docker pull --quiet "$IMAGE" >/dev/null
}

run_role() {  # name image role [docker options...]
  local name=$1 image=$2 role=$3
  shift 3
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --restart unless-stopped --env-file "$ENV_FILE" \
    --log-driver awslogs --log-opt awslogs-group=/junggyenara/production --log-opt awslogs-create-group=true \
    --log-opt "awslogs-stream=$(hostname)-$name" "$@" "$image" "$role" >/dev/null
}

start_app() {  # image
  run_role junggyenara-app "$1" serve -p "$PORT:8000"
}

wait_healthy() {
  for _ in $(seq 1 45); do
    if [ "$(docker inspect -f '{{.State.Health.Status}}' junggyenara-app 2>/dev/null)" = healthy ] &&
      curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null; then
      return 0
    fi
    sleep 2
  done
  return 1
}

instance_id() {
  local token
  token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
  curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id
}

leave_alb() {
  [ -n "$TARGET_GROUP_ARN" ] || return 0
  log "leaving the target group"
  aws elbv2 deregister-targets --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$(instance_id),Port=$PORT"
  aws elbv2 wait target-deregistered --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$(instance_id),Port=$PORT"
}

join_alb() {
  [ -n "$TARGET_GROUP_ARN" ] || return 0
  log "joining the target group"
  aws elbv2 register-targets --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$(instance_id),Port=$PORT"
  aws elbv2 wait target-in-service --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$(instance_id),Port=$PORT"
}

write_env_file
pull
install -d -m 755 "$STATE_DIR"

case "$ACTION" in
  migrate)
    log "migrating with $IMAGE"
    docker run --rm --env-file "$ENV_FILE" "$IMAGE" migrate
    ;;
  deploy)
    previous=$(cat "$STATE_DIR/current-image" 2>/dev/null || true)
    leave_alb
    log "starting $IMAGE (previous: ${previous:-none})"
    start_app "$IMAGE"
    if ! wait_healthy; then
      log "new app is not healthy; logs follow"
      docker logs --tail 50 junggyenara-app 2>&1 || true
      if [ -n "$previous" ]; then
        log "restoring $previous"
        start_app "$previous"
        wait_healthy && join_alb
      fi
      exit 1
    fi
    join_alb
    # One crawler runs at a time whatever the number of instances (its Redis lock). Its metrics
    # exporter (METRICS_PORT in the settings, if any) is published for Prometheus in the VPC.
    metrics_port=$(sed -n 's/^METRICS_PORT=//p' "$ENV_FILE" | tail -n 1)
    crawler_ports=()
    if [ -n "$metrics_port" ] && [ "$metrics_port" != 0 ]; then crawler_ports=(-p "$metrics_port:$metrics_port"); fi
    run_role junggyenara-crawler "$IMAGE" crawl --no-healthcheck ${crawler_ports[@]+"${crawler_ports[@]}"}
    run_role junggyenara-worker "$IMAGE" worker --no-healthcheck
    echo "$IMAGE" >"$STATE_DIR/current-image"
    docker image prune -af --filter "until=168h" >/dev/null || true
    log "deployed $IMAGE"
    ;;
  *)
    echo "unknown action: $ACTION" >&2
    exit 2
    ;;
esac
