#!/usr/bin/env bash
# The test suite, in tiers. Works on a fresh machine: installs what the chosen tiers need first.
#   ./test.sh                              every tier (what CI runs)
#   ./test.sh --tier unit --tier infra     only these tiers
#   ./test.sh --tier e2e -- -k views       arguments after -- go to pytest
#   ./test.sh --list                       the tiers and what each runs
set -euo pipefail
cd "$(dirname "$0")"

# tier -> what it runs. The pytest tiers name folders of tests/; every folder there is in one.
declare -A PYTEST_TIERS=(
  [unit]="tests/unit tests/benchmark"                      # no AWS at all
  [integration]="tests/integration tests/admin tests/local_stack"   # moto, in process
  [infra]="tests/infra"                                    # synthesized templates, cdk-nag, cfn-lint
  [e2e]="tests/e2e tests/smoke"                            # the local stack in a subprocess, real WebSockets; ./smoke.sh against it
)
ORDER=(lint client browser themes unit integration infra e2e)

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

list_tiers() {
  echo "lint         ruff check and ruff format --check"
  echo "client       node --test client/test/ dashboard/test/ (the browser client's and the dashboard's logic, the dashboard build)"
  echo "browser      node --test tests/browser/ (headless Chromium on the local stack)"
  echo "themes       node --test tests/themes/ (real Hexo themes from npm, Hugo and Jekyll, built and read in Chromium)"
  for tier in unit integration infra e2e; do printf '%-12s pytest %s\n' "$tier" "${PYTEST_TIERS[$tier]}"; done
}

tiers=() pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tier) [ $# -ge 2 ] || usage; tiers+=("$2"); shift 2 ;;
    --tier=*) tiers+=("${1#--tier=}"); shift ;;
    --list) list_tiers; exit 0 ;;
    --) shift; pytest_args=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "test.sh: unknown argument '$1'; pytest's arguments go after --, e.g. ./test.sh -- -k views" >&2; exit 2 ;;
  esac
done
[ ${#tiers[@]} -gt 0 ] || tiers=("${ORDER[@]}")
for tier in "${tiers[@]}"; do
  case " ${ORDER[*]} " in *" $tier "*) ;; *) echo "test.sh: no tier '$tier' (tiers: ${ORDER[*]})" >&2; exit 2 ;; esac
done
wants() { case " ${tiers[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# A folder of tests/ that no tier runs would pass unnoticed: refuse it.
for folder in tests/*/; do
  folder=${folder%/}
  # Not pytest folders: the browser and themes tiers', the sites, sample events and saved tables the tests read.
  case "$folder" in tests/__pycache__|tests/browser|tests/themes|tests/sites|tests/events|tests/snapshots) continue ;; esac
  case " ${PYTEST_TIERS[*]} " in *" $folder "*) ;; *) echo "test.sh: $folder is in no tier; add it to PYTEST_TIERS" >&2; exit 2 ;; esac
done

# A runner that finds nothing to run fails, like pytest does (exit 5).
node_tests() {
  compgen -G "$1/*.test.mjs" >/dev/null || { echo "test.sh: no *.test.mjs in $1" >&2; return 1; }
  node --test "$1"/
}

source tools/bootstrap.sh
bootstrap_python
if wants client || wants browser || wants themes; then bootstrap_node; fi
if wants browser || wants themes; then bootstrap_chromium; fi
if wants themes; then bootstrap_site_builders; bootstrap_theme_packages; fi

if wants lint; then
  .venv/bin/ruff check .
  .venv/bin/ruff format --check . >/dev/null || { echo "viewcount: run '.venv/bin/ruff format .'" >&2; exit 1; }
fi
if wants client; then node_tests client/test; node_tests dashboard/test; fi
if wants browser; then node_tests tests/browser; fi
if wants themes; then
  # The blogs are built afresh each run (a few seconds), from the recipes in docs/themes.md.
  node tests/themes/build.mjs
  # The test files by name: the built sites under tests/themes/build hold JavaScript of their own.
  compgen -G "tests/themes/*.test.mjs" >/dev/null || { echo "test.sh: no *.test.mjs in tests/themes" >&2; exit 1; }
  node --test tests/themes/*.test.mjs
fi
folders=()
for tier in unit integration infra e2e; do
  if wants "$tier"; then read -ra more <<<"${PYTEST_TIERS[$tier]}"; folders+=("${more[@]}"); fi
done
if [ ${#folders[@]} -gt 0 ]; then
  # One pytest for every chosen tier; it exits 5 when it collected no test, which fails this script.
  .venv/bin/pytest "${folders[@]}" ${pytest_args[@]+"${pytest_args[@]}"}
fi
