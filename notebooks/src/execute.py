"""Executes notebooks headless with nbclient on the nnlab kernel.

usage: execute.py NOTEBOOK OUT [--cwd DIR] [--timeout SECONDS]

Runs every cell of NOTEBOOK with the kernel running in DIR (default: the
notebook's folder) and writes the executed notebook to OUT (may be NOTEBOOK
itself). Stops at the first error (nbclient's CellExecutionError), after
writing what ran so far to OUT. Prints one line: seconds taken.
Run with Debian's /usr/bin/python3 and JUPYTER_PATH=<project>/.jupyter-data.
"""
import argparse
import os
import subprocess
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out")
    ap.add_argument("--cwd", default=None)
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()
    nb = nbformat.read(args.notebook, as_version=4)
    cwd = args.cwd or os.path.dirname(os.path.abspath(args.notebook))
    client = NotebookClient(nb, kernel_name="nnlab", timeout=args.timeout,
                            resources={"metadata": {"path": cwd}})
    t0 = time.time()
    status = 0
    try:
        # NOTE: the kernel must not share our stdout (a child may make the pipe non-blocking).
        client.execute(stdout=subprocess.DEVNULL)
    except CellExecutionError as err:
        print(str(err)[:4000], file=sys.stderr)
        status = 1
    seconds = time.time() - t0
    nbformat.validate(nb)
    nbformat.write(nb, args.out)
    print(f"{seconds:.1f}")
    sys.exit(status)


if __name__ == "__main__":
    main()
