"""A scripted widget frontend: runs steps against a fresh kernel and records
every message, for comms.test.ts.

stdin: {"kernel": "nnlab", "cwd": "...", "steps": [step, ...]} where a step is
  {"execute": code, "timeout": s, "during": [{"at": s, "comm": {...}}]}
      runs a cell (sending the "during" comm messages while it runs);
  {"comm": {"msg_type": "comm_msg", "content": {...}, "buffers_hex": [...]}}
      sends a comm message from the "frontend" and waits for the kernel to be
      idle again after it;
  {"comm_info": target_name or null}.
Strings "${name}" inside a step are replaced by a value saved by an earlier
step's "save": a cell's text/plain result (JSON-decoded if it parses).
argv[1]: the file to write the result to:
  {"steps": [{"msg_id", "t_sent", "reply", "messages": [{"type", "parent",
   "content", "buffers_hex", "t"}], "during": [{"msg_id", "t_sent"}]}],
   "stderr": the kernel's stderr}
Times are Unix seconds (time.time()), comparable with Date.now() / 1000 in
the kernel. Run with Debian's /usr/bin/python3 (jupyter_client).
"""
import json
import queue
import sys
import tempfile
import time

from jupyter_client.manager import start_new_kernel


def substitute(obj, saved):
    if isinstance(obj, str):
        for k, v in saved.items():
            obj = obj.replace("${" + k + "}", v if isinstance(v, str) else json.dumps(v))
        return obj
    if isinstance(obj, list):
        return [substitute(x, saved) for x in obj]
    if isinstance(obj, dict):
        return {k: substitute(v, saved) for k, v in obj.items()}
    return obj


def record(m, t0=0.0):
    return {
        "type": m["msg_type"],
        "parent": m["parent_header"].get("msg_id"),
        "content": m["content"],
        "metadata": m.get("metadata", {}),
        "buffers_hex": [bytes(b).hex() for b in m.get("buffers", [])],
        "t": time.time(),
    }


def send_comm(kc, comm):
    msg = kc.session.msg(comm["msg_type"], comm.get("content", {}), metadata=comm.get("metadata", {}))
    buffers = [bytes.fromhex(h) for h in comm.get("buffers_hex", [])]
    t = time.time()
    kc.session.send(kc.shell_channel.socket, msg, buffers=buffers)
    return msg["header"]["msg_id"], t


def main():
    spec = json.load(sys.stdin)
    err = tempfile.TemporaryFile(mode="w+")
    km, kc = start_new_kernel(kernel_name=spec.get("kernel", "nnlab"), cwd=spec.get("cwd"), stdout=err, stderr=err)
    saved = {}
    out = []
    iopub_backlog = []  # messages seen while waiting for another parent

    def collect(wanted, timeout, pending=None, t0=None):
        """Iopub messages until every msg_id in `wanted` has gone idle (and has a shell reply if it expects one)."""
        idle = set()
        replies = {}
        messages = []
        deadline = time.time() + timeout
        start = time.time()
        while not (idle >= set(wanted["idle"]) and set(replies) >= set(wanted["reply"])):
            if time.time() > deadline:
                raise TimeoutError(f"no idle/reply for {wanted} in {timeout} s; got {[(m['type'], m['parent']) for m in messages][-20:]}")
            while pending and time.time() - start >= pending[0]["at"]:
                d = pending.pop(0)
                mid, t = send_comm(kc, d["comm"])
                d["record"].update({"msg_id": mid, "t_sent": t})
                wanted["idle"].append(mid)
            try:
                m = kc.get_iopub_msg(timeout=0.01)
                r = record(m)
                messages.append(r)
                if r["type"] == "status" and r["content"]["execution_state"] == "idle":
                    idle.add(r["parent"])
            except queue.Empty:
                pass
            try:
                while True:
                    r = kc.get_shell_msg(timeout=0)
                    replies[r["parent_header"].get("msg_id")] = {"type": r["msg_type"], "content": r["content"]}
            except queue.Empty:
                pass
        return messages, replies

    try:
        for step in spec["steps"]:
            step = substitute(step, saved)
            rec = {}
            if "execute" in step:
                during = [{"at": d["at"], "comm": d["comm"], "record": {}} for d in sorted(step.get("during", []), key=lambda d: d["at"])]
                mid = kc.execute(step["execute"])
                rec["msg_id"], rec["t_sent"] = mid, time.time()
                messages, replies = collect({"idle": [mid], "reply": [mid]}, step.get("timeout", 120), pending=list(during))
                rec["reply"] = replies.get(mid)
                rec["during"] = [d["record"] for d in during]
                if "save" in step:
                    res = [m for m in messages if m["type"] == "execute_result" and m["parent"] == mid]
                    text = res[0]["content"]["data"]["text/plain"] if res else None
                    try:
                        saved[step["save"]] = json.loads(text)
                    except (TypeError, ValueError):
                        saved[step["save"]] = (text or "").strip("'")
            elif "comm" in step:
                mid, t = send_comm(kc, step["comm"])
                rec["msg_id"], rec["t_sent"] = mid, t
                messages, replies = collect({"idle": [mid], "reply": []}, step.get("timeout", 30))
            elif "comm_info" in step:
                content = {} if step["comm_info"] is None else {"target_name": step["comm_info"]}
                msg = kc.session.msg("comm_info_request", content)
                kc.shell_channel.send(msg)
                mid = msg["header"]["msg_id"]
                rec["msg_id"] = mid
                messages, replies = collect({"idle": [mid], "reply": [mid]}, 30)
                rec["reply"] = replies.get(mid)
            rec["messages"] = messages
            out.append(rec)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    err.seek(0)
    with open(sys.argv[1], "w") as f:
        json.dump({"steps": out, "stderr": err.read()}, f, default=str)


if __name__ == "__main__":
    main()
