#!/usr/bin/env bash
# Executes the teaching notebooks headless on the nnlab kernel and writes their
# outputs back into notebooks/*.ipynb (so they are committed with outputs and
# read well on GitHub and nbviewer).
#
#   bash scripts/run-notebooks.sh              every notebooks/[0-9][0-9]-*.ipynb
#   bash scripts/run-notebooks.sh 03 05        only those whose names start with 03 or 05
#   bash scripts/run-notebooks.sh --build ...  first rebuild the .ipynb from notebooks/src/*.ts
#                                              (node notebooks/src/build.mjs; drops old outputs)
#
# Each notebook runs in a fresh kernel with notebooks/ as its working folder.
# A notebook that fails keeps the outputs up to the failing cell, and the
# script goes on with the next one and exits with status 1 at the end.
# Prints the seconds and the size of each notebook.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

build=0
names=()
for arg in "$@"; do
  if [ "$arg" = "--build" ]; then build=1; else names+=("$arg"); fi
done

bash scripts/setup-jupyter.sh >/dev/null || exit 1
# The kernel runs dist/ (kernel/bin/nnlab-kernel.js → dist/kernel/src/launcher.js).
# Rebuild when a source is newer, holding the build lock the kernel tests use (one build at a time).
stale() { [ ! -f dist/kernel/src/launcher.js ] || [ -n "$(find src kernel -name '*.ts' -newer dist/kernel/src/launcher.js -print -quit)" ]; }
if stale; then
  mkdir -p test-output
  lock=test-output/.kernel-build.lock
  for _ in $(seq 600); do mkdir "$lock" 2>/dev/null && break; sleep 0.2; done
  trap 'rmdir "$lock" 2>/dev/null' EXIT
  if stale; then
    echo "== npm run build (dist/ is older than the sources)"
    npm run build --silent || exit 1
  fi
  rmdir "$lock" 2>/dev/null
fi
if [ $build = 1 ]; then node notebooks/src/build.mjs "${names[@]}" || exit 1; fi

export JUPYTER_PATH="$root/.jupyter-data"
status=0
total_start=$(date +%s)
for nb in notebooks/[0-9][0-9]-*.ipynb; do
  base=$(basename "$nb")
  if [ ${#names[@]} -gt 0 ]; then
    keep=0
    for n in "${names[@]}"; do case "$base" in "$n"*) keep=1 ;; esac; done
    [ $keep = 1 ] || continue
  fi
  if secs=$(/usr/bin/python3 notebooks/src/execute.py "$nb" "$nb" --cwd "$root/notebooks"); then
    result=ok
  else
    result=FAILED
    status=1
  fi
  size=$(stat -c %s "$nb")
  printf '%-28s %-6s %6ss %8s bytes\n' "$base" "$result" "${secs:-?}" "$size"
  if [ "$size" -gt 3000000 ]; then echo "  $base is larger than 3 MB" >&2; status=1; fi
done
echo "total $(( $(date +%s) - total_start ))s"
exit $status
