"""JupyterHub for a class, end to end: `npm run hub` (hub/hub.sh) as root with
three throw-away system users and one admin, on loopback ports of its own.

Each student logs in through the hub's login form, starts a server (hub/
singleuser.sh as that user: the nnlab lab, the course copied into ~/nnlab) and
runs the perceptron notebook through the REST API and the kernel websocket;
no student reaches another's server, files or kernels (403) while the admin
can; a kernel past its server's memory limit is stopped with a MemoryError in
the notebook while the other students' kernels keep running; the hub restarts
without losing users, running servers or notebooks, and a course update
reaches every student without touching their edits. Also: `--add-users`
creates system users whose passwords PAM accepts, the hub's secrets are
owner-only, a cookie without the XSRF token cannot write, the lab itself
works through the hub in Chromium (test/hub/lab_via_hub.mjs), and the idle
culler stops idle servers.

Run as root: /usr/bin/python3 test/hub/test_hub.py (or scripts/test-hub.sh).
The users, their homes and their processes are removed afterwards.
"""

import asyncio
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubclient import Hub, HubError, Student, free_port, remove_user  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDENTS = ["nnlabtest1", "nnlabtest2", "nnlabtest3"]
ADMIN = "nnlabtestadmin"  # a hub admin only: never starts a server, so needs no system user
PASSWORD = "test-only-" + os.urandom(6).hex()
NOTEBOOK = "01-perceptron.ipynb"
MEM_LIMIT = "1G"
OUT = os.path.join(ROOT, "test-output", "hub")


def cgroup_peak(user):
    """The most memory the user's server cgroup has held (bytes), or None without one."""
    for path in (f"/sys/fs/cgroup/memory/nnlab-hub/{user}/memory.max_usage_in_bytes", f"/sys/fs/cgroup/nnlab-hub/{user}/memory.peak"):
        if os.path.exists(path):
            with open(path) as f:
                return int(f.read())
    return None


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


