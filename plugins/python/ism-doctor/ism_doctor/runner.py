"""One reconcile pass of ism-doctor against a host port.

The port (`Host`) speaks plain Python: the wasm adapter in `app.py` implements it over the WIT
imports, the unit tests implement it over an in-memory fake. Host calls that fail raise
`HostError(kind, message)`, where `kind` is the WIT `error` case name (`throttled`, ...).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Protocol, Tuple

from . import logic
from .logic import Config, Entry, Problem, Tally

NAME = "ism-doctor"
VERSION = "0.1.0"
DESCRIPTION = "Keeps declared ISM policies in place, attaches, syncs and retries managed indices, and reports rollover pre-flight problems."
CAPABILITIES = ["cluster-read", "ism-read", "ism-write", "metrics", "state"]

STATE_RETRIES = "retries"
# Pre-flight reads one index's settings per candidate; cap the reads per run.
MAX_PREFLIGHT = 200
# Host error kinds that mean "back off and come again": the run ends `transient`.
BACKOFF_KINDS = ("throttled", "unavailable")


class HostError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class Transient(Exception):
    """End the run with `reconcile-error.transient`."""


class Terminal(Exception):
    """End the run with `reconcile-error.terminal`."""


class Host(Protocol):
    dry_run: bool

    def log(self, level: str, message: str) -> None: ...
    def set_reason(self, reason: str) -> None: ...
    def gauge(self, name: str, value: float, labels: List[Tuple[str, str]]) -> None: ...
    def counter(self, name: str, value: int, labels: List[Tuple[str, str]]) -> None: ...
    def state_get(self, key: str) -> Optional[str]: ...
    def state_set(self, key: str, value: str) -> None: ...
    def ensure_policy(self, cluster: str, policy_id: str, body: str) -> str: ...
    def get_policy(self, cluster: str, policy_id: str) -> Tuple[int, str]: ...
    def explain(self, cluster: str, pattern: str) -> List[Entry]: ...
    def attach(self, cluster: str, pattern: str, policy_id: str) -> List[str]: ...
    def sync_managed(self, cluster: str, policy_id: str, batch: int) -> Tuple[List[str], int]: ...
    def retry(self, cluster: str, pattern: str) -> Tuple[int, List[str]]: ...
    def get_settings(self, cluster: str, index: str) -> Dict[str, Any]: ...
    def aliases(self, cluster: str, pattern: str) -> List[Tuple[str, str, Optional[bool]]]: ...


def where(e: BaseException, depth: int = 8) -> str:
    """Where an exception came from, innermost frame first. Not `traceback.format_exception`:
    that reads source lines through the filesystem, and the component is built with WASI
    stubbed out (any WASI call traps; see build.sh)."""
    frames = []
    tb = e.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(f"{code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} in {code.co_name}")
        tb = tb.tb_next
    return " <- ".join(reversed(frames[-depth:]))


def _backoff(e: HostError, what: str) -> None:
    if e.kind in BACKOFF_KINDS:
        raise Transient(f"{what}: {e}") from None


def reconcile(host: Host, config_text: str, clusters: List[str], now_ms: int) -> str:
    """Run one pass; return the summary line. Raises `Transient` or `Terminal`."""
    try:
        cfg = logic.parse_config(config_text, clusters)
    except logic.ConfigError as e:
        raise Terminal(f"invalid config: {e}") from None
    for w in cfg.warnings:
        host.log("warn", w)

    tally = Tally()
    ok_policies = _ensure_policies(host, cfg, tally)

    try:
        entries = host.explain(cfg.cluster, cfg.index_pattern)
    except HostError as e:
        _backoff(e, f"explain {cfg.index_pattern}")
        if e.kind in ("denied", "invalid"):
            raise Terminal(f"explain {cfg.index_pattern}: {e}") from None
        raise Transient(f"explain {cfg.index_pattern}: {e}") from None

    blocked = _preflight(host, cfg, entries, tally)
    _attach(host, cfg, entries, blocked, ok_policies, tally)
    _sync(host, cfg, entries, tally)
    _retry(host, cfg, entries, now_ms, tally)
    _metrics(host, entries, tally)
    return tally.summary()


def _ensure_policies(host: Host, cfg: Config, tally: Tally) -> Dict[str, bool]:
    """`ensure-policy` each declared policy. Returns id -> whether it is in place."""
    ok: Dict[str, bool] = {}
    for pid, body in cfg.policies:
        host.set_reason(f"{NAME}: declared policy `{pid}` must exist and match the tenant config")
        try:
            result = host.ensure_policy(cfg.cluster, pid, logic.canonical_json(body))
        except HostError as e:
            _backoff(e, f"ensure-policy {pid}")
            ok[pid] = False
            tally.errors.append(f"ensure-policy {pid}: {e}")
            host.log("error", f"ensure-policy {pid} failed: {e}")
            continue
        ok[pid] = True
        getattr(tally, result if result in ("created", "updated") else "unchanged").append(pid)
        if result != "unchanged":
            host.log("info", f"policy {pid} {result}")
    return ok


def _policy_has_rollover(host: Host, cfg: Config, pid: str, cache: Dict[str, bool]) -> bool:
    if pid in cache:
        return cache[pid]
    body = cfg.policy_body(pid)
    if body is not None:
        cache[pid] = logic.policy_has_rollover(body)
        return cache[pid]
    try:
        _seq, text = host.get_policy(cfg.cluster, pid)
        cache[pid] = logic.policy_has_rollover(json.loads(text))
    except (HostError, ValueError) as e:
        if isinstance(e, HostError):
            _backoff(e, f"get-policy {pid}")
        cache[pid] = False
    return cache[pid]


def _preflight(host: Host, cfg: Config, entries: List[Entry], tally: Tally) -> List[str]:
    """Check the rollover prerequisites; returns unmanaged indices that must not be attached."""
    cache: Dict[str, bool] = {}
    default_rollover = bool(cfg.default_policy) and _policy_has_rollover(host, cfg, cfg.default_policy or "", cache)
    for e in entries:
        if e.policy_id:
            _policy_has_rollover(host, cfg, e.policy_id, cache)
    candidates = [e for e in sorted(entries, key=lambda x: x.index) if logic.is_rollover_candidate(e, default_rollover, cache)]
    if len(candidates) > MAX_PREFLIGHT:
        host.log("debug", f"pre-flight checks {MAX_PREFLIGHT} of {len(candidates)} indices this run")
        candidates = candidates[:MAX_PREFLIGHT]
    alias_rows: Dict[str, List[Tuple[str, str, Optional[bool]]]] = {}
    blocked: List[str] = []
    for e in candidates:
        try:
            settings = host.get_settings(cfg.cluster, e.index)
        except HostError as err:
            _backoff(err, f"get-settings {e.index}")
            continue  # gone or not readable: nothing to say about it
        alias = logic.rollover_alias_of(settings)
        rows = None
        if alias is not None:
            if alias not in alias_rows:
                try:
                    alias_rows[alias] = host.aliases(cfg.cluster, alias)
                except HostError as err:
                    _backoff(err, f"aliases {alias}")
                    alias_rows[alias] = []
            rows = alias_rows[alias]
        problems = logic.preflight(e.index, settings, rows)
        for p in problems:
            host.log("warn", p.line())
        tally.problems.extend(problems)
        if problems and not e.managed:
            blocked.append(e.index)
    return blocked


def _attach(host: Host, cfg: Config, entries: List[Entry], blocked: List[str], ok_policies: Dict[str, bool], tally: Tally) -> None:
    if not cfg.default_policy:
        return
    if ok_policies.get(cfg.default_policy) is False:
        host.log("warn", f"default policy {cfg.default_policy} is not in place; not attaching indices")
        return
    for index in sorted(blocked):
        host.log("warn", f"not attaching {index} to {cfg.default_policy} until its pre-flight problems are fixed")
    todo, later = logic.attach_candidates(entries, blocked, cfg.sync_batch)
    tally.attach_deferred = len(later)
    for index in todo:
        host.set_reason(f"{NAME}: {index} is in scope ({cfg.index_pattern}) but unmanaged; attaching default policy `{cfg.default_policy}`")
        try:
            attached = host.attach(cfg.cluster, index, cfg.default_policy)
        except HostError as e:
            _backoff(e, f"attach {index}")
            tally.errors.append(f"attach {index}: {e}")
            host.log("error", f"attach {index} failed: {e}")
            continue
        tally.attached.extend(attached)


def _sync(host: Host, cfg: Config, entries: List[Entry], tally: Tally) -> None:
    """`sync-managed` every tenant policy that has indices running an older copy of it."""
    ids = sorted({pid for pid, _ in cfg.policies} | ({cfg.default_policy} if cfg.default_policy else set()))
    for pid in ids:
        if not any(e.policy_id == pid for e in entries):
            continue
        try:
            seq_no, _body = host.get_policy(cfg.cluster, pid)
        except HostError as e:
            _backoff(e, f"get-policy {pid}")
            continue
        behind = logic.drifted(entries, pid, seq_no)
        if not behind:
            continue
        host.log("info", f"{len(behind)} indices run an old copy of {pid} (seq_no {seq_no}): {', '.join(behind[:5])}{' ...' if len(behind) > 5 else ''}")
        host.set_reason(f"{NAME}: {len(behind)} indices run an outdated copy of policy `{pid}`; change_policy to seq_no {seq_no}")
        try:
            changed, remaining = host.sync_managed(cfg.cluster, pid, cfg.sync_batch)
        except HostError as e:
            _backoff(e, f"sync-managed {pid}")
            tally.errors.append(f"sync-managed {pid}: {e}")
            host.log("error", f"sync-managed {pid} failed: {e}")
            continue
        tally.synced.extend(changed)
        tally.sync_remaining += remaining


def _retry(host: Host, cfg: Config, entries: List[Entry], now_ms: int, tally: Tally) -> None:
    before = host.state_get(STATE_RETRIES)
    book = logic.load_book(before)
    plan = logic.plan_retries(entries, book, cfg.max_retries, cfg.sync_batch, now_ms)
    for index, kind in plan.not_transient:
        e = next(x for x in entries if x.index == index)
        host.log("warn", f"{index} failed with a {kind} cause, not retrying: {e.info_message or ''} {e.info_cause or ''}".rstrip())
    for index in plan.exhausted:
        host.log("error", f"{index} still fails after {cfg.max_retries} retries; giving up until it moves on")
    try:
        for index in plan.retry:
            e = next(x for x in entries if x.index == index)
            n = plan.book[index]["n"]
            host.set_reason(f"{NAME}: {index} failed with a transient cause ({e.info_message or 'no message'}); retry {n} of {cfg.max_retries}")
            try:
                _updated, failures = host.retry(cfg.cluster, index)
            except HostError as err:
                _backoff(err, f"retry {index}")
                tally.errors.append(f"retry {index}: {err}")
                host.log("error", f"retry {index} failed: {err}")
                continue
            if failures:
                host.log("warn", f"retry {index}: {'; '.join(failures)}")
            tally.retried.append(index)
    finally:
        # Persist the budget even when a back-off ends the run half way.
        unsent = [i for i in plan.retry if i not in tally.retried]
        for index in unsent:
            prev = book.get(index)
            if prev is None:
                plan.book.pop(index, None)
            else:
                plan.book[index] = prev
        tally.exhausted = list(plan.exhausted)
        after = logic.dump_book(plan.book)
        if after != (before or logic.dump_book({})) and not host.dry_run:
            host.state_set(STATE_RETRIES, after)


def _metrics(host: Host, entries: List[Entry], tally: Tally) -> None:
    for kind, count in logic.count_problems(tally.problems).items():
        host.gauge("ism_doctor_preflight_problems", float(count), [("problem", kind)])
    host.gauge("ism_doctor_failed_indices", float(sum(1 for e in entries if e.failed)), [])
    host.gauge("ism_doctor_unmanaged_indices", float(sum(1 for e in entries if not e.managed)), [])
    for name, values in (
        ("ism_doctor_policies_created", tally.created),
        ("ism_doctor_policies_updated", tally.updated),
        ("ism_doctor_attached", tally.attached),
        ("ism_doctor_synced", tally.synced),
        ("ism_doctor_retries", tally.retried),
        ("ism_doctor_retries_exhausted", tally.exhausted),
    ):
        if values:
            host.counter(name, len(values), [])
