#!/usr/bin/env bash
# Smoke-test the built Python and JS components under Node, through the real WIT boundary,
# without the Rust host (jco transpile + a fake host). Uses the toolchain build.sh installed.
# With the Rust rollover_tuner.wasm in the same dir (make plugins), also compares the JS
# rollover-tuner with its Rust twin call for call.
#   bash plugins/js/smoke.sh <out-dir>      (the directory build.sh wrote the .wasm files to)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(cd "${1:?usage: bash plugins/js/smoke.sh <out-dir>}" && pwd)"
tools="${BUILD_DIR:-$root/build}/js-tools"
[[ -x "$tools/node_modules/.bin/jco" ]] || { echo "smoke: run plugins/js/build.sh first (needs $tools)"; exit 1; }
mkdir -p "$tools/smoke" && echo '{"type": "module"}' > "$tools/smoke/package.json"
# componentize-py output uses extended-const (i32.add in constant expressions): opt in on Node 20.
cd "$tools" && node --experimental-wasm-extended-const "$here/tools/smoke/smoke.mjs" "$out" "$tools/smoke"
