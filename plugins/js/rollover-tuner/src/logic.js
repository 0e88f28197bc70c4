// Pure decision logic of rollover-tuner: no host calls, no WIT types, no BigInt.
// Runs under `node --test`; `tuner.js` drives it against a host port.

export const HOUR_MS = 3_600_000;
export const MIN_AGE_MS = 4 * HOUR_MS;
export const MAX_AGE_MS = 7 * 24 * HOUR_MS;
export const GB = 1024 ** 3;
/** Replicated indices never get a primary shard size target above this. */
export const REPLICATED_SIZE_CAP = 50 * GB;
export const MAX_SYNC_BATCH = 1000;

const KNOWN_KEYS = [
  'cluster', 'aliases', 'policy_id', 'policy', 'target_primary_shard_size', 'buffer_pct',
  'hysteresis_pct', 'min_doc_count', 'ewma_alpha', 'sync_batch',
];

export class ConfigError extends Error {}

const UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

/** OpenSearch byte sizes ("30gb", "512mb", 1073741824) in bytes; 1024-based like ByteSizeValue. */
export function parseByteSize(value) {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value);
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)?\s*$/i.exec(value);
  if (!m) return null;
  const bytes = Math.round(Number(m[1]) * UNITS[(m[2] || 'b').toLowerCase()]);
  return bytes > 0 ? bytes : null;
}

/** Bytes as the largest whole unit: 32212254720 -> "30gb", 1536 MiB -> "1536mb". */
export function formatByteSize(bytes) {
  for (const unit of ['pb', 'tb', 'gb', 'mb', 'kb']) {
    if (bytes >= UNITS[unit] && bytes % UNITS[unit] === 0) return `${bytes / UNITS[unit]}${unit}`;
  }
  return `${bytes}b`;
}

/** Milliseconds as an ISM time value in whole minutes: "7d", "14h", "630m". */
export function formatAge(ms) {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

export function unwrapPolicy(body) {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const keys = Object.keys(body);
    if (keys.length === 1 && keys[0] === 'policy' && body.policy && typeof body.policy === 'object') return body.policy;
  }
  return body;
}

function rolloverActions(policy) {
  const out = [];
  for (const state of Array.isArray(policy?.states) ? policy.states : []) {
    for (const action of Array.isArray(state?.actions) ? state.actions : []) {
      if (action && typeof action === 'object' && action.rollover && typeof action.rollover === 'object') out.push(action);
    }
  }
  return out;
}

function num(doc, key, dflt, ok, what) {
  const v = doc[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw new ConfigError(`\`${key}\` must be ${what}, got ${JSON.stringify(doc[key])}`);
  }
  return v;
}

