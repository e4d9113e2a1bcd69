#!/usr/bin/env bash
# Builds one deterministic zip per Lambda into dist/ (same input, same bytes), the minified
# browser client into client/dist/, and the dashboard into dist/dashboard/ (which the stack
# uploads to its bucket).
set -euo pipefail
cd "$(dirname "$0")"
# The venv's Python: the packages bundled into the zips (crawler-user-agents) live there.
source tools/bootstrap.sh
bootstrap_python
.venv/bin/python tools/package_lambdas.py dist
bootstrap_node
node client/build.mjs
node dashboard/build.mjs
