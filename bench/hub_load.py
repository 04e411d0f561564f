"""N students at once on one JupyterHub (bench/hub-load.sh runs this as root).

Starts `npm run hub` (hub/hub.sh) on loopback ports of its own with N
throw-away system users (nnlabload1..N) and the TEST-ONLY authenticator, then
all N students at the same moment: log in through the login form, start a
server, run the MLP notebook (notebooks/02-mlp.ipynb, every code cell) through
the server's REST API and the kernel websocket. Meanwhile a sampler reads the
resident memory of every process of each student from /proc twice a second.

Prints one table: spawn time and notebook wall time (median, worst), memory
per student (server alone, peak while the notebook runs, after it with its
kernel still open), peak in total (all students together, and the hub with
its proxy), failures. Memory is PSS (/proc/PID/smaps_rollup: shared pages
split among the processes sharing them, so totals count node's and Python's
code once). Users, homes and
processes are removed afterwards.

usage: hub_load.py [--students N] [--notebook 02-mlp.ipynb] [--timeout SECONDS] [--mem-limit 2G]
Bounded: N is 1..40; the whole run stops after --timeout seconds (default 1200).
"""

import argparse
import asyncio
import os
import pwd
import shutil
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test", "hub"))
from hubclient import ROOT, Hub, Student, free_port, remove_user  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1 << 20


def pss(pid):
    """Proportional set size of one process in bytes: its private pages plus its share
    of pages it shares (node's and Python's code, libraries), so sums over
    processes count shared memory once."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def pss_by_uid(uids):
    """{uid: PSS bytes of all its processes}."""
    out = dict.fromkeys(uids, 0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
            if uid in out:
                out[uid] += pss(entry)
        except (OSError, ValueError):
            continue
    return out


def tree_pss(root_pid, skip_uids):
    """PSS of root_pid and its descendants, leaving out processes of skip_uids."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            if os.stat(f"/proc/{pid}").st_uid not in skip_uids:
                total += pss(pid)
        except (OSError, ValueError):
            pass
        todo.extend(children.get(pid, []))
    return total


class Sampler(threading.Thread):
    def __init__(self, uids, hub_pid, every=0.5):
        super().__init__(daemon=True)
        self.uids, self.hub_pid, self.every = uids, hub_pid, every
        self.peak = dict.fromkeys(uids, 0)
        self.peak_total = 0
        self.peak_hub = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            now = pss_by_uid(self.uids)
            for uid, n in now.items():
                self.peak[uid] = max(self.peak[uid], n)
            self.peak_total = max(self.peak_total, sum(now.values()))
            self.peak_hub = max(self.peak_hub, tree_pss(self.hub_pid, set(self.uids)))
            self.stop.wait(self.every)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=10)
    ap.add_argument("--notebook", default="02-mlp.ipynb")
    ap.add_argument("--timeout", type=int, default=1200)
    ap.add_argument("--mem-limit", default="2G")
    args = ap.parse_args()
    if not 1 <= args.students <= 40:
        raise SystemExit("hub_load: --students must be 1..40 (one machine)")
    if os.geteuid() != 0:
        raise SystemExit("hub_load: run as root (the hub starts servers as the students)")
    names = [f"nnlabload{i + 1}" for i in range(args.students)]
    password = "test-only-" + os.urandom(6).hex()
    state = tempfile.mkdtemp(prefix="nnlab-hub-load-")
    out_dir = os.path.join(ROOT, "test-output", "hub-load")
    hub = None
    try:
        import subprocess

        for name in names:
            remove_user(name)
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        with open(os.path.join(state, "users.txt"), "w") as f:
            f.write("\n".join(names) + "\n")
        env = dict(os.environ)
        env.update(
            NNLAB_HUB_STATE=state,
            NNLAB_HUB_TEST_AUTH="1",
            NNLAB_HUB_TEST_PASSWORD=password,
            NNLAB_HUB_PORT=str(free_port()),
            NNLAB_HUB_API_PORT=str(free_port()),
            NNLAB_HUB_PROXY_API_PORT=str(free_port()),
            NNLAB_HUB_MEM_LIMIT=args.mem_limit,
            NNLAB_HUB_MAX_SERVERS=str(max(30, args.students)),
            NNLAB_HUB_START_TIMEOUT="300",
        )
        if os.path.exists(os.path.join(out_dir, "hub.log")):
            os.unlink(os.path.join(out_dir, "hub.log"))
        hub = Hub(env, out_dir)
        hub.start()
        uids = {pwd.getpwnam(n).pw_uid: n for n in names}
        sampler = Sampler(list(uids), hub.proc.pid)
        sampler.start()
        students = [Student(hub.url, n, password) for n in names]
        results, errors = {}, {}
        deadline = time.time() + args.timeout
        barrier = threading.Barrier(len(students))

        def student(s):
            r = results[s.name] = {}
            try:
                barrier.wait(60)
                s.login()
                r["spawn"] = s.start_server(timeout=300)
                uid = pwd.getpwnam(s.name).pw_uid
                r["idle"] = pss_by_uid([uid])[uid]
                r["notebook"] = asyncio.new_event_loop().run_until_complete(s.run_notebook(args.notebook, timeout=max(10, deadline - time.time()), shutdown=False))
                r["after"] = pss_by_uid([uid])[uid]  # the notebook's kernel still open, idle
            except Exception as err:
                errors[s.name] = f"{type(err).__name__}: {err}"

        t0 = time.time()
        threads = [threading.Thread(target=student, args=(s,), daemon=True) for s in students]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(1, deadline - time.time()))
        wall = time.time() - t0
        sampler.stop.set()
        sampler.join()
        for s in students:
            if s.name not in errors and "notebook" not in results[s.name]:
                errors[s.name] = "did not finish within --timeout"

        def stats(key, scale=1.0, fmt="{:.1f}"):
            values = [r[key] / scale for r in results.values() if key in r]
            if not values:
                return "n/a"
            return f"{fmt.format(statistics.median(values))} / {fmt.format(max(values))}"

        peaks = [v / MB for v in sampler.peak.values()]
        print(f"\nnnlab hub load: {args.students} students at once, {args.notebook}, memory limit {args.mem_limit} per server, {os.cpu_count()} cores")
        print("| measure | median / worst |")
        print("|---|---|")
        print(f"| spawn (login done -> server ready), s | {stats('spawn')} |")
        print(f"| {args.notebook} wall time, s | {stats('notebook')} |")
        print(f"| per student, server started, no kernel, MB | {stats('idle', MB, '{:.0f}')} |")
        print(f"| per student, peak while the notebook runs, MB | {statistics.median(peaks):.0f} / {max(peaks):.0f} |")
        print(f"| per student, after the notebook (its kernel open, idle), MB | {stats('after', MB, '{:.0f}')} |")
        print(f"| peak of all students together, MB | {sampler.peak_total / MB:.0f} |")
        print(f"| hub + proxy peak, MB | {sampler.peak_hub / MB:.0f} |")
        print(f"| whole run, s | {wall:.0f} |")
        print(f"| failures | {len(errors)} of {args.students} |")
        for name, err in sorted(errors.items()):
            print(f"  {name}: {err}")
        return 1 if errors else 0
    finally:
        if hub:
            hub.stop()
        for name in names:
            remove_user(name)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
