#!/usr/bin/env bash
# Build {{name}}.wasm, the plugin component, next to this script.
#
# Needs node (20+) and npm. The first run installs the toolchain pinned in tools/package.json
# and tools/package-lock.json into .tools/js with `npm ci`; later runs reuse it until the lock
# changes. Set LIFEGUARD_TOOLS_DIR to share one tools directory between projects.
set -euo pipefail
cd "$(dirname "$0")"
here="$(pwd)"

tools="${LIFEGUARD_TOOLS_DIR:-.tools}/js"
mkdir -p "$tools"
tools="$(cd "$tools" && pwd)"

digest="$(cat tools/package.json tools/package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ ! -d "$tools/node_modules/@bytecodealliance/componentize-js" || "$(cat "$tools/.lock.sha256" 2>/dev/null)" != "$digest" ]]; then
  echo "installing the pinned componentize-js toolchain into $tools"
  cp tools/package.json tools/package-lock.json "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$digest" > "$tools/.lock.sha256"
fi

# Run from the tools directory so `@bytecodealliance/componentize-js` resolves there; a
# per-project name keeps projects sharing LIFEGUARD_TOOLS_DIR from overwriting each other.
cp build.mjs "$tools/build-{{name}}.mjs"
node "$tools/build-{{name}}.mjs" "$here/app.js" "$here/wit" "$here/{{name}}.wasm"

# `./build.sh test`: the build above, then `lifeguard test` on every scenarios/*.toml (set
# LIFEGUARD to the binary if it is not on PATH). A failed expectation fails the script.
if [ "${1:-}" = "test" ]; then
  for scenario in scenarios/*.toml; do
    "${LIFEGUARD:-lifeguard}" test "{{name}}.wasm" --scenario "$scenario" --config scenarios/plugin.json \
      --cache-dir .lifeguard/compile-cache
  done
fi
