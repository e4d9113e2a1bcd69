#!/usr/bin/env bash
# Replay the reference trace through the local stack three times; print exactness and cost.
# Usage: ./bench.sh [--json] [--views N] [--seed N] [--concurrency N] [--runs 1,2,3]
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap.sh
run_python_module benchmark "$@"
