// The Rust twin's unit tests (plugins/rust/rollover-tuner/src/logic.rs `mod tests`), ported
// case for case, plus what is specific to the JS side (the `aliases` key, JSON fidelity).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from '../src/logic.js';
import * as P from '../src/policy.js';
import * as J from '../src/json.js';
import { GB, HOUR_MS, MINUTE_MS, DAY_MS, formatDurationMs, formatSize, parseSize, parseDurationMs } from '../src/units.js';

const GBn = Number(GB);

/** `fn cfg(extra)` of the Rust tests. */
const cfg = (extra = '') => L.parseConfig(`{"policy_id":"logs","write_aliases":["logs"],${extra}
  "policy":{"default_state":"hot","states":[
    {"name":"hot","actions":[{"rollover":{"min_size":"100gb"}}],
     "transitions":[{"state_name":"warm","conditions":{"min_index_age":"1d"}}]},
    {"name":"warm","actions":[],"transitions":[]}]}}`);

const sample = (docs, gb, created) => ({ docs, bytes: gb * GBn, createdMs: created });
const parseErr = (text) => {
  try {
    L.parseConfig(text);
  } catch (e) {
    assert.ok(e instanceof L.ConfigError, String(e));
    return e.message;
  }
  return assert.fail(`parsed: ${text}`);
};

test('config_defaults_and_errors', () => {
  const c = cfg();
  assert.equal(c.targetPrimaryShardSize, 30n * GB);
  assert.equal(c.rolloverState, 'hot');
  assert.deepEqual([c.minAge, c.maxAge], [4n * HOUR_MS, 7n * DAY_MS]);
  assert.match(parseErr('{"policy_id":"p","write_aliases":["a"],"policy":{}}'), /`policy`/);
  assert.match(parseErr('{"policy_id":"p","write_aliases":["a"],"policy":{},"target_primary_shard_size":"30gib"}'), /target_primary_shard_size/);
  assert.match(parseErr('{"policy_id":"p","write_aliases":[],"policy":{}}'), /write_aliases/);
  assert.match(parseErr('{"policy_id":"p","write_aliases":["a"],"policy":{},"typo":1}'), /typo/);
});

test('config: every default of the twin', () => {
  const c = cfg();
  assert.equal(c.cluster, null);
  assert.deepEqual(c.writeAliases, ['logs']);
  assert.equal(c.bufferPct, 12);
  assert.equal(c.minDocCount, null);
  assert.equal(c.hysteresisPct, 10);
  assert.equal(c.ewmaAlpha, 0.3);
  assert.equal(c.replicatedSizeCap, 50n * GB);
  assert.equal(c.syncBatch, 20);
  assert.equal(c.minSampleInterval, 5n * MINUTE_MS);
});

test('config: `aliases` is another name for `write_aliases`', () => {
  const text = (key) => `{"policy_id":"p","${key}":["a","b"],"policy":{"states":[{"name":"s","actions":[{"rollover":{}}]}]}}`;
  assert.deepEqual(L.parseConfig(text('aliases')).writeAliases, ['a', 'b']);
  assert.deepEqual(L.parseConfig(text('write_aliases')).writeAliases, ['a', 'b']);
  assert.match(parseErr('{"policy_id":"p","write_aliases":["a"],"aliases":["b"],"policy":{}}'), /duplicate field `write_aliases`/);
  assert.match(parseErr('{"policy_id":"p","aliases":[],"policy":{}}'), /`aliases`.*|write_aliases/);
});

