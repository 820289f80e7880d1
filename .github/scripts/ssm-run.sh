#!/usr/bin/env bash
# Run docker/rollout.sh on the app instances through SSM Run Command and wait for the result.
#
#   ssm-run.sh migrate IMAGE   on one running instance tagged $EC2_TAG_KEY=$EC2_TAG_VALUE
#   ssm-run.sh deploy IMAGE    on every such instance, one at a time, stopping at the first failure
#
# Environment: EC2_TAG_KEY, EC2_TAG_VALUE, PARAM_PATH, TARGET_GROUP_ARN (may be empty); AWS
# credentials and region from the OIDC step. Prints each instance's output; exits non-zero unless
# every invocation succeeded.
set -euo pipefail

ACTION=${1:?migrate or deploy}
IMAGE=${2:?image reference}
: "${EC2_TAG_KEY:?}" "${EC2_TAG_VALUE:?}" "${PARAM_PATH:?}"
TARGET_GROUP_ARN=${TARGET_GROUP_ARN:-}

script=$(base64 -w0 "$(dirname "$0")/../../docker/rollout.sh")
command="echo $script | base64 -d > /tmp/junggyenara-rollout.sh && PARAM_PATH='$PARAM_PATH' TARGET_GROUP_ARN='$TARGET_GROUP_ARN' bash /tmp/junggyenara-rollout.sh $ACTION '$IMAGE'"
parameters=$(jq -cn --arg c "$command" '{commands: [$c], executionTimeout: ["900"]}')

if [ "$ACTION" = migrate ]; then
  instance=$(aws ec2 describe-instances \
    --filters "Name=tag:$EC2_TAG_KEY,Values=$EC2_TAG_VALUE" Name=instance-state-name,Values=running \
    --query 'Reservations[].Instances[].InstanceId | [0]' --output text)
  if [ -z "$instance" ] || [ "$instance" = None ]; then
    echo "no running instance tagged $EC2_TAG_KEY=$EC2_TAG_VALUE" >&2
    exit 1
  fi
  target=(--instance-ids "$instance")
else
  target=(--targets "Key=tag:$EC2_TAG_KEY,Values=$EC2_TAG_VALUE" --max-concurrency 1 --max-errors 0)
fi

command_id=$(aws ssm send-command --document-name AWS-RunShellScript "${target[@]}" \
  --comment "junggyenara $ACTION ${IMAGE##*/}" --parameters "$parameters" \
  --query Command.CommandId --output text)
echo "SSM command $command_id ($ACTION)"

status=Pending
for _ in $(seq 1 180); do
  status=$(aws ssm list-commands --command-id "$command_id" --query 'Commands[0].Status' --output text)
  case "$status" in Pending | InProgress | Cancelling) sleep 10 ;; *) break ;; esac
done

aws ssm list-command-invocations --command-id "$command_id" --details \
  --query 'CommandInvocations[].[InstanceId,Status,CommandPlugins[0].Output]' --output text || true
echo "SSM command $command_id: $status"
[ "$status" = Success ]
