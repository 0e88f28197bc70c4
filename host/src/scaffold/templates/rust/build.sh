#!/usr/bin/env sh
# Build {{name}}.wasm, the plugin component, next to this script.
set -eu
cd "$(dirname "$0")"

# The wasm32-wasip2 standard library is a rustup component; add it once if it is missing.
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi

cargo build --release --target wasm32-wasip2

# Copy, then rename: a host watching this directory never loads a half-written file.
target_dir="${CARGO_TARGET_DIR:-target}"
cp "$target_dir/wasm32-wasip2/release/{{crate}}.wasm" "{{name}}.wasm.tmp"
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
