#!/usr/bin/env bash
# Build {{name}}.wasm, the plugin component, next to this script.
#
# Needs python3 (3.10+) with venv and pip. The first run installs the pinned componentize-py
# into .tools/py-venv; later runs reuse it. Set LIFEGUARD_TOOLS_DIR to share one tools
# directory between projects.
set -euo pipefail
cd "$(dirname "$0")"

COMPONENTIZE_PY_VERSION="0.25.1"
tools="${LIFEGUARD_TOOLS_DIR:-.tools}"
venv="$tools/py-venv"

if [[ "$("$venv/bin/componentize-py" --version 2>/dev/null)" != "componentize-py $COMPONENTIZE_PY_VERSION" ]]; then
  echo "installing componentize-py==$COMPONENTIZE_PY_VERSION into $venv"
  rm -rf "$venv"
  mkdir -p "$tools"
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check --quiet "componentize-py==$COMPONENTIZE_PY_VERSION"
fi

# --stub-wasi: CPython's WASI build imports wasi:sockets (and cli, clocks, random, filesystem),
# and the host gives plugins none of them, so `lifeguard check` would refuse the component.
# Stubbing leaves only lifeguard:plugin/* imports; calling a stubbed function traps.
# Write, then rename: a host watching this directory never loads a half-written file.
"$venv/bin/componentize-py" -d wit -w plugin componentize app -o "{{name}}.wasm.tmp" --stub-wasi
mv -f "{{name}}.wasm.tmp" "{{name}}.wasm"
echo "wrote {{name}}.wasm"

# `./build.sh test`: the build above, then `lifeguard test` on every scenarios/*.toml (set
# LIFEGUARD to the binary if it is not on PATH). A failed expectation fails the script.
if [ "${1:-}" = "test" ]; then
  for scenario in scenarios/*.toml; do
    "${LIFEGUARD:-lifeguard}" test "{{name}}.wasm" --scenario "$scenario" --config scenarios/plugin.json \
      --cache-dir .lifeguard/compile-cache
  done
fi
