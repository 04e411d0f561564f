#!/usr/bin/env bash
# `npm run hub`: JupyterHub for a class, every student with the nnlab lab
# (hub/jupyterhub_config.py says what is configured and how to change it).
#
#   npm run hub                          set up, build, start the hub (as root) on 127.0.0.1:8000
#   npm run hub -- --add-users FILE      create the students (system users) listed in FILE and allow them
#   npm run hub -- --setup-only          set up and build, do not start
#   npm run hub -- [jupyterhub options]  e.g. --port=8010 (after the ones above)
#
# FILE has one user a line, "NAME" or "NAME admin"; '#' starts a comment.
# Users that do not exist yet are created (useradd, home 0700) with a random
# password, and the passwords are written to STATE/new-passwords.txt (mode
# 0600) for the teacher to hand out; existing users keep theirs. STATE is
# NNLAB_HUB_STATE (default .hub-state/, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source scripts/lib/debian.sh
state="$(realpath -m "${NNLAB_HUB_STATE:-$root/.hub-state}")"

if [ "$(id -u)" != 0 ]; then
  echo "nnlab hub: JupyterHub starts every student's server as that student, so it runs as root (sudo npm run hub)" >&2
  exit 1
fi

add_users() {
  local file="$1" line name role password created=0
  [ -r "$file" ] || { echo "nnlab hub: cannot read $file" >&2; return 1; }
  mkdir -p "$state" && chmod 700 "$state"
  touch "$state/users.txt" "$state/admins.txt"
  local passwords="$state/new-passwords.txt"
  (umask 077 && touch "$passwords")
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%#*}"
    read -r name role _ <<<"$line" || true
    [ -n "${name:-}" ] || continue
    if ! [[ "$name" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || [ "$name" = root ]; then
      echo "nnlab hub: $file: '$name' is not a usable user name (lower case letters, digits, _ and -; not root)" >&2
      return 1
    fi
    if ! id "$name" >/dev/null 2>&1; then
      useradd --create-home --key HOME_MODE=0700 --shell /bin/bash "$name"
      password="$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 12)"
      echo "$name:$password" | chpasswd
      echo "$name $password" >>"$passwords"
      created=$((created + 1))
    fi
    chmod 700 "$(getent passwd "$name" | cut -d: -f6)"
    grep -qx "$name" "$state/users.txt" || echo "$name" >>"$state/users.txt"
    if [ "${role:-}" = admin ]; then
      grep -qx "$name" "$state/admins.txt" || echo "$name" >>"$state/admins.txt"
    fi
  done <"$file"
  echo "nnlab hub: $(wc -l <"$state/users.txt") users allowed ($(wc -l <"$state/admins.txt") admins); $created created, their passwords in $passwords"
  echo "nnlab hub: a running hub sees new users after a restart; the admin page (/hub/admin) adds users at once"
}

setup() {
  ensure_debian_packages setup-hub jupyterhub
  bash scripts/lab.sh --build-only
}

case "${1:-}" in
  --add-users)
    [ -n "${2:-}" ] || { echo "usage: npm run hub -- --add-users FILE" >&2; exit 1; }
    add_users "$2"
    exit 0
    ;;
  --setup-only)
    setup
    exit 0
    ;;
esac

setup
if [ -z "$(cat "$state/users.txt" "$state/admins.txt" 2>/dev/null | tr -d '[:space:]')" ] && [ "${NNLAB_HUB_TEST_AUTH:-}" != 1 ]; then
  echo "nnlab hub: no users yet; create them first: npm run hub -- --add-users users.txt (lines: NAME or NAME admin)" >&2
  exit 1
fi
mkdir -p "$state" && chmod 700 "$state"
cd "$state"
echo "nnlab hub: starting JupyterHub on http://${NNLAB_HUB_IP:-127.0.0.1}:${NNLAB_HUB_PORT:-8000}/ (state in $state)"
exec /usr/bin/python3 -m jupyterhub -f "$root/hub/jupyterhub_config.py" "$@"
