"""The whole reconcile pass against an in-memory fake host."""

import json
import unittest

from ism_doctor import runner
from ism_doctor.logic import Entry
from ism_doctor.runner import HostError

from .test_logic import ALIAS_KEY, PLAIN_POLICY, ROLLOVER_POLICY

MUTATIONS = ("ensure_policy", "attach", "sync_managed", "retry")


class FakeHost:
    def __init__(self, dry_run=False):
        self.dry_run = dry_run
        self.calls = []  # (name, args) in order, including set_reason
        self.logs = []
        self.metrics = {}
        self.state = {}
        self.policies = {}  # id -> (seq_no, body text)
        self.entries = {}  # index -> Entry
        self.settings = {}  # index -> dict
        self.alias_rows = []  # (alias, index, is_write)
        self.fail = {}  # call name -> HostError

    # plumbing
    def _call(self, name, *args):
        self.calls.append((name, args))
        if name in self.fail:
            raise self.fail[name]

    def mutations(self):
        return [(n, a) for n, a in self.calls if n in MUTATIONS]

    def log(self, level, message):
        self.logs.append((level, message))

    def set_reason(self, reason):
        self.calls.append(("set_reason", (reason,)))

    def gauge(self, name, value, labels):
        self.metrics[(name, tuple(labels))] = value

    def counter(self, name, value, labels):
        key = (name, tuple(labels))
        self.metrics[key] = self.metrics.get(key, 0) + value

    def state_get(self, key):
        return self.state.get(key)

    def state_set(self, key, value):
        self._call("state_set", key)
        self.state[key] = value

    # ism
    def ensure_policy(self, cluster, pid, body):
        self._call("ensure_policy", cluster, pid)
        json.loads(body)
        if pid not in self.policies:
            self.policies[pid] = (1, body)
            return "created"
        seq, old = self.policies[pid]
        if json.loads(old) == json.loads(body):
            return "unchanged"
        self.policies[pid] = (seq + 1, body)
        return "updated"

    def get_policy(self, cluster, pid):
        self._call("get_policy", cluster, pid)
        if pid not in self.policies:
            raise HostError("not-found", f"Policy not found [{pid}]")
        return self.policies[pid]

    def explain(self, cluster, pattern):
        self._call("explain", cluster, pattern)
        return [self.entries[i] for i in sorted(self.entries)]

    def attach(self, cluster, pattern, pid):
        self._call("attach", cluster, pattern, pid)
        e = self.entries[pattern]
        e.policy_id, e.policy_seq_no = pid, self.policies[pid][0]
        return [pattern]

    def sync_managed(self, cluster, pid, batch):
        self._call("sync_managed", cluster, pid, batch)
        seq = self.policies[pid][0]
        behind = sorted(i for i, e in self.entries.items() if e.policy_id == pid and e.policy_seq_no < seq)
        for i in behind[:batch]:
            self.entries[i].policy_seq_no = seq
        return behind[:batch], len(behind[batch:])

    def retry(self, cluster, pattern):
        self._call("retry", cluster, pattern)
        e = self.entries[pattern]
        e.action_failed = False
        return 1, []

    # cluster
    def get_settings(self, cluster, index):
        self._call("get_settings", cluster, index)
        return self.settings.get(index, {})

    def aliases(self, cluster, pattern):
        self._call("aliases", cluster, pattern)
        return [r for r in self.alias_rows if r[0] == pattern]


CONFIG = json.dumps({
    "index_pattern": "logs-*",
    "default_policy": "hot",
    "policies": {"hot": ROLLOVER_POLICY, "archive": PLAIN_POLICY},
    "max_retries": 2,
})


def scenario():
    h = FakeHost()
    h.policies["hot"] = (4, json.dumps({"old": True}))  # exists but differs -> updated to seq 5
    h.entries = {
        "logs-000001": Entry("logs-000001", policy_id="hot", policy_seq_no=4, rolled_over=True, state="warm", action="allocation",
                             action_failed=True, info_message="Failed to allocate", info_cause="process_cluster_event_timeout_exception"),
        "logs-000002": Entry("logs-000002", policy_id="hot", policy_seq_no=4, state="hot", action="rollover"),
        "logs-000003": Entry("logs-000003"),  # unmanaged, fine -> attached
        "logs-bad": Entry("logs-bad"),  # unmanaged, no suffix, no alias setting -> blocked
    }
    h.settings = {
        "logs-000002": {ALIAS_KEY: "logs"},
        "logs-000003": {ALIAS_KEY: "logs"},
    }
    h.alias_rows = [("logs", "logs-000001", False), ("logs", "logs-000002", True), ("logs", "logs-000003", False)]
    return h


