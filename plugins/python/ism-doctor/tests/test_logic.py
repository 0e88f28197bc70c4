import json
import unittest

from ism_doctor import logic
from ism_doctor.logic import ConfigError, Entry

ROLLOVER_POLICY = {
    "description": "hot then delete",
    "default_state": "hot",
    "states": [
        {"name": "hot", "actions": [{"rollover": {"min_index_age": "1d"}}], "transitions": [{"state_name": "delete", "conditions": {"min_index_age": "7d"}}]},
        {"name": "delete", "actions": [{"delete": {}}], "transitions": []},
    ],
}
PLAIN_POLICY = {"default_state": "a", "states": [{"name": "a", "actions": [{"read_only": {}}], "transitions": []}]}
ALIAS_KEY = "index.plugins.index_state_management.rollover_alias"


class ConfigTest(unittest.TestCase):
    def test_defaults(self):
        cfg = logic.parse_config('{"index_pattern": "logs-*"}', ["prod", "dr"])
        self.assertEqual(cfg.cluster, "prod")
        self.assertEqual(cfg.index_pattern, "logs-*")
        self.assertIsNone(cfg.default_policy)
        self.assertEqual(cfg.policies, [])
        self.assertEqual(cfg.max_retries, 3)
        self.assertEqual(cfg.sync_batch, 50)
        self.assertEqual(cfg.warnings, [])

    def test_full(self):
        cfg = logic.parse_config(
            json.dumps({
                "cluster": "dr", "index_pattern": "logs-*", "default_policy": "hot",
                "policies": {"hot": {"policy": ROLLOVER_POLICY}, "archive": PLAIN_POLICY},
                "max_retries": 5, "sync_batch": 10,
            }),
            ["prod", "dr"],
        )
        self.assertEqual(cfg.cluster, "dr")
        self.assertEqual([p for p, _ in cfg.policies], ["archive", "hot"])  # sorted
        self.assertEqual(cfg.policy_body("hot"), ROLLOVER_POLICY)  # wrapper removed
        self.assertEqual((cfg.max_retries, cfg.sync_batch), (5, 10))

    def test_rejects(self):
        bad = [
            ("not json", ["a"]),
            ("[]", ["a"]),
            ('{"index_pattern": "x"}', []),
            ('{"cluster": "zz", "index_pattern": "x"}', ["a"]),
            ("{}", ["a"]),
            ('{"index_pattern": "x", "policies": []}', ["a"]),
            ('{"index_pattern": "x", "policies": {"p": 3}}', ["a"]),
            ('{"index_pattern": "x", "sync_batch": 0}', ["a"]),
            ('{"index_pattern": "x", "max_retries": true}', ["a"]),
            ('{"index_pattern": "x", "max_retries": 1.5}', ["a"]),
            ('{"index_pattern": "x", "default_policy": ""}', ["a"]),
            ('{"index_pattern": "x", "max_retries": ' + "1" * 5000 + "}", ["a"]),  # int digit limit
            ("[" * 100000 + "]" * 100000, ["a"]),  # too deep
        ]
        for text, clusters in bad:
            with self.subTest(text=text):
                with self.assertRaises(ConfigError):
                    logic.parse_config(text, clusters)

    def test_unknown_keys_warn(self):
        cfg = logic.parse_config('{"index_pattern": "x", "sync_batchh": 3}', ["a"])
        self.assertEqual(cfg.warnings, ["unknown config keys ignored: sync_batchh"])

    def test_canonical_json_is_stable(self):
        self.assertEqual(logic.canonical_json({"b": 1, "a": [2]}), '{"a":[2],"b":1}')


class PolicyTest(unittest.TestCase):
    def test_has_rollover(self):
        self.assertTrue(logic.policy_has_rollover(ROLLOVER_POLICY))
        self.assertTrue(logic.policy_has_rollover({"policy": ROLLOVER_POLICY}))
        self.assertFalse(logic.policy_has_rollover(PLAIN_POLICY))
        self.assertFalse(logic.policy_has_rollover({"states": "junk"}))
        self.assertFalse(logic.policy_has_rollover(None))


