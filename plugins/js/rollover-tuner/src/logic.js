// Decision logic of rollover-tuner, over plain data: a line-by-line port of the Rust twin's
// `plugins/rust/rollover-tuner/src/logic.rs`. No host calls, no WIT types; runs under `node --test`.
//
// Integers that are u64 in Rust and come from the config or feed a formatted string (sizes,
// durations, `min_doc_count`, the template fingerprint, the thresholds) are BigInt here, so
// nothing is rounded; sampled counters and timestamps are Numbers (exact below 2^53).

import {
  parse as parseJson, stringify, struct, formatF64, utf8, rustTrim, isObject, clone, insert,
  cmpStr, quote, JNum, JsonError, DUPLICATES,
} from './json.js';
import * as units from './units.js';
import * as policy from './policy.js';

const { GB, MINUTE_MS, HOUR_MS, DAY_MS } = units;
const HOUR_MS_F = Number(HOUR_MS);
const U32_MAX = 0xffff_ffffn;
const U64_MAX = (1n << 64n) - 1n;

/** An invalid configuration: the run ends `terminal` with this message. */
export class ConfigError extends Error {}

/** `bad(field, why)`: `invalid config at `field`: why`. */
const bad = (field, why) => new ConfigError(`invalid config at \`${field}\`: ${why}`);

// The fields of the twin's `Config`, in declaration order (serde reports the first missing
// required field in this order). `aliases` is accepted as another name of `write_aliases`.
const FIELDS = [
  'cluster', 'policy_id', 'policy', 'write_aliases', 'rollover_state', 'target_primary_shard_size',
  'buffer_pct', 'min_age', 'max_age', 'min_doc_count', 'hysteresis_pct', 'ewma_alpha',
  'replicated_size_cap', 'sync_batch', 'min_sample_interval',
];
const FIELD_ALIASES = { aliases: 'write_aliases' };
const REQUIRED = ['policy_id', 'policy', 'write_aliases'];

/** How serde names a JSON value in `invalid type` errors. */
function unexpected(v) {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (v instanceof JNum) return v.kind === 'f64' ? `floating point \`${formatF64(v.value)}\`` : `integer \`${v.value}\``;
  if (Array.isArray(v)) return 'sequence';
  return 'map';
}

const invalidType = (v, expected) => new JsonError(`invalid type: ${unexpected(v)}, expected ${expected}`);

// serde's primitive visitors for JSON values.
const de = {
  string(v) {
    if (typeof v !== 'string') throw invalidType(v, 'a string');
    return v;
  },
  optString: (v) => (v === null ? null : de.string(v)),
  f64(v) {
    if (!(v instanceof JNum)) throw invalidType(v, 'f64');
    return v.toNumber();
  },
  optF64: (v) => (v === null ? null : de.f64(v)),
  /** u64 (or u32 with `max`) as BigInt; an f64, even `1.0`, is refused as serde_json does. */
  uint(v, name = 'u64', max = U64_MAX) {
    if (!(v instanceof JNum) || v.kind === 'f64') throw invalidType(v, name);
    if (v.kind === 'i64' || v.value > max) throw new JsonError(`invalid value: integer \`${v.value}\`, expected ${name}`);
    return v.value;
  },
  optU64: (v) => (v === null ? null : de.uint(v)),
  strings(v) {
    if (!Array.isArray(v)) throw invalidType(v, 'a sequence');
    return v.map((s, i) => {
      try {
        return de.string(s);
      } catch (e) {
        throw Object.assign(e, { index: i });
      }
    });
  },
  size(v) {
    return units.parseSize(de.string(v));
  },
  durationMs(v) {
    return units.parseDurationMs(de.string(v));
  },
};

/** Decode one field; errors become `invalid config at `field`: ...`. */
function field(name, fn, v) {
  try {
    return fn(v);
  } catch (e) {
    if (e instanceof JsonError || e instanceof units.UnitError) {
      const path = e.index === undefined ? name : `${name}[${e.index}]`;
      throw new ConfigError(`invalid config at \`${path}\`: ${e.message}`);
    }
    throw e;
  }
}

