# Sourced by the project's scripts (test, run_local, deploy, build_packages, admin, bench):
# installs what the project needs, once.
# Re-installs when requirements-dev.txt or package-lock.json change.
set -euo pipefail

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1

bootstrap_python() {
  local stamp=.venv/.requirements.sha256 want
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "viewcount: installing Python packages into .venv" >&2
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$stamp"
  fi
}

# Run a module of the project with the venv's Python: lambdas/, infra/ and the root importable.
run_python_module() {
  bootstrap_python >&2
  export PYTHONPATH="$PWD/lambdas:$PWD/infra:$PWD${PYTHONPATH:+:$PYTHONPATH}"
  exec .venv/bin/python -m "$@"
}

bootstrap_node() {
  command -v npm >/dev/null || { echo "viewcount: Node.js and npm are required (apt-get install nodejs npm)" >&2; return 1; }
  local stamp=node_modules/.package-lock.sha256 want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "viewcount: installing npm packages into node_modules" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
    echo "$want" > "$stamp"
  fi
}

# Headless Chromium for tests/browser/ (driven by playwright-core; never `npx playwright install`).
bootstrap_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "viewcount: /usr/bin/chromium is missing; as root run: apt-get install -y --no-install-recommends chromium" >&2
    return 1
  fi
  echo "viewcount: installing the Debian package chromium" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2
}

# Hugo and Jekyll for the themes tier, from Debian (no gems, no downloads of their own).
bootstrap_site_builders() {
  command -v hugo >/dev/null && command -v jekyll >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "viewcount: hugo or jekyll is missing; as root run: apt-get install -y --no-install-recommends hugo jekyll" >&2
    return 1
  fi
  echo "viewcount: installing the Debian packages hugo and jekyll" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends hugo jekyll >&2
}

# The themes tier's own npm packages (Hexo, its plugins and the themes), from tests/themes/package-lock.json.
bootstrap_theme_packages() {
  command -v npm >/dev/null || { echo "viewcount: Node.js and npm are required (apt-get install nodejs npm)" >&2; return 1; }
  local dir=tests/themes stamp=tests/themes/node_modules/.package-lock.sha256 want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$dir/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "viewcount: installing npm packages into $dir/node_modules" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$want" > "$stamp"
  fi
}
