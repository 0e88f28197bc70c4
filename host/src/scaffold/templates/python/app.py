"""{{name}}: a Lifeguard policy plugin (componentize-py).

The host calls `describe` once when it loads the plugin, and `reconcile` on every tick, each
time in a fresh sandboxed instance: keep nothing in module globals between runs (use the
`state` import for that). `wit/` is the contract; every import used below is documented there.

How results map to the WIT:
  return types.Action(...)                           -> ok(action)
  raise Err(types.ReconcileError_Transient(msg))     -> err(transient(msg)): retried with backoff
  raise Err(types.ReconcileError_Terminal(msg))      -> err(terminal(msg)): parked until replaced
Any other exception escaping `reconcile` traps the instance, so `reconcile` catches them all.
An import that returns a WIT `result` raises `Err(types.Error_*(message))` on error.

The component is built with `--stub-wasi`: there is no stdout, no files, no network and no
clock other than the imports (`print` would trap). Log with `log.emit`.
"""

import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import cluster, log, metrics, types

NAME = "{{name}}"
VERSION = "0.1.0"

_STATUS = {
    types.HealthStatus.GREEN: "green",
    types.HealthStatus.YELLOW: "yellow",
    types.HealthStatus.RED: "red",
}


# The cases of the WIT `error` variant, by the names the WIT gives them.
_ERROR_KINDS = {
    types.Error_Denied: "denied",
    types.Error_NotFound: "not-found",
    types.Error_Conflict: "conflict",
    types.Error_Throttled: "throttled",
    types.Error_Unavailable: "unavailable",
    types.Error_Invalid: "invalid",
    types.Error_Other: "other",
}


def _transient(what: str, e: Err) -> Err:
    """A failed host call as a `transient` error: the host retries the job with backoff."""
    value = e.value
    kind = _ERROR_KINDS.get(type(value), "other")
    return Err(types.ReconcileError_Transient(f"{what}: {kind}: {getattr(value, 'value', value)}"))


def _terminal(message: str) -> Err:
    """A problem that will not fix itself (e.g. a bad configuration)."""
    return Err(types.ReconcileError_Terminal(message))


def _run(ctx: types.Context) -> types.Action:
    try:
        config = json.loads(ctx.config)
    except ValueError as e:
        raise _terminal(f"config is not JSON: {e}")
    warn_unassigned = config.get("warn_unassigned", 0) if isinstance(config, dict) else None
    if not isinstance(warn_unassigned, int) or isinstance(warn_unassigned, bool) or warn_unassigned < 0:
        raise _terminal("config.warn_unassigned must be a whole number")

    # The first cluster is the tenant's default.
    if not ctx.clusters:
        raise _terminal("the tenant has no cluster to work on")
    alias = ctx.clusters[0]

    # A host call's error is a value, never a trap. Most are worth retrying later.
    try:
        health = cluster.health(alias)
    except Err as e:
        raise _transient("cluster health", e)

    status = _STATUS.get(health.status, "unknown")
    log.emit(
        log.Level.INFO,
        f"tenant {ctx.tenant} tick {ctx.tick}: cluster {health.cluster_name} ({alias}) is {status}, "
        f"{health.number_of_nodes} nodes, {health.unassigned_shards} unassigned shards",
    )
    if health.unassigned_shards > warn_unassigned:
        log.emit(
            log.Level.WARN,
            f"{health.unassigned_shards} unassigned shards on {alias} (warn_unassigned is {warn_unassigned})",
        )
    # Exported as lifeguard_plugin_unassigned_shards{tenant,plugin,cluster}.
    metrics.gauge("unassigned_shards", float(health.unassigned_shards), [("cluster", alias)])

    return types.Action(
        # None: run again after the job's configured interval.
        requeue_after_ms=None,
        summary=f"cluster {health.cluster_name} is {status}: "
        f"{health.number_of_nodes} nodes, {health.unassigned_shards} unassigned shards",
    )


class WitWorld(wit_world.WitWorld):
    def describe(self) -> types.PluginInfo:
        return types.PluginInfo(
            name=NAME,
            version=VERSION,
            description="Reports the health of the tenant's default cluster",
            # Ask only for what `reconcile` uses: the host grants no more than the tenant's
            # configuration allows, and `lifeguard check` shows this list to reviewers.
            capabilities=[types.Capability.CLUSTER_READ, types.Capability.METRICS],
        )

    def reconcile(self, ctx: types.Context) -> types.Action:
        try:
            return _run(ctx)
        except Err:
            raise
        except Exception as e:  # a plugin bug: report it instead of trapping the instance
            message = f"unexpected error: {type(e).__name__}: {e}"
            log.emit(log.Level.ERROR, message[:2000])
            raise Err(types.ReconcileError_Transient(message))
