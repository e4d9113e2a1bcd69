#!/usr/bin/env bash
# Builds one deterministic zip per Lambda into dist/ (same input, same bytes), and the
# minified browser client into client/dist/ when its build script is present.
set -euo pipefail
cd "$(dirname "$0")"
# The venv's Python: the packages bundled into the zips (crawler-user-agents) live there.
source tools/bootstrap.sh
bootstrap_python
.venv/bin/python tools/package_lambdas.py dist
if [ -f client/build.mjs ]; then
  bootstrap_node
  node client/build.mjs
fi
