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

# ensure_openblas_dev WHO
#   Installs Debian's OpenBLAS headers and library (libopenblas-dev, with g++
#   and make for node-gyp) for the native backend, which links libopenblas
#   explicitly. Installing libopenblas0-pthread makes dpkg point the
#   libblas.so.3 / liblapack.so.3 alternatives at OpenBLAS (it has a higher
#   priority): every BLAS alternative that existed before is set back to what
#   it was, so the machine's BLAS (what Debian's PyTorch loads) stays as it was.
ensure_openblas_dev() {
  local who="$1" name before=() line
  if dpkg-query -W -f='${Status}' libopenblas-dev 2>/dev/null | grep -q 'install ok installed'; then
    ensure_debian_packages "$who" g++ make
    return
  fi
  if command -v update-alternatives >/dev/null; then
    while read -r name; do
      line="$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')"
      [ -n "$line" ] && before+=("$name=$line")
    done < <(update-alternatives --get-selections 2>/dev/null | awk '$1 ~ /^lib(blas|lapack|cblas)/ {print $1}')
  fi
  ensure_debian_packages "$who" libopenblas-dev g++ make || return 1
  local entry now
  for entry in "${before[@]}"; do
    name="${entry%%=*}"
    now="$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')"
    if [ "$now" != "${entry#*=}" ]; then
      echo "nnlab $who: keeping the $name alternative at ${entry#*=} (libopenblas0-pthread had switched it to $now)"
      update-alternatives --set "$name" "${entry#*=}" >/dev/null
    fi
  done
}