test('config: the same keys and checks as the twin', () => {
  const c = cfg('"cluster":"dr","rollover_state":"hot","target_primary_shard_size":"80gb","buffer_pct":5,"min_age":"1h","max_age":"30d",'
    + '"min_doc_count":1000,"hysteresis_pct":20,"ewma_alpha":0.5,"replicated_size_cap":"40gb","sync_batch":7,"min_sample_interval":"1m",');
  assert.deepEqual(
    [c.cluster, c.rolloverState, c.targetPrimaryShardSize, c.bufferPct, c.minAge, c.maxAge, c.minDocCount, c.hysteresisPct, c.ewmaAlpha, c.replicatedSizeCap, c.syncBatch, c.minSampleInterval],
    ['dr', 'hot', 80n * GB, 5, HOUR_MS, 30n * DAY_MS, 1000n, 20, 0.5, 40n * GB, 7, MINUTE_MS],
  );
  // Each check names its field (all `terminal`).
  for (const [extra, field] of [
    ['"buffer_pct":100,', 'buffer_pct'], ['"ewma_alpha":0,', 'ewma_alpha'], ['"hysteresis_pct":-1,', 'hysteresis_pct'],
    ['"min_age":"0",', 'min_age'], ['"min_age":"8d",', 'min_age'], ['"target_primary_shard_size":"0",', 'target_primary_shard_size'],
    ['"target_primary_shard_size":30,', 'target_primary_shard_size'], ['"min_doc_count":0,', 'min_doc_count'],
    ['"min_doc_count":1.5,', 'min_doc_count'], ['"sync_batch":0,', 'sync_batch'], ['"sync_batch":4294967296,', 'sync_batch'],
    ['"min_sample_interval":"1.5m",', 'min_sample_interval'], ['"rollover_state":"warm",', 'rollover_state'], ['"cluster":1,', 'cluster'],
  ]) {
    assert.match(parseErr(`{"policy_id":"logs","write_aliases":["logs"],${extra}"policy":{"states":[{"name":"hot","actions":[{"rollover":{}}]},{"name":"warm","actions":[]}]}}`), new RegExp(`^invalid config at \`${field}\``), extra);
  }
  assert.match(parseErr('{"policy_id":" ","write_aliases":["a"],"policy":{}}'), /`policy_id`/);
  assert.match(parseErr(''), /missing field `policy_id`/);
  // What the twin accepts and the old JS rejected: repeated aliases, any_of, big batches.
  assert.equal(L.parseConfig('{"policy_id":"p","write_aliases":["a","a"],"sync_batch":4294967295,"policy":{"states":[{"name":"s","actions":[{"rollover":{"any_of":[]}}]}]}}').syncBatch, 4294967295);
});

test('ewma_smooths', () => {
  assert.equal(L.ewma(null, 10.0, 0.3), 10.0);
  assert.ok(Math.abs(L.ewma(10.0, 20.0, 0.3) - 13.0) < 1e-9);
});

test('velocity_across_rollover', () => {
  const c = cfg();
  const t0 = 1_000_000;
  const cur = new Map([['logs-000001', sample(1000, 10, 0)]]);
  const [s0, m0] = L.update(null, t0, new Map(cur), 1, c);
  assert.equal(m0, false);
  // Too soon: keeps the old sample.
  const [soon, m1] = L.update(s0, t0 + 1000, new Map(cur), 1, c);
  assert.equal(m1, false);
  assert.deepEqual(soon, s0);
  // One hour later the old index grew 2 GB and a new one (rolled over) holds 1 GB.
  cur.set('logs-000001', sample(1200, 12, 0));
  cur.set('logs-000002', sample(100, 1, t0 + 10));
  // An old index that joined the alias is not ingest.
  cur.set('logs-old', sample(100, 40, 5));
  const [s1, m2] = L.update(s0, t0 + Number(HOUR_MS), cur, 3, c);
  assert.equal(m2, true);
  assert.ok(Math.abs(s1.shardBytesH - GBn) < 1.0);
  assert.ok(Math.abs(s1.docsH - 300.0) < 1e-6);
  // Stored as the twin stores it: fields in order, index names sorted, f64 with `.0`.
  assert.equal(
    L.encodeAliasState(s1),
    '{"t_ms":4600000,"indices":{"logs-000001":{"docs":1200,"bytes":12884901888,"created_ms":0},"logs-000002":{"docs":100,"bytes":1073741824,"created_ms":1000010},'
    + '"logs-old":{"docs":100,"bytes":42949672960,"created_ms":5}},"shard_bytes_h":1073741824.0,"docs_h":300.0}',
  );
  assert.deepEqual(L.decodeAliasState(L.encodeAliasState(s1)), s1);
});

