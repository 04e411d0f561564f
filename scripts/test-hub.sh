#!/usr/bin/env bash
# The JupyterHub tests (test/hub/test_*.py): the course copy rules
# (test_course.py), the Kubernetes recipe against the setup scripts
# (test_recipe.py), then a hub from `npm run hub` with three throw-away
# students and an admin on loopback (test_hub.py, 2-3 min on 2 busy cores).
# The hub test needs root (the hub starts each server as its student);
# without root it is skipped and says so.
# Writes test-output/hub/report.json ({"passed": N, "failed": N, "skipped": N}).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output/hub
report=test-output/hub/report.json
if [ "$(id -u)" = 0 ] && ! bash hub/hub.sh --setup-only; then
  echo '{"passed": 0, "failed": 1, "skipped": 0}' >"$report"
  exit 1
fi
start=$SECONDS
/usr/bin/python3 -m unittest discover -v -s test/hub -p 'test_*.py' 2>&1 | tee test-output/hub/unittest.log
status=${PIPESTATUS[0]}
/usr/bin/python3 - "$status" <<'PY' >"$report"
import json, re, sys
text = open("test-output/hub/unittest.log").read()
tail = text.rsplit("\nRan ", 1)[-1]
bad = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", tail))
skipped = sum(int(n) for n in re.findall(r"skipped=(\d+)", tail))
if sys.argv[1] != "0" and bad == 0:
    bad = 1  # the run broke before unittest could say why
passed = len(re.findall(r"(?: \.\.\. |^)ok$", text, re.M))  # -v: "... ok", or "ok" alone after a test's own output
print(json.dumps({"passed": passed, "failed": bad, "skipped": skipped}))
PY
echo "nnlab test-hub: $(cat "$report") in $((SECONDS - start)) s"
exit "$status"