/**
 * `Config::parse`: parse and check the configuration; every error is a ConfigError naming the
 * field. Same keys, defaults and validation as the Rust twin (unknown keys are rejected).
 */
export function parseConfig(text) {
  const trimmed = rustTrim(text ?? '');
  const source = trimmed === '' || trimmed === 'null' ? '{}' : trimmed;
  let doc;
  try {
    // Like the SDK's `parse_config`: whatever follows the config object is not read.
    doc = parseJson(source, { trailing: true });
  } catch (e) {
    if (e instanceof JsonError) {
      throw new ConfigError(e.path ? `invalid config at \`${e.path}\`: ${e.message}` : `invalid config: ${e.message}`);
    }
    throw e;
  }
  if (!isObject(doc)) throw new ConfigError(`invalid config: ${invalidType(doc, 'struct Config').message}`);

  // Like serde's derived visitor: fields in document order (an unknown, repeated or mistyped
  // one fails at once), then the missing required ones, then the defaults.
  const DECODE = {
    cluster: de.optString,
    policy_id: de.string,
    policy: (v) => v,
    write_aliases: de.strings,
    rollover_state: de.optString,
    target_primary_shard_size: de.size,
    buffer_pct: de.f64,
    min_age: de.durationMs,
    max_age: de.durationMs,
    min_doc_count: de.optU64,
    hysteresis_pct: de.f64,
    ewma_alpha: de.f64,
    replicated_size_cap: de.size,
    sync_batch: (v) => de.uint(v, 'u32', U32_MAX),
    min_sample_interval: de.durationMs,
  };
  const seen = new Map(); // field -> decoded value
  const dups = new Set(doc[DUPLICATES] ?? []);
  for (const key of Object.keys(doc)) {
    const name = FIELD_ALIASES[key] ?? key;
    if (!FIELDS.includes(name)) {
      throw new ConfigError(`invalid config at \`${key}\`: unknown field \`${key}\`, expected one of ${FIELDS.map((f) => `\`${f}\``).join(', ')} (or \`aliases\` for \`write_aliases\`)`);
    }
    if (seen.has(name) || dups.has(key)) throw new ConfigError(`invalid config: duplicate field \`${name}\``);
    seen.set(name, field(key, DECODE[name], doc[key]));
  }
  for (const name of REQUIRED) {
    if (!seen.has(name)) throw new ConfigError(`invalid config: missing field \`${name}\``);
  }
  const opt = (name, dflt) => (seen.has(name) ? seen.get(name) : dflt);
  const cfg = {
    cluster: opt('cluster', null),
    policyId: seen.get('policy_id'),
    policy: policy.unwrapPolicy(clone(seen.get('policy'))),
    writeAliases: seen.get('write_aliases'),
    rolloverState: opt('rollover_state', null),
    targetPrimaryShardSize: opt('target_primary_shard_size', 30n * GB),
    bufferPct: opt('buffer_pct', 12.0),
    minAge: opt('min_age', 4n * HOUR_MS),
    maxAge: opt('max_age', 7n * DAY_MS),
    minDocCount: opt('min_doc_count', null),
    hysteresisPct: opt('hysteresis_pct', 10.0),
    ewmaAlpha: opt('ewma_alpha', 0.3),
    replicatedSizeCap: opt('replicated_size_cap', 50n * GB),
    syncBatch: Number(opt('sync_batch', 20n)),
    minSampleInterval: opt('min_sample_interval', 5n * MINUTE_MS),
  };
  validate(cfg);
  // The template's fingerprint: FNV-1a of `policy.to_string()` (sorted keys, compact).
  cfg.template = fnv(stringify(cfg.policy));
  return cfg;
}

