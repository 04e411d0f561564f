"""A student as a program: logs in to the hub, starts a server, runs a notebook
through the server's REST API and the kernel websocket, as the lab does.

Used by test/hub/test_hub.py and bench/hub-load.py. Debian's Python
(/usr/bin/python3) with requests and tornado (both come with jupyterhub).
"""

import asyncio
import json
import os
import pwd
import signal
import socket
import subprocess
import time
import uuid

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class HubError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remove_user(name):
    """Stops the user's processes (by pid) and deletes the user, the home and the server's cgroup."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    for _ in range(20):
        pids = subprocess.run(["ps", "-o", "pid=", "-u", name], capture_output=True, text=True).stdout.split()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
    subprocess.run(["userdel", "--remove", name], capture_output=True)
    # The hub's memory cgroup for the user's server (hub/python/nnlab_cgroup.py), now empty.
    for folder in (f"/sys/fs/cgroup/memory/nnlab-hub/{name}", f"/sys/fs/cgroup/nnlab-hub/{name}"):
        for _ in range(20):
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:  # busy until the last killed process is gone
                time.sleep(0.2)


class Hub:
    """hub/hub.sh in its own process group, its log in LOG_DIR/hub.log."""

    def __init__(self, env, log_dir):
        self.env = env
        self.log_dir = log_dir
        self.proc = None
        self.url = f"http://127.0.0.1:{env['NNLAB_HUB_PORT']}"

    def start(self, timeout=90):
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "hub.log"), "ab") as log:
            self.proc = subprocess.Popen(["bash", os.path.join(ROOT, "hub", "hub.sh")], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise HubError(f"hub.sh exited with {self.proc.returncode}; see {self.log_dir}/hub.log")
            try:
                if requests.get(f"{self.url}/hub/api", timeout=2).status_code == 200:
                    return time.time() - t0
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise HubError(f"the hub did not answer within {timeout} s; see {self.log_dir}/hub.log")

    def stop(self):
        """SIGTERM to the hub (it stops its proxy; students' servers keep running)."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)




class Student:
    def __init__(self, base_url, name, password):
        self.base = base_url.rstrip("/")
        self.name = name
        self.password = password
        self.http = requests.Session()
        self.token = None

    # --- hub
    def login(self):
        """The login form, as a browser posts it; then a token for the APIs."""
        r = self.http.get(f"{self.base}/hub/login", timeout=30)
        r.raise_for_status()
        data = {"username": self.name, "password": self.password}
        if "_xsrf" in self.http.cookies:
            data["_xsrf"] = self.http.cookies["_xsrf"]
        r = self.http.post(f"{self.base}/hub/login", data=data, allow_redirects=False, timeout=30)
        if r.status_code != 302:
            raise HubError(f"login of {self.name}: HTTP {r.status_code}")
        r = self.http.post(
            f"{self.base}/hub/api/users/{self.name}/tokens",
            json={"note": "nnlab test", "expires_in": 3600},
            headers={"Referer": f"{self.base}/hub/home"},
            timeout=30,
        )
        if r.status_code != 201:
            raise HubError(f"token for {self.name}: HTTP {r.status_code} {r.text[:200]}")
        self.token = r.json()["token"]
        return self

    def auth(self):
        return {"Authorization": f"token {self.token}"}

    def hub_api(self, method, path, **kw):
        return requests.request(method, f"{self.base}/hub/api{path}", headers=self.auth(), timeout=60, **kw)

    def start_server(self, timeout=180):
        """POST /hub/api/users/NAME/server, then waits until the server answers; returns seconds."""
        t0 = time.time()
        r = self.hub_api("POST", f"/users/{self.name}/server")
        if r.status_code not in (201, 202, 400):  # 400: already running
            raise HubError(f"start of {self.name}'s server: HTTP {r.status_code} {r.text[:300]}")
        while time.time() - t0 < timeout:
            user = self.hub_api("GET", f"/users/{self.name}").json()
            server = (user.get("servers") or {}).get("")
            if server and server.get("ready"):
                return time.time() - t0
            if not server and not user.get("pending") and time.time() - t0 > 5:
                raise HubError(f"{self.name}'s server stopped while starting")
            time.sleep(0.3)
        raise HubError(f"{self.name}'s server did not start within {timeout} s")

    def stop_server(self):
        r = self.hub_api("DELETE", f"/users/{self.name}/server")
        if r.status_code not in (202, 204, 400):
            raise HubError(f"stop of {self.name}'s server: HTTP {r.status_code}")
        t0 = time.time()
        while time.time() - t0 < 60:
            if not (self.hub_api("GET", f"/users/{self.name}").json().get("servers") or {}):
                return
            time.sleep(0.3)
        raise HubError(f"{self.name}'s server did not stop")

    # --- a server (own or another's)
    def server_url(self, owner=None):
        return f"{self.base}/user/{owner or self.name}"

    def api(self, method, path, owner=None, **kw):
        return requests.request(method, f"{self.server_url(owner)}/api{path}", headers=self.auth(), timeout=60, allow_redirects=False, **kw)

    def start_kernel(self, owner=None, path="", name="nnlab"):
        r = self.api("POST", "/sessions", owner, json={"path": path or f"run-{uuid.uuid4().hex[:6]}.ipynb", "type": "notebook", "name": "", "kernel": {"name": name}})
        if r.status_code != 201:
            raise HubError(f"session for {self.name} on {owner or self.name}'s server: HTTP {r.status_code} {r.text[:300]}")
        return r.json()["kernel"]["id"]

    async def connect(self, kernel_id, owner=None):
        url = self.server_url(owner).replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        # NOTE: the server answers once the kernel is ready, which on a loaded machine takes a while.
        return await websocket_connect(HTTPRequest(url, headers=self.auth(), connect_timeout=120, request_timeout=120))

    async def execute(self, ws, code, timeout=300):
        """Runs code on the kernel; returns (status, outputs) where outputs are iopub contents."""
        msg_id = uuid.uuid4().hex
        msg = {
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name, "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
            "parent_header": {},
            "metadata": {},
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
            "channel": "shell",
            "buffers": [],
        }
        await ws.write_message(json.dumps(msg))
        outputs, status, idle = [], None, False
        deadline = time.time() + timeout
        while not (status and idle):
            left = deadline - time.time()
            if left <= 0:
                raise HubError(f"{self.name}: no reply within {timeout} s to: {code[:80]}")
            raw = await asyncio.wait_for(ws.read_message(), left)
            if raw is None:
                raise HubError(f"{self.name}: kernel websocket closed")
            if isinstance(raw, bytes):
                continue  # binary buffers: none of the messages waited for here
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                if reply.get("msg_type") == "status" and reply["content"].get("execution_state") in ("restarting", "dead"):
                    outputs.append({"msg_type": "status", **reply["content"]})
                    if status is None:
                        return "restarting", outputs
                continue
            kind = reply["msg_type"]
            if kind == "execute_reply":
                status = reply["content"]["status"]
            elif kind == "status" and reply["content"]["execution_state"] == "idle":
                idle = True
            elif kind in ("stream", "error", "display_data", "execute_result", "update_display_data"):
                outputs.append({"msg_type": kind, **reply["content"]})
        return status, outputs

    async def wait_ready(self, ws, timeout=120):
        """Waits until the kernel behind ws answers again (after a restart): asks for
        kernel_info every 3 s until one is answered.
        NOTE: a request written while the kernel restarts can be lost on the way (the
        server reconnects its channels to the new kernel), as JupyterLab knows: it
        waits for the kernel before sending. Without this, the hub test's first cell
        after a memory kill timed out once in CI."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg_id = uuid.uuid4().hex
            await ws.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "kernel_info_request", "username": self.name, "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": [],
            }))
            asked = time.time()
            while time.time() - asked < 3:
                try:
                    raw = await asyncio.wait_for(ws.read_message(), max(0.1, 3 - (time.time() - asked)))
                except asyncio.TimeoutError:
                    break
                if raw is None:
                    raise HubError(f"{self.name}: kernel websocket closed while waiting for the kernel")
                if isinstance(raw, str):
                    reply = json.loads(raw)
                    if reply.get("msg_type") == "kernel_info_reply" and reply.get("parent_header", {}).get("msg_id") == msg_id:
                        return
        raise HubError(f"{self.name}: the kernel did not answer within {timeout} s of its restart")

    async def run_notebook(self, path, timeout=600, shutdown=True):
        """Runs every code cell of the notebook PATH on the student's own server in a new
        kernel (shut down afterwards unless shutdown is False); returns seconds."""
        r = self.api("GET", f"/contents/{path}?content=1")
        if r.status_code != 200:
            raise HubError(f"{self.name}: GET contents {path}: HTTP {r.status_code}")
        cells = [c for c in r.json()["content"]["cells"] if c["cell_type"] == "code"]
        kernel_id = self.start_kernel(path=path)
        ws = await self.connect(kernel_id)
        t0 = time.time()
        try:
            for i, cell in enumerate(cells):
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                status, outputs = await self.execute(ws, source, timeout=max(1, timeout - (time.time() - t0)))
                if status != "ok":
                    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o["msg_type"] == "error"]
                    raise HubError(f"{self.name}: {path} cell {i + 1} of {len(cells)} ended {status}: {errors[:1]}")
        finally:
            ws.close()
            if shutdown:
                self.api("DELETE", f"/kernels/{kernel_id}")
        return time.time() - t0
