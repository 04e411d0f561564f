#!/usr/bin/env bash
# Starts nnlab's JupyterLab 4 on 127.0.0.1, rooted at notebooks/, with the
# nnlab kernel and the nnlab extension; prints the URL with its token. Token
# authentication and XSRF protection stay on (jupyter-server's defaults).
#
# Sets up and builds what is missing or out of date first:
#   scripts/setup.sh, setup-jupyter.sh, setup-lab.sh   packages, kernelspec
#   dist/ (npm run build)                               the library and kernel
#   extension/app   -> extension/app/static            JupyterLab (webpack, development mode)
#   extension/nnlab-extension -> extension/app/labextensions/@nnlab/jupyterlab-nnlab
#
# Usage: scripts/lab.sh [--build-only] [jupyter-server options, e.g. --port=8890 --ServerApp.root_dir=DIR]
#   NNLAB_LAB_PROD=1  builds the app in production mode (about 3 min and 2.6 GB of memory).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

build_only=0
args=()
for a in "$@"; do
  if [ "$a" = "--build-only" ]; then build_only=1; else args+=("$a"); fi
done

bash scripts/setup.sh
bash scripts/setup-jupyter.sh
bash scripts/setup-lab.sh

# newer_than TARGET PATH...: true when TARGET is missing or a file under PATH is newer.
newer_than() {
  local target="$1"; shift
  [ -e "$target" ] || return 0
  [ -n "$(find "$@" -newer "$target" -type f -not -path '*/node_modules/*' -print -quit 2>/dev/null)" ]
}

if newer_than dist/kernel/src/launcher.js src kernel package.json; then
  echo "nnlab lab: building the library and kernel (npm run build)"
  if ! npm run build --silent; then
    # NOTE: tsc still emits; the kernel can run if its entry point was built.
    [ -f dist/kernel/src/launcher.js ] || exit 1
    echo "nnlab lab: warning: the build reported type errors (above); continuing with what it emitted" >&2
  fi
fi

app=extension/app
if newer_than "$app/static/bundle.js" "$app/package.json" "$app/webpack.config.js" "$app/src" extension/package-lock.json; then
  echo "nnlab lab: building JupyterLab (webpack)"
  start=$SECONDS
  mode=()
  [ "${NNLAB_LAB_PROD:-0}" = 1 ] && mode=(--mode=production)
  (cd "$app" && npx webpack --config webpack.config.js "${mode[@]}")
  echo "nnlab lab: JupyterLab built in $((SECONDS - start)) s"
fi

ext=extension/nnlab-extension
if newer_than "$app/labextensions/@nnlab/jupyterlab-nnlab/package.json" "$ext/src" "$ext/style" "$ext/package.json" "$ext/scripts" kernel/protocol.ts; then
  echo "nnlab lab: building the nnlab extension"
  (cd "$ext" && node scripts/build.js)
fi

[ "$build_only" = 1 ] && exit 0

# Without a display there is no browser to open.
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then args+=(--no-browser); fi

export JUPYTER_PATH="$root/.jupyter-data${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYTHONPATH="$root/$app/server${PYTHONPATH:+:$PYTHONPATH}"
export PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p notebooks
echo "nnlab lab: starting JupyterLab; open the URL with the token printed below."
exec /usr/bin/python3 -Xfrozen_modules=off -c 'import nnlab_lab; nnlab_lab.main()' ${args[@]+"${args[@]}"}