class TestHubForAClass(unittest.TestCase):
    """Steps share one hub and run in order (test_1 ... test_5)."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the hub starts servers as other users: run as root")
        for name in STUDENTS:
            remove_user(name)  # left over from an interrupted run
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        cls.state = tempfile.mkdtemp(prefix="nnlab-hub-test-")
        # The course the students receive: a copy of notebooks/ the test can change.
        cls.course = tempfile.mkdtemp(prefix="nnlab-hub-course-")
        os.chmod(cls.course, 0o755)
        for name in os.listdir(os.path.join(ROOT, "notebooks")):
            if name.endswith(".ipynb"):
                shutil.copy(os.path.join(ROOT, "notebooks", name), cls.course)
        with open(os.path.join(cls.state, "users.txt"), "w") as f:
            f.write("\n".join(STUDENTS) + "\n")
        with open(os.path.join(cls.state, "admins.txt"), "w") as f:
            f.write(ADMIN + "\n")
        env = dict(os.environ)
        env.update(
            NNLAB_HUB_STATE=cls.state,
            NNLAB_HUB_TEST_AUTH="1",
            NNLAB_HUB_TEST_PASSWORD=PASSWORD,
            NNLAB_HUB_PORT=str(free_port()),
            NNLAB_HUB_API_PORT=str(free_port()),
            NNLAB_HUB_PROXY_API_PORT=str(free_port()),
            NNLAB_HUB_MEM_LIMIT=MEM_LIMIT,
            NNLAB_COURSE_SOURCE=cls.course,
        )
        if os.path.exists(os.path.join(OUT, "hub.log")):
            os.unlink(os.path.join(OUT, "hub.log"))  # this run's log only (the restart appends)
        cls.hub = Hub(env, OUT)
        cls.hub.start()
        cls.students = [Student(cls.hub.url, name, PASSWORD) for name in STUDENTS]
        cls.admin = Student(cls.hub.url, ADMIN, PASSWORD).login()
        cls.kernels = {}  # student name -> (kernel id, websocket) kept open across steps

    @classmethod
    def tearDownClass(cls):
        hub = getattr(cls, "hub", None)
        # NOTE: the students' servers outlive the hub by design; remove_user stops them with the users.
        if hub:
            hub.stop()
        for name in STUDENTS:
            remove_user(name)
        shutil.rmtree(getattr(cls, "state", ""), ignore_errors=True)
        shutil.rmtree(getattr(cls, "course", ""), ignore_errors=True)

    def test_0_the_admin_adds_users_who_log_in_with_pam(self):
        """`npm run hub -- --add-users FILE`: system users with owner-only homes, random
        passwords in an owner-only file, the allowed and admin lists; PAM (what
        PAMAuthenticator calls) accepts the password handed out."""
        import pamela

        state = tempfile.mkdtemp(prefix="nnlab-hub-users-")
        names = ["nnlabtestpam", "nnlabtestpamadmin"]
        try:
            for name in names:
                remove_user(name)
            listing = os.path.join(state, "class.txt")
            with open(listing, "w") as f:
                f.write(f"# the class\n{names[0]}\n{names[1]} admin\n")
            env = dict(os.environ, NNLAB_HUB_STATE=state)
            done = subprocess.run(["bash", os.path.join(ROOT, "hub", "hub.sh"), "--add-users", listing], env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(os.path.join(state, "users.txt")) as f:
                self.assertEqual(f.read().split(), names)
            with open(os.path.join(state, "admins.txt")) as f:
                self.assertEqual(f.read().split(), names[1:])
            passwords_file = os.path.join(state, "new-passwords.txt")
            self.assertEqual(os.stat(passwords_file).st_mode & 0o777, 0o600)
            self.assertEqual(os.stat(state).st_mode & 0o777, 0o700)
            with open(passwords_file) as f:
                passwords = dict(line.split() for line in f if line.strip())
            self.assertEqual(sorted(passwords), sorted(names))
            for name in names:
                self.assertEqual(os.stat(pwd.getpwnam(name).pw_dir).st_mode & 0o777, 0o700, name)
                pamela.authenticate(name, passwords[name], service="login")
                with self.assertRaises(pamela.PAMError):
                    pamela.authenticate(name, passwords[name] + "x", service="login")
            # Listed again: nobody is created twice, no password changes.
            again = subprocess.run(["bash", os.path.join(ROOT, "hub", "hub.sh"), "--add-users", listing], env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(again.returncode, 0, again.stderr)
            self.assertIn("0 created", again.stdout)
            pamela.authenticate(names[0], passwords[names[0]], service="login")
        finally:
            for name in names:
                remove_user(name)
            shutil.rmtree(state, ignore_errors=True)

    def test_0b_the_hubs_secrets_are_owner_only_and_outside_the_repository(self):
        self.assertFalse(os.path.commonpath([self.state, ROOT]) == ROOT)
        self.assertEqual(os.stat(self.state).st_mode & 0o777, 0o700)
        for name in ("jupyterhub_cookie_secret", "proxy_auth_token"):
            path = os.path.join(self.state, name)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, name)
            with open(path) as f:
                self.assertRegex(f.read().strip(), r"^[0-9a-f]{64}$", name)
        ignored = subprocess.run(["git", "check-ignore", "-q", ".hub-state/jupyterhub_cookie_secret"], cwd=ROOT)
        self.assertEqual(ignored.returncode, 0, "the default state dir .hub-state/ is not git-ignored")

    def test_1_each_student_logs_in_and_runs_a_notebook(self):
        results, errors = {}, {}

        def student(s):
            try:
                s.login()
                spawn = s.start_server()
                seconds = run(s.run_notebook(NOTEBOOK, timeout=240))
                results[s.name] = (spawn, seconds)
            except Exception as err:
                errors[s.name] = err

        threads = [threading.Thread(target=student, args=(s,)) for s in self.students]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(errors, {}, f"students failed: {errors}")
        print(f"\n    spawn s / {NOTEBOOK} s: " + ", ".join(f"{n} {a:.1f}/{b:.1f}" for n, (a, b) in sorted(results.items())), file=sys.stderr)
        for s in self.students:
            user = pwd.getpwnam(s.name)
            home = os.stat(user.pw_dir)
            self.assertEqual(home.st_mode & 0o777, 0o700, f"{user.pw_dir} is not owner-only")
            course = os.path.join(user.pw_dir, "nnlab")
            names = sorted(n for n in os.listdir(course) if n.endswith(".ipynb"))
            self.assertEqual(names, sorted(n for n in os.listdir(self.course) if n.endswith(".ipynb")), f"{s.name}'s copy of the course")
            self.assertEqual(os.stat(os.path.join(course, NOTEBOOK)).st_uid, user.pw_uid, f"{s.name}'s {NOTEBOOK} is not the student's own")
            # The server runs as the student (and so do its kernels, its children).
            commands = subprocess.run(["ps", "-o", "args=", "-u", s.name], capture_output=True, text=True).stdout
            self.assertIn("jupyterhub.singleuser", commands, f"{s.name}: no server running as the student")

    def test_2_no_student_reaches_another_and_the_admin_can(self):
        a, b, _ = self.students
        kernel_b = self.kernels.setdefault(b.name, (b.start_kernel(), None))[0]
        for method, path in (("GET", "/contents"), ("GET", f"/contents/{NOTEBOOK}"), ("GET", "/kernels"), ("GET", f"/kernels/{kernel_b}"), ("POST", "/sessions"), ("DELETE", f"/kernels/{kernel_b}")):
            r = a.api(method, path, owner=b.name, json={} if method == "POST" else None)
            self.assertEqual(r.status_code, 403, f"{a.name} {method} {b.name}'s /api{path}: HTTP {r.status_code}")
        r = requests.get(f"{a.server_url(b.name)}/files/{NOTEBOOK}", headers=a.auth(), timeout=30, allow_redirects=False)
        self.assertEqual(r.status_code, 403, f"{a.name} GET {b.name}'s /files: HTTP {r.status_code}")

        async def websocket_to_b():
            try:
                ws = await a.connect(kernel_b, owner=b.name)
                ws.close()
                return "opened"
            except Exception as err:
                return getattr(err, "code", repr(err))

        self.assertEqual(run(websocket_to_b()), 403, f"{a.name} opened {b.name}'s kernel websocket")
        # The hub's API does not show or start another student's server.
        self.assertIn(a.hub_api("GET", f"/users/{b.name}").status_code, (403, 404))
        self.assertIn(a.hub_api("DELETE", f"/users/{b.name}/server").status_code, (403, 404))
        # Nor does the file system: homes are 0700, the kernel runs as a.
        async def read_b_home():
            kid = self.kernels.setdefault(a.name, (a.start_kernel(), None))[0]
            ws = await a.connect(kid)
            try:
                return await a.execute(ws, f"const fs = require('fs');\ntry {{ fs.readdirSync('/home/{b.name}/nnlab'); console.log('READ'); }} catch (e) {{ console.log((e as any).code); }}")
            finally:
                ws.close()

        status, outputs = run(read_b_home())
        self.assertEqual((status, [o.get("text") for o in outputs]), ("ok", ["EACCES\n"]))
        # The admin can.
        r = self.admin.api("GET", "/contents", owner=b.name)
        self.assertEqual(r.status_code, 200, f"admin GET {b.name}'s /api/contents: HTTP {r.status_code}")
        self.assertIn(NOTEBOOK, [x["name"] for x in r.json()["content"]])
        self.assertEqual(self.admin.api("GET", f"/kernels/{kernel_b}", owner=b.name).status_code, 200)
        # A token is required at all: no credentials, no access.
        r = requests.get(f"{a.server_url(b.name)}/api/contents", timeout=30, allow_redirects=False)
        self.assertIn(r.status_code, (302, 403))

    def test_2b_the_lab_through_the_hub_in_chromium(self):
        a = self.students[0]
        run_ = subprocess.run(["node", os.path.join(ROOT, "test", "hub", "lab_via_hub.mjs"), self.hub.url, a.name, PASSWORD, OUT], capture_output=True, text=True, timeout=300)
        lines = run_.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"error": run_.stderr[-2000:]}
        self.assertTrue(result.get("ok"), f"the lab through the hub: {result}")
        self.assertIn(f"/user/{a.name}/lab", result["url"])

    def test_2c_xsrf_protection_stays_on(self):
        """A browser session (the hub's OAuth cookie for the student's server) cannot
        write without the XSRF token, as a cross-site form could not; with it, it can."""
        a = self.students[0]
        r = a.http.get(f"{a.server_url()}/lab", timeout=60)  # the OAuth dance: hub cookie -> server cookie
        self.assertEqual((r.status_code, r.url), (200, f"{a.server_url()}/lab"))
        self.assertEqual(a.http.get(f"{a.server_url()}/api/contents", timeout=60).status_code, 200)
        body = {"type": "file", "format": "text", "content": "hello"}
        r = a.http.put(f"{a.server_url()}/api/contents/xsrf-check.txt", json=body, timeout=60)
        self.assertEqual(r.status_code, 403, "a cookie alone wrote a file")
        xsrf = a.http.cookies.get("_xsrf", path=f"/user/{a.name}/") or a.http.cookies.get("_xsrf")
        self.assertTrue(xsrf, sorted(c.name for c in a.http.cookies))
        r = a.http.put(f"{a.server_url()}/api/contents/xsrf-check.txt", json=body, headers={"X-XSRFToken": xsrf}, timeout=60)
        self.assertIn(r.status_code, (200, 201), r.text[:200])
        a.api("DELETE", "/contents/xsrf-check.txt")

    def test_3_a_kernel_past_the_memory_limit_is_stopped_and_the_others_run_on(self):
        a, b, c = self.students

        async def step():
            # a and b reuse their kernels of test_2; c's starts meanwhile.
            kid = c.start_kernel()
            connecting = asyncio.ensure_future(c.connect(kid))
            wss = {}
            for s in (a, b):
                kernel_id = self.kernels[s.name][0]
                wss[s.name] = (kernel_id, await s.connect(kernel_id))
                status, _ = await s.execute(wss[s.name][1], "const kept = 41;")
                self.assertEqual(status, "ok")
            ws = await connecting
            t0 = time.time()
            status, outputs = await c.execute(
                ws,
                "const hog: any[] = [];\nfor (let i = 0; i < 24; i++) hog.push(new Float64Array(1 << 24).fill(i));\nconsole.log('still here with', hog.length * 128, 'MB');",
                timeout=60,
            )
            seconds = time.time() - t0
            errors = [o for o in outputs if o["msg_type"] == "error"]
            self.assertEqual(status, "restarting", f"{c.name}'s kernel was not stopped: {outputs}")
            self.assertEqual(len(errors), 1, outputs)
            self.assertEqual(errors[0]["ename"], "MemoryError")
            self.assertIn("the limit for your server is 1.00 GB", errors[0]["evalue"])
            # c's server still answers, and its kernel came back empty (declaring hog again is no error).
            self.assertEqual(c.api("GET", "/status").status_code, 200)
            await c.wait_ready(ws)
            status, outputs = await c.execute(ws, "const hog = 'gone';\nconsole.log(hog)", timeout=60)
            self.assertEqual((status, [o.get("text") for o in outputs]), ("ok", ["gone\n"]))
            # The other students' kernels kept their state.
            for s in (a, b):
                status, outputs = await s.execute(wss[s.name][1], "console.log(kept + 1)", timeout=60)
                self.assertEqual((status, [o.get("text") for o in outputs]), ("ok", ["42\n"]), s.name)
            # An allocation faster than the watch's polling: the cgroup's hard cap holds.
            status, outputs = await c.execute(ws, "const burst = new Uint8Array(2_500_000_000).fill(1);\nconsole.log(burst.length)", timeout=60)
            self.assertEqual(status, "restarting", f"{c.name}'s 2.5 GB burst was not stopped: {outputs}")
            peak = cgroup_peak(c.name)
            if peak is None:
                print("\n    no memory cgroup here: only the soft limit was checked", file=sys.stderr)
            else:
                self.assertLessEqual(peak, 1.25 * (1 << 30) + (1 << 20), f"{c.name}'s server went past its hard cap")
                print(f"\n    {c.name}'s server peaked at {peak >> 20} MB (hard cap 1280 MB)", file=sys.stderr)
            for s in (a, b):
                status, outputs = await s.execute(wss[s.name][1], "console.log(kept + 2)", timeout=60)
                self.assertEqual((status, [o.get("text") for o in outputs]), ("ok", ["43\n"]), s.name)
            for s in (a, b):
                wss[s.name][1].close()
            ws.close()
            return seconds

        seconds = run(step())
        print(f"\n    memory hog stopped after {seconds:.1f} s", file=sys.stderr)

    def test_3b_the_hard_cap_is_the_students_cgroup(self):
        for s in self.students:
            pids = subprocess.run(["pgrep", "-u", s.name, "-f", "jupyterhub.singleuser"], capture_output=True, text=True).stdout.split()
            self.assertEqual(len(pids), 1, f"{s.name}: {pids}")
            with open(f"/proc/{pids[0]}/cgroup") as f:
                groups = f.read()
            if cgroup_peak(s.name) is not None:
                self.assertIn(f"/nnlab-hub/{s.name}", groups)

    def test_4_an_edit_stays_and_the_course_update_arrives(self):
        a = self.students[0]
        r = a.api("GET", f"/contents/{NOTEBOOK}?content=1")
        nb = r.json()["content"]
        nb["cells"][0]["source"] = "# edited by the student\n" + "".join(nb["cells"][0]["source"])
        r = a.api("PUT", f"/contents/{NOTEBOOK}", json={"type": "notebook", "format": "json", "content": nb})
        self.assertEqual(r.status_code, 200, r.text[:200])
        # The teacher changes two notebooks (one a edited, one nobody edited) and adds one.
        for name in (NOTEBOOK, "06-export.ipynb"):
            path = os.path.join(self.course, name)
            with open(path) as f:
                data = json.load(f)
            data["metadata"]["nnlab_course_version"] = 2
            with open(path, "w") as f:
                json.dump(data, f)
        shutil.copy(os.path.join(self.course, "06-export.ipynb"), os.path.join(self.course, "08-new.ipynb"))

    def test_5_the_hub_restarts_without_losing_users_servers_or_notebooks(self):
        a, b, c = self.students
        kernel_a = self.kernels[a.name][0]
        self.hub.stop()
        for s in self.students:
            commands = subprocess.run(["ps", "-o", "args=", "-u", s.name], capture_output=True, text=True).stdout
            self.assertIn("jupyterhub.singleuser", commands, f"{s.name}'s server stopped with the hub")
        self.hub.start()
        r = self.admin.hub_api("GET", "/users")
        self.assertEqual(r.status_code, 200)
        users = {u["name"]: u for u in r.json()}
        self.assertTrue(set(STUDENTS + [ADMIN]) <= set(users), sorted(users))
        self.assertTrue(users[ADMIN]["admin"])
        for s in self.students:
            self.assertTrue(users[s.name]["servers"].get("", {}).get("ready"), f"{s.name}'s server did not survive the hub's restart")
        # a's kernel is the same one, still running, reached through the new hub.
        r = a.api("GET", f"/kernels/{kernel_a}")
        self.assertEqual(r.status_code, 200, f"{a.name}'s kernel after the restart: HTTP {r.status_code}")
        # A new start of a's server brings the course update: the edit stays,
        # the new original lands beside it, the unedited one is replaced, the new one appears.
        a.stop_server()
        a.start_server()
        course = os.path.join(pwd.getpwnam(a.name).pw_dir, "nnlab")
        with open(os.path.join(course, NOTEBOOK)) as f:
            self.assertIn("# edited by the student", json.dumps(json.load(f)["cells"][0]))
        beside = [n for n in os.listdir(course) if n.startswith(NOTEBOOK[: -len(".ipynb")] + ".course-")]
        self.assertEqual(len(beside), 1, sorted(os.listdir(course)))
        with open(os.path.join(course, beside[0])) as f:
            self.assertEqual(json.load(f)["metadata"].get("nnlab_course_version"), 2)
        with open(os.path.join(course, "06-export.ipynb")) as f:
            self.assertEqual(json.load(f)["metadata"].get("nnlab_course_version"), 2)
        self.assertTrue(os.path.exists(os.path.join(course, "08-new.ipynb")))
        # And a runs code on the restarted server.
        async def again():
            kid = a.start_kernel()
            ws = await a.connect(kid)
            try:
                return await a.execute(ws, "import * as nn from 'nnlab';\nconsole.log(nn.tensor([1, 2, 3]).sum().item())", timeout=90)
            finally:
                ws.close()

        self.assertEqual(run(again()), ("ok", [{"msg_type": "stream", "name": "stdout", "text": "6\n"}]))

    def test_6_idle_servers_are_culled(self):
        """The culler (hub/python/nnlab_culler.py) against the hub's REST API, once,
        with the admin's token: no server is idle for an hour; all are idle for 0 s."""
        culler = [sys.executable, os.path.join(ROOT, "hub", "python", "nnlab_culler.py"), "--once"]
        env = dict(os.environ, JUPYTERHUB_API_URL=f"{self.hub.url}/hub/api", JUPYTERHUB_API_TOKEN=self.admin.token)
        kept = subprocess.run(culler + ["--timeout=3600"], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual((kept.returncode, kept.stdout.strip()), (0, ""), kept.stderr)
        stopped, t0 = [], time.time()
        while sorted(stopped) != STUDENTS and time.time() - t0 < 30:
            time.sleep(1.5)  # NOTE: the proxy's activity poll may just have marked a server active
            culled = subprocess.run(culler + ["--timeout=1"], env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(culled.returncode, 0, culled.stderr)
            lines = culled.stdout.strip().splitlines()
            stopped += lines[-1].split() if lines else []  # the last line names them
        self.assertEqual(sorted(stopped), STUDENTS)
        t0 = time.time()
        while time.time() - t0 < 60:
            users = {u["name"]: u for u in self.admin.hub_api("GET", "/users").json()}
            if not any(users[n]["servers"] for n in STUDENTS):
                break
            time.sleep(0.5)
        self.assertFalse([n for n in STUDENTS if users[n]["servers"]], "servers still running after the cull")


if __name__ == "__main__":
    unittest.main(verbosity=2)
