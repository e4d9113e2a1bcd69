#!/usr/bin/env bash
# Deploy one namespace:   ./deploy.sh [--dry-run] prod|stage|local
# Builds the packages, synthesizes (cdk-nag runs in every synth), bootstraps the
# account and region only when CDK's bootstrap stack is missing, deploys the shared
# Viewcount-ApiGatewayAccount stack (API Gateway's logging role) when it is missing,
# then deploys the namespace.
# --dry-run stops after the synth and needs no AWS credentials.
set -euo pipefail
cd "$(dirname "$0")"

dry_run=false
if [ "${1:-}" = "--dry-run" ]; then dry_run=true; shift; fi
namespace="${1:-}"
case "$namespace" in
  prod|stage|local) ;;
  *) echo "usage: ./deploy.sh [--dry-run] prod|stage|local (got '${namespace}')" >&2; exit 2 ;;
esac

source tools/bootstrap.sh
bootstrap_python
bootstrap_node
# The current referrer-spam list goes into the packages; without it, spam referrers count.
if ! .venv/bin/python tools/fetch_referrer_spam.py build/referrer-spam.txt; then
  if [ -s build/referrer-spam.txt ]; then
    echo "viewcount: could not refresh the referrer-spam list; using the one fetched before" >&2
  elif ! $dry_run; then
    echo "viewcount: no referrer-spam list (run tools/fetch_referrer_spam.py with network access)" >&2
    exit 1
  fi
fi
# cdk.json's "build" runs ./build_packages.sh before every synth and deploy.
npx cdk synth -c namespace="$namespace" --quiet
if $dry_run; then
  echo "viewcount: synthesized Viewcount-$namespace into cdk.out/ (dry run, nothing deployed)"
  exit 0
fi

if ! .venv/bin/python -c 'import boto3; boto3.client("cloudformation").describe_stacks(StackName="CDKToolkit")' 2>/dev/null; then
  echo "viewcount: bootstrapping CDK in this account and region" >&2
  npx cdk bootstrap -c namespace="$namespace"
fi
# Prod asks before widening permissions; stage and local deploy unattended.
approval=never
[ "$namespace" = prod ] && approval=broadening
# Before the namespace: its access logs need the account's CloudWatch role, and a namespace
# stack from before the account stack existed deletes its own role when it is updated.
decision=$(.venv/bin/python tools/account_stack.py "$namespace")
if [ "$decision" = deploy ]; then
  echo "viewcount: deploying Viewcount-ApiGatewayAccount (API Gateway's logging role, shared by every namespace)" >&2
  npx cdk deploy Viewcount-ApiGatewayAccount -c namespace="$namespace" --app cdk.out --require-approval "$approval"
else
  echo "viewcount: $decision" >&2
fi
npx cdk deploy "Viewcount-$namespace" -c namespace="$namespace" --app cdk.out --require-approval "$approval"
