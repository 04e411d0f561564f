"""nnlab's JupyterLab 4 server: the app built in extension/app, served by
Debian's jupyter-server 1.23 and jupyterlab-server 2.16.

Run it with Debian's Python (scripts/lab.sh does this):

    PYTHONPATH=extension/app/server /usr/bin/python3 -c \
        'import nnlab_lab; nnlab_lab.main()' [--port=8888] [--expose-app] [ServerApp options]

Token authentication and XSRF checks stay as jupyter-server sets them (on);
the URL with its token is printed at start-up. The root directory defaults to
the project's notebooks/ folder, and the default kernel is nnlab.
"""

import json
import os
import sys

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket
from traitlets import Bool

APP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSION_DIR = os.path.dirname(APP_DIR)
PROJECT_DIR = os.path.dirname(EXTENSION_DIR)
# Lab settings and workspaces; a JupyterHub student server keeps its own in
# its home (hub/singleuser.sh sets NNLAB_LAB_STATE_DIR).
STATE_DIR = os.environ.get("NNLAB_LAB_STATE_DIR") or os.path.join(EXTENSION_DIR, ".state")

# Configuration files on disk (~/.jupyter, /etc/jupyter) must not change this
# app; the command line still can.
os.environ["JUPYTER_NO_CONFIG"] = "1"


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": NnlabLabApp}]


class IdentityHandler(APIHandler):
    """GET /api/me: the current user (added in jupyter-server 2; Lab 4 asks for it)."""

    @web.authenticated
    def get(self):
        user = self.current_user
        name = user if isinstance(user, str) else getattr(user, "username", "user")
        self.finish(
            json.dumps(
                {
                    "identity": {
                        "username": name,
                        "name": name,
                        "display_name": name,
                        "initials": name[:1].upper(),
                        "avatar_url": None,
                        "color": None,
                    },
                    "permissions": {},
                }
            )
        )


class EventsSubscribeHandler(JupyterHandler, websocket.WebSocketHandler):
    """/api/events/subscribe: jupyter-server 2's event stream. Server 1.23 has no
    events, so this accepts authenticated subscribers and never sends."""

    async def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        return await super().get(*args, **kwargs)

    def check_origin(self, origin):
        return JupyterHandler.check_origin(self, origin)

    def on_message(self, message):
        pass


class NnlabLabApp(LabServerApp):
    # NOTE: jupyter-server 1.23 looks the extension up by its module name.
    name = __name__
    app_name = "JupyterLab (nnlab)"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False

    app_version = "4"
    app_settings_dir = os.path.join(APP_DIR, "settings")
    schemas_dir = os.path.join(APP_DIR, "build", "schemas")
    themes_dir = os.path.join(APP_DIR, "build", "themes")
    static_dir = os.path.join(APP_DIR, "static")
    templates_dir = os.path.join(APP_DIR, "templates")
    user_settings_dir = os.path.join(STATE_DIR, "user-settings")
    workspaces_dir = os.path.join(STATE_DIR, "workspaces")
    labextensions_path = [os.path.join(APP_DIR, "labextensions")]

    expose_app = Bool(
        False, config=True, help="Expose the application object as window.jupyterapp (for browser tests)."
    )

    def initialize_settings(self):
        super().initialize_settings()
        os.makedirs(STATE_DIR, exist_ok=True)
        page_config = self.serverapp.web_app.settings.setdefault("page_config_data", {})
        page_config["exposeAppInBrowser"] = self.expose_app
        page_config.setdefault("buildAvailable", False)
        page_config.setdefault("buildCheck", False)

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.append(("/api/me", IdentityHandler))
        self.handlers.append(("/api/events/subscribe", EventsSubscribeHandler))


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    if "--expose-app" in args:  # shorthand: the server's own parser knows no extension flags
        args.remove("--expose-app")
        args.append("--NnlabLabApp.expose_app=True")
    defaults = {
        "--ServerApp.root_dir": os.path.join(PROJECT_DIR, "notebooks"),
        "--ServerApp.ip": "127.0.0.1",
        "--MappingKernelManager.default_kernel_name": "nnlab",
    }
    for option, value in defaults.items():
        if not any(a.startswith(option + "=") for a in args):
            args.append(f"{option}={value}")
    if os.geteuid() == 0 and "--allow-root" not in args:
        args.append("--allow-root")  # containers and CI run as root
    os.makedirs(STATE_DIR, exist_ok=True)
    NnlabLabApp.launch_instance(argv=args)


if __name__ == "__main__":
    main()
