#!/usr/bin/env bash
# Builds one deterministic zip per Lambda into dist/ (same input, same bytes), and the
# minified browser client into client/dist/ when its build script is present.
set -euo pipefail
cd "$(dirname "$0")"
python3 tools/package_lambdas.py dist
if [ -f client/build.mjs ]; then
  [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null
  node client/build.mjs
fi
