#!/usr/bin/env bash
# Sets up what nnlab needs, idempotently, on a fresh clone:
#   - npm packages from package-lock.json (npm ci), when node_modules is missing or stale;
#   - Debian packages: the real Fashion-MNIST (dataset-fashion-mnist) always,
#     and with --test also what the test suite needs.
# As root the Debian packages are installed with apt-get; otherwise the exact
# command is printed and setup stops.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=main
[ "${1:-}" = "--test" ] && profile=test

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "nnlab setup: installing npm packages (npm ci)"
  # NOTE: onnxruntime-node's install script would download a binary; the npm package ships the CPU one.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi

missing=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
if [ "$profile" = test ]; then
  /usr/bin/python3 -c 'import torch, numpy, onnx' >/dev/null 2>&1 || missing+=(python3-torch python3-numpy python3-onnx)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "nnlab setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/nnlab-apt.log 2>&1; then
      apt-get update >>/tmp/nnlab-apt.log 2>&1
      apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/nnlab-apt.log 2>&1 || {
        echo "nnlab setup: apt-get install ${missing[*]} failed; see /tmp/nnlab-apt.log" >&2
        tail -20 /tmp/nnlab-apt.log >&2
        exit 1
      }
    fi
  else
    echo "nnlab setup: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# The nnlab Jupyter kernel (kernelspec in .jupyter-data) and the Jupyter tools the tests drive.
if [ "$profile" = test ]; then
  bash scripts/setup-jupyter.sh
fi