/** Parse and validate the plugin config; throws ConfigError (the run ends `terminal`). */
export function parseConfig(text, clusters) {
  let doc;
  try {
    doc = text && text.trim() ? JSON.parse(text) : {};
  } catch (e) {
    throw new ConfigError(`config is not valid JSON: ${e.message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('config must be a JSON object');
  if (!clusters || clusters.length === 0) throw new ConfigError('the tenant has no clusters');

  let cluster = doc.cluster ?? clusters[0];
  if (typeof cluster !== 'string' || !clusters.includes(cluster)) {
    throw new ConfigError(`\`cluster\` ${JSON.stringify(doc.cluster)} is not one of the tenant's clusters ${JSON.stringify(clusters)}`);
  }
  const aliases = doc.aliases;
  if (!Array.isArray(aliases) || aliases.length === 0 || !aliases.every((a) => typeof a === 'string' && a.length > 0)) {
    throw new ConfigError('`aliases` must be a non-empty list of write alias names');
  }
  if (new Set(aliases).size !== aliases.length) throw new ConfigError('`aliases` has duplicates');
  const policyId = doc.policy_id;
  if (typeof policyId !== 'string' || !policyId) throw new ConfigError('`policy_id` is required');
  const policy = unwrapPolicy(doc.policy);
  if (!policy || typeof policy !== 'object' || Array.isArray(policy)) throw new ConfigError('`policy` (the template policy object) is required');
  const rollovers = rolloverActions(policy);
  if (rollovers.length === 0) throw new ConfigError('`policy` has no rollover action to tune');
  if (rollovers.some((a) => 'any_of' in a.rollover)) throw new ConfigError('`policy` rollover uses `any_of`; use flat conditions');

  const target = parseByteSize(doc.target_primary_shard_size ?? '30gb');
  if (target === null) throw new ConfigError(`\`target_primary_shard_size\` must be a size like "30gb", got ${JSON.stringify(doc.target_primary_shard_size)}`);
  let minDocCount = null;
  if (doc.min_doc_count !== undefined && doc.min_doc_count !== null) {
    minDocCount = num(doc, 'min_doc_count', null, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  }
  const cfg = {
    cluster,
    aliases,
    policyId,
    policy,
    targetBytes: target,
    bufferPct: num(doc, 'buffer_pct', 12, (v) => v >= 0 && v < 100, 'a number in [0, 100)'),
    hysteresisPct: num(doc, 'hysteresis_pct', 10, (v) => v >= 0 && v <= 100, 'a number in [0, 100]'),
    minDocCount,
    ewmaAlpha: num(doc, 'ewma_alpha', 0.3, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    syncBatch: num(doc, 'sync_batch', 50, (v) => Number.isInteger(v) && v >= 1 && v <= MAX_SYNC_BATCH, `an integer in [1, ${MAX_SYNC_BATCH}]`),
    warnings: [],
  };
  const unknown = Object.keys(doc).filter((k) => !KNOWN_KEYS.includes(k)).sort();
  if (unknown.length) cfg.warnings.push(`unknown config keys ignored: ${unknown.join(', ')}`);
  return cfg;
}

/** The policy id of an alias: `policy_id` with `{alias}` replaced, so one template can give
 * each alias its own policy. Without the placeholder, all aliases share one policy. */
export function policyIdFor(cfg, alias) {
  return cfg.policyId.split('{alias}').join(alias);
}

/** The write index of an alias from its `_cat/aliases` rows, or null when ambiguous. */
export function writeIndexOf(rows) {
  const writes = rows.filter((r) => r.isWriteIndex === true);
  if (writes.length === 1) return writes[0].index;
  if (writes.length === 0 && rows.length === 1) return rows[0].index;
  return null;
}

/**
 * Ingest since the previous observation.
 * `prev` = {t, write, docs, bytes} (or null); `rows` = index -> {docs, bytes} (primaries).
 * Across a rollover, ingest = what the old write index gained after `prev` + all of the new one.
 * Store size can shrink (merges), so a delta is never negative. Returns null without a baseline.
 */
export function ingestSince(prev, write, rows, nowMs) {
  const cur = rows[write];
  if (!prev || !cur || cur.docs == null || cur.bytes == null) return null;
  const dtMs = nowMs - prev.t;
  if (!(dtMs > 0)) return null;
  let dDocs;
  let dBytes;
  if (prev.write === write) {
    dDocs = Math.max(0, cur.docs - prev.docs);
    dBytes = Math.max(0, cur.bytes - prev.bytes);
  } else {
    const old = rows[prev.write];
    dDocs = cur.docs + (old && old.docs != null ? Math.max(0, old.docs - prev.docs) : 0);
    dBytes = cur.bytes + (old && old.bytes != null ? Math.max(0, old.bytes - prev.bytes) : 0);
  }
  return { dtMs, dDocs, dBytes };
}

export function ewma(prev, sample, alpha) {
  return prev == null ? sample : alpha * sample + (1 - alpha) * prev;
}

/**
 * Fold one tick's observation into the alias state.
 * `prev` = the stored state or null; returns the new state
 * {t, write, docs, bytes, bph, dph, samples} where bph/dph are the EWMA-smoothed bytes and docs
 * per hour *per primary shard* of the write index (null until two observations exist).
 */
export function observe(prev, write, rows, nowMs, alpha) {
  const cur = rows[write];
  const primaries = Math.max(1, cur?.primaries || 1);
  const d = ingestSince(prev, write, rows, nowMs);
  const next = {
    t: nowMs,
    write,
    docs: cur?.docs ?? 0,
    bytes: cur?.bytes ?? 0,
    bph: prev?.bph ?? null,
    dph: prev?.dph ?? null,
    samples: prev?.samples ?? 0,
  };
  if (d) {
    const perHour = HOUR_MS / d.dtMs / primaries;
    next.bph = ewma(prev?.bph ?? null, d.dBytes * perHour, alpha);
    next.dph = ewma(prev?.dph ?? null, d.dDocs * perHour, alpha);
    next.samples += 1;
  }
  return next;
}

/**
 * Rollover thresholds for one alias:
 *   size    = target, capped at 50 GB when the write index has replicas;
 *   ageMs   = size / (bytes per hour per primary) x (1 - buffer), clamped to 4 h .. 7 d,
 *             rounded to whole minutes (no ingest: 7 d);
 *   docs    = the configured `min_doc_count`, if any.
 */
export function thresholds(cfg, bytesPerHourPerPrimary, replicas) {
  const sizeBytes = replicas > 0 ? Math.min(cfg.targetBytes, REPLICATED_SIZE_CAP) : cfg.targetBytes;
  let ageMs = MAX_AGE_MS;
  if (bytesPerHourPerPrimary > 0) {
    ageMs = (sizeBytes / bytesPerHourPerPrimary) * HOUR_MS * (1 - cfg.bufferPct / 100);
  }
  ageMs = Math.min(MAX_AGE_MS, Math.max(MIN_AGE_MS, ageMs));
  ageMs = Math.round(ageMs / 60_000) * 60_000;
  return { ageMs, sizeBytes, minDocCount: cfg.minDocCount };
}

/** Several aliases sharing a policy: the most conservative (smallest) age and size. */
export function combine(list) {
  if (list.length === 0) return null;
  return list.reduce((a, b) => ({
    ageMs: Math.min(a.ageMs, b.ageMs),
    sizeBytes: Math.min(a.sizeBytes, b.sizeBytes),
    minDocCount: a.minDocCount,
  }));
}

/** Whether `next` moves far enough from what was applied to be worth a policy write. */
export function shouldApply(applied, next, hysteresisPct) {
  if (!applied) return true;
  if (applied.sizeBytes !== next.sizeBytes || (applied.minDocCount ?? null) !== (next.minDocCount ?? null)) return true;
  if (!(applied.ageMs > 0)) return true;
  return Math.abs(next.ageMs - applied.ageMs) / applied.ageMs > hysteresisPct / 100;
}

/** The template policy with every rollover action's conditions set. */
export function renderPolicy(template, t) {
  const policy = JSON.parse(JSON.stringify(template));
  for (const action of rolloverActions(policy)) {
    action.rollover.min_index_age = formatAge(t.ageMs);
    action.rollover.min_primary_shard_size = formatByteSize(t.sizeBytes);
    if (t.minDocCount != null) action.rollover.min_doc_count = t.minDocCount;
  }
  return policy;
}

/** JSON with sorted keys, so the same policy is always sent as the same bytes. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function parseState(text) {
  if (!text) return null;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** Human-readable bytes for logs: 1.5 GB, 300 MB. */
export function humanBytes(bytes) {
  if (bytes >= GB) return `${(bytes / GB).toFixed(2)} GB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}
