#!/usr/bin/env bash
# A smoke test of a deployment: a short suite of checks, as a blog's readers and its owner use it.
#   ./smoke.sh --endpoint wss://… --origin https://blog.example.com --namespace stage
#   ./smoke.sh --endpoint ws://127.0.0.1:8080 --origin http://127.0.0.1:8000 --namespace local --data-dir .viewcount-local
# With the caller's AWS credentials (docs/smoke-test.md names the IAM), or the local stack's data dir.
# Exit 0 when every check that can be decided now passed, 1 otherwise, 2 for bad arguments.
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap.sh
run_python_module smoke "$@"
