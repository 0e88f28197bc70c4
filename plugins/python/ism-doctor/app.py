"""ism-doctor as a `lifeguard:plugin@0.1.0` component (componentize-py).

This file is the only one that touches the generated `wit_world` bindings: it adapts the WIT
imports to the plain-Python host port of `ism_doctor.runner` and maps the outcome back to the
WIT `result<action, reconcile-error>`:
  - return `types.Action(...)`                           -> ok(action)
  - `raise Err(types.ReconcileError_Transient(msg))`      -> err(transient(msg))
  - `raise Err(types.ReconcileError_Terminal(msg))`       -> err(terminal(msg))
Any other exception escaping `reconcile` would trap the instance, so none is allowed to.
"""

import json
from typing import Any, Dict, List, Optional, Tuple

import wit_world
from componentize_py_types import Err
from wit_world.imports import ism, log, metrics, state, types
from wit_world.imports import cluster as cluster_api

from ism_doctor import runner
from ism_doctor.logic import Entry
from ism_doctor.runner import HostError

_LEVELS = {
    "trace": log.Level.TRACE,
    "debug": log.Level.DEBUG,
    "info": log.Level.INFO,
    "warn": log.Level.WARN,
    "error": log.Level.ERROR,
}

_ERROR_KINDS = {
    types.Error_Denied: "denied",
    types.Error_NotFound: "not-found",
    types.Error_Conflict: "conflict",
    types.Error_Throttled: "throttled",
    types.Error_Unavailable: "unavailable",
    types.Error_Invalid: "invalid",
    types.Error_Other: "other",
}

_CAPS = {
    "cluster-read": types.Capability.CLUSTER_READ,
    "cluster-write": types.Capability.CLUSTER_WRITE,
    "ism-read": types.Capability.ISM_READ,
    "ism-write": types.Capability.ISM_WRITE,
    "metrics": types.Capability.METRICS,
    "state": types.Capability.STATE,
}


def _host_error(e: Err) -> HostError:
    """A WIT `error` raised by an import (componentize-py raises `Err(value)`)."""
    value = e.value
    return HostError(_ERROR_KINDS.get(type(value), "other"), str(getattr(value, "value", value)))


def _call(fn, *args):
    try:
        return fn(*args)
    except Err as e:
        raise _host_error(e) from None


def _entry(x: "ism.ExplainEntry") -> Entry:
    return Entry(
        index=x.index,
        policy_id=x.policy_id,
        policy_seq_no=x.policy_seq_no,
        enabled=x.enabled,
        rolled_over=x.rolled_over,
        policy_completed=x.policy_completed,
        state=x.state.name if x.state else None,
        action=x.action.name if x.action else None,
        action_failed=bool(x.action and x.action.failed),
        retry_failed=bool(x.retry_info and x.retry_info.failed),
        info_message=x.info_message,
        info_cause=x.info_cause,
    )


class WitHost:
    """`runner.Host` over the WIT imports."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run

    def log(self, level: str, message: str) -> None:
        log.emit(_LEVELS.get(level, log.Level.INFO), message)

    def set_reason(self, reason: str) -> None:
        log.set_reason(reason)

    def gauge(self, name: str, value: float, labels: List[Tuple[str, str]]) -> None:
        metrics.gauge(name, value, labels)

    def counter(self, name: str, value: int, labels: List[Tuple[str, str]]) -> None:
        metrics.counter(name, value, labels)

    def state_get(self, key: str) -> Optional[str]:
        return state.get(key)

    def state_set(self, key: str, value: str) -> None:
        _call(state.set, key, value)

    def ensure_policy(self, cluster: str, policy_id: str, body: str) -> str:
        result = _call(ism.ensure_policy, cluster, policy_id, body)
        return {
            ism.EnsureResult.UNCHANGED: "unchanged",
            ism.EnsureResult.CREATED: "created",
            ism.EnsureResult.UPDATED: "updated",
        }[result]

    def get_policy(self, cluster: str, policy_id: str) -> Tuple[int, str]:
        doc = _call(ism.get_policy, cluster, policy_id)
        return doc.seq_no, doc.body

    def explain(self, cluster: str, pattern: str) -> List[Entry]:
        return [_entry(x) for x in _call(ism.explain, cluster, pattern)]

    def attach(self, cluster: str, pattern: str, policy_id: str) -> List[str]:
        report = _call(ism.attach, cluster, pattern, policy_id)
        for index, other in report.other_policy:
            self.log("info", f"{index} is managed by {other}, left alone")
        return list(report.attached)

    def sync_managed(self, cluster: str, policy_id: str, batch: int) -> Tuple[List[str], int]:
        report = _call(ism.sync_managed, cluster, policy_id, batch)
        return list(report.changed), report.remaining

    def retry(self, cluster: str, pattern: str) -> Tuple[int, List[str]]:
        resp = _call(ism.retry, cluster, pattern, None)
        return resp.updated_indices, [f"{f.index_name}: {f.reason}" for f in resp.failed_indices]

    def get_settings(self, cluster: str, index: str) -> Dict[str, Any]:
        text = _call(cluster_api.get_settings, cluster, index)
        try:
            doc = json.loads(text)
        except ValueError:
            return {}
        return doc if isinstance(doc, dict) else {}

    def aliases(self, cluster: str, pattern: str) -> List[Tuple[str, str, Optional[bool]]]:
        return [(a.alias, a.index, a.is_write_index) for a in _call(cluster_api.aliases, cluster, pattern)]


class WitWorld(wit_world.WitWorld):
    def describe(self) -> types.PluginInfo:
        return types.PluginInfo(
            name=runner.NAME,
            version=runner.VERSION,
            description=runner.DESCRIPTION,
            capabilities=[_CAPS[c] for c in runner.CAPABILITIES],
        )

    def reconcile(self, ctx: types.Context) -> types.Action:
        host = WitHost(ctx.dry_run)
        try:
            summary = runner.reconcile(host, ctx.config, list(ctx.clusters), ctx.now_ms)
        except runner.Terminal as e:
            raise Err(types.ReconcileError_Terminal(str(e)))
        except runner.Transient as e:
            raise Err(types.ReconcileError_Transient(str(e)))
        except Exception as e:  # a plugin bug: report it instead of trapping the instance
            host.log("error", f"unexpected error: {type(e).__name__}: {e} at {runner.where(e)}"[:2000])
            raise Err(types.ReconcileError_Transient(f"unexpected error: {type(e).__name__}: {e}"))
        return types.Action(requeue_after_ms=None, summary=summary)
