# Sourced by the setup scripts.
#
# ensure_debian_packages WHO PACKAGE...
#   Installs the PACKAGEs that dpkg does not list as installed: as root with
#   apt-get (running `apt-get update` once if the first install fails, as on a
#   fresh machine); otherwise prints the exact command and returns 1. WHO
#   names the caller in messages and in the log file /tmp/nnlab-apt-WHO.log.
ensure_debian_packages() {
  local who="$1"
  shift
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "nnlab $who: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    return 1
  fi
  local log="/tmp/nnlab-apt-$who.log"
  echo "nnlab $who: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    apt-get update >>"$log" 2>&1
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
      echo "nnlab $who: apt-get install ${missing[*]} failed; see $log" >&2
      tail -20 "$log" >&2
      return 1
    fi
  fi
}