test('age_computation_clamps_and_buffer', () => {
  const c = cfg();
  // 30 GB at 1 GB/h per shard = 30 h, minus 12 % = 26.4 h.
  assert.equal(L.minIndexAgeMs(30n * GB, GBn, c), 26n * HOUR_MS + 24n * MINUTE_MS);
  // Very fast ingest: clamped to 4 h.
  assert.equal(L.minIndexAgeMs(30n * GB, 100 * GBn, c), 4n * HOUR_MS);
  // Slow or no ingest: clamped to 7 d.
  assert.equal(L.minIndexAgeMs(30n * GB, 1.0, c), 7n * DAY_MS);
  assert.equal(L.minIndexAgeMs(30n * GB, 0.0, c), 7n * DAY_MS);
  assert.equal(L.minIndexAgeMs(30n * GB, NaN, c), 7n * DAY_MS);
  const c2 = cfg('"buffer_pct":0,"min_age":"1h",');
  assert.equal(L.minIndexAgeMs(30n * GB, 3.0 * GBn, c2), 10n * HOUR_MS);
  // Rounded *down* to a minute (the old JS rounded to the nearest): 30 GB at 6.5 GB/h, minus
  // 12 % = 243.69 min.
  assert.equal(formatDurationMs(L.minIndexAgeMs(30n * GB, 6.5 * GBn, cfg('"min_age":"1h",'))), '243m');
});

test('cap_for_replicated', () => {
  const c = cfg('"target_primary_shard_size":"80gb",');
  assert.equal(L.effectiveTarget(c, false), 80n * GB);
  assert.equal(L.effectiveTarget(c, true), 50n * GB);
  const t = L.thresholds(c, GBn, true);
  assert.equal(t.minPrimaryShardSize, 50n * GB);
  // 50 h * 0.88 = 44 h.
  assert.equal(t.minIndexAgeMs, 44n * HOUR_MS);
});

test('hysteresis', () => {
  const c = cfg();
  const a = L.thresholds(c, GBn, false);
  assert.equal(L.shouldApply(null, a, 10.0), true);
  const b = { ...a, minIndexAgeMs: (a.minIndexAgeMs * 109n) / 100n };
  assert.equal(L.shouldApply(a, b, 10.0), false);
  b.minIndexAgeMs = (a.minIndexAgeMs * 111n) / 100n;
  assert.equal(L.shouldApply(a, b, 10.0), true);
  b.minIndexAgeMs = (a.minIndexAgeMs * 85n) / 100n;
  assert.equal(L.shouldApply(a, b, 10.0), true);
  const d = { ...a, template: a.template ^ 1n };
  assert.equal(L.shouldApply(a, d, 10.0), true);
  // Exactly the hysteresis is not more than it.
  assert.equal(L.shouldApply({ ...a, minIndexAgeMs: 10n * HOUR_MS }, { ...a, minIndexAgeMs: 11n * HOUR_MS }, 10), false);
  assert.equal(L.shouldApply({ ...a, minDocCount: null }, { ...a, minDocCount: 5n }, 10), true);
});

test('render_edits_only_rollover_and_transition', () => {
  const c = cfg('"min_doc_count":1000,');
  const t = L.thresholds(c, 5.0 * GBn, false);
  const p = L.render(c, t);
  const r = P.rollover(p, 'hot');
  assert.equal(r.min_index_age, '316m');
  assert.equal(r.min_primary_shard_size, '30gb');
  assert.deepEqual(r.min_doc_count, J.JNum.u64(1000));
  assert.equal(r.min_size, '100gb');
  assert.equal(P.transitionAges(p, 'hot')[0][1], '316m');
  assert.ok(J.equal(p.states[1], c.policy.states[1]));
  // The template is not touched, and the body is serde_json's text: sorted keys, compact.
  assert.equal(P.rollover(c.policy, 'hot').min_index_age, undefined);
  assert.equal(
    J.stringify(p),
    '{"default_state":"hot","states":[{"actions":[{"rollover":{"min_doc_count":1000,"min_index_age":"316m","min_primary_shard_size":"30gb","min_size":"100gb"}}],'
    + '"name":"hot","transitions":[{"conditions":{"min_index_age":"316m"},"state_name":"warm"}]},{"actions":[],"name":"warm","transitions":[]}]}',
  );
});

