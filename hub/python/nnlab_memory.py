"""A memory limit for one student's server (a jupyter-server extension).

JupyterHub passes ``c.Spawner.mem_limit`` to the server as ``MEM_LIMIT``
(bytes); LocalProcessSpawner enforces nothing itself. This extension, loaded
by hub/singleuser.sh, measures four times a second the resident memory of the
whole server: its own process and every descendant (kernels and whatever they
start), read from /proc. When the total passes the limit it

1. tells the notebook: an ``error`` output in the cell that is running
   (``MemoryError: nnlab: this kernel used 1.2 GB; the limit for your server
   is 1.0 GB ...``), sent on every open websocket of that kernel;
2. kills the kernel with the most memory (SIGKILL to its process tree);
   jupyter-server's restarter then starts it again, empty, and the lab shows
   the kernel restarting.

The server itself and other students' servers are not touched. Options (env):
``NNLAB_MEMORY_INTERVAL_MS`` (default 250).

NOTE: polling cannot stop an allocation faster than the interval; a kernel
that grows by more than (limit - usage) within 250 ms goes past the limit
for that long before it is stopped.
"""

import json
import os
import signal

from tornado.ioloop import PeriodicCallback

PAGE = os.sysconf("SC_PAGE_SIZE")


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def parse_bytes(text):
    """'1073741824', '1G', '512M', '800K' -> bytes (JupyterHub's ByteSpecification units)."""
    text = str(text).strip().upper()
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(float(text))


def human(n):
    return f"{n / (1 << 30):.2f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MB"


def process_table():
    """{pid: (ppid, rss_bytes)} for every process we can read."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                rss_pages = int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        table[int(entry)] = (ppid, rss_pages * PAGE)
    return table


def tree(root, table):
    """root and its descendants' pids."""
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            out.append(pid)
            todo.extend(children.get(pid, []))
    return out


class MemoryWatch:
    def __init__(self, serverapp, limit):
        self.serverapp = serverapp
        self.log = serverapp.log
        self.limit = limit
        self.busy_parent = {}  # kernel id -> header of the request the kernel is busy with
        self.iopub = {}  # kernel id -> our own iopub stream

    def follow(self, kernel_id):
        """Listens to a kernel's iopub to know which request it is busy with."""
        km = self.serverapp.kernel_manager
        stream = km.connect_iopub(kernel_id)
        session = km.get_kernel(kernel_id).session

        def on_iopub(msg_list):
            try:
                _, parts = session.feed_identities(msg_list)
                msg = session.deserialize(parts, content=True)
            except Exception:
                return
            if msg["msg_type"] == "status":
                state = msg["content"].get("execution_state")
                if state == "busy" and msg["parent_header"].get("msg_type") == "execute_request":
                    self.busy_parent[kernel_id] = msg["parent_header"]
                elif state == "idle" and self.busy_parent.get(kernel_id, {}).get("msg_id") == msg[
                    "parent_header"
                ].get("msg_id"):
                    self.busy_parent.pop(kernel_id, None)

        stream.on_recv(on_iopub)
        self.iopub[kernel_id] = stream

    def check(self):
        km = self.serverapp.kernel_manager
        kernel_ids = set(km.list_kernel_ids())
        for kid in list(self.iopub):
            if kid not in kernel_ids:
                self.iopub.pop(kid).close()
                self.busy_parent.pop(kid, None)
        for kid in kernel_ids - set(self.iopub):
            try:
                self.follow(kid)
            except Exception as err:  # a kernel still starting has no ports yet
                self.log.debug("nnlab memory: cannot follow kernel %s yet: %s", kid, err)
        table = process_table()
        total = sum(table[p][1] for p in tree(os.getpid(), table))
        if total <= self.limit:
            return
        kernels = []
        for kid in kernel_ids:
            pid = getattr(getattr(km.get_kernel(kid), "provisioner", None), "pid", None)
            if pid:
                pids = tree(pid, table)
                kernels.append((sum(table[p][1] for p in pids), kid, pids))
        if not kernels:
            self.log.warning("nnlab memory: server uses %s, over its limit %s, but runs no kernel", human(total), human(self.limit))
            return
        used, kid, pids = max(kernels)
        text = (
            f"nnlab: this kernel used {human(used)} and your server {human(total)}; the limit for your "
            f"server is {human(self.limit)}. The kernel was stopped and restarts empty: run the "
            "notebook again from the top, with smaller batches or models."
        )
        self.log.warning("nnlab memory: kernel %s (pids %s) stopped: %s", kid, pids, text)
        self.tell(kid, text)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def tell(self, kernel_id, text):
        """An error output in the running cell, on every websocket open on this kernel."""
        from jupyter_server.services.kernels.handlers import ZMQChannelsHandler

        try:
            from jupyter_server.base.zmqhandlers import serialize_msg_to_ws_v1
        except ImportError:
            serialize_msg_to_ws_v1 = None
        content = {"ename": "MemoryError", "evalue": text, "traceback": [f"\x1b[0;31mMemoryError\x1b[0m: {text}"]}
        parent = self.busy_parent.get(kernel_id, {})
        if not parent:
            self.log.warning("nnlab memory: kernel %s was not running a cell we know of; the notebook shows only the restart", kernel_id)
        for key, handler in list(ZMQChannelsHandler._open_sessions.items()):
            if not key.startswith(kernel_id + ":"):
                continue
            try:
                msg = handler.session.msg("error", content, parent=parent)
                if handler.subprotocol == "v1.kernel.websocket.jupyter.org" and serialize_msg_to_ws_v1:
                    handler.write_message(serialize_msg_to_ws_v1(msg, "iopub", handler.session.pack), binary=True)
                else:
                    msg["channel"] = "iopub"
                    handler.write_message(json.dumps(msg, default=str))
            except Exception as err:
                self.log.warning("nnlab memory: could not tell websocket %s: %s", key, err)


def _load_jupyter_server_extension(serverapp):
    limit_text = os.environ.get("MEM_LIMIT")
    if not limit_text:
        serverapp.log.info("nnlab memory: no MEM_LIMIT, no limit")
        return
    limit = parse_bytes(limit_text)
    interval = int(os.environ.get("NNLAB_MEMORY_INTERVAL_MS", "250"))
    watch = MemoryWatch(serverapp, limit)
    serverapp.log.info("nnlab memory: limit %s for this server, checked every %d ms", human(limit), interval)
    PeriodicCallback(watch.check, interval).start()
