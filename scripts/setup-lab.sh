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

packages=(jupyter-core jupyter-client python3-jupyter-server python3-jupyterlab-server)
[ "${1:-}" = "--test" ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "nnlab setup-lab: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/nnlab-apt-lab.log 2>&1; then
      apt-get update >>/tmp/nnlab-apt-lab.log 2>&1
      apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/nnlab-apt-lab.log 2>&1 || {
        echo "nnlab setup-lab: apt-get install ${missing[*]} failed; see /tmp/nnlab-apt-lab.log" >&2
        tail -20 /tmp/nnlab-apt-lab.log >&2
        exit 1
      }
    fi
  else
    echo "nnlab setup-lab: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -f extension/node_modules/.package-lock.json ] || [ extension/package-lock.json -nt extension/node_modules/.package-lock.json ]; then
  echo "nnlab setup-lab: installing the JupyterLab build's npm packages (npm ci in extension/)"
  (cd extension && npm ci --no-audit --no-fund --loglevel=error)
fi
