// {{name}}: a Lifeguard policy plugin (componentize-js / StarlingMonkey).
//
// The host calls `describe` once when it loads the plugin, and `reconcile` on every tick, each
// time in a fresh sandboxed instance: keep nothing in module globals between runs (use the
// `state` import for that). `wit/` is the contract; every import used below is documented there.
//
// How results map to the WIT:
//   return {requeueAfterMs, summary}     -> ok(action)
//   throw {tag: 'transient', val: msg}   -> err(transient(msg)): retried with backoff
//   throw {tag: 'terminal', val: msg}    -> err(terminal(msg)): parked until replaced
// Throwing anything else (an Error instance) traps the instance, so `reconcile` catches it.
// An import that returns a WIT `result` throws an error whose `payload` is {tag, val}.
// u64 and s64 values are BigInt in both directions (ctx.tick, ctx.nowMs, counter values);
// u32 and f64 are plain numbers.

import { health } from 'lifeguard:plugin/cluster@0.1.0';
import { emit } from 'lifeguard:plugin/log@0.1.0';
import { gauge } from 'lifeguard:plugin/metrics@0.1.0';

const NAME = '{{name}}';
const VERSION = '0.1.0';

/** A failed host call as a `transient` error: the host retries the job with backoff. */
function transient(what, e) {
  const p = e && e.payload;
  const detail = p && typeof p.tag === 'string' ? `${p.tag}: ${p.val}` : String(e);
  return { tag: 'transient', val: `${what}: ${detail}` };
}

/** A problem that will not fix itself (e.g. a bad configuration). */
function terminal(message) {
  return { tag: 'terminal', val: message };
}

export function describe() {
  return {
    name: NAME,
    version: VERSION,
    description: "Reports the health of the tenant's default cluster",
    // Ask only for what `reconcile` uses: the host grants no more than the tenant's
    // configuration allows, and `lifeguard check` shows this list to reviewers.
    capabilities: ['cluster-read', 'metrics'],
  };
}

function run(ctx) {
  let config;
  try {
    config = JSON.parse(ctx.config);
  } catch (e) {
    throw terminal(`config is not JSON: ${e.message}`);
  }
  const warnUnassigned = config && typeof config === 'object' ? (config.warn_unassigned ?? 0) : null;
  if (!Number.isInteger(warnUnassigned) || warnUnassigned < 0) {
    throw terminal('config.warn_unassigned must be a whole number');
  }

  // The first cluster is the tenant's default.
  if (ctx.clusters.length === 0) throw terminal('the tenant has no cluster to work on');
  const alias = ctx.clusters[0];

  // A host call's error is a value, never a trap. Most are worth retrying later.
  let h;
  try {
    h = health(alias);
  } catch (e) {
    throw transient('cluster health', e);
  }

  emit('info', `tenant ${ctx.tenant} tick ${ctx.tick}: cluster ${h.clusterName} (${alias}) is ${h.status}, `
    + `${h.numberOfNodes} nodes, ${h.unassignedShards} unassigned shards`);
  if (h.unassignedShards > warnUnassigned) {
    emit('warn', `${h.unassignedShards} unassigned shards on ${alias} (warn_unassigned is ${warnUnassigned})`);
  }
  // Exported as lifeguard_plugin_unassigned_shards{tenant,plugin,cluster}.
  gauge('unassigned_shards', h.unassignedShards, [['cluster', alias]]);

  return {
    // undefined: run again after the job's configured interval.
    requeueAfterMs: undefined,
    summary: `cluster ${h.clusterName} is ${h.status}: ${h.numberOfNodes} nodes, ${h.unassignedShards} unassigned shards`,
  };
}

export function reconcile(ctx) {
  try {
    return run(ctx);
  } catch (e) {
    if (e && (e.tag === 'transient' || e.tag === 'terminal')) throw e;
    // A plugin bug: report it instead of trapping the instance.
    const message = `unexpected error: ${e && e.stack ? e.stack : String(e)}`;
    try { emit('error', message.slice(0, 2000)); } catch { /* logging must not turn this into a trap */ }
    throw { tag: 'transient', val: `unexpected error: ${e && e.message ? e.message : String(e)}` };
  }
}
