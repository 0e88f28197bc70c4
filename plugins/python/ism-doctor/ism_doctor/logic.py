"""Pure decision logic of ism-doctor: no host calls, no WIT types.

Everything here takes plain Python values and returns plain Python values, so it runs under
`python3 -m unittest` without wasm. `runner.py` drives it against a host port.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

# ---------------------------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------------------------

DEFAULT_MAX_RETRIES = 3
DEFAULT_SYNC_BATCH = 50
MAX_SYNC_BATCH = 1000

KNOWN_KEYS = ("cluster", "index_pattern", "default_policy", "policies", "max_retries", "sync_batch")


class ConfigError(ValueError):
    """The tenant's configuration is unusable; the run ends `terminal`."""


@dataclass
class Config:
    cluster: str
    index_pattern: str
    default_policy: Optional[str]
    # Sorted by id so every run (and the Rust twin) walks them in the same order.
    policies: List[Tuple[str, Dict[str, Any]]]
    max_retries: int
    sync_batch: int
    warnings: List[str] = field(default_factory=list)

    def policy_body(self, policy_id: str) -> Optional[Dict[str, Any]]:
        for pid, body in self.policies:
            if pid == policy_id:
                return body
        return None


def _int_key(doc: Dict[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"`{key}` must be an integer, got {json.dumps(value)}")
    if value < lo or value > hi:
        raise ConfigError(f"`{key}` must be between {lo} and {hi}, got {value}")
    return value


def unwrap_policy(body: Any) -> Any:
    """Accept both the bare `policy` object and the `{"policy": {...}}` wrapper of the REST API."""
    if isinstance(body, dict) and len(body) == 1 and isinstance(body.get("policy"), dict):
        return body["policy"]
    return body


def parse_config(text: str, clusters: List[str]) -> Config:
    try:
        doc = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError) as e:  # JSONDecodeError, too many digits, too deep
        raise ConfigError(f"config is not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise ConfigError("config must be a JSON object")

    if not clusters:
        raise ConfigError("the tenant has no clusters")
    cluster = doc.get("cluster")
    if cluster is None:
        cluster = clusters[0]
    elif not isinstance(cluster, str) or cluster not in clusters:
        raise ConfigError(f"`cluster` {json.dumps(cluster)} is not one of the tenant's clusters {clusters}")

    pattern = doc.get("index_pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        raise ConfigError("`index_pattern` is required (e.g. \"logs-*\")")

    default_policy = doc.get("default_policy")
    if default_policy is not None and (not isinstance(default_policy, str) or not default_policy):
        raise ConfigError("`default_policy` must be a non-empty string")

    raw_policies = doc.get("policies", {})
    if not isinstance(raw_policies, dict):
        raise ConfigError("`policies` must be an object of policy id -> policy body")
    policies: List[Tuple[str, Dict[str, Any]]] = []
    for pid in sorted(raw_policies):
        body = unwrap_policy(raw_policies[pid])
        if not pid:
            raise ConfigError("`policies` has an empty policy id")
        if not isinstance(body, dict):
            raise ConfigError(f"policy `{pid}` must be a JSON object")
        policies.append((pid, body))

    cfg = Config(
        cluster=cluster,
        index_pattern=pattern.strip(),
        default_policy=default_policy,
        policies=policies,
        max_retries=_int_key(doc, "max_retries", DEFAULT_MAX_RETRIES, 0, 100),
        sync_batch=_int_key(doc, "sync_batch", DEFAULT_SYNC_BATCH, 1, MAX_SYNC_BATCH),
    )
    unknown = sorted(k for k in doc if k not in KNOWN_KEYS)
    if unknown:
        cfg.warnings.append(f"unknown config keys ignored: {', '.join(unknown)}")
    return cfg


def canonical_json(body: Any) -> str:
    """The policy body as sent to `ensure-policy`: compact, keys sorted (the host compares
    semantically, so this only keeps the wire stable)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def policy_has_rollover(body: Any) -> bool:
    """Whether any state of an ISM policy body runs a `rollover` action."""
    body = unwrap_policy(body)
    if not isinstance(body, dict):
        return False
    for st in body.get("states") or []:
        if not isinstance(st, dict):
            continue
        for action in st.get("actions") or []:
            if isinstance(action, dict) and "rollover" in action:
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Explain view (the subset of `ism.explain-entry` the doctor decides on)
# ---------------------------------------------------------------------------------------------


@dataclass
class Entry:
    index: str
    policy_id: Optional[str] = None
    policy_seq_no: Optional[int] = None
    enabled: Optional[bool] = None
    rolled_over: Optional[bool] = None
    policy_completed: bool = False
    state: Optional[str] = None
    action: Optional[str] = None
    action_failed: bool = False
    retry_failed: bool = False
    info_message: Optional[str] = None
    info_cause: Optional[str] = None

    @property
    def managed(self) -> bool:
        return self.policy_id is not None

    @property
    def failed(self) -> bool:
        """Failed the way `_ism/retry` accepts: the action or the policy run failed (ISM's own
        retries are exhausted). A failed *step* with retries left is ISM still retrying."""
        return self.managed and (self.action_failed or self.retry_failed)


# ---------------------------------------------------------------------------------------------
# Pre-flight checks
# ---------------------------------------------------------------------------------------------

PROBLEM_KINDS = ("missing_rollover_alias", "alias_not_write_index", "bad_index_name")
ROLLOVER_ALIAS_KEYS = (
    "index.plugins.index_state_management.rollover_alias",
    "index.opendistro.index_state_management.rollover_alias",
)
INDEX_SUFFIX = re.compile(r"^.+-\d+$")


@dataclass(frozen=True)
class Problem:
    kind: str
    index: str
    detail: str

    def line(self) -> str:
        return f"pre-flight: {self.kind} on {self.index}: {self.detail}"


def flatten_settings(settings: Any, prefix: str = "") -> Dict[str, Any]:
    """`get-settings` answers flat keys; accept nested objects too."""
    out: Dict[str, Any] = {}
    if not isinstance(settings, dict):
        return out
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_settings(value, name + "."))
        else:
            out[name] = value
    return out


def rollover_alias_of(settings: Any) -> Optional[str]:
    flat = flatten_settings(settings)
    for key in ROLLOVER_ALIAS_KEYS:
        value = flat.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def is_rollover_candidate(entry: Entry, default_rollover: bool, rollover_policies: Dict[str, bool]) -> bool:
    """An index the rollover pre-flight applies to: it (will) run a policy with a rollover
    action and has not rolled over yet."""
    if entry.rolled_over or entry.policy_completed:
        return False
    if entry.managed:
        return bool(rollover_policies.get(entry.policy_id or "", False))
    return default_rollover


def preflight(index: str, settings: Any, alias_entries: Optional[List[Tuple[str, str, Optional[bool]]]]) -> List[Problem]:
    """What ISM's `attempt_rollover` would fail on, checked before it does.

    `alias_entries` are the `(alias, index, is_write_index)` rows of the index's rollover alias
    (`None` when there is no alias to look up). An index that is not the write index while
    another index is, is taken as already rolled over (ISM treats that as success) and is fine.
    """
    problems: List[Problem] = []
    if not INDEX_SUFFIX.match(index):
        problems.append(Problem("bad_index_name", index, "name does not end in -NNNNNN, rollover cannot name the next index"))
    alias = rollover_alias_of(settings)
    if alias is None:
        problems.append(Problem("missing_rollover_alias", index, "setting index.plugins.index_state_management.rollover_alias is not set"))
        return problems
    rows = [r for r in (alias_entries or []) if r[0] == alias]
    mine = [r for r in rows if r[1] == index]
    if not mine:
        problems.append(Problem("alias_not_write_index", index, f"index does not carry its rollover alias `{alias}`"))
        return problems
    if len(rows) > 1 and mine[0][2] is not True:
        others_write = [r[1] for r in rows if r[1] != index and r[2] is True]
        if not others_write:
            problems.append(Problem("alias_not_write_index", index, f"alias `{alias}` spans {len(rows)} indices and none is the write index"))
    return problems


def count_problems(problems: List[Problem]) -> Dict[str, int]:
    counts = {k: 0 for k in PROBLEM_KINDS}
    for p in problems:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    return counts


# ---------------------------------------------------------------------------------------------
# Failure classification and the retry budget
# ---------------------------------------------------------------------------------------------

# Checked first: retrying these cannot help until someone changes something.
PERMANENT_MARKERS = (
    "missing rollover_alias",
    "missing alias or not the write index",
    "does not match pattern",
    "fail to load policy",
    "failed to find state",
    "not allowed",
    "maximum shards open",
    "invalid_index_name",
    "resource_already_exists",
    "index_not_found",
    "illegal_argument",
    "mapper_parsing",
)
# Then: the cluster was busy, restarting or racing; a retry is expected to succeed.
TRANSIENT_MARKERS = (
    "previous action was not able to update indexmetadata",
    "version conflict",
    "version_conflict",
    "timed out",
    "timeout",
    "process_cluster_event_timeout",
    "cluster_block_exception",
    "circuit_breaking",
    "circuitbreaking",
    "rejected",
    "too_many_requests",
    "429",
    "node_not_connected",
    "nodedisconnected",
    "node disconnected",
    "no_shard_available",
    "unavailable_shards",
    "master_not_discovered",
    "cluster_manager_not_discovered",
    "failed to evaluate conditions",
    "shard not available",
    "connection reset",
)


def classify_failure(message: Optional[str], cause: Optional[str]) -> str:
    """`transient`, `permanent` or `unknown` (unknown causes are not retried)."""
    text = f"{message or ''} {cause or ''}".lower()
    if any(m in text for m in PERMANENT_MARKERS):
        return "permanent"
    if any(m in text for m in TRANSIENT_MARKERS):
        return "transient"
    return "unknown"


@dataclass
class RetryPlan:
    retry: List[str] = field(default_factory=list)
    exhausted: List[str] = field(default_factory=list)  # newly out of budget this run
    not_transient: List[Tuple[str, str]] = field(default_factory=list)  # (index, classification)
    deferred: List[str] = field(default_factory=list)  # over the batch; next run
    book: Dict[str, Dict[str, Any]] = field(default_factory=dict)


def load_book(text: Optional[str]) -> Dict[str, Dict[str, Any]]:
    if not text:
        return {}
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return {}
    if not isinstance(doc, dict):
        return {}
    return {k: v for k, v in doc.items() if isinstance(v, dict) and isinstance(v.get("n"), int)}


def dump_book(book: Dict[str, Dict[str, Any]]) -> str:
    return json.dumps(book, sort_keys=True, separators=(",", ":"))


def plan_retries(entries: List[Entry], book: Dict[str, Dict[str, Any]], max_retries: int, batch: int, now_ms: int) -> RetryPlan:
    """Which failed indices to `_ism/retry` now, with a per-index budget kept in `book`.

    The budget of an index is keyed on where it failed (state, action): it is kept while the
    index fails again or waits on the retry in the same place, and cleared once the index is
    seen elsewhere (it made progress) or is gone.
    """
    plan = RetryPlan()
    seen = {e.index: e for e in entries}
    # Keep book entries of indices that still exist and have not moved on.
    for index, rec in sorted(book.items()):
        e = seen.get(index)
        if e is None or not e.managed:
            continue
        if e.state == rec.get("state") and e.action == rec.get("action"):
            plan.book[index] = dict(rec)
        # Otherwise it moved on (or failed somewhere new): the budget starts afresh.
    for e in sorted(entries, key=lambda x: x.index):
        if not e.failed:
            continue
        kind = classify_failure(e.info_message, e.info_cause)
        if kind != "transient":
            plan.not_transient.append((e.index, kind))
            continue
        rec = plan.book.get(e.index, {"n": 0, "state": e.state, "action": e.action})
        if rec["n"] >= max_retries:
            if not rec.get("gave_up"):
                rec = dict(rec, gave_up=True)
                plan.exhausted.append(e.index)
            plan.book[e.index] = rec
            continue
        if len(plan.retry) >= batch:
            plan.deferred.append(e.index)
            if e.index in plan.book:
                plan.book[e.index] = rec
            continue
        plan.retry.append(e.index)
        plan.book[e.index] = {"n": rec["n"] + 1, "state": e.state, "action": e.action, "at": now_ms}
    return plan


# ---------------------------------------------------------------------------------------------
# Drift and attach decisions
# ---------------------------------------------------------------------------------------------


def drifted(entries: List[Entry], policy_id: str, policy_seq_no: int) -> List[str]:
    """Indices managed by `policy_id` running an older copy of it."""
    return sorted(
        e.index
        for e in entries
        if e.policy_id == policy_id and e.policy_seq_no is not None and e.policy_seq_no < policy_seq_no
    )


def attach_candidates(entries: List[Entry], blocked: List[str], batch: int) -> Tuple[List[str], List[str]]:
    """Unmanaged in-scope indices to attach now, and those left for the next run. Indices with
    a pre-flight problem (`blocked`) are not attached: ISM would fail them at rollover."""
    skip = set(blocked)
    todo = sorted(e.index for e in entries if not e.managed and e.index not in skip)
    return todo[:batch], todo[batch:]


@dataclass
class Tally:
    created: List[str] = field(default_factory=list)
    updated: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)
    attached: List[str] = field(default_factory=list)
    attach_deferred: int = 0
    synced: List[str] = field(default_factory=list)
    sync_remaining: int = 0
    retried: List[str] = field(default_factory=list)
    exhausted: List[str] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"policies {len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged",
            f"attached {len(self.attached)}" + (f" (+{self.attach_deferred} next run)" if self.attach_deferred else ""),
            f"synced {len(self.synced)}" + (f" ({self.sync_remaining} remaining)" if self.sync_remaining else ""),
            f"retried {len(self.retried)}" + (f", gave up on {len(self.exhausted)}" if self.exhausted else ""),
            f"pre-flight problems {len(self.problems)}",
        ]
        if self.errors:
            parts.append(f"errors {len(self.errors)}")
        return "ism-doctor: " + "; ".join(parts)
