#!/usr/bin/env bash
# The JupyterHub tests (test/hub/test_*.py): the course copy rules
# (test_course.py), then a hub from `npm run hub` with three throw-away
# students and an admin on loopback (test_hub.py). Needs root (the hub
# starts each server as its student); otherwise it is skipped, and says so.
# Writes test-output/hub/report.json ({"passed": N, "failed": N, "skipped": bool}).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output/hub
report=test-output/hub/report.json
if [ "$(id -u)" != 0 ]; then
  echo "nnlab test-hub: skipped: the hub test runs as root (it creates system users)" >&2
  echo '{"passed": 0, "failed": 0, "skipped": true}' >"$report"
  exit 0
fi
if ! bash hub/hub.sh --setup-only; then
  echo '{"passed": 0, "failed": 1, "skipped": false}' >"$report"
  exit 1
fi
start=$SECONDS
/usr/bin/python3 -m unittest discover -v -s test/hub -p 'test_*.py' 2>&1 | tee test-output/hub/unittest.log
status=${PIPESTATUS[0]}
/usr/bin/python3 - "$status" <<'PY' >"$report"
import json, re, sys
text = open("test-output/hub/unittest.log").read()
ran = int((re.findall(r"^Ran (\d+) tests?", text, re.M) or ["0"])[-1])
bad = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", text.rsplit("Ran ", 1)[-1]))
if sys.argv[1] != "0" and bad == 0:
    bad = 1  # the run broke before unittest could say why
print(json.dumps({"passed": ran - bad if ran >= bad else 0, "failed": bad, "skipped": False}))
PY
echo "nnlab test-hub: $(cat "$report") in $((SECONDS - start)) s"
exit "$status"
