#!/usr/bin/env python3
"""`make demo-ha`: the HA story on the simulated pair, narrated.

Three etcd members and three `lifeguard run` replicas on loopback share eleven tenants.
One replica is killed with `kill -9` and its tenants move; the owner of the `orders`
tenant is frozen with SIGSTOP while the leader cluster goes down, the other replica
fails over exactly once, and the frozen one wakes fenced. Everything runs in a temp dir
and is stopped and removed at the end. Only the standard library is used.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TTL = 3  # seconds: short, so the story takes a minute
INTERVAL = "1s"
TEAMS = 10
FOLLOWED = ["orders-000001", "orders-000002"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=3):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, OSError, ValueError):
        return None, None


def wait(what, within, check):
    started = time.time()
    while time.time() - started < within:
        v = check()
        if v:
            return v
        time.sleep(0.2)
    sys.exit(f"demo-ha: {what}: not within {within} s")


def say(s=""):
    print(s, flush=True)


SCENARIO = """
[leader]
[[leader.indices]]
name = "orders-000001"
replicas = 0
docs = 1000
aliases = { orders = { is_write_index = false } }
[[leader.indices]]
name = "orders-000002"
replicas = 0
docs = 1000
aliases = { orders = { is_write_index = true } }
[[leader.ingest]]
alias = "orders"
docs_per_sec = 10.0
[follower]
"""


def replica_config(rid, port, leader, follower, endpoints, plugins):
    eps = ", ".join(f'"{e}"' for e in endpoints)
    c = f"""
[host]
plugin_dir = "{plugins}"
state_dir = "state"
audit_file = "state/audit.jsonl"
interval = "{INTERVAL}"
telemetry_listen = "127.0.0.1:{port}"
shutdown_grace = "2s"

[[clusters]]
name = "leader"
urls = ["{leader}"]

[[clusters]]
name = "follower"
urls = ["{follower}"]

[coordination]
backend = "etcd"
endpoints = [{eps}]
deployment = "demo-ha"
lease_ttl = "{TTL}s"
replica_id = "{rid}"

[[tenants]]
name = "orders"
clusters = ["leader", "follower"]
indices = ["orders*"]
[[tenants.plugins]]
name = "failover"
file = "ccr_failover.wasm"
config = {{ leader_cluster = "leader", follower_cluster = "follower", lost_after_ticks = 3, auto = true, follower_pattern = "orders-*", write_aliases = ["orders"] }}
"""
    for t in range(TEAMS):
        c += f"""
