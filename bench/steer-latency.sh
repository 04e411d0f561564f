#!/usr/bin/env bash
# Latency from a steering command (the lab's Pause/Resume/Set lr) to its
# effect during training, median and worst over 50 commands: see
# bench/steer_latency.py. Builds dist/ and installs the kernelspec first.
#   bash bench/steer-latency.sh [--clicks 50] [--model mlp|lenet]
# With --lab: real clicks in the lab instead (bench/steer-click-latency.mjs).
#   bash bench/steer-latency.sh --lab [--clicks 50]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--lab" ]; then shift; exec node bench/steer-click-latency.mjs "$@"; fi
bash scripts/setup-jupyter.sh >/dev/null
npm run build --silent >/dev/null || [ -f dist/kernel/src/launcher.js ]
JUPYTER_PATH="$PWD/.jupyter-data" PYDEVD_DISABLE_FILE_VALIDATION=1 exec /usr/bin/python3 bench/steer_latency.py "$@"