class PreflightTest(unittest.TestCase):
    def kinds(self, index, settings, rows):
        return [p.kind for p in logic.preflight(index, settings, rows)]

    def test_healthy_single_index_alias(self):
        self.assertEqual(self.kinds("logs-000001", {ALIAS_KEY: "logs"}, [("logs", "logs-000001", None)]), [])

    def test_healthy_write_index(self):
        rows = [("logs", "logs-000001", False), ("logs", "logs-000002", True)]
        self.assertEqual(self.kinds("logs-000002", {ALIAS_KEY: "logs"}, rows), [])

    def test_old_index_behind_another_write_index_is_fine(self):
        rows = [("logs", "logs-000001", False), ("logs", "logs-000002", True)]
        self.assertEqual(self.kinds("logs-000001", {ALIAS_KEY: "logs"}, rows), [])

    def test_missing_setting(self):
        self.assertEqual(self.kinds("logs-000001", {"index.number_of_replicas": "1"}, None), ["missing_rollover_alias"])

    def test_nested_and_legacy_settings(self):
        nested = {"index": {"plugins": {"index_state_management": {"rollover_alias": "logs"}}}}
        self.assertEqual(logic.rollover_alias_of(nested), "logs")
        self.assertEqual(logic.rollover_alias_of({"index.opendistro.index_state_management.rollover_alias": "old"}), "old")
        self.assertIsNone(logic.rollover_alias_of({ALIAS_KEY: ""}))

    def test_alias_not_on_index(self):
        self.assertEqual(self.kinds("logs-000003", {ALIAS_KEY: "logs"}, [("logs", "logs-000002", True)]), ["alias_not_write_index"])

    def test_alias_spans_several_without_write_index(self):
        rows = [("logs", "logs-000001", None), ("logs", "logs-000002", None)]
        self.assertEqual(self.kinds("logs-000002", {ALIAS_KEY: "logs"}, rows), ["alias_not_write_index"])

    def test_bad_name(self):
        self.assertEqual(self.kinds("logs", {ALIAS_KEY: "logs"}, [("logs", "logs", None)]), ["bad_index_name"])
        self.assertEqual(self.kinds("logs-2024.01.01", {}, None), ["bad_index_name", "missing_rollover_alias"])
        self.assertEqual(self.kinds("logs-7", {ALIAS_KEY: "logs"}, [("logs", "logs-7", None)]), [])

    def test_candidates(self):
        rp = {"hot": True, "plain": False}
        self.assertTrue(logic.is_rollover_candidate(Entry("a-1"), True, rp))
        self.assertFalse(logic.is_rollover_candidate(Entry("a-1"), False, rp))
        self.assertTrue(logic.is_rollover_candidate(Entry("a-1", policy_id="hot"), False, rp))
        self.assertFalse(logic.is_rollover_candidate(Entry("a-1", policy_id="plain"), True, rp))
        self.assertFalse(logic.is_rollover_candidate(Entry("a-1", policy_id="hot", rolled_over=True), True, rp))
        self.assertFalse(logic.is_rollover_candidate(Entry("a-1", policy_id="hot", policy_completed=True), True, rp))

    def test_count(self):
        probs = logic.preflight("x", {}, None)
        self.assertEqual(logic.count_problems(probs), {"missing_rollover_alias": 1, "alias_not_write_index": 0, "bad_index_name": 1})


class ClassifyTest(unittest.TestCase):
    def test_classify(self):
        cases = [
            ("Previous action was not able to update IndexMetaData.", None, "transient"),
            ("Failed to rollover index [index=logs-1]", "process_cluster_event_timeout_exception: failed to process cluster event", "transient"),
            ("There is a version conflict between your previous execution and your managed index", None, "transient"),
            ("Failed to evaluate conditions for rollover [index=x]", None, "transient"),
            ("Action timed out", None, "transient"),
            ("Missing rollover_alias index setting [index=x]", None, "permanent"),
            ("Missing alias or not the write index when rollover [index=x]", None, "permanent"),
            ("Failed to rollover index [index=logs]", "index name [logs] does not match pattern '^.*-\\d+$'", "permanent"),
            ("Failed to rollover index [index=x]", "Validation Failed: 1: this action would add [8] total shards, but this cluster currently has [2997]/[3000] maximum shards open;", "permanent"),
            ("Fail to load policy: p", None, "permanent"),
            ("Something odd", None, "unknown"),
            (None, None, "unknown"),
        ]
        for msg, cause, want in cases:
            with self.subTest(msg=msg):
                self.assertEqual(logic.classify_failure(msg, cause), want)


def failed(index, state="hot", action="rollover", message="Previous action was not able to update IndexMetaData."):
    return Entry(index, policy_id="hot", policy_seq_no=1, state=state, action=action, action_failed=True, info_message=message)


