// One reconcile pass of rollover-tuner against a host port: a line-by-line port of the Rust
// twin's `plugins/rust/rollover-tuner/src/lib.rs` (same host calls in the same order, same
// state, metrics and requeue decisions).
//
// The port speaks plain JS (numbers, not BigInt): `app.js` implements it over the WIT imports,
// the tests over an in-memory fake. A failed host call throws HostError {kind, message}, kind
// being the WIT `error` case name (`throttled`, `not-found`, ...).

import {
  ConfigError, parseConfig, update, thresholds, shouldApply, render, fixed0,
  encodeAliasState, decodeAliasState, encodeThresholds, decodeThresholds,
} from './logic.js';
import { stringify } from './json.js';
import { formatDurationMs, formatSize } from './units.js';

export const NAME = 'rollover-tuner';
export const VERSION = '0.1.0';
export const DESCRIPTION = 'Sizes ISM rollover thresholds from measured ingest velocity';
export const CAPABILITIES = ['cluster-read', 'ism-read', 'ism-write', 'metrics', 'state'];

const APPLIED_KEY = 'applied';
/** Requeue soon while managed indices are still behind the policy. */
export const SYNC_REQUEUE_MS = 15_000n;

export class HostError extends Error {
  constructor(kind, message) {
    super(`${kind}: ${message}`);
    this.kind = kind;
    this.detail = message;
  }
}
/** End the run with `reconcile-error.transient`. */
export class Transient extends Error {}
/** End the run with `reconcile-error.terminal`. */
export class Terminal extends Error {}

/**
 * A host call, with the SDK's `?` mapping of its error: `denied` and `invalid` are terminal
 * (retrying cannot fix the grant or the request), every other kind is transient. The message
 * is the SDK's `Display`: `<kind>: <host message>`.
 */
function hostCall(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HostError) {
      if (e.kind === 'denied' || e.kind === 'invalid') throw new Terminal(e.message);
      throw new Transient(e.message);
    }
    throw e;
  }
}

/** `state::get_json`: undefined when absent; throws HostError(invalid) when it does not decode. */
function stateGetJson(host, key, decode) {
  const text = host.stateGet(key);
  if (text === undefined || text === null) return undefined;
  try {
    return decode(text);
  } catch (e) {
    throw new HostError('invalid', `state \`${key}\`: ${e.message}`);
  }
}

/**
 * Run one pass. `ctx` = {nowMs, clusters, config} with plain numbers.
 * Returns the action {requeueAfterMs (BigInt ms, or undefined: the job's interval), summary};
 * throws Transient or Terminal.
 */
