"""Latency of steering a training run: from a command sent on the kernel's
'nnlab.run' comm (what the lab's Pause/Resume/Set lr buttons send) to its
effect, during training, over N commands (default 50).

A fresh nnlab kernel (jupyter_client, as the lab talks to it) trains a model
with liveFit in one cell; meanwhile this script opens a comm to 'nnlab.run'
and sends commands at random moments: pause and resume by turns, every fifth
a learning-rate change. The kernel replies once the command took effect (the
loop paused, resumed, or about to train with the new rate: see
kernel/src/steer.ts), so the time from sending to the reply is the latency a
user sees, transport both ways included. Printed: median and worst, overall
and per command, the kernel's share (reply.appliedAt - reply.receivedAt) and
the time of one batch, for scale. Nothing is asserted.

Run: bash bench/steer-latency.sh [--clicks 50] [--model mlp|lenet]
(the script builds dist/ and installs the kernelspec first).
"""
import argparse
import os
import queue
import random
import statistics
import tempfile
import time

from jupyter_client.manager import start_new_kernel

MODELS = {
    # 784-128-10 MLP, batch 64 (the course's Fashion-MNIST MLP), random data.
    "mlp": """const x = nn.randn([8192, 784]);
const y = nn.randint(0, 10, [8192]);
const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));""",
    # LeNet-5 on 1x28x28, batch 64, random data.
    "lenet": """const x = nn.randn([4096, 1, 28, 28]);
const y = nn.randint(0, 10, [4096]);
const model = nn.models.lenet5();""",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=50)
    ap.add_argument("--model", choices=sorted(MODELS), default="mlp")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    cwd = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    err = tempfile.TemporaryFile(mode="w+")
    km, kc = start_new_kernel(kernel_name="nnlab", cwd=cwd, stdout=err, stderr=err)
    try:
        setup = f"""import * as nn from 'nnlab';
import {{ liveFit }} from 'nnlab/kernel';
nn.manualSeed(0);
{MODELS[args.model]}
const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), {{ batchSize: 64, shuffle: true }});
const optimizer = new nn.optim.SGD(model.parameters(), {{ lr: 0.05, momentum: 0.9 }});
const run = new nn.TrainingRun('latency', {{}}, 1000);
run.id"""
        results_text = []

        def hook(m):
            if m["msg_type"] == "execute_result":
                results_text.append(m["content"]["data"]["text/plain"])

        reply = kc.execute_interactive(setup, timeout=120, output_hook=hook)
        if reply["content"]["status"] != "ok" or not results_text:
            raise SystemExit(f"setup cell failed: {reply['content']}")
        run_id = results_text[-1].strip().strip("'\"")
        cell = kc.execute("await liveFit(model, { trainLoader, optimizer, epochs: 1000, run, display: true }); run.status")
        comm_id = "latency-" + str(os.getpid())

        def send(msg_type, content):
            msg = kc.session.msg(msg_type, content)
            kc.shell_channel.send(msg)
            return msg["header"]["msg_id"]

        def wait_reply(request_id, timeout=30.0):
            deadline = time.time() + timeout
            while time.time() < deadline:
                try:
                    m = kc.get_iopub_msg(timeout=0.005)
                except queue.Empty:
                    continue
                if m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == comm_id:
                    data = m["content"]["data"]
                    if data.get("requestId") == request_id:
                        return data, time.time()
            raise TimeoutError(f"no reply to {request_id} in {timeout} s")

        time.sleep(3.0)  # the cell compiles and training starts
        send("comm_open", {"comm_id": comm_id, "target_name": "nnlab.run", "data": {}})
        # Steps per second before the clicks, for the batch time.
        rid = "status-0"
        t0 = time.time()
        send("comm_msg", {"comm_id": comm_id, "data": {"action": "status", "runId": run_id, "requestId": rid}})
        s0, _ = wait_reply(rid)
        time.sleep(2.0)
        rid = "status-1"
        send("comm_msg", {"comm_id": comm_id, "data": {"action": "status", "runId": run_id, "requestId": rid}})
        s1, t1 = wait_reply(rid)
        batch_ms = 1000 * (t1 - t0) / max(1, s1["run"]["steps"] - s0["run"]["steps"])
        if s1["run"]["status"] != "running":
            raise SystemExit(f"the run is not training: {s1}")

        results = []
        paused = False
        lr = 0.05
        for i in range(args.clicks):
            time.sleep(rng.uniform(0.05, 0.25))
            if i % 5 == 4:
                lr = 0.05 if lr != 0.05 else 0.02
                command = {"action": "set", "name": "lr", "value": lr}
            else:
                command = {"action": "resume" if paused else "pause"}
                paused = not paused
            rid = f"click-{i}"
            t_sent = time.time()
            send("comm_msg", {"comm_id": comm_id, "data": {**command, "runId": run_id, "requestId": rid}})
            data, t_reply = wait_reply(rid)
            if not data["ok"]:
                raise SystemExit(f"command {command} refused: {data['error']}")
            results.append({
                "action": command["action"], "ms": 1000 * (t_reply - t_sent),
                "kernel_ms": data["appliedAt"] - data["receivedAt"],
                "steps_after_arrival": data["run"]["steps"] - data["receivedAtStep"],
            })
        send("comm_msg", {"comm_id": comm_id, "data": {"action": "stop", "runId": run_id, "requestId": "stop"}})
        wait_reply("stop")
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                r = kc.get_shell_msg(timeout=1)
            except queue.Empty:
                continue
            if r["parent_header"].get("msg_id") == cell:
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    def line(name, rows):
        ms = [r["ms"] for r in rows]
        k = [r["kernel_ms"] for r in rows]
        return (f"{name:<8} {len(rows):>3}  median {statistics.median(ms):7.1f} ms  worst {max(ms):7.1f} ms"
                f"   (kernel: median {statistics.median(k):6.1f} ms, worst {max(k):6.1f} ms)")

    load = os.getloadavg()
    print(f"steer latency: {args.clicks} commands on the 'nnlab.run' comm during liveFit ({args.model}, batch 64, SGD)")
    print(f"one batch: {batch_ms:.1f} ms; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(line("all", results))
    for action in ("pause", "resume", "set"):
        rows = [r for r in results if r["action"] == action]
        if rows:
            print(line(action, rows))
    worst_steps = max(r["steps_after_arrival"] for r in results)
    print(f"steps trained between a command's arrival and its effect: at most {worst_steps}")


if __name__ == "__main__":
    main()
