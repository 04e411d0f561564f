#!/usr/bin/env bash
# A student's single-user server, started by JupyterHub (c.Spawner.cmd in
# hub/jupyterhub_config.py) as the student, in the student's home:
#   1. brings the student's copy of the course (~/nnlab) up to date from
#      the project's notebooks/ (NNLAB_COURSE_SOURCE, set in the hub's
#      environment, names another folder; hub/python/nnlab_course.py: new
#      notebooks appear, edits stay);
#   2. links ~/node_modules to the project's, so `import 'nnlab'` resolves
#      from notebooks in ~/nnlab as it does inside the project;
#   3. execs jupyterhub-singleuser (jupyter-server 1.23 with JupyterHub's
#      login and token checks) serving the nnlab JupyterLab 4 app, its
#      extension and the nnlab kernelspec, plus the memory limit extension
#      (hub/python/nnlab_memory.py) when the hub sets MEM_LIMIT.
# Arguments are passed on to jupyterhub-singleuser.
set -euo pipefail
hub_dir="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$hub_dir")"
course="${NNLAB_COURSE_DIR:-$HOME/nnlab}"
source_dir="${NNLAB_COURSE_SOURCE:-$root/notebooks}"

cd "$HOME"
/usr/bin/python3 "$hub_dir/python/nnlab_course.py" "$source_dir" "$course"
if [ "$(readlink "$HOME/node_modules" 2>/dev/null || true)" != "$root/node_modules" ]; then
  rm -rf "$HOME/node_modules"
  ln -s "$root/node_modules" "$HOME/node_modules"
fi

export JUPYTERHUB_SINGLEUSER_APP=jupyter_server.serverapp.ServerApp
export JUPYTER_PATH="$root/.jupyter-data"
export PYTHONPATH="$root/extension/app/server:$hub_dir/python"
export NNLAB_LAB_STATE_DIR="$HOME/.nnlab/lab"
export PYDEVD_DISABLE_FILE_VALIDATION=1
extensions=(--ServerApp.jpserver_extensions nnlab_lab=True)
[ -n "${MEM_LIMIT:-}" ] && extensions+=(--ServerApp.jpserver_extensions nnlab_memory=True)
# NOTE: every student's server picks its kernels' ports on its own; jupyter_client's
# port cache would keep a port another server's kernel took meanwhile through all
# five automatic restarts (EADDRINUSE each time). Uncached, a restart picks new ports.
exec /usr/bin/python3 -Xfrozen_modules=off -m jupyterhub.singleuser \
  "${extensions[@]}" \
  --KernelManager.cache_ports=False \
  --ServerApp.root_dir="$course" \
  --MappingKernelManager.default_kernel_name=nnlab \
  "$@"
