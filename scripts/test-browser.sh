#!/usr/bin/env bash
# Runs the browser tests of nnlab's JupyterLab (test/browser/, Node's test
# runner, playwright-core with Debian's Chromium) and prints one closing line
# "nnlab browser tests: N passed, N failed". Sets up and builds what is
# missing first (scripts/setup-lab.sh --test, scripts/lab.sh --build-only).
# Screenshots and a TAP report go to test-output/browser/.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output/browser
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=test-output/browser/report.tap \
  test/browser/lab.test.mjs test/browser/inspector.test.mjs test/browser/restart.test.mjs test/browser/plotly-offline.test.mjs test/browser/steer.test.mjs \
  test/browser/displays.test.mjs test/browser/widgets.test.mjs test/browser/playground.test.mjs test/browser/runs.test.mjs test/browser/pictures.test.mjs
status=$?
# Count the tests, not the suite around them (indented TAP lines).
pass=$(grep -c '^    ok ' test-output/browser/report.tap || true)
fail=$(grep -c '^    not ok ' test-output/browser/report.tap || true)
echo "nnlab browser tests: $pass passed, $fail failed"
exit $status
