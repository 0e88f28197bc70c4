#!/usr/bin/env bash
# Regenerate test/golden.json from the Rust twin (plugins/rust/rollover-tuner/src/logic.rs
# and plugins/sdk), with the plugins workspace's Cargo.lock so serde_json is the same version and
# features (no preserve_order). Needs cargo; builds natively into $CARGO_TARGET_DIR
# (default /tmp/rollover-tuner-golden).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
plugins="$(cd "$here/../../.." && pwd)"
cp "$plugins/Cargo.lock" "$here/Cargo.lock"
trap 'rm -f "$here/Cargo.lock"' EXIT
node "$here/cases.mjs" > "$here/cases.json"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/rollover-tuner-golden}" \
  cargo run --quiet --offline --manifest-path "$here/Cargo.toml" -- "$here/cases.json" > "$here/../test/golden.json.tmp"
mv "$here/../test/golden.json.tmp" "$here/../test/golden.json"
rm -f "$here/cases.json"
echo "wrote $(cd "$here/../test" && pwd)/golden.json"
