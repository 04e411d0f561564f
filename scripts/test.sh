#!/usr/bin/env bash
# Runs every nnlab test on a fresh clone: sets up (npm packages, Debian
# packages, the Jupyter kernelspec, JupyterLab and Chromium), type-checks,
# builds, runs vitest (core, kernel against a real tslab kernel, notebooks,
# PyTorch and onnxruntime cross-checks, every kernel of the wasm and native
# backends against the js path in test/speed/), the op tests again on the
# plain js path (NNLAB_BACKEND=js), then the browser tests of the
# JupyterLab extension in Chromium, then JupyterHub with three students
# (scripts/test-hub.sh, as root), and prints one closing line
# "nnlab tests: N passed, N failed" over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
mkdir -p test-output

echo "== type check (tsc --noEmit)"
npx tsc -p tsconfig.json --noEmit || exit 1

echo "== build (dist/, used by the kernel and the CLI)"
npx tsc -p tsconfig.build.json || exit 1

echo "== vitest"
npx vitest run --reporter=default --reporter=json --outputFile=test-output/vitest.json
status=$?

# The ops, layers and optimizers again on the plain TypeScript path (the
# first run takes the WebAssembly SIMD kernels wherever they apply).
echo "== vitest, ops on the plain js path (NNLAB_BACKEND=js)"
NNLAB_BACKEND=js npx vitest run test/core test/nn test/cnn test/rnn test/optim \
  --reporter=default --reporter=json --outputFile=test-output/vitest-js.json || status=1

echo "== browser tests (JupyterLab 4 + Chromium)"
browser_pass=0
browser_fail=1
if bash scripts/setup-lab.sh --test && bash scripts/lab.sh --build-only; then
  bash scripts/test-browser.sh || status=1
  browser_pass=$(grep -c '^    ok ' test-output/browser/report.tap || true)
  browser_fail=$(grep -c '^    not ok ' test-output/browser/report.tap || true)
else
  echo "nnlab tests: setting up or building JupyterLab failed" >&2
  status=1
fi

echo "== JupyterHub for a class (course copy, Kubernetes recipe, a hub with three students as root)"
bash scripts/test-hub.sh || status=1

node -e '
const fs = require("fs");
const runs = ["test-output/vitest.json", "test-output/vitest-js.json"].map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
const [bp, bf] = process.argv.slice(1).map(Number);
let hub = { passed: 0, failed: 1, skipped: 0 };
try { hub = JSON.parse(fs.readFileSync("test-output/hub/report.json", "utf8")); } catch {}
const passed = runs.reduce((n, r) => n + r.numPassedTests, bp + hub.passed), failed = runs.reduce((n, r) => n + r.numFailedTests, bf + hub.failed);
console.log(`\npassed: vitest ${runs[0].numPassedTests}, ops again on the js path ${runs[1].numPassedTests}, browser ${bp}, hub ${hub.passed}${hub.skipped ? ` (${hub.skipped} skipped: not root)` : ""}`);
console.log(`nnlab tests: ${passed} passed, ${failed} failed`);
' "$browser_pass" "$browser_fail" || status=1
exit $status
