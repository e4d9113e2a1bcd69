#!/usr/bin/env bash
# The whole test suite. Works on a fresh machine: installs what it needs first.
#   ./test.sh              everything
#   ./test.sh -k views     extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap.sh
bootstrap_python
bootstrap_node
bootstrap_chromium

.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "viewcount: run '.venv/bin/ruff format .'" >&2; exit 1; }
if [ -d client/test ]; then
  node --test client/test/
fi
node --test tests/browser/
# pytest exits 5 when it collected no test, which fails this script too.
.venv/bin/pytest "$@"
