"""Runs cells on a fresh kernel and prints every message of each cell as JSON.

stdin: {"kernel": "nnlab", "cwd": "...", "cells": [{"code": "...",
        "timeout": 120, "silent": false, "interrupt_after": 2.0,
        "queries": [{"at": 1.0, "code": "%nnlab_query {...}"}]}]}
argv[1]: the file to write the result to (not stdout: the kernel, a child
that shares our stdout, may make that pipe non-blocking and lose our writes):
  [{"reply": {...}, "messages": [{"type", "content", "t"}],
          "queries": [{"reply": {...}, "messages": [...], "t_reply": s}], "seconds": s}]

Used by the vitest files in this folder (test/kernel-integration/*.test.ts).
Run with Debian's /usr/bin/python3 (jupyter_client) and JUPYTER_PATH set to
the project's .jupyter-data.
"""
import json
import queue
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def main():
    spec = json.load(sys.stdin)
    km, kc = start_new_kernel(kernel_name=spec.get("kernel", "nnlab"), cwd=spec.get("cwd"),
                              stdout=subprocess.DEVNULL, stderr=sys.stderr)
    results = []
    try:
        for cell in spec["cells"]:
            results.append(run_cell(km, kc, cell))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with open(sys.argv[1], "w") as f:
        json.dump(results, f, default=str)


def run_cell(km, kc, cell):
    silent = cell.get("silent", False)
    t0 = time.time()
    msg_id = kc.execute(cell["code"], silent=silent, store_history=not silent)
    pending = sorted(cell.get("queries", []), key=lambda q: q["at"])
    queries = {}  # msg_id -> record
    interrupted = "interrupt_after" not in cell
    deadline = t0 + cell.get("timeout", 120)
    messages, statuses, reply, idle = [], [], None, False
    while not (idle and reply is not None and all(q["reply"] is not None and q["idle"] for q in queries.values())):
        now = time.time() - t0
        if now > cell.get("timeout", 120):
            raise TimeoutError(f"cell did not finish in {cell.get('timeout', 120)} s: {cell['code'][:80]!r}")
        if not interrupted and now >= cell["interrupt_after"]:
            km.interrupt_kernel()
            interrupted = True
        while pending and now >= pending[0]["at"]:
            q = pending.pop(0)
            qid = kc.execute(q["code"], silent=True, store_history=False)
            queries[qid] = {"code": q["code"], "sent": now, "reply": None, "t_reply": None, "messages": [], "idle": False}
        try:
            m = kc.get_iopub_msg(timeout=0.02)
            parent = m["parent_header"].get("msg_id")
            rec = {"type": m["msg_type"], "content": m["content"], "t": time.time() - t0}
            if parent == msg_id:
                if m["msg_type"] == "status":
                    statuses.append(m["content"]["execution_state"])
                    idle = idle or m["content"]["execution_state"] == "idle"
                else:
                    messages.append(rec)
            elif parent in queries:
                if m["msg_type"] == "status":
                    queries[parent]["idle"] = queries[parent]["idle"] or m["content"]["execution_state"] == "idle"
                else:
                    queries[parent]["messages"].append(rec)
        except queue.Empty:
            pass
        try:
            while True:
                r = kc.get_shell_msg(timeout=0)
                parent = r["parent_header"].get("msg_id")
                if parent == msg_id:
                    reply = r["content"]
                    reply_t = time.time() - t0
                elif parent in queries:
                    queries[parent]["reply"] = r["content"]
                    queries[parent]["t_reply"] = time.time() - t0
        except queue.Empty:
            pass
        if time.time() > deadline:
            raise TimeoutError("cell timed out")
    return {"reply": reply, "t_reply": reply_t, "messages": messages, "statuses": statuses, "queries": list(queries.values()), "seconds": time.time() - t0}


if __name__ == "__main__":
    main()
