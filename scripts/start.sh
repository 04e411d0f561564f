#!/usr/bin/env bash
# The main job on a fresh clone: set up, build, and train the MLP
# 784-256-128-10 on the real Fashion-MNIST with a progress bar, then print
# the test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
node dist/scripts/train.js --model mlp "$@"
