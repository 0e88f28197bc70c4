#!/usr/bin/env bash
# Unit tests of the JS plugins' decision logic: plain node, no wasm, no toolchain.
#   bash plugins/js/test.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for plugin in rollover-tuner; do
  (cd "$here/$plugin" && node --test test/*.test.js)
done
