#!/usr/bin/env bash
# Run Viewcount on this machine: the real handlers against an emulated API Gateway and
# moto, with a demo blog and the dashboard. No AWS account, no Docker. Installs what it needs first.
#   ./run_local.sh [--ws-port 8080] [--http-port 8000] [--api-port PORT] [--dashboard-port PORT]
#                  [--data-dir DIR] [--reset] [--origin URL ...] [--site [ID=]PATH ...]
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap.sh
# The dashboard is built with Node.js (node dashboard/build.mjs, when the stack starts); without it
# the stack still runs, and its dashboard says why it is not built.
if command -v npm >/dev/null; then
  bootstrap_node
else
  echo "viewcount: Node.js and npm are missing (apt-get install nodejs npm): the dashboard cannot be built" >&2
fi
run_python_module local_stack "$@"
