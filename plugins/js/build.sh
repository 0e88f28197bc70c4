#!/usr/bin/env bash
# Build the JavaScript plugins (componentize-js / StarlingMonkey) into <out-dir>.
#
#   bash plugins/js/build.sh <out-dir>
#
# Needs only node (20+) and npm with the npm registry. Installs the toolchain pinned in
# plugins/js/tools/package-lock.json into $BUILD_DIR/js-tools (default: <repo>/build/js-tools)
# with `npm ci`, runs the unit tests, then writes <out-dir>/rollover-tuner-js.wasm atomically.
# Re-running is cheap: `npm ci` only runs when the lock file changed, and the component is only
# rebuilt when its sources, the WIT or the toolchain changed (FORCE=1 rebuilds anyway).
# SKIP_TESTS=1 skips the unit tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: bash plugins/js/build.sh <out-dir>}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
build="${BUILD_DIR:-$root/build}"
tools="$build/js-tools"

# 1. Toolchain: npm ci from the committed lock file.
lock_digest="$(cat "$here/tools/package.json" "$here/tools/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ ! -d "$tools/node_modules/@bytecodealliance/componentize-js" || "$(cat "$tools/.lock.sha256" 2>/dev/null)" != "$lock_digest" ]]; then
  echo "js: npm ci (pinned toolchain) into $tools"
  mkdir -p "$tools"
  cp "$here/tools/package.json" "$here/tools/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_digest" > "$tools/.lock.sha256"
fi
cp "$here/tools/componentize.mjs" "$tools/componentize.mjs"
tool_version="$(node -p "require('$tools/node_modules/@bytecodealliance/componentize-js/package.json').version") node $(node --version)"

# 2. Unit tests of the decision logic (plain node, no wasm).
if [[ "${SKIP_TESTS:-0}" != 1 ]]; then
  bash "$here/test.sh"
fi

# 3. Components.
build_component() { # <plugin dir> <entry file> <output name>
  local src="$here/$1" dest="$out/$3"
  local stamp="$build/stamps/js-$3.sha256"
  local digest
  digest="$( { echo "$tool_version"; cat "$here/tools/componentize.mjs"; cd "$root" && find wit "plugins/js/$1/src" -type f \( -name '*.wit' -o -name '*.js' \) | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -d' ' -f1)"
  if [[ "${FORCE:-0}" != 1 && -f "$dest" && -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
    echo "js: $3 is up to date"
    return
  fi
  echo "js: componentize $1 -> $dest"
  local t0=$SECONDS
  (cd "$tools" && node componentize.mjs "$src/$2" "$root/wit" plugin "$dest")
  mkdir -p "$(dirname "$stamp")"
  echo "$digest" > "$stamp"
  echo "js: wrote $dest ($(du -h "$dest" | cut -f1), $((SECONDS - t0)) s)"
}

build_component rollover-tuner src/app.js rollover-tuner-js.wasm
