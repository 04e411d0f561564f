"""Executes a notebook headless with nbclient on the given kernel and prints
the executed notebook (JSON) to OUT.

usage: run_notebook.py NOTEBOOK OUT [--kernel nnlab] [--cwd DIR] [--timeout 120]

Cells tagged "raises-exception" may fail (nbclient's convention). Run with
Debian's /usr/bin/python3 and JUPYTER_PATH set to the project's .jupyter-data.
"""
import argparse
import subprocess

import nbformat
from nbclient import NotebookClient


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out")
    ap.add_argument("--kernel", default="nnlab")
    ap.add_argument("--cwd", default=None)
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()
    nb = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout,
                            resources={"metadata": {"path": args.cwd}} if args.cwd else {})
    # NOTE: the kernel does not share our stdout (a child may make the pipe non-blocking).
    client.execute(stdout=subprocess.DEVNULL)
    nbformat.validate(nb)
    nbformat.write(nb, args.out)


if __name__ == "__main__":
    main()
