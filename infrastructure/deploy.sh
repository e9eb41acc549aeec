#!/usr/bin/env bash
# Deploy (or update) the zoom-notifier stack. Called by `make deploy`; see README "Deploy".
#
#   ARTIFACT_BUCKET  an S3 bucket you own, in the target region (required)
#   ZOOM_USER_ID     the Zoom host for whom meetings are created (required on the first deploy)
#   STACK            stack name (default zoom-notifier)
#   ARCH             arm64 (default) or x86_64; must match the artifact
#   PARAMETERS       more Key=Value parameter overrides, e.g. "MeetingTimezone=Europe/Paris"
#   ARTIFACT         the zip built by `make package` (default dist/zoom-notifier.zip)
#
# The zip and the state machine definition are uploaded under content-addressed keys, so a new
# build always changes the stack's parameters and CloudFormation updates the functions, and
# an unchanged build leaves the stack untouched.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${ARTIFACT_BUCKET:?set ARTIFACT_BUCKET to an S3 bucket you own (it holds the Lambda zip)}"
STACK="${STACK:-zoom-notifier}"
ARCH="${ARCH:-arm64}"
ARTIFACT="${ARTIFACT:-dist/zoom-notifier.zip}"
DEFINITION="state_machine.asl.json"
command -v aws >/dev/null || { echo "deploy: the AWS CLI (aws) is not installed" >&2; exit 1; }
[ -f "$ARTIFACT" ] || { echo "deploy: $ARTIFACT is missing: run make package" >&2; exit 1; }

code_key="$STACK/code-$(sha256sum "$ARTIFACT" | cut -c1-16).zip"
definition_key="$STACK/definition-$(sha256sum "$DEFINITION" | cut -c1-16).asl.json"
aws s3 cp --only-show-errors "$ARTIFACT" "s3://$ARTIFACT_BUCKET/$code_key"
aws s3 cp --only-show-errors "$DEFINITION" "s3://$ARTIFACT_BUCKET/$definition_key"

overrides=(
  "ArtifactBucket=$ARTIFACT_BUCKET"
  "CodeKey=$code_key"
  "DefinitionKey=$definition_key"
  "LambdaArchitecture=$ARCH"
)
[ -n "${ZOOM_USER_ID:-}" ] && overrides+=("ZoomUserId=$ZOOM_USER_ID")
# shellcheck disable=SC2206 # PARAMETERS is a space-separated list on purpose
[ -n "${PARAMETERS:-}" ] && overrides+=($PARAMETERS)

aws cloudformation deploy \
  --stack-name "$STACK" \
  --template-file infrastructure/template.yaml \
  --capabilities CAPABILITY_IAM \
  --no-fail-on-empty-changeset \
  --parameter-overrides "${overrides[@]}"
aws cloudformation describe-stacks --stack-name "$STACK" \
  --query "Stacks[0].Outputs[].[OutputKey,OutputValue]" --output table