function validate(c) {
  if (rustTrim(c.policyId) === '') throw bad('policy_id', 'must not be empty');
  if (c.writeAliases.length === 0 || c.writeAliases.some((a) => a === '')) {
    throw bad('write_aliases', 'needs at least one non-empty alias');
  }
  if (!(c.bufferPct >= 0 && c.bufferPct < 100)) throw bad('buffer_pct', 'must be in [0, 100)');
  if (!(c.ewmaAlpha > 0 && c.ewmaAlpha <= 1)) throw bad('ewma_alpha', 'must be in (0, 1]');
  if (!(c.hysteresisPct >= 0 && Number.isFinite(c.hysteresisPct))) throw bad('hysteresis_pct', 'must be >= 0');
  if (c.minAge === 0n || c.minAge > c.maxAge) throw bad('min_age', 'must be > 0 and <= max_age');
  if (c.targetPrimaryShardSize === 0n) throw bad('target_primary_shard_size', 'must be > 0');
  if (c.minDocCount === 0n) throw bad('min_doc_count', 'must be > 0 when set');
  if (c.syncBatch === 0) throw bad('sync_batch', 'must be > 0');
  let state = c.rolloverState;
  if (state === null) {
    state = policy.statesWithAction(c.policy, 'rollover')[0];
    if (state === undefined) throw bad('policy', 'no state has a rollover action');
  }
  if (policy.rollover(c.policy, state) === undefined) {
    throw bad('rollover_state', `state \`${state}\` has no rollover action`);
  }
  c.rolloverState = state;
}

// ---------------------------------------------------------------------------------------------
// Samples and velocity.

/**
 * What is kept in `state` per write alias between ticks (`alias/<alias>`):
 * {tMs, indices: Map(index -> {docs, bytes, createdMs}), shardBytesH, docsH}, the last two
 * being the smoothed primary bytes per hour per primary shard of the write index and the
 * smoothed documents per hour of the whole alias (null until two samples).
 */
export function aliasState(tMs, indices, shardBytesH = null, docsH = null) {
  return { tMs, indices, shardBytesH, docsH };
}

const u64Text = (n) => BigInt(n).toString();

/** The JSON the twin stores for an `AliasState` (serde: fields in order, map keys sorted). */
export function encodeAliasState(s) {
  const names = [...s.indices.keys()].sort(cmpStr);
  const indices = `{${names.map((n) => {
    const x = s.indices.get(n);
    return `${quote(n)}:${struct([['docs', u64Text(x.docs)], ['bytes', u64Text(x.bytes)], ['created_ms', u64Text(x.createdMs)]])}`;
  }).join(',')}}`;
  const opt = (v) => (v === null ? 'null' : formatF64(v));
  return struct([['t_ms', u64Text(s.tMs)], ['indices', indices], ['shard_bytes_h', opt(s.shardBytesH)], ['docs_h', opt(s.docsH)]]);
}

/** Decode a `#[derive(Deserialize)]` struct from a parsed object: `fields` = {name: [decoder,
 * required]}; unknown keys are ignored, a repeated known key is an error (as serde does). */
function decodeStruct(v, what, fields) {
  if (!isObject(v)) throw invalidType(v, `struct ${what}`);
  for (const k of v[DUPLICATES] ?? []) {
    if (k in fields) throw new JsonError(`duplicate field \`${k}\``);
  }
  const out = {};
  for (const [name, [fn, required]] of Object.entries(fields)) {
    if (Object.prototype.hasOwnProperty.call(v, name)) out[name] = fn(v[name]);
    else if (required) throw new JsonError(`missing field \`${name}\``);
    else out[name] = null;
  }
  return out;
}

function decodeSample(v) {
  const s = decodeStruct(v, 'IndexSample', { docs: [de.uint, true], bytes: [de.uint, true], created_ms: [de.uint, true] });
  return { docs: Number(s.docs), bytes: Number(s.bytes), createdMs: Number(s.created_ms) };
}

