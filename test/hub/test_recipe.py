"""The Kubernetes recipe (hub/k8s/Dockerfile, hub/k8s/values.yaml) against the
setup scripts: the image installs exactly the Debian packages the scripts
install outside their test and bench profiles, runs the same npm ci commands
and the same build steps, starts students' servers the way `npm run hub`
does, and keeps the hub's state and secrets out of the image. Not a build:
there is no container engine here.

Run: /usr/bin/python3 test/hub/test_recipe.py (or scripts/test-hub.sh).
"""

import os
import re
import shlex
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = ["scripts/setup.sh", "scripts/setup-jupyter.sh", "scripts/setup-lab.sh", "hub/hub.sh"]


def text(rel):
    with open(os.path.join(ROOT, rel)) as f:
        return f.read()


def code_lines(rel):
    """The script's lines without comments; continuation lines and multi-line
    arrays joined."""
    joined = re.sub(r"\\\n\s*", " ", text(rel))
    joined = re.sub(r"\(([^()]*)\)", lambda m: "(" + " ".join(m.group(1).split()) + ")", joined)
    lines = [line.split(" #", 1)[0].strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def script_packages():
    """Debian packages the setup scripts install for `npm start` and `npm run hub`
    (not those only of --test or --bench), by script."""
    found = {}
    for rel in SCRIPTS:
        names = []
        for line in code_lines(rel):
            if re.search(r"\b(test|bench)\b", line) and ("packages+=" in line or "ensure_debian_packages bench" in line):
                continue  # a test or bench profile only
            m = re.search(r"\bpackages\+?=\(([^)]*)\)", line)
            if m:
                names += m.group(1).split()
            m = re.match(r"ensure_debian_packages\s+\S+\s+(.*)", line)
            if m:
                names += [w for w in shlex.split(m.group(1)) if not w.startswith("$")]
        found[rel] = names
    return found


def dockerfile_run_lines():
    return [line for line in code_lines("hub/k8s/Dockerfile") if line.startswith("RUN ")]


class KubernetesRecipe(unittest.TestCase):
    def test_the_image_installs_the_setup_scripts_debian_packages(self):
        wanted = script_packages()
        for rel, names in wanted.items():
            self.assertTrue(names, f"no Debian packages found in {rel}: did its layout change?")
        installs = [line for line in dockerfile_run_lines() if "apt-get install" in line]
        self.assertEqual(len(installs), 1, "one apt-get install in the Dockerfile")
        words = installs[0].split("apt-get install", 1)[1].split("&&")[0].split()
        image = sorted(w for w in words if not w.startswith("-"))
        self.assertEqual(image, sorted({n for names in wanted.values() for n in names}), f"Dockerfile vs {wanted}")
        self.assertIn("--no-install-recommends", words, "the scripts install without recommends")

    def test_the_image_runs_the_same_npm_and_build_steps(self):
        docker = " ".join(dockerfile_run_lines())
        for rel in ("scripts/setup.sh", "scripts/setup-lab.sh"):
            for line in code_lines(rel):
                if line.startswith("echo"):
                    continue
                m = re.search(r"((?:\w+=\w+ )*npm ci[^)\n]*)", line)
                if m:
                    self.assertIn(m.group(1).strip(), docker, f"{rel}'s `{m.group(1).strip()}` is not in the Dockerfile")
        self.assertIn("(cd extension && npm ci", docker, "setup-lab.sh runs its npm ci in extension/")
        for step in ("bash scripts/setup-jupyter.sh", "bash scripts/lab.sh --build-only"):
            self.assertIn(step, docker)
        self.assertRegex(text("hub/k8s/Dockerfile"), r"FROM node:(\d+)-bookworm")
        major = int(re.search(r"FROM node:(\d+)", text("hub/k8s/Dockerfile")).group(1))
        self.assertGreaterEqual(major, int(re.search(r'"node": ">=(\d+)"', text("package.json")).group(1)), "the image's Node vs package.json engines")

    def test_students_servers_start_as_with_npm_run_hub(self):
        values = text("hub/k8s/values.yaml")
        cmd = re.search(r"^  cmd: (\S+)$", values, re.M).group(1)
        self.assertTrue(cmd.startswith("/opt/nnlab/"), cmd)
        self.assertTrue(os.access(os.path.join(ROOT, cmd[len("/opt/nnlab/"):]), os.X_OK), f"{cmd} is not an executable file of the project")
        self.assertIn(f'CMD ["{cmd}"]', text("hub/k8s/Dockerfile"))
        self.assertIn("COPY . /opt/nnlab", text("hub/k8s/Dockerfile"))
        config = text("hub/jupyterhub_config.py")
        self.assertIn('c.Spawner.cmd = [os.path.join(HUB_DIR, "singleuser.sh")]', config)
        default_url = re.search(r'c.Spawner.default_url = "([^"]+)"', config).group(1)
        self.assertRegex(values, rf"(?m)^  defaultUrl: {re.escape(default_url)}$")
        uid = re.search(r"(?m)^  uid: (\d+)$", values).group(1)
        self.assertIn(f"--uid {uid}", text("hub/k8s/Dockerfile"))
        self.assertRegex(values, r"(?m)^  memory:\n    limit: \S+\n    guarantee: \S+$")
        self.assertRegex(values, r"(?m)^cull:\n  enabled: true\n  # .*\n  timeout: \d+$")

    def test_state_secrets_and_build_outputs_stay_out_of_the_image(self):
        ignored = {line.strip() for line in text(".dockerignore").splitlines() if line.strip() and not line.startswith("#")}
        for path in (".hub-state", "node_modules", "extension/node_modules", "dist", "test-output", ".jupyter-data"):
            self.assertIn(path, ignored)


if __name__ == "__main__":
    unittest.main(verbosity=2)
