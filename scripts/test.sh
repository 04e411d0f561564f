#!/usr/bin/env bash
# Runs every nnlab test on a fresh clone: sets up, type-checks, runs vitest,
# and prints one closing line "nnlab tests: N passed, N failed".
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

node -e '
const r = JSON.parse(require("fs").readFileSync("test-output/vitest.json", "utf8"));
console.log(`\nnnlab tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || status=1
exit $status
