#!/usr/bin/env bash
# Three etcd members and three `lifeguard run` replicas on loopback, against the simulated
# pair (`lifeguard sim`). Ctrl-C stops everything and removes the etcd data.
# Needs: `make plugins`, a built `lifeguard` (target/release or $LIFEGUARD), etcd on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${LIFEGUARD:-$root/target/release/lifeguard}"
work="$root/build/examples/ha"
mkdir -p "$work"
data="$(mktemp -d)"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT INT TERM

peers="e1=http://127.0.0.1:2380,e2=http://127.0.0.1:22380,e3=http://127.0.0.1:32380"
for i in 1 2 3; do
  c=$(( (i == 1 ? 0 : i * 10000) + 2379 )); p=$((c + 1))
  etcd --name "e$i" --data-dir "$data/e$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "$peers" --initial-cluster-state new >"$work/etcd-e$i.log" 2>&1 &
  pids+=($!)
done
"$bin" sim --listen 127.0.0.1:9200 --follower-listen 127.0.0.1:9201 --speed 60 \
  --scenario "$root/examples/ccr-pair/scenario.toml" >"$work/sim.log" 2>&1 &
pids+=($!)
sleep 2
for i in 1 2 3; do
  mkdir -p "$work/r$i"
  sed -e "s/replica_id = \"r1\"/replica_id = \"r$i\"/" \
      -e "s/127.0.0.1:9471/127.0.0.1:947$i/" \
      -e "s#examples/ha/r1/#examples/ha/r$i/#g" \
      -e "s#\"../../build/#\"$root/build/#g" \
      "$here/lifeguard.toml" >"$work/r$i/lifeguard.toml"
  "$bin" run --config "$work/r$i/lifeguard.toml" >"$work/r$i.log" 2>&1 &
  pids+=($!)
  echo "replica r$i: status page http://127.0.0.1:947$i/ (log $work/r$i.log)"
done
echo "kill -9 one replica (pids ${pids[*]: -3}) and watch its tenants move on the others' status pages."
wait
