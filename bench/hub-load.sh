#!/usr/bin/env bash
# N students at once on one JupyterHub, loopback only (bench/hub_load.py):
# each logs in, starts a server and runs the MLP notebook through the REST
# API and the kernel websocket; prints spawn and notebook times, memory per
# student and in total, failures. Run as root; users are removed afterwards.
#
# Usage: bash bench/hub-load.sh [--students 10] [--notebook 02-mlp.ipynb] [--timeout 1200] [--mem-limit 2G]
set -euo pipefail
cd "$(dirname "$0")/.."
bash hub/hub.sh --setup-only
exec /usr/bin/python3 bench/hub_load.py "$@"