/** `state::decode::<AliasState>`; throws JsonError like serde would. */
export function decodeAliasState(text) {
  const s = decodeStruct(parseJson(text), 'AliasState', {
    t_ms: [de.uint, true],
    indices: [(m) => {
      if (!isObject(m)) throw invalidType(m, 'a map');
      return new Map(Object.keys(m).map((k) => [k, decodeSample(m[k])]));
    }, true],
    shard_bytes_h: [de.optF64, false],
    docs_h: [de.optF64, false],
  });
  return aliasState(Number(s.t_ms), s.indices, s.shard_bytes_h, s.docs_h);
}

/** Exponentially weighted moving average; the first sample initialises it. */
export function ewma(prev, sample, alpha) {
  return prev === null || prev === undefined ? sample : alpha * sample + (1.0 - alpha) * prev;
}

/**
 * Fold a new sample into the alias state (`logic::update`). `current` = Map(index ->
 * {docs, bytes, createdMs}). Growth is summed over the alias's indices, so a rollover between
 * two ticks counts both the old index's tail and the new index; an index that appeared with the
 * alias but was created before the previous sample is ignored (its size is not new ingest).
 * Too soon after the previous sample (< `min_sample_interval`, at least 1 ms) the previous
 * state is kept as is. Returns [next state, whether a velocity was measured].
 */
export function update(prev, nowMs, current, primaries, cfg) {
  if (!prev) return [aliasState(nowMs, current, null, null), false];
  const dt = Math.max(0, nowMs - prev.tMs);
  const minInterval = cfg.minSampleInterval > 1n ? cfg.minSampleInterval : 1n;
  if (dt < minInterval) return [prev, false];
  let dBytes = 0;
  let dDocs = 0;
  for (const name of [...current.keys()].sort(cmpStr)) {
    const cur = current.get(name);
    const p = prev.indices.get(name);
    if (p !== undefined) {
      dBytes += Math.max(0, cur.bytes - p.bytes);
      dDocs += Math.max(0, cur.docs - p.docs);
    } else if (cur.createdMs >= prev.tMs) {
      dBytes += cur.bytes;
      dDocs += cur.docs;
    }
  }
  const hours = dt / HOUR_MS_F;
  const shardRate = dBytes / hours / Math.max(primaries, 1);
  const docsRate = dDocs / hours;
  return [
    aliasState(nowMs, current, ewma(prev.shardBytesH, shardRate, cfg.ewmaAlpha), ewma(prev.docsH, docsRate, cfg.ewmaAlpha)),
    true,
  ];
}

// ---------------------------------------------------------------------------------------------
// Thresholds.

/**
 * The thresholds written into the policy: {minIndexAgeMs, minPrimaryShardSize, minDocCount,
 * template}, all BigInt (minDocCount may be null). `template` is the template's fingerprint,
 * so a changed template is applied even within the hysteresis.
 */
export function encodeThresholds(t) {
  return struct([
    ['min_index_age_ms', t.minIndexAgeMs.toString()],
    ['min_primary_shard_size', t.minPrimaryShardSize.toString()],
    ['min_doc_count', t.minDocCount === null ? 'null' : t.minDocCount.toString()],
    ['template', t.template.toString()],
  ]);
}

/** `state::decode::<Thresholds>`; throws JsonError like serde would. */
export function decodeThresholds(text) {
  const t = decodeStruct(parseJson(text), 'Thresholds', {
    min_index_age_ms: [de.uint, true],
    min_primary_shard_size: [de.uint, true],
    min_doc_count: [de.optU64, false],
    template: [de.uint, true],
  });
  return { minIndexAgeMs: t.min_index_age_ms, minPrimaryShardSize: t.min_primary_shard_size, minDocCount: t.min_doc_count, template: t.template };
}

/** The target primary shard size, capped for replicated indices. */
export function effectiveTarget(cfg, replicated) {
  if (!replicated) return cfg.targetPrimaryShardSize;
  return cfg.targetPrimaryShardSize < cfg.replicatedSizeCap ? cfg.targetPrimaryShardSize : cfg.replicatedSizeCap;
}

