#!/usr/bin/env bash
# The main job on a fresh clone: set everything up and open nnlab's
# JupyterLab 4 (with the nnlab kernel and extension) on 127.0.0.1 at
# notebooks/; prints the URL with its token.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/lab.sh "$@"
