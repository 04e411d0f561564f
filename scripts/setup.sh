#!/usr/bin/env bash
# Sets up what nnlab needs, idempotently, on a fresh clone:
#   - Debian's OpenBLAS headers and library (libopenblas-dev) with g++ and make,
#     for the native backend's addon (optional: without them nnlab runs on wasm);
#   - npm packages from package-lock.json (npm ci), when node_modules is missing
#     or stale; npm ci builds the native addon (native/build.mjs), and so does
#     this script when the addon's sources changed since;
#   - Debian packages: the real Fashion-MNIST (dataset-fashion-mnist) and the
#     fonts the kernel draws its images' text with (DejaVu Sans for Latin,
#     Greek and Cyrillic, WenQuanYi Micro Hei for Chinese, Japanese and
#     Korean; kernel/src/canvas.ts registers them by path) always, and with
#     --test also what the test suite needs;
#   - with --bench (`npm run bench`): PyTorch and numpy for the PyTorch columns,
#     and Debian's OpenBLAS unpacked (not installed) into .cache/openblas/.
# As root the Debian packages are installed with apt-get; otherwise the exact
# command is printed and setup stops — except the bench's PyTorch, which is
# optional: without it the bench shows n/a in the PyTorch columns.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian.sh

profile=main
[ "${1:-}" = "--test" ] && profile=test
[ "${1:-}" = "--bench" ] && profile=bench

# Before npm ci, which builds the native addon against them. Not required:
# without them native/build.mjs says why and nnlab runs on the wasm backend.
if [ "${NNLAB_NATIVE:-}" != off ]; then
  ensure_openblas_dev setup ||
    echo "nnlab setup: carrying on without OpenBLAS; the native backend will be unavailable" >&2
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "nnlab setup: installing npm packages (npm ci)"
  # NOTE: onnxruntime-node's install script would download a binary; the npm package ships the CPU one.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
else
  # npm ci ran before the addon's sources last changed (or before OpenBLAS was there).
  node native/build.mjs
fi
# npm hides what install scripts print: say here when the native backend is unavailable.
if [ -f native/build/UNAVAILABLE ]; then
  echo "nnlab setup: native backend not built: $(cat native/build/UNAVAILABLE); nnlab runs on the wasm backend"
fi

# The real Fashion-MNIST and the images' fonts always; with --test what the
# tests drive: PyTorch, numpy and onnx for the cross-checks, run by /usr/bin/python3.
packages=(dataset-fashion-mnist fonts-dejavu-core fonts-wqy-microhei)
[ "$profile" = test ] && packages+=(python3-torch python3-numpy python3-onnx)
ensure_debian_packages setup "${packages[@]}"

# The nnlab Jupyter kernel (kernelspec in .jupyter-data) and the Jupyter tools the tests drive.
if [ "$profile" = test ]; then
  bash scripts/setup-jupyter.sh
fi

# The bench's PyTorch columns: Debian's python3-torch as installed (it links
# libblas.so.3 through the alternatives system, today the reference BLAS) and
# the same torch with Debian's OpenBLAS, unpacked into .cache/openblas/ and
# loaded by bench.ts through LD_LIBRARY_PATH — the machine's BLAS is not changed.
# Neither is required: a column that cannot run says n/a and why.
unpack_openblas() {
  local cache=.cache/openblas log=/tmp/nnlab-apt-bench.log deb tmp
  # Another user's log (shared /tmp) cannot be overwritten: use one of our own.
  if [ -e "$log" ] && [ ! -w "$log" ]; then log="/tmp/nnlab-apt-bench-$(id -u).log"; fi
  if compgen -G "$cache/usr/lib/*/openblas-pthread/libblas.so.3" >/dev/null; then return 0; fi
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    echo "nnlab setup: no apt-get/dpkg-deb; the bench's OpenBLAS column will be n/a" >&2
    return 1
  fi
  if ! dpkg-query -W -f='${Status}' libgfortran5 2>/dev/null | grep -q 'install ok installed'; then
    echo "nnlab setup: OpenBLAS needs libgfortran5 (sudo apt-get install -y libgfortran5); the bench's OpenBLAS column will be n/a" >&2
    return 1
  fi
  echo "nnlab setup: unpacking Debian's libopenblas0-pthread into $cache/ (not installed)"
  if ! mkdir -p .cache || ! tmp="$(mktemp -d .cache/openblas.tmp.XXXXXX)"; then
    echo "nnlab setup: cannot write in $PWD/.cache; the bench's OpenBLAS column will be n/a" >&2
    return 1
  fi
  # apt-get download writes into the current directory; as root it warns that _apt cannot write there (harmless).
  if ! (cd "$tmp" && apt-get download libopenblas0-pthread) >"$log" 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update >>"$log" 2>&1 || true
    fi
    if ! (cd "$tmp" && apt-get download libopenblas0-pthread) >>"$log" 2>&1; then
      echo "nnlab setup: apt-get download libopenblas0-pthread failed (see $log); the bench's OpenBLAS column will be n/a" >&2
      [ "$(id -u)" = 0 ] || echo "  (if the package lists are missing: sudo apt-get update)" >&2
      rm -rf "$tmp"
      return 1
    fi
  fi
  deb="$(compgen -G "$tmp/libopenblas0-pthread_*.deb" | head -1)"
  if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$tmp/root" >>"$log" 2>&1; then
    echo "nnlab setup: dpkg-deb -x $deb failed (see $log); the bench's OpenBLAS column will be n/a" >&2
    rm -rf "$tmp"
    return 1
  fi
  dpkg-deb -f "$deb" Package Version >"$tmp/root/DEBIAN-PACKAGE"
  rm -rf "$cache"
  mv "$tmp/root" "$cache" || { rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
}

if [ "$profile" = bench ]; then
  ensure_debian_packages bench python3-torch python3-numpy ||
    echo "nnlab setup: carrying on without them; the bench's PyTorch columns will be n/a" >&2
  unpack_openblas || true
fi