test('render: only the rollover of `rollover_state`, every min_index_age transition of it', () => {
  const c = L.parseConfig(JSON.stringify({
    policy_id: 'p', write_aliases: ['a'], rollover_state: 'b',
    policy: { policy: { states: [
      { name: 'a', actions: [{ rollover: { min_index_age: '1d' } }], transitions: [{ state_name: 'b', conditions: { min_index_age: '1d' } }] },
      { name: 'b', actions: [{ rollover: {} }, { rollover: { min_size: '1gb' } }], transitions: [{ state_name: 'c', conditions: { min_index_age: '2d' } }, { state_name: 'd', conditions: { min_doc_count: 5 } }, { state_name: 'e', conditions: { min_index_age: '9d' } }] },
    ] } },
  }));
  const p = L.render(c, L.thresholds(c, GBn, false));
  assert.equal(P.rollover(p, 'a').min_index_age, '1d');
  assert.deepEqual(Object.keys(P.rollover(p, 'b')).sort(), ['min_index_age', 'min_primary_shard_size']);
  assert.deepEqual(Object.keys(p.states[1].actions[1].rollover), ['min_size']);
  assert.deepEqual(P.transitionAges(p, 'b'), [['c', '1584m'], ['e', '1584m']]);
  assert.deepEqual(P.transitionAges(p, 'a'), [['b', '1d']]);
});

test('template fingerprint: FNV-1a of the sorted compact JSON', () => {
  assert.equal(L.fnv(''), 0xcbf29ce484222325n);
  assert.equal(L.fnv('a'), 0xaf63dc4c8601ec8cn);
  const a = L.parseConfig('{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{}}]}],"x":1.0}}');
  const b = L.parseConfig('{"policy_id":"p","write_aliases":["a"],"policy":{"x":1.0,"states":[{"actions":[{"rollover":{}}],"name":"s"}]}}');
  const c = L.parseConfig('{"policy_id":"p","write_aliases":["a"],"policy":{"x":1,"states":[{"actions":[{"rollover":{}}],"name":"s"}]}}');
  assert.equal(a.template, b.template); // key order does not matter (serde_json sorts)
  assert.notEqual(a.template, c.template); // 1.0 is not 1
  assert.equal(J.stringify(a.policy), '{"states":[{"actions":[{"rollover":{}}],"name":"s"}],"x":1.0}');
  const t = L.thresholds(a, GBn, false);
  assert.equal(L.encodeThresholds(t), `{"min_index_age_ms":95040000,"min_primary_shard_size":32212254720,"min_doc_count":null,"template":${a.template}}`);
  assert.deepEqual(L.decodeThresholds(L.encodeThresholds(t)), t);
});

test('units as the SDK formats them', () => {
  assert.equal(formatDurationMs(26n * HOUR_MS + 24n * MINUTE_MS), '1584m');
  assert.equal(formatDurationMs(4n * HOUR_MS), '4h');
  assert.equal(formatDurationMs(7n * DAY_MS), '7d');
  assert.equal(formatDurationMs(90_000n), '90s');
  assert.equal(formatDurationMs(0n), '0s');
  assert.equal(formatSize(50n * GB), '50gb');
  assert.equal(formatSize(1536n * 1024n * 1024n), '1536mb');
  assert.equal(formatSize(0n), '0b');
  assert.equal(parseSize('1.5gb'), 3n * GB / 2n);
  assert.equal(parseDurationMs('5m'), 300_000n);
  assert.throws(() => parseDurationMs('1.5h'), /fractional/);
  assert.equal(L.fixed0(1024), '1024');
  assert.equal(L.fixed0(2.5), '2'); // ties to even, like Rust's {:.0}
  assert.equal(L.fixed0(3.5), '4');
});