class RetryPlanTest(unittest.TestCase):
    def test_retries_transient_only(self):
        entries = [failed("a-1"), failed("a-2", message="Missing rollover_alias index setting [index=a-2]"), failed("a-3", message="???"), Entry("a-4", policy_id="hot")]
        plan = logic.plan_retries(entries, {}, 3, 50, 1000)
        self.assertEqual(plan.retry, ["a-1"])
        self.assertEqual(plan.not_transient, [("a-2", "permanent"), ("a-3", "unknown")])
        self.assertEqual(plan.book, {"a-1": {"n": 1, "state": "hot", "action": "rollover", "at": 1000}})

    def test_budget_is_bounded(self):
        book = {}
        retried = []
        exhausted = []
        for run in range(6):
            plan = logic.plan_retries([failed("a-1")], book, 3, 50, run)
            retried += plan.retry
            exhausted += plan.exhausted
            book = logic.load_book(logic.dump_book(plan.book))
        self.assertEqual(retried, ["a-1"] * 3)
        self.assertEqual(exhausted, ["a-1"])  # reported once
        self.assertEqual(book["a-1"]["n"], 3)

    def test_pending_retry_keeps_budget(self):
        book = {"a-1": {"n": 2, "state": "hot", "action": "rollover", "at": 5}}
        waiting = Entry("a-1", policy_id="hot", state="hot", action="rollover")
        plan = logic.plan_retries([waiting], book, 3, 50, 10)
        self.assertEqual(plan.retry, [])
        self.assertEqual(plan.book, book)

    def test_progress_resets_budget(self):
        book = {"a-1": {"n": 3, "state": "hot", "action": "rollover", "at": 5, "gave_up": True}, "gone-1": {"n": 1}}
        moved = failed("a-1", state="warm", action="allocation")
        plan = logic.plan_retries([moved], book, 3, 50, 10)
        self.assertEqual(plan.retry, ["a-1"])
        self.assertEqual(plan.book, {"a-1": {"n": 1, "state": "warm", "action": "allocation", "at": 10}})

    def test_batch(self):
        plan = logic.plan_retries([failed("a-1"), failed("a-2"), failed("a-3")], {}, 3, 2, 0)
        self.assertEqual(plan.retry, ["a-1", "a-2"])
        self.assertEqual(plan.deferred, ["a-3"])
        self.assertNotIn("a-3", plan.book)

    def test_zero_budget(self):
        plan = logic.plan_retries([failed("a-1")], {}, 0, 50, 0)
        self.assertEqual((plan.retry, plan.exhausted), ([], ["a-1"]))

    def test_book_parsing_is_lenient(self):
        self.assertEqual(logic.load_book(None), {})
        self.assertEqual(logic.load_book("garbage"), {})
        self.assertEqual(logic.load_book('{"a": {"n": 1}, "b": 3, "c": {"n": "x"}}'), {"a": {"n": 1}})

    def test_failed_definition(self):
        self.assertTrue(Entry("x", policy_id="p", retry_failed=True).failed)
        self.assertFalse(Entry("x", policy_id="p").failed)
        self.assertFalse(Entry("x", action_failed=True).failed)  # unmanaged


class DriftAttachTest(unittest.TestCase):
    def test_drifted(self):
        entries = [
            Entry("a-1", policy_id="hot", policy_seq_no=3),
            Entry("a-2", policy_id="hot", policy_seq_no=7),
            Entry("a-3", policy_id="other", policy_seq_no=1),
            Entry("a-4", policy_id="hot", policy_seq_no=None),
            Entry("a-0", policy_id="hot", policy_seq_no=6),
        ]
        self.assertEqual(logic.drifted(entries, "hot", 7), ["a-0", "a-1"])

    def test_attach_candidates(self):
        entries = [Entry("c"), Entry("a"), Entry("b"), Entry("d", policy_id="x")]
        self.assertEqual(logic.attach_candidates(entries, ["b"], 50), (["a", "c"], []))
        self.assertEqual(logic.attach_candidates(entries, [], 2), (["a", "b"], ["c"]))


class SummaryTest(unittest.TestCase):
    def test_summary(self):
        t = logic.Tally(created=["p"], attached=["a", "b"], attach_deferred=3, synced=["c"], sync_remaining=4, retried=["d"], exhausted=["e"])
        self.assertEqual(
            t.summary(),
            "ism-doctor: policies 1 created, 0 updated, 0 unchanged; attached 2 (+3 next run); synced 1 (4 remaining); "
            "retried 1, gave up on 1; pre-flight problems 0",
        )


if __name__ == "__main__":
    unittest.main()
