"""JupyterHub for a class: every student gets the nnlab lab.

Start it with ``npm run hub`` (hub/hub.sh), which sets up and builds what is
missing and runs ``jupyterhub -f hub/jupyterhub_config.py`` as root.

What this configures (Debian 12's JupyterHub 3.0, configurable-http-proxy):

- **Where**: the hub listens on 127.0.0.1:8000 (NNLAB_HUB_IP, NNLAB_HUB_PORT);
  its internal API on 127.0.0.1 (NNLAB_HUB_API_PORT, 8081) and the proxy's
  REST API on 127.0.0.1 (NNLAB_HUB_PROXY_API_PORT, 8001). To serve a class
  on the network set NNLAB_HUB_IP=0.0.0.0 behind TLS (a reverse proxy, or
  c.JupyterHub.ssl_key / ssl_cert in a file passed with NNLAB_HUB_EXTRA_CONFIG).
- **Who**: system users, logged in with their system password (PAM). The
  users allowed are those listed in STATE/users.txt, the admins in
  STATE/admins.txt, both written by ``npm run hub -- --add-users FILE``; an
  admin can also add users on the hub's admin page (/hub/admin), which
  creates the system user (LocalAuthenticator.create_system_users).
- **Each student's server**: hub/singleuser.sh as the student (LocalProcess-
  Spawner): it copies the course into ~/nnlab (new notebooks appear, edited
  ones stay), then runs jupyterhub-singleuser serving the same JupyterLab 4
  app, nnlab extension and kernelspec as ``npm start``, opened at /lab.
  Homes are made owner-only (0700) before each start.
- **Isolation**: JupyterHub's OAuth and token checks (each server accepts only
  its owner and admins: 403 for other students), XSRF checks kept on.
- **Secrets**: the cookie secret and the proxy's auth token are generated on
  first start in STATE (mode 0600, STATE itself 0700), never in the repo.
  STATE is NNLAB_HUB_STATE, default <project>/.hub-state (git-ignored); the
  user database (SQLite) lives there too.
- **Limits**: NNLAB_HUB_MEM_LIMIT per student server (default 2G: MEM_LIMIT,
  enforced by hub/python/nnlab_memory.py, which stops the biggest kernel with
  a message in the notebook; and a hard cap, NNLAB_HUB_HARD_LIMIT_FACTOR x
  that (default 1.25; 0 for none), by a memory cgroup per server,
  hub/python/nnlab_cgroup.py, for allocations faster than the watch); NNLAB_HUB_MAX_SERVERS servers at once (default
  30, c.JupyterHub.active_server_limit; the 31st student is asked to retry);
  idle servers stopped after NNLAB_HUB_IDLE_TIMEOUT seconds (default 3600,
  hub/python/nnlab_culler.py run as a hub service).
- **Restarts**: student servers keep running while the hub restarts
  (cleanup_servers False; NNLAB_HUB_KEEP_SERVERS=0 stops them with the hub).

TEST ONLY: NNLAB_HUB_TEST_AUTH=1 replaces PAM by NnlabTestAuthenticator
(one shared password from NNLAB_HUB_TEST_PASSWORD, for the allowed users);
it refuses to run unless the hub listens on loopback.
"""

import os
import pwd
import secrets
import sys

from jupyterhub.auth import DummyAuthenticator

c = get_config()  # noqa: F821 (provided by JupyterHub)

HUB_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HUB_DIR, "python"))
from nnlab_cgroup import NnlabSpawner  # noqa: E402
ROOT = os.path.dirname(HUB_DIR)
STATE = os.path.abspath(os.environ.get("NNLAB_HUB_STATE") or os.path.join(ROOT, ".hub-state"))
env = os.environ.get

os.makedirs(STATE, mode=0o700, exist_ok=True)
os.chmod(STATE, 0o700)


def read_names(name):
    """Names in STATE/<name>, one a line; '#' starts a comment."""
    try:
        with open(os.path.join(STATE, name)) as f:
            lines = [line.split("#", 1)[0].strip() for line in f]
    except FileNotFoundError:
        return set()
    return {line for line in lines if line}