export function reconcile(host, ctx) {
  let cfg;
  try {
    cfg = parseConfig(ctx.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new Terminal(e.message);
    throw e;
  }
  const clusters = ctx.clusters ?? [];
  let cluster;
  if (cfg.cluster !== null) {
    if (!clusters.includes(cfg.cluster)) {
      throw new Terminal(`cluster alias \`${cfg.cluster}\` is not one of this tenant's clusters [${clusters.map((c) => JSON.stringify(c)).join(', ')}]`);
    }
    cluster = cfg.cluster;
  } else {
    cluster = clusters[0] ?? ''; // no cluster: every call is `denied`
  }
  const now = ctx.nowMs;

  // 1. Measure each write alias.
  let fastest = null;
  let replicated = false;
  for (const alias of cfg.writeAliases) {
    const entries = hostCall(() => host.aliases(cluster, alias));
    if (entries.length === 0) {
      host.log('warn', `write alias ${alias} not found`);
      continue;
    }
    const names = entries.map((e) => e.index);
    const rows = hostCall(() => host.indices(cluster, names.join(',')));
    const writeEntry = entries.find((e) => e.isWriteIndex === true) ?? (entries.length === 1 ? entries[0] : undefined);
    const write = writeEntry === undefined ? undefined : writeEntry.index;
    const writeRow = write === undefined ? undefined : rows.find((r) => r.index === write);
    const primaries = writeRow === undefined ? 1 : writeRow.primaries;
    replicated = replicated || (writeRow !== undefined && writeRow.replicas > 0);
    const current = new Map();
    for (const r of rows) {
      current.set(r.index, { docs: r.docs ?? 0, bytes: r.bytes ?? 0, createdMs: r.createdMs ?? 0 });
    }
    const key = `alias/${alias}`;
    let prev;
    try {
      prev = stateGetJson(host, key, decodeAliasState);
    } catch (e) {
      host.log('warn', `discarding unreadable sample: ${e.message}`);
      prev = undefined;
    }
    const [sampled] = update(prev, now, current, primaries, cfg);
    hostCall(() => host.stateSet(key, encodeAliasState(sampled)));
    if (sampled.shardBytesH !== null) {
      const v = sampled.shardBytesH;
      host.gauge('ingest_shard_bytes_per_hour', v, [['alias', alias]]);
      fastest = fastest === null ? v : Math.max(fastest, v);
    }
    if (sampled.docsH !== null) {
      host.gauge('ingest_docs_per_hour', sampled.docsH, [['alias', alias]]);
    }
  }

  if (fastest === null) {
    return { requeueAfterMs: cfg.minSampleInterval, summary: 'collecting ingest samples (need two)' };
  }
  const velocity = fastest;

  // 2. Decide, with hysteresis.
  const next = thresholds(cfg, velocity, replicated);
  let applied;
  try {
    applied = stateGetJson(host, APPLIED_KEY, decodeThresholds);
  } catch {
    applied = undefined;
  }
  const age = formatDurationMs(next.minIndexAgeMs);
  let summary = '';
  let inForce;
  if (shouldApply(applied, next, cfg.hysteresisPct)) {
    let body;
    try {
      body = render(cfg, next);
    } catch (e) {
      if (e instanceof ConfigError) throw new Terminal(e.message); // `render(..)?`: terminal
      throw e;
    }
    const from = applied === undefined ? 'none' : formatDurationMs(applied.minIndexAgeMs);
    host.setReason(
      `rollover-tuner: ingest ${fixed0(velocity / 1_048_576.0)} MB/h per primary shard; min_index_age ${from} -> ${age}, `
      + `min_primary_shard_size ${formatSize(next.minPrimaryShardSize)}${replicated ? ' (capped for replicated indices)' : ''}`,
    );
    const result = hostCall(() => host.ensurePolicy(cluster, cfg.policyId, stringify(body)));
    hostCall(() => host.stateSet(APPLIED_KEY, encodeThresholds(next)));
    host.counter('threshold_changes_total', 1, [['policy', cfg.policyId]]);
    summary += `min_index_age ${from} -> ${age} (EnsureResult::${result[0].toUpperCase()}${result.slice(1)}); `;
    inForce = next;
  } else {
    const kept = applied ?? next;
    summary += `min_index_age stays ${formatDurationMs(kept.minIndexAgeMs)} (computed ${age}, within hysteresis); `;
    inForce = kept;
  }
  host.gauge('min_index_age_seconds', Number(inForce.minIndexAgeMs / 1000n), [['policy', cfg.policyId]]);

  // 3. Bring managed indices onto the current policy, in bounded batches.
  host.setReason(`rollover-tuner: sync indices managed by ${cfg.policyId} to its current version`);
  const sync = hostCall(() => host.syncManaged(cluster, cfg.policyId, cfg.syncBatch));
  if (sync.changed.length > 0) {
    host.counter('change_policy_total', sync.changed.length, [['policy', cfg.policyId]]);
  }
  summary += `change_policy sent to ${sync.changed.length}, ${sync.remaining} remaining`;
  return { requeueAfterMs: sync.remaining > 0 ? SYNC_REQUEUE_MS : undefined, summary };
}
