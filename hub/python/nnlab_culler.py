"""Stops student servers that have been idle too long (a JupyterHub service).

Debian 12 has no jupyterhub-idle-culler package, so the hub runs this one
(hub/jupyterhub_config.py, c.JupyterHub.services "nnlab-culler"). Every
``--every`` seconds it lists the users through the hub's REST API and stops
each running server whose ``last_activity`` is older than ``--timeout``
seconds. Activity is what the hub records: requests through the proxy and the
server's own reports (kernels busy, open websockets), so a notebook that is
training counts as active.

Environment (set by the hub): JUPYTERHUB_API_TOKEN, JUPYTERHUB_API_URL.
Its role needs the scopes list:users, read:users:activity, read:servers,
delete:servers.
"""

import argparse
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request


def api(method, path):
    url = os.environ["JUPYTERHUB_API_URL"].rstrip("/") + path
    req = urllib.request.Request(url, method=method, headers={"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]})
    with urllib.request.urlopen(req, timeout=30) as res:
        body = res.read()
    return json.loads(body) if body else None


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def cull_once(timeout, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stopped = []
    for user in api("GET", "/users?state=ready"):
        for name, server in (user.get("servers") or {}).items():
            last = server.get("last_activity") or server.get("started")
            if not last or server.get("pending"):
                continue
            idle = (now - parse_time(last)).total_seconds()
            if idle > timeout:
                path = f"/users/{user['name']}/server" if not name else f"/users/{user['name']}/servers/{name}"
                print(f"nnlab culler: stopping {user['name']}'s server{' ' + name if name else ''}, idle {idle:.0f} s", flush=True)
                try:
                    api("DELETE", path)
                    stopped.append(user["name"])
                except urllib.error.HTTPError as err:
                    print(f"nnlab culler: stopping {user['name']}'s server failed: {err}", file=sys.stderr, flush=True)
    return stopped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=int, default=3600, help="seconds of inactivity before a server is stopped")
    ap.add_argument("--every", type=int, default=60, help="seconds between checks")
    ap.add_argument("--once", action="store_true", help="check once and exit (prints the users whose servers were stopped)")
    args = ap.parse_args()
    if args.once:
        print(" ".join(cull_once(args.timeout)))
        return
    print(f"nnlab culler: stopping servers idle over {args.timeout} s, checking every {args.every} s", flush=True)
    while True:
        try:
            cull_once(args.timeout)
        except (urllib.error.URLError, OSError, ValueError) as err:
            print(f"nnlab culler: check failed: {err}", file=sys.stderr, flush=True)
        time.sleep(args.every)


if __name__ == "__main__":
    main()
