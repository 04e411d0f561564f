"""Sends N execute requests at once (as "Run All" on a long notebook does) and
collects every reply and output, then prints a summary as JSON.

stdin: {"kernel": "nnlab", "cwd": "...", "n": 200, "timeout": 180}
argv[1]: the file to write the result to:
  {"sent": [msg_id...], "replies": [{"parent", "status", "execution_count", "ename", "evalue"}],
   "streams": {msg_id: text}, "idle": [msg_id...], "seconds": s}
Replies and idle statuses are listed in the order they arrived.

Used by test/kernel-integration/burst.test.ts. Run with Debian's
/usr/bin/python3 (jupyter_client) and JUPYTER_PATH set to .jupyter-data.
"""
import json
import queue
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def main():
    spec = json.load(sys.stdin)
    n = spec.get("n", 200)
    km, kc = start_new_kernel(kernel_name=spec.get("kernel", "nnlab"), cwd=spec.get("cwd"),
                              stdout=subprocess.DEVNULL, stderr=sys.stderr)
    t0 = time.time()
    try:
        # One cell that yields to the event loop, the rest plain: every cell prints its number
        # and returns a value, so each produces stream, execute_result, status and reply messages.
        sent = [kc.execute(f"console.log('cell {i}'); {i} * 2") for i in range(n)]
        pending = set(sent)
        idle_pending = set(sent)
        replies, streams, idle = [], {}, []
        deadline = t0 + spec.get("timeout", 180)
        while (pending or idle_pending) and time.time() < deadline:
            try:
                while True:
                    r = kc.get_shell_msg(timeout=0)
                    parent = r["parent_header"].get("msg_id")
                    if parent in pending:
                        pending.discard(parent)
                        c = r["content"]
                        replies.append({"parent": parent, "status": c.get("status"), "execution_count": c.get("execution_count"),
                                        "ename": c.get("ename"), "evalue": c.get("evalue")})
            except queue.Empty:
                pass
            try:
                m = kc.get_iopub_msg(timeout=0.02)
                parent = m["parent_header"].get("msg_id")
                if m["msg_type"] == "stream":
                    streams[parent] = streams.get(parent, "") + m["content"]["text"]
                elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" and parent in idle_pending:
                    idle_pending.discard(parent)
                    idle.append(parent)
            except queue.Empty:
                pass
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with open(sys.argv[1], "w") as f:
        json.dump({"sent": sent, "replies": replies, "streams": streams, "idle": idle, "seconds": time.time() - t0}, f)


if __name__ == "__main__":
    main()
