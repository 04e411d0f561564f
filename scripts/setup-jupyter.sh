#!/usr/bin/env bash
# Sets up Jupyter for nnlab, idempotently:
#   - the Debian packages the kernel and its tests need (Jupyter client and
#     server, nbclient, nbconvert, the kernel conformance suite, the classic
#     notebook). As root they are installed with apt-get; otherwise the exact
#     command is printed and setup stops.
#   - node_modules/nnlab -> the project root, so `import * as nn from 'nnlab'`
#     and `import { display } from 'nnlab/kernel'` resolve from any notebook
#     inside the project (tslab resolves imports from the notebook's folder
#     upwards, like Node).
#   - the kernelspec "nnlab (TypeScript)" (name: nnlab) in the project-local
#     Jupyter data folder .jupyter-data/kernels/nnlab; never in system folders.
#     It runs kernel/bin/nnlab-kernel.js (tslab with nnlab's display hooks)
#     with the node that ran this script.
#
# Use the kernel with:  JUPYTER_PATH="$PWD/.jupyter-data" jupyter ...
# Options: --print-env  print `export JUPYTER_PATH=...` and exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian.sh
root="$PWD"
data_dir="$root/.jupyter-data"

if [ "${1:-}" = "--print-env" ]; then
  echo "export JUPYTER_PATH=\"$data_dir\""
  exit 0
fi

# 1. Debian packages (checked with dpkg, so a python3 on PATH that is not
#    Debian's does not matter; the kernel tools run with /usr/bin/python3).
packages=(jupyter-client jupyter-core jupyter-nbconvert python3-nbclient python3-jupyter-server
  python3-jupyterlab-server python3-jupyter-kernel-test jupyter-notebook)
ensure_debian_packages setup-jupyter "${packages[@]}"

# 2. tslab must be installed from the lockfile (npm ci / npm install).
if [ ! -f node_modules/tslab/dist/jupyter.js ]; then
  echo "nnlab setup-jupyter: node_modules/tslab is missing; run npm ci first" >&2
  exit 1
fi

# 3. 'nnlab' resolves to this project from notebooks inside it.
if [ "$(readlink node_modules/nnlab 2>/dev/null || true)" != ".." ]; then
  rm -rf node_modules/nnlab
  ln -s .. node_modules/nnlab
fi

# 4. The kernelspec, rewritten only when it changes.
node_bin="$(command -v node)"
spec_dir="$data_dir/kernels/nnlab"
mkdir -p "$spec_dir"
spec="$(cat <<EOF
{
  "argv": ["$node_bin", "$root/kernel/bin/nnlab-kernel.js", "--config-path", "{connection_file}"],
  "display_name": "nnlab (TypeScript)",
  "language": "typescript",
  "interrupt_mode": "signal",
  "metadata": {"nnlab": {"root": "$root"}}
}
EOF
)"
if [ ! -f "$spec_dir/kernel.json" ] || [ "$(cat "$spec_dir/kernel.json")" != "$spec" ]; then
  printf '%s\n' "$spec" >"$spec_dir/kernel.json"
  echo "nnlab setup-jupyter: kernelspec nnlab written to $spec_dir"
fi
for logo in logo-32x32.png logo-64x64.png; do
  [ -f "kernel/assets/$logo" ] && cp -f "kernel/assets/$logo" "$spec_dir/$logo"
done
exit 0
