// rollover-tuner as a `lifeguard:plugin@0.1.0` component (componentize-js / StarlingMonkey).
//
// The only file that touches the WIT bindings. It adapts the imports to the plain-JS host port
// of `tuner.js` and maps the outcome back to `result<action, reconcile-error>`:
//   return {requeueAfterMs, summary}          -> ok(action)  (requeueAfterMs: BigInt or undefined)
//   throw {tag: 'transient', val: msg}        -> err(transient(msg))
//   throw {tag: 'terminal', val: msg}         -> err(terminal(msg))
// Throwing anything else (an Error instance) traps the instance, so nothing else may escape.
// StarlingMonkey maps u64/s64 to BigInt both ways: convert at this boundary only.

import { aliases, indices } from 'lifeguard:plugin/cluster@0.1.0';
import { ensurePolicy, syncManaged } from 'lifeguard:plugin/ism@0.1.0';
import { emit, setReason } from 'lifeguard:plugin/log@0.1.0';
import { counter, gauge } from 'lifeguard:plugin/metrics@0.1.0';
import { get as stateGet, set as stateSet } from 'lifeguard:plugin/state@0.1.0';
import { reconcile as runTick, HostError, Transient, Terminal, NAME, VERSION, DESCRIPTION, CAPABILITIES } from './tuner.js';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

/** Import errors arrive as a ComponentError whose `payload` is the WIT error {tag, val}. */
function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    if (e && e.payload && typeof e.payload.tag === 'string') throw new HostError(e.payload.tag, String(e.payload.val));
    throw e;
  }
}

const toNum = (v) => (v === undefined || v === null ? null : Number(v));

function witHost() {
  return {
    log: (level, msg) => emit(LEVELS.has(level) ? level : 'info', msg),
    setReason: (reason) => setReason(reason),
    gauge: (name, value, labels) => gauge(name, value, labels),
    counter: (name, value, labels) => counter(name, BigInt(Math.max(0, Math.round(value))), labels),
    stateGet: (key) => stateGet(key) ?? undefined,
    stateSet: (key, value) => call(stateSet, key, value),
    aliases: (cluster, pattern) => call(aliases, cluster, pattern)
      .map((a) => ({ alias: a.alias, index: a.index, isWriteIndex: a.isWriteIndex ?? null })),
    indices: (cluster, pattern) => call(indices, cluster, pattern).map((r) => ({
      index: r.index,
      status: r.status,
      primaries: r.primaries,
      replicas: r.replicas,
      docs: toNum(r.docsCount),
      bytes: toNum(r.primaryStoreBytes),
      createdMs: toNum(r.creationDateMs),
    })),
    ensurePolicy: (cluster, id, body) => call(ensurePolicy, cluster, id, body),
    syncManaged: (cluster, id, batch) => {
      const r = call(syncManaged, cluster, id, batch);
      return { changed: r.changed, remaining: r.remaining };
    },
  };
}

export function describe() {
  return { name: NAME, version: VERSION, description: DESCRIPTION, capabilities: CAPABILITIES };
}

export function reconcile(ctx) {
  const host = witHost();
  let action;
  try {
    // Dry-run needs nothing here: the host answers mutations as if done (as for the Rust twin).
    action = runTick(host, {
      nowMs: Number(ctx.nowMs),
      tick: Number(ctx.tick),
      clusters: ctx.clusters,
      config: ctx.config,
    });
  } catch (e) {
    if (e instanceof Terminal) throw { tag: 'terminal', val: e.message };
    if (e instanceof Transient) throw { tag: 'transient', val: e.message };
    const msg = `unexpected error: ${e && e.stack ? e.stack : String(e)}`;
    try { emit('error', msg.slice(0, 2000)); } catch { /* logging must not turn this into a trap */ }
    throw { tag: 'transient', val: `unexpected error: ${e && e.message ? e.message : String(e)}` };
  }
  const { requeueAfterMs, summary } = action;
  return { requeueAfterMs: requeueAfterMs === undefined ? undefined : BigInt(requeueAfterMs), summary };
}