def owner_only_secret(name, nbytes=32):
    """STATE/<name>: a random hex secret created once with mode 0600."""
    path = os.path.join(STATE, name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if os.stat(path).st_mode & 0o077:
            sys.exit(f"nnlab hub: {path} is readable by others; chmod 600 it (or delete it to make a new one)")
        with open(path) as f:
            return f.read().strip()
    token = secrets.token_hex(nbytes)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


# --- where
ip = env("NNLAB_HUB_IP", "127.0.0.1")
c.JupyterHub.ip = ip
c.JupyterHub.port = int(env("NNLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("NNLAB_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env('NNLAB_HUB_PROXY_API_PORT', '8001'))}"

# --- state and secrets, outside the repository's tracked files
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.auth_token = owner_only_secret("proxy_auth_token")
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")
# NOTE: Debian's configurable-http-proxy finds its modules in /usr/share/nodejs only when run by
# Debian's own node; a Node 20 from elsewhere first on PATH needs to be told where they are.
c.ConfigurableHTTPProxy.command = ["env", "NODE_PATH=/usr/share/nodejs", "configurable-http-proxy"]

# --- who
c.Authenticator.admin_users = read_names("admins.txt")
c.Authenticator.allowed_users = read_names("users.txt") | c.Authenticator.admin_users
c.Authenticator.blocked_users = {"root"}
c.LocalAuthenticator.create_system_users = True
# NOTE: Debian's useradd makes homes 0755 unless told otherwise; students' homes are owner-only.
c.LocalAuthenticator.add_user_cmd = ["useradd", "--create-home", "--key", "HOME_MODE=0700", "--shell", "/bin/bash"]


class NnlabTestAuthenticator(DummyAuthenticator):
    """TEST ONLY: any allowed user logs in with one shared password.

    For the automated tests (test/hub/), which create throw-away system users.
    Never for a class: it is chosen only with NNLAB_HUB_TEST_AUTH=1 and only
    while the hub listens on loopback.
    """

    def check_allowed(self, username, authentication=None):
        return username in self.allowed_users


if env("NNLAB_HUB_TEST_AUTH") == "1":
    if ip not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("nnlab hub: the TEST-ONLY authenticator runs only on loopback (NNLAB_HUB_IP=127.0.0.1)")
    if not env("NNLAB_HUB_TEST_PASSWORD"):
        sys.exit("nnlab hub: NNLAB_HUB_TEST_AUTH=1 needs NNLAB_HUB_TEST_PASSWORD")
    print("nnlab hub: *** TEST-ONLY authenticator: every allowed user shares one password ***", file=sys.stderr)
    c.JupyterHub.authenticator_class = NnlabTestAuthenticator
    c.DummyAuthenticator.password = env("NNLAB_HUB_TEST_PASSWORD")
else:
    c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"

# --- each student's server
c.JupyterHub.spawner_class = NnlabSpawner  # LocalProcessSpawner + a memory cgroup per server
c.NnlabSpawner.hard_limit_factor = float(env("NNLAB_HUB_HARD_LIMIT_FACTOR", "1.25"))
c.Spawner.cmd = [os.path.join(HUB_DIR, "singleuser.sh")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = int(env("NNLAB_HUB_START_TIMEOUT", "120"))
c.Spawner.http_timeout = int(env("NNLAB_HUB_START_TIMEOUT", "120"))
c.Spawner.mem_limit = env("NNLAB_HUB_MEM_LIMIT", "2G")
c.Spawner.environment = {"NNLAB_MEMORY_INTERVAL_MS": env("NNLAB_MEMORY_INTERVAL_MS", "250")}
if env("NNLAB_COURSE_SOURCE"):  # a course folder other than the project's notebooks/
    c.Spawner.environment["NNLAB_COURSE_SOURCE"] = env("NNLAB_COURSE_SOURCE")


def owner_only_home(spawner):
    """Before each start: the student's home exists and only the student can enter it."""
    user = pwd.getpwnam(spawner.user.name)
    os.makedirs(user.pw_dir, mode=0o700, exist_ok=True)
    os.chown(user.pw_dir, user.pw_uid, user.pw_gid)
    os.chmod(user.pw_dir, 0o700)


c.Spawner.pre_spawn_hook = owner_only_home

# --- limits
c.JupyterHub.active_server_limit = int(env("NNLAB_HUB_MAX_SERVERS", "30"))
c.JupyterHub.concurrent_spawn_limit = int(env("NNLAB_HUB_MAX_SPAWNING", "20"))
c.JupyterHub.last_activity_interval = 60
idle_timeout = int(env("NNLAB_HUB_IDLE_TIMEOUT", "3600"))
if idle_timeout > 0:
    c.JupyterHub.load_roles = [
        {
            "name": "nnlab-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["nnlab-culler"],
        }
    ]
    c.JupyterHub.services = [
        {
            "name": "nnlab-culler",
            "command": [
                "/usr/bin/python3",
                os.path.join(HUB_DIR, "python", "nnlab_culler.py"),
                f"--timeout={idle_timeout}",
                f"--every={int(env('NNLAB_HUB_CULL_EVERY', '60'))}",
            ],
        }
    ]

# --- restarts
c.JupyterHub.cleanup_servers = env("NNLAB_HUB_KEEP_SERVERS", "1") != "1"

extra = env("NNLAB_HUB_EXTRA_CONFIG")
if extra:
    load_subconfig(extra)  # noqa: F821 (provided by JupyterHub)
