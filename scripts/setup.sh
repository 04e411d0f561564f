#!/usr/bin/env bash
# Sets up what nnlab needs, idempotently, on a fresh clone:
#   - npm packages from package-lock.json (npm ci), when node_modules is missing or stale;
#   - Debian packages: the real Fashion-MNIST (dataset-fashion-mnist) always,
#     and with --test also what the test suite needs.
# As root the Debian packages are installed with apt-get; otherwise the exact
# command is printed and setup stops.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian.sh

profile=main
[ "${1:-}" = "--test" ] && profile=test

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "nnlab setup: installing npm packages (npm ci)"
  # NOTE: onnxruntime-node's install script would download a binary; the npm package ships the CPU one.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi

# The real Fashion-MNIST always; with --test what the tests drive: PyTorch,
# numpy and onnx for the cross-checks, run by /usr/bin/python3.
packages=(dataset-fashion-mnist)
[ "$profile" = test ] && packages+=(python3-torch python3-numpy python3-onnx)
ensure_debian_packages setup "${packages[@]}"

# The nnlab Jupyter kernel (kernelspec in .jupyter-data) and the Jupyter tools the tests drive.
if [ "$profile" = test ]; then
  bash scripts/setup-jupyter.sh
fi