/** Rust's `f64 as u64`: truncate toward zero, saturate, NaN -> 0. */
function f64ToU64(x) {
  if (Number.isNaN(x) || x <= 0) return 0n;
  if (x >= 2 ** 64) return U64_MAX;
  return BigInt(Math.trunc(x));
}

/**
 * `min_index_age` = target / hourly ingest per primary shard, minus the buffer, clamped to
 * [min_age, max_age] and rounded **down** to a minute (never below min_age). No ingest gives
 * `max_age`. `target` is BigInt bytes, `shardBytesH` a Number; returns BigInt ms.
 */
export function minIndexAgeMs(target, shardBytesH, cfg) {
  if (Number.isNaN(shardBytesH) || shardBytesH <= 0.0) return cfg.maxAge;
  const hours = Number(target) / shardBytesH;
  const msF = hours * HOUR_MS_F * (1.0 - cfg.bufferPct / 100.0);
  const ms = Number.isFinite(msF)
    ? f64ToU64(Math.min(Math.max(msF, Number(cfg.minAge)), Number(cfg.maxAge)))
    : cfg.maxAge;
  const rounded = (ms / MINUTE_MS) * MINUTE_MS;
  return rounded > cfg.minAge ? rounded : cfg.minAge;
}

/** Compute the thresholds from the fastest alias's smoothed velocity. */
export function thresholds(cfg, shardBytesH, replicated) {
  const target = effectiveTarget(cfg, replicated);
  return {
    minIndexAgeMs: minIndexAgeMs(target, shardBytesH, cfg),
    minPrimaryShardSize: target,
    minDocCount: cfg.minDocCount,
    template: cfg.template ?? fnv(stringify(cfg.policy)),
  };
}

/**
 * Whether to apply `next` given what was applied last: always the first time, when the
 * template, the size or the doc floor changed, or when `min_index_age` moved by **more** than
 * the hysteresis (relative to the applied value).
 */
export function shouldApply(applied, next, hysteresisPct) {
  if (!applied) return true;
  if (applied.template !== next.template
    || applied.minPrimaryShardSize !== next.minPrimaryShardSize
    || applied.minDocCount !== next.minDocCount) {
    return true;
  }
  const old = Number(applied.minIndexAgeMs > 1n ? applied.minIndexAgeMs : 1n);
  const moved = (Math.abs(Number(next.minIndexAgeMs) - old) / old) * 100.0;
  return moved > hysteresisPct;
}

/**
 * The template with the rollover conditions of `rollover_state` set (`min_index_age`,
 * `min_primary_shard_size`, and `min_doc_count` when configured) and every `min_index_age`
 * transition of that state set to the same age. Everything else stays (other rollover
 * conditions are OR-ed with these). Returns a value of `json.js`; `stringify` it to send.
 */
export function render(cfg, t) {
  const p = clone(cfg.policy);
  const age = units.formatDurationMs(t.minIndexAgeMs);
  const r = policy.rollover(p, cfg.rolloverState);
  if (r === undefined) throw bad('rollover_state', 'no rollover action');
  insert(r, 'min_index_age', age);
  insert(r, 'min_primary_shard_size', units.formatSize(t.minPrimaryShardSize));
  if (t.minDocCount !== null) insert(r, 'min_doc_count', new JNum('u64', t.minDocCount));
  policy.setTransitionAge(p, cfg.rolloverState, null, age);
  return p;
}

const FNV_OFFSET = 0xcbf2_9ce4_8422_2325n;
const FNV_PRIME = 0x0100_0000_01b3n;

/** FNV-1a (64-bit) of the UTF-8 bytes of `s`, as a BigInt. */
export function fnv(s) {
  let h = FNV_OFFSET;
  for (const b of utf8(s)) h = ((h ^ BigInt(b)) * FNV_PRIME) & U64_MAX;
  return h;
}

/** Rust's `format!("{:.0}", x)` for x >= 0: round to an integer, ties to even, no exponent. */
export function fixed0(x) {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'NaN';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  const f = Math.floor(a);
  const d = a - f;
  const n = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  return `${neg ? '-' : ''}${BigInt(n)}`;
}