[[tenants]]
name = "team-{t}"
clusters = ["leader"]
indices = ["team{t}-*"]
[[tenants.plugins]]
name = "hello"
file = "hello.wasm"
"""
    return c


class Demo:
    def __init__(self, bin_path, plugins):
        self.bin = os.path.abspath(bin_path)
        self.plugins = os.path.abspath(plugins)
        self.work = tempfile.mkdtemp(prefix="lifeguard-demo-ha-")
        self.procs = []
        self.replicas = {}

    def spawn(self, args, log, cwd=None):
        f = open(os.path.join(self.work, log), "ab")
        p = subprocess.Popen(args, stdout=f, stderr=f, stdin=subprocess.DEVNULL, cwd=cwd)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            try:
                p.send_signal(signal.SIGCONT)
                p.kill()
                p.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.work, ignore_errors=True)

    def status(self, rid):
        _, s = http("GET", f"http://127.0.0.1:{self.replicas[rid]['port']}/api/status")
        return (s or {}).get("coordination") or {}

    def owners(self, alive):
        out = {}
        for rid in alive:
            for t in self.status(rid).get("owned", []):
                if t in out:
                    return None
                out[t] = rid
        return out if len(out) == TEAMS + 1 else None

    def sent_after(self, rid, t0_ms):
        path = os.path.join(self.replicas[rid]["dir"], "state", "audit.jsonl")
        n = 0
        try:
            with open(path) as f:
                for line in f:
                    try:
                        v = json.loads(line)
                    except ValueError:
                        continue
                    if v.get("outcome") == "sent" and v.get("time_ms", 0) >= t0_ms:
                        n += 1
        except OSError:
            pass
        return n

    def metric(self, rid, name):
        port = self.replicas[rid]["port"]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as r:
                text = r.read().decode()
        except OSError:
            return None
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def run(self):
        # 1. etcd
        ports = [(free_port(), free_port()) for _ in range(3)]
        initial = ",".join(f"e{i}=http://127.0.0.1:{p}" for i, (_, p) in enumerate(ports))
        endpoints = []
        for i, (c, p) in enumerate(ports):
            url = f"http://127.0.0.1:{c}"
            endpoints.append(url)
            self.spawn(["etcd", "--name", f"e{i}", "--data-dir", os.path.join(self.work, f"etcd{i}"),
                        "--listen-client-urls", url, "--advertise-client-urls", url,
                        "--listen-peer-urls", f"http://127.0.0.1:{p}",
                        "--initial-advertise-peer-urls", f"http://127.0.0.1:{p}",
                        "--initial-cluster", initial, "--initial-cluster-state", "new"],
                       f"etcd{i}.log")
        for u in endpoints:
            wait(f"etcd {u} healthy", 30, lambda u=u: (http("GET", f"{u}/health")[1] or {}).get("health") == "true")
        say(f"== 1. three etcd members: {', '.join(endpoints)}")

        # 2. the simulated pair, replication started and bootstrapped
        lp, fp = free_port(), free_port()
        scen = os.path.join(self.work, "scenario.toml")
        with open(scen, "w") as f:
            f.write(SCENARIO)
        self.spawn([self.bin, "sim", "--listen", f"127.0.0.1:{lp}", "--follower-listen",
                    f"127.0.0.1:{fp}", "--speed", "1", "--scenario", scen], "sim.log")
        leader, follower = f"http://127.0.0.1:{lp}", f"http://127.0.0.1:{fp}"
        wait("the simulator", 20, lambda: http("GET", f"{leader}/")[0] == 200)
        for i in FOLLOWED:
            st, _ = http("PUT", f"{follower}/_plugins/_replication/{i}/_start",
                         {"leader_alias": "leader-cluster", "leader_index": i})
            if st != 200:
                sys.exit(f"demo-ha: could not start replication of {i}: HTTP {st}")
        http("POST", f"{follower}/_sim/clock", {"advance": "1m"})
        say(f"== 2. simulated leader {leader} and follower {follower}; {', '.join(FOLLOWED)} followed")

        # 3. three replicas
        for k in (1, 2, 3):
            rid, port = f"r{k}", free_port()
            d = os.path.join(self.work, rid)
            os.makedirs(d)
            with open(os.path.join(d, "lifeguard.toml"), "w") as f:
                f.write(replica_config(rid, port, leader, follower, endpoints, self.plugins))
            p = self.spawn([self.bin, "run", "--config", "lifeguard.toml"], f"{rid}.log", cwd=d)
            self.replicas[rid] = {"port": port, "dir": d, "proc": p}
        alive = ["r1", "r2", "r3"]
        owners = wait("every tenant owned once", 60, lambda: self.owners(alive))
        # Let the handovers of the join settle (each replica sees all three members).
        wait("three members seen", 30, lambda: all(len(self.status(r).get("members", [])) == 3 for r in alive))
        time.sleep(TTL)
        owners = wait("every tenant owned once", 30, lambda: self.owners(alive))
        say(f"== 3. three replicas share {TEAMS + 1} tenants by rendezvous hashing (lease_ttl {TTL} s):")
        for rid in alive:
            mine = sorted(t for t, o in owners.items() if o == rid)
            say(f"   {rid} (status http://127.0.0.1:{self.replicas[rid]['port']}/): {', '.join(mine)}")

        # 4. kill -9 a replica that does not own `orders`
        victim = next(r for r in alive if owners["orders"] != r and any(o == r for o in owners.values()))
        moved = sorted(t for t, o in owners.items() if o == victim)
        self.replicas[victim]["proc"].kill()
        t0 = time.time()
        alive.remove(victim)
        after = wait("the killed replica's tenants taken", 4 * TTL + 10, lambda: self.owners(alive))
        took = time.time() - t0
        say(f"== 4. kill -9 {victim}: its {len(moved)} tenants ({', '.join(moved)}) are owned again "
            f"after {took:.1f} s (target: within 2 × lease_ttl = {2 * TTL} s):")
        for t in moved:
            say(f"   {t} → {after[t]}")

        # 5. freeze the owner of `orders`, then lose the leader
        frozen = after["orders"]
        other = next(r for r in alive if r != frozen)
        http("DELETE", f"{follower}/_sim/requests")
        self.replicas[frozen]["proc"].send_signal(signal.SIGSTOP)
        http("POST", f"{leader}/_sim/faults", {"type": "leader_outage", "mode": "refuse"})
        t0 = time.time()
        say(f"== 5. SIGSTOP {frozen} (it owns orders); the leader cluster goes down")

        def stops():
            _, r = http("GET", f"{follower}/_sim/requests?path_prefix=/_plugins/_replication")
            return [x for x in (r or {}).get("requests", [])
                    if x["method"] == "POST" and x["path"].endswith("/_stop") and not x.get("fault")]
        wait("the other replica fails over", 6 * TTL + 20, lambda: len(stops()) == len(FOLLOWED))
        say(f"   {other} took orders with its state from etcd and failed over {time.time() - t0:.1f} s later")

        # 6. wake the frozen replica: it is fenced until it owns again
        woke_ms = int(time.time() * 1000)
        self.replicas[frozen]["proc"].send_signal(signal.SIGCONT)
        ready = http("GET", f"http://127.0.0.1:{self.replicas[frozen]['port']}/readyz")[0]
        wait("ownership settles again", 30, lambda: self.owners(alive))
        time.sleep(2 * TTL)
        st = self.status(frozen)
        say(f"== 6. SIGCONT {frozen}: /readyz answered {ready} on waking (its lease was not provably live);")
        fenced = self.metric(frozen, "lifeguard_fenced_mutations_total")
        fenced = "unknown (no /metrics answer)" if fenced is None else f"{fenced:.0f}"
        say(f"   it now owns {len(st.get('owned', []))} tenants again, lease age {st.get('lease_age_ms')} ms; "
            f"fenced mutations {fenced}")

        # 7. exactly once
        _, r = http("GET", f"{follower}/_sim/requests")
        log = [x for x in (r or {}).get("requests", []) if not x.get("fault")]
        stopped = {i: sum(1 for x in log if x["path"] == f"/_plugins/_replication/{i}/_stop")
                   for i in FOLLOWED}
        swaps = sum(1 for x in log if x["method"] == "POST" and x["path"] == "/_aliases")
        say("== 7. the follower's request log:")
        for i, n in stopped.items():
            say(f"   {i} stopped {n} time(s)")
        ok = swaps == 1 and all(n == 1 for n in stopped.values())
        verdict = "the failover happened exactly once" if ok else "NOT exactly once"
        say(f"   write alias orders moved {swaps} time(s); {verdict}")
        return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/lifeguard")
    ap.add_argument("--plugins", default="build/plugins")
    a = ap.parse_args()
    if shutil.which("etcd") is None:
        sys.exit("demo-ha: etcd is not installed (`make setup-etcd` installs Debian's etcd-server)")
    d = Demo(a.bin, a.plugins)
    try:
        rc = d.run()
    finally:
        d.close()
    sys.exit(rc)


if __name__ == "__main__":
    main()
