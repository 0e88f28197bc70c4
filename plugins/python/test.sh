#!/usr/bin/env bash
# Unit tests of the Python plugins' decision logic: plain python3, no wasm, no toolchain.
#   bash plugins/python/test.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
for plugin in ism-doctor; do
  (cd "$here/$plugin" && "$python" -m unittest discover -s tests -t . "$@")
done
