// One reconcile pass of rollover-tuner against a host port.
//
// The port speaks plain JS (numbers, not BigInt): `app.js` implements it over the WIT imports,
// the tests over an in-memory fake. A failed host call throws HostError {kind, message}, kind
// being the WIT `error` case name (`throttled`, `not-found`, ...).

import {
  ConfigError, parseConfig, policyIdFor, writeIndexOf, observe, thresholds, combine, shouldApply,
  renderPolicy, canonicalJson, parseState, formatAge, formatByteSize, humanBytes,
} from './logic.js';

export const NAME = 'rollover-tuner';
export const VERSION = '0.1.0';
export const DESCRIPTION = 'Sets rollover min_index_age from measured ingest velocity (EWMA), with hysteresis, and syncs managed indices.';
export const CAPABILITIES = ['cluster-read', 'ism-read', 'ism-write', 'metrics', 'state'];

const BACKOFF_KINDS = ['throttled', 'unavailable'];

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

function backoff(e, what) {
  if (e instanceof HostError && BACKOFF_KINDS.includes(e.kind)) throw new Transient(`${what}: ${e.message}`);
}

const aliasKey = (alias) => `alias/${alias}`;
const policyKey = (id) => `policy/${id}`;
const syncKey = (id) => `sync/${id}`;

/**
 * Run one pass. `ctx` = {nowMs, dryRun, clusters, config} with plain numbers.
 * Returns the summary line; throws Transient or Terminal.
 */
export function reconcile(host, ctx) {
  let cfg;
  try {
    cfg = parseConfig(ctx.config, ctx.clusters);
  } catch (e) {
    if (e instanceof ConfigError) throw new Terminal(`invalid config: ${e.message}`);
    throw e;
  }
  for (const w of cfg.warnings) host.log('warn', w);

  const report = { measuring: [], skipped: [], policies: [], synced: 0, remaining: 0, errors: 0 };
  const perPolicy = new Map(); // policy id -> [{alias, t}]
  for (const alias of cfg.aliases) {
    const id = policyIdFor(cfg, alias);
    if (!perPolicy.has(id)) perPolicy.set(id, []);
    const t = measureAlias(host, cfg, ctx, alias, report);
    if (t) perPolicy.get(id).push({ alias, t });
  }
  for (const [id, measured] of perPolicy) {
    applyPolicy(host, cfg, ctx, id, measured, report);
  }
  return summary(report);
}

/** Observe one write alias; returns its thresholds, or null while there is no velocity yet. */
function measureAlias(host, cfg, ctx, alias, report) {
  let rows;
  try {
    rows = host.aliases(cfg.cluster, alias);
  } catch (e) {
    backoff(e, `aliases ${alias}`);
    host.log('warn', `alias ${alias}: ${e.message}; skipped`);
    report.skipped.push(alias);
    return null;
  }
  const write = writeIndexOf(rows.filter((r) => r.alias === alias));
  if (!write) {
    host.log('warn', `alias ${alias} has no single write index (${rows.length} indices); skipped`);
    report.skipped.push(alias);
    return null;
  }
  const prev = parseState(host.stateGet(aliasKey(alias)));
  const names = prev && prev.write && prev.write !== write ? [write, prev.write] : [write];
  let list;
  try {
    list = host.indices(cfg.cluster, names.join(','));
  } catch (e) {
    backoff(e, `indices ${names.join(',')}`);
    host.log('warn', `alias ${alias}: reading ${names.join(',')} failed: ${e.message}; skipped`);
    report.skipped.push(alias);
    return null;
  }
  const byName = {};
  for (const r of list) byName[r.index] = r;
  const cur = byName[write];
  if (!cur || cur.docs == null || cur.bytes == null) {
    host.log('warn', `alias ${alias}: write index ${write} has no stats (closed?); skipped`);
    report.skipped.push(alias);
    return null;
  }
  const next = observe(prev, write, byName, ctx.nowMs, cfg.ewmaAlpha);
  // Observations are kept even in dry-run: they are measurements, not decisions.
  host.stateSet(aliasKey(alias), JSON.stringify(next));
  if (next.bph == null) {
    report.measuring.push(alias);
    return null;
  }
  const labels = [['alias', alias]];
  host.gauge('rollover_tuner_ingest_bytes_per_hour', next.bph, labels);
  host.gauge('rollover_tuner_ingest_docs_per_hour', next.dph, labels);
  const t = thresholds(cfg, next.bph, cur.replicas);
  host.log('debug', `alias ${alias}: ${humanBytes(next.bph)}/h per primary (EWMA of ${next.samples}) -> min_index_age ${formatAge(t.ageMs)}`);
  return t;
}

