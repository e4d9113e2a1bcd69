#!/usr/bin/env bash
# Run Viewcount on this machine: the real handlers against an emulated API Gateway and
# moto, with a demo blog. No AWS account, no Docker. Installs what it needs first.
#   ./run_local.sh [--ws-port 8080] [--http-port 8000] [--data-dir DIR] [--reset]
#                  [--origin URL ...] [--site PATH]
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap.sh
run_python_module local_stack "$@"
