"""A memory limit for one student's server (a jupyter-server extension).

JupyterHub passes ``c.Spawner.mem_limit`` to the server as ``MEM_LIMIT``
(bytes); LocalProcessSpawner enforces nothing itself. This extension, loaded
by hub/singleuser.sh, measures four times a second the resident memory of the
whole server: its own process and every descendant (kernels and whatever they
start), read from /proc. When the total passes the limit it

1. tells the notebook: an ``error`` output in the cell that is running
   (``MemoryError: nnlab: this kernel used 1.2 GB; the limit for your server
   is 1.0 GB ...``), sent on every open websocket of that kernel. The
   running cell is the earliest execute_request not yet answered, noted by
   WatchedChannelsHandler, which serves the kernel websockets in place of
   jupyter-server's own (a subclass: same checks, same protocol);
2. kills the kernel with the most memory (SIGKILL to its process tree);
   jupyter-server's restarter then starts it again, empty, and the lab shows
   the kernel restarting.

The server itself and other students' servers are not touched. Options (env):
``NNLAB_MEMORY_INTERVAL_MS`` (default 250).

NOTE: polling cannot stop an allocation faster than the interval; a kernel
that grows by more than (limit - usage) within 250 ms goes past the limit
for that long. The hard cap for that is the memory cgroup the hub puts each
server in (hub/python/nnlab_cgroup.py).
"""

import json
import os
import signal
import time

from jupyter_server.base.zmqhandlers import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1
from jupyter_server.services.kernels.handlers import ZMQChannelsHandler, _kernel_id_regex
from jupyter_server.utils import url_path_join
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


def _bytes(part):
    return getattr(part, "bytes", part)  # a zmq Frame or bytes


class WatchedChannelsHandler(ZMQChannelsHandler):
    """The kernel websocket, noting each execute_request a client sends and each
    execute_reply the kernel gives, so that the watch can put its message in
    the cell that is running."""

    watch = None

    def on_message(self, ws_msg):
        try:
            if self.subprotocol == "v1.kernel.websocket.jupyter.org":
                channel, msg_list = deserialize_msg_from_ws_v1(ws_msg)
                header = self.session.unpack(msg_list[0]) if channel == "shell" else None
            else:
                msg = json.loads(ws_msg) if isinstance(ws_msg, str) else {}
                header = msg.get("header") if msg.get("channel", "shell") == "shell" else None
            if header and header.get("msg_type") == "execute_request" and self.watch:
                self.watch.pending.setdefault(self.kernel_id, {})[header["msg_id"]] = header
        except Exception:  # the base class reports malformed messages
            pass
        return super().on_message(ws_msg)

    def _on_zmq_reply(self, stream, msg_list):
        if getattr(stream, "channel", None) == "shell" and self.watch:
            try:
                _, parts = self.session.feed_identities(msg_list)
                if self.session.unpack(_bytes(parts[1])).get("msg_type") == "execute_reply":
                    parent = self.session.unpack(_bytes(parts[2]))
                    self.watch.pending.get(self.kernel_id, {}).pop(parent.get("msg_id"), None)
            except Exception:
                pass
        return super()._on_zmq_reply(stream, msg_list)


class MemoryWatch:
    def __init__(self, serverapp, limit):
        self.serverapp = serverapp
        self.log = serverapp.log
        self.limit = limit
        # kernel id -> {msg_id: header} of execute_requests sent and not yet answered, in order
        self.pending = {}
        self.quiet_until = 0.0  # after a kill: the memory takes a moment to be given back

    def check(self):
        km = self.serverapp.kernel_manager
        kernel_ids = set(km.list_kernel_ids())
        for kid in list(self.pending):
            if kid not in kernel_ids:
                del self.pending[kid]
        if time.monotonic() < self.quiet_until:
            return
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
        self.quiet_until = time.monotonic() + 1.0
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def tell(self, kernel_id, text):
        """An error output in the running cell, on every websocket open on this kernel."""
        content = {"ename": "MemoryError", "evalue": text, "traceback": [f"\x1b[0;31mMemoryError\x1b[0m: {text}"]}
        # NOTE: the kernel runs requests in order: the one running is the earliest unanswered.
        # The kernel is killed next, so none of them will be answered.
        pending = self.pending.pop(kernel_id, {})
        parent = next(iter(pending.values()), {})
        if not parent:
            self.log.warning("nnlab memory: kernel %s was not running a cell we know of; the notebook shows only the restart", kernel_id)
        for key, handler in list(ZMQChannelsHandler._open_sessions.items()):
            if not key.startswith(kernel_id + ":"):
                continue
            try:
                msg = handler.session.msg("error", content, parent=parent)
                if handler.subprotocol == "v1.kernel.websocket.jupyter.org":
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
    WatchedChannelsHandler.watch = watch
    # NOTE: handlers added by extensions are matched before the server's own, so this one serves the route.
    route = url_path_join(serverapp.base_url, r"/api/kernels/%s/channels" % _kernel_id_regex)
    serverapp.web_app.add_handlers(".*$", [(route, WatchedChannelsHandler)])
    serverapp.log.info("nnlab memory: limit %s for this server, checked every %d ms", human(limit), interval)
    PeriodicCallback(watch.check, interval).start()
