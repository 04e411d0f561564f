"""A hard memory cap per student server: a memory cgroup the hub (root) puts
each server into, so that even an allocation faster than nnlab_memory's
polling cannot take the machine's memory from the rest of the class.

hub/jupyterhub_config.py uses NnlabSpawner: LocalProcessSpawner plus, after
the server's process starts, a cgroup ``nnlab-hub/<user>`` with the hard
limit (``NNLAB_HUB_HARD_LIMIT_FACTOR`` x MEM_LIMIT, default 1.25, so that the
soft watch with its message in the notebook normally acts first); kernels
the server starts later inherit it. When the cap is reached Linux's OOM
killer stops the biggest process of that cgroup only (a kernel, which the
server restarts). The cgroup is removed when the server stops.

Both cgroup v2 (memory.max) and v1 (memory.limit_in_bytes) are handled;
where neither can be written (no root, no memory controller) the hub logs it
once and the soft limit alone applies.
"""

import os

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Float

V1 = "/sys/fs/cgroup/memory"
V2 = "/sys/fs/cgroup"


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def cgroup_root():
    """(version, folder for nnlab's cgroups) or (None, reason)."""
    if os.path.exists(os.path.join(V2, "cgroup.controllers")):
        try:
            with open(os.path.join(V2, "cgroup.controllers")) as f:
                if "memory" not in f.read().split():
                    return None, "cgroup v2 without the memory controller"
            folder = os.path.join(V2, "nnlab-hub")
            os.makedirs(folder, exist_ok=True)
            _write(os.path.join(V2, "cgroup.subtree_control"), "+memory")
            _write(os.path.join(folder, "cgroup.subtree_control"), "+memory")
            return 2, folder
        except OSError as err:
            return None, f"cgroup v2 not writable: {err}"
    if os.path.isdir(V1):
        folder = os.path.join(V1, "nnlab-hub")
        try:
            os.makedirs(folder, exist_ok=True)
            return 1, folder
        except OSError as err:
            return None, f"cgroup v1 memory not writable: {err}"
    return None, "no memory cgroup"


class NnlabSpawner(LocalProcessSpawner):
    hard_limit_factor = Float(
        1.25, config=True, help="The cgroup's hard memory cap as a multiple of mem_limit (0: no cgroup)."
    )

    def _cgroup(self):
        version, folder = cgroup_root()
        if version is None:
            return None, None, folder
        return version, os.path.join(folder, self.user.name), None

    async def start(self):
        url = await super().start()
        if self.mem_limit and self.hard_limit_factor > 0:
            version, folder, reason = self._cgroup()
            hard = int(self.mem_limit * self.hard_limit_factor)
            if version is None:
                self.log.warning("nnlab cgroup: no hard cap for %s (%s); the soft limit applies", self.user.name, reason)
            else:
                try:
                    os.makedirs(folder, exist_ok=True)
                    if version == 2:
                        _write(os.path.join(folder, "memory.max"), hard)
                        if os.path.exists(os.path.join(folder, "memory.swap.max")):
                            _write(os.path.join(folder, "memory.swap.max"), 0)
                    else:
                        _write(os.path.join(folder, "memory.limit_in_bytes"), hard)
                    _write(os.path.join(folder, "cgroup.procs"), self.pid)
                    self.log.info("nnlab cgroup: %s's server (pid %d) capped at %d MB in %s", self.user.name, self.pid, hard >> 20, folder)
                except OSError as err:
                    self.log.warning("nnlab cgroup: cannot cap %s's server in %s: %s; the soft limit applies", self.user.name, folder, err)
        return url

    async def stop(self, now=False):
        await super().stop(now=now)
        version, folder, _ = self._cgroup()
        if folder and os.path.isdir(folder):
            try:
                os.rmdir(folder)
            except OSError as err:  # still holds a process: it goes with the next start's cap
                self.log.info("nnlab cgroup: %s kept: %s", folder, err)
