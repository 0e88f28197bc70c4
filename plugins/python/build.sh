#!/usr/bin/env bash
# Build the Python plugins (componentize-py) into <out-dir>.
#
#   bash plugins/python/build.sh <out-dir>
#
# Needs only python3 (3.11+) with pip and the PyPI registry. Installs the pinned toolchain into
# $BUILD_DIR/py-venv (default: <repo>/build/py-venv), runs the unit tests, then writes
# <out-dir>/ism-doctor-py.wasm atomically (temp file + rename, safe for the host's hot reload).
# Re-running is cheap: the venv is reused while the pin matches, and the component is only
# rebuilt when its sources, the WIT or the toolchain changed (FORCE=1 rebuilds anyway).
# SKIP_TESTS=1 skips the unit tests.
set -euo pipefail

COMPONENTIZE_PY_VERSION="0.25.1"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: bash plugins/python/build.sh <out-dir>}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
build="${BUILD_DIR:-$root/build}"
venv="$build/py-venv"
python="${PYTHON:-python3}"

# 1. Toolchain: a venv with the pinned componentize-py.
if [[ ! -x "$venv/bin/componentize-py" ]] || [[ "$("$venv/bin/componentize-py" --version 2>/dev/null)" != "componentize-py $COMPONENTIZE_PY_VERSION" ]]; then
  echo "python: installing componentize-py==$COMPONENTIZE_PY_VERSION into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check --quiet "componentize-py==$COMPONENTIZE_PY_VERSION"
fi
tool_version="$("$venv/bin/componentize-py" --version)"

# 2. Unit tests of the decision logic (plain CPython, no wasm).
if [[ "${SKIP_TESTS:-0}" != 1 ]]; then
  bash "$here/test.sh"
fi

# 3. Components.
build_component() { # <plugin dir> <app module> <output name>
  local src="$here/$1" app="$2" dest="$out/$3"
  local stamp="$build/stamps/py-$3.sha256"
  local digest
  digest="$( { echo "$tool_version"; cd "$root" && find wit "plugins/python/$1" -type f \( -name '*.wit' -o -name '*.py' \) -not -path '*/tests/*' -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -d' ' -f1)"
  if [[ "${FORCE:-0}" != 1 && -f "$dest" && -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
    echo "python: $3 is up to date"
    return
  fi
  echo "python: componentize $1 -> $dest"
  local t0=$SECONDS
  local tmp="$dest.tmp.$$"
  # --stub-wasi: CPython's wasi-libc build imports wasi:sockets/* (plus cli, clocks, random,
  # filesystem), and the host links no sockets for plugins, so `lifeguard check` refuses the
  # component. Stubbing replaces every WASI import with a trapping stub: the component then
  # imports only lifeguard:plugin/*. The plugin does no I/O besides the WIT imports (no print,
  # no files, no `random`); the stub's fixed PRNG seed only makes hashing deterministic.
  "$venv/bin/componentize-py" -d "$root/wit" -w plugin componentize "$app" -p "$src" --stub-wasi -o "$tmp"
  mv -f "$tmp" "$dest"
  mkdir -p "$(dirname "$stamp")"
  echo "$digest" > "$stamp"
  echo "python: wrote $dest ($(du -h "$dest" | cut -f1), $((SECONDS - t0)) s)"
}

build_component ism-doctor app ism-doctor-py.wasm
