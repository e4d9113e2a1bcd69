#!/usr/bin/env bash
# Operator commands on the counts, in a deployed namespace (AWS) or the local stack's data.
#   ./admin.sh rename-title ARTICLE_ID "New title" (--namespace prod|stage|local | --data-dir DIR)
#   ./admin.sh bot-counts [--days N] [--json] (--namespace prod|stage|local | --data-dir DIR)
# Installs what it needs first. ./admin.sh -h and ./admin.sh COMMAND -h explain the options.
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap.sh
run_python_module admin "$@"