function applyPolicy(host, cfg, ctx, id, measured, report) {
  const t = combine(measured.map((m) => m.t));
  const applied = parseState(host.stateGet(policyKey(id)));
  const sync = parseState(host.stateGet(syncKey(id)));
  let changed = false; // the stored policy was rewritten: managed indices run an old copy
  if (t && shouldApply(applied, t, cfg.hysteresisPct)) {
    const was = applied ? `was ${formatAge(applied.ageMs)}` : 'first setting';
    const aliases = measured.map((m) => m.alias).join(', ');
    host.setReason(
      `${NAME}: ingest on ${aliases} moves rollover min_index_age to ${formatAge(t.ageMs)} (${was}, hysteresis ${cfg.hysteresisPct}%), ` +
      `min_primary_shard_size ${formatByteSize(t.sizeBytes)}`,
    );
    let result;
    try {
      result = host.ensurePolicy(cfg.cluster, id, canonicalJson(renderPolicy(cfg.policy, t)));
    } catch (e) {
      backoff(e, `ensure-policy ${id}`);
      host.log('error', `ensure-policy ${id} failed: ${e.message}`);
      report.errors += 1;
      return;
    }
    changed = result === 'updated';
    report.policies.push(`${id} min_index_age ${formatAge(t.ageMs)} (${was})`);
    if (result !== 'unchanged') host.counter('rollover_tuner_threshold_changes', 1, [['policy', id]]);
    host.log('info', `policy ${id}: ${result}; min_index_age ${formatAge(t.ageMs)} (${was}), min_primary_shard_size ${formatByteSize(t.sizeBytes)}`);
    if (!ctx.dryRun) host.stateSet(policyKey(id), JSON.stringify({ ...t, at: ctx.nowMs }));
  }
  const current = t && !changed && applied ? applied : t;
  if (current) host.gauge('rollover_tuner_min_index_age_seconds', current.ageMs / 1000, [['policy', id]]);

  if (!changed && !(sync && sync.remaining > 0)) return;
  host.setReason(`${NAME}: managed indices of ${id} run an older copy of it; change_policy in batches of ${cfg.syncBatch}`);
  let rep;
  try {
    rep = host.syncManaged(cfg.cluster, id, cfg.syncBatch);
  } catch (e) {
    backoff(e, `sync-managed ${id}`);
    host.log('error', `sync-managed ${id} failed: ${e.message}`);
    report.errors += 1;
    if (!ctx.dryRun) host.stateSet(syncKey(id), JSON.stringify({ remaining: 1 }));
    return;
  }
  report.synced += rep.changed.length;
  report.remaining += rep.remaining;
  if (rep.changed.length) host.counter('rollover_tuner_synced', rep.changed.length, [['policy', id]]);
  if (!ctx.dryRun) host.stateSet(syncKey(id), JSON.stringify({ remaining: rep.remaining }));
}

function summary(r) {
  const parts = [];
  parts.push(r.policies.length ? `applied ${r.policies.join('; ')}` : 'no threshold change');
  if (r.measuring.length) parts.push(`measuring ${r.measuring.join(', ')}`);
  if (r.skipped.length) parts.push(`skipped ${r.skipped.join(', ')}`);
  if (r.synced || r.remaining) parts.push(`synced ${r.synced}${r.remaining ? ` (${r.remaining} remaining)` : ''}`);
  if (r.errors) parts.push(`errors ${r.errors}`);
  return `${NAME}: ${parts.join('; ')}`;
}