class RunnerTest(unittest.TestCase):
    def test_full_pass(self):
        h = scenario()
        summary = runner.reconcile(h, CONFIG, ["prod"], 1000)
        self.assertEqual(
            summary,
            "ism-doctor: policies 1 created, 1 updated, 0 unchanged; attached 1; synced 2; retried 1; pre-flight problems 2",
        )
        self.assertEqual(
            [(n, a[1] if n != "sync_managed" else a[1:]) for n, a in h.mutations()],
            [
                ("ensure_policy", "archive"),
                ("ensure_policy", "hot"),
                ("attach", "logs-000003"),
                ("sync_managed", ("hot", 50)),
                ("retry", "logs-000001"),
            ],
        )
        # Every mutation follows its own set_reason.
        for i, (name, _args) in enumerate(h.calls):
            if name in MUTATIONS:
                self.assertEqual(h.calls[i - 1][0], "set_reason", h.calls[i - 1 : i + 1])
        kinds = sorted(m.split(":")[0] for lvl, m in h.logs if m.startswith("pre-flight"))
        self.assertEqual(len(kinds), 2)
        self.assertIn(("warn", "not attaching logs-bad to hot until its pre-flight problems are fixed"), h.logs)
        self.assertEqual(h.metrics[("ism_doctor_preflight_problems", (("problem", "bad_index_name"),))], 1.0)
        self.assertEqual(h.metrics[("ism_doctor_preflight_problems", (("problem", "missing_rollover_alias"),))], 1.0)
        self.assertEqual(h.metrics[("ism_doctor_preflight_problems", (("problem", "alias_not_write_index"),))], 0.0)
        self.assertEqual(h.metrics[("ism_doctor_retries", ())], 1)
        self.assertEqual(json.loads(h.state["retries"])["logs-000001"]["n"], 1)

    def test_second_pass_is_quiet(self):
        h = scenario()
        runner.reconcile(h, CONFIG, ["prod"], 1000)
        h.calls.clear()
        summary = runner.reconcile(h, CONFIG, ["prod"], 2000)
        self.assertEqual(
            summary,
            "ism-doctor: policies 0 created, 0 updated, 2 unchanged; attached 0; synced 0; retried 0; pre-flight problems 2",
        )
        self.assertEqual([n for n, _ in h.mutations()], ["ensure_policy", "ensure_policy"])

    def test_retry_budget_across_runs(self):
        h = scenario()
        retried = 0
        for t in range(5):
            h.entries["logs-000001"].action_failed = True  # fails again in the same place
            runner.reconcile(h, CONFIG, ["prod"], t)
            retried += sum(1 for n, _ in h.calls if n == "retry")
            h.calls.clear()
        self.assertEqual(retried, 2)  # max_retries
        self.assertEqual(sum(1 for lvl, m in h.logs if "giving up" in m), 1)

    def test_dry_run_keeps_state(self):
        h = scenario()
        h.dry_run = True
        runner.reconcile(h, CONFIG, ["prod"], 1000)
        self.assertEqual(h.state, {})
        self.assertIn("retry", [n for n, _ in h.mutations()])

    def test_throttled_is_transient(self):
        h = scenario()
        h.fail["ensure_policy"] = HostError("throttled", "mutation budget spent")
        with self.assertRaises(runner.Transient):
            runner.reconcile(h, CONFIG, ["prod"], 0)

    def test_throttled_during_retry_persists_budget(self):
        h = scenario()
        h.entries["logs-000002"].action_failed = True
        h.entries["logs-000002"].info_message = "Previous action was not able to update IndexMetaData."
        calls = {"n": 0}
        orig = h.retry

        def flaky(cluster, pattern):
            calls["n"] += 1
            if calls["n"] == 2:
                raise HostError("throttled", "budget")
            return orig(cluster, pattern)

        h.retry = flaky
        with self.assertRaises(runner.Transient):
            runner.reconcile(h, CONFIG, ["prod"], 0)
        self.assertEqual(sorted(json.loads(h.state["retries"])), ["logs-000001"])

    def test_denied_policy_is_reported_not_fatal(self):
        h = scenario()
        h.fail["ensure_policy"] = HostError("denied", "policy archive not granted")
        summary = runner.reconcile(h, CONFIG, ["prod"], 0)
        self.assertIn("errors 2", summary)
        # The default policy is not in place: nothing is attached.
        self.assertNotIn("attach", [n for n, _ in h.mutations()])

    def test_explain_unavailable_is_transient(self):
        h = scenario()
        h.fail["explain"] = HostError("unavailable", "connection refused")
        with self.assertRaises(runner.Transient):
            runner.reconcile(h, CONFIG, ["prod"], 0)

    def test_bad_config_is_terminal(self):
        with self.assertRaises(runner.Terminal):
            runner.reconcile(FakeHost(), '{"cluster": "nope", "index_pattern": "x"}', ["prod"], 0)

    def test_without_default_policy_only_reports(self):
        h = scenario()
        cfg = json.dumps({"index_pattern": "logs-*"})
        runner.reconcile(h, cfg, ["prod"], 0)
        self.assertEqual([n for n, _ in h.mutations()], ["retry"])
        self.assertIn(("get_policy", ("prod", "hot")), h.calls)

    def test_where_names_frames_without_io(self):
        def inner():
            raise KeyError("x")

        try:
            inner()
        except KeyError as e:
            text = runner.where(e)
        self.assertRegex(text, r"^test_runner\.py:\d+ in inner <- test_runner\.py:\d+ in test_where_names_frames_without_io$")


if __name__ == "__main__":
    unittest.main()
