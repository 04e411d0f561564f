#!/usr/bin/env bash
# Sets up nnlab's JupyterLab 4 (extension/), idempotently:
#   - Debian packages: jupyter-server 1.23 and jupyterlab-server 2.16 (run by
#     /usr/bin/python3), and with --test also Chromium for the browser tests.
#     As root they are installed with apt-get; otherwise the exact command is
#     printed and setup stops. (There is no PyPI: JupyterLab itself is built
#     from npm packages in extension/app.)
#   - npm packages of extension/ from extension/package-lock.json (npm ci),
#     when extension/node_modules is missing or older than the lockfile. They
#     never touch the root package.json or node_modules.
# Options: --test  also install Chromium (/usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian.sh

packages=(jupyter-core jupyter-client python3-jupyter-server python3-jupyterlab-server)
[ "${1:-}" = "--test" ] && packages+=(chromium)

ensure_debian_packages setup-lab "${packages[@]}"

if [ ! -f extension/node_modules/.package-lock.json ] || [ extension/package-lock.json -nt extension/node_modules/.package-lock.json ]; then
  echo "nnlab setup-lab: installing the JupyterLab build's npm packages (npm ci in extension/)"
  (cd extension && npm ci --no-audit --no-fund --loglevel=error)
fi
