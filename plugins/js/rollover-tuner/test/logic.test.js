import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from '../src/logic.js';
import { TEMPLATE } from './fixtures.js';

const GB = L.GB;
const H = L.HOUR_MS;
const base = (extra = {}) => JSON.stringify({ aliases: ['logs'], policy_id: 'logs-policy', policy: TEMPLATE, ...extra });

test('config defaults', () => {
  const c = L.parseConfig(base(), ['prod', 'dr']);
  assert.equal(c.cluster, 'prod');
  assert.deepEqual(c.aliases, ['logs']);
  assert.equal(c.targetBytes, 30 * GB);
  assert.equal(c.bufferPct, 12);
  assert.equal(c.hysteresisPct, 10);
  assert.equal(c.minDocCount, null);
  assert.equal(c.ewmaAlpha, 0.3);
  assert.equal(c.syncBatch, 50);
  assert.deepEqual(c.warnings, []);
});

test('config accepts all keys and the policy wrapper', () => {
  const c = L.parseConfig(base({
    cluster: 'dr', policy: { policy: TEMPLATE }, target_primary_shard_size: '40gb', buffer_pct: 5,
    hysteresis_pct: 20, min_doc_count: 1000, ewma_alpha: 0.5, sync_batch: 7, extra: 1,
  }), ['prod', 'dr']);
  assert.equal(c.cluster, 'dr');
  assert.deepEqual(c.policy, TEMPLATE);
  assert.equal(c.targetBytes, 40 * GB);
  assert.deepEqual([c.bufferPct, c.hysteresisPct, c.minDocCount, c.ewmaAlpha, c.syncBatch], [5, 20, 1000, 0.5, 7]);
  assert.deepEqual(c.warnings, ['unknown config keys ignored: extra']);
});

test('config rejects', () => {
  const cases = [
    ['nope', ['a']],
    ['[]', ['a']],
    [base(), []],
    [base({ cluster: 'x' }), ['a']],
    [base({ aliases: [] }), ['a']],
    [base({ aliases: ['a', 'a'] }), ['a']],
    [base({ policy_id: '' }), ['a']],
    [base({ policy: { states: [{ name: 'x', actions: [{ delete: {} }] }] } }), ['a']],
    [base({ policy: { states: [{ name: 'x', actions: [{ rollover: { any_of: [] } }] }] } }), ['a']],
    [base({ target_primary_shard_size: '30 parsecs' }), ['a']],
    [base({ buffer_pct: 100 }), ['a']],
    [base({ hysteresis_pct: -1 }), ['a']],
    [base({ min_doc_count: 0 }), ['a']],
    [base({ min_doc_count: 1.5 }), ['a']],
    [base({ ewma_alpha: 0 }), ['a']],
    [base({ sync_batch: 0 }), ['a']],
    [base({ sync_batch: '5' }), ['a']],
  ];
  for (const [text, clusters] of cases) {
    assert.throws(() => L.parseConfig(text, clusters), L.ConfigError, text);
  }
});

test('byte sizes and ages', () => {
  assert.equal(L.parseByteSize('30gb'), 30 * GB);
  assert.equal(L.parseByteSize('1.5GB'), 1.5 * GB);
  assert.equal(L.parseByteSize('512 mb'), 512 * 1024 ** 2);
  assert.equal(L.parseByteSize(1000), 1000);
  assert.equal(L.parseByteSize('0gb'), null);
  assert.equal(L.parseByteSize('x'), null);
  assert.equal(L.formatByteSize(30 * GB), '30gb');
  assert.equal(L.formatByteSize(1.5 * GB), '1536mb');
  assert.equal(L.formatByteSize(1000), '1000b');
  assert.equal(L.formatAge(7 * 24 * H), '7d');
  assert.equal(L.formatAge(14 * H), '14h');
  assert.equal(L.formatAge(10.5 * H), '630m');
  assert.equal(L.formatAge(10), '1m');
});

test('policy id placeholder', () => {
  const c = L.parseConfig(base({ policy_id: 'tuned-{alias}' }), ['a']);
  assert.equal(L.policyIdFor(c, 'logs'), 'tuned-logs');
  assert.equal(L.policyIdFor(L.parseConfig(base(), ['a']), 'logs'), 'logs-policy');
});

test('write index', () => {
  assert.equal(L.writeIndexOf([{ index: 'a-1', isWriteIndex: null }]), 'a-1');
  assert.equal(L.writeIndexOf([{ index: 'a-1', isWriteIndex: false }, { index: 'a-2', isWriteIndex: true }]), 'a-2');
  assert.equal(L.writeIndexOf([{ index: 'a-1', isWriteIndex: null }, { index: 'a-2', isWriteIndex: null }]), null);
  assert.equal(L.writeIndexOf([]), null);
});

test('ingest across ticks and a rollover', () => {
  const prev = { t: 0, write: 'a-1', docs: 100, bytes: 1000 };
  assert.deepEqual(L.ingestSince(prev, 'a-1', { 'a-1': { docs: 160, bytes: 1600 } }, H), { dtMs: H, dDocs: 60, dBytes: 600 });
  // Rolled over: the rest of a-1 plus all of a-2.
  assert.deepEqual(
    L.ingestSince(prev, 'a-2', { 'a-1': { docs: 150, bytes: 1500 }, 'a-2': { docs: 10, bytes: 100 } }, H),
    { dtMs: H, dDocs: 60, dBytes: 600 },
  );
  // The old index is gone: only the new one counts.
  assert.deepEqual(L.ingestSince(prev, 'a-2', { 'a-2': { docs: 10, bytes: 100 } }, H), { dtMs: H, dDocs: 10, dBytes: 100 });
  // Merges shrink the store: never negative.
  assert.equal(L.ingestSince(prev, 'a-1', { 'a-1': { docs: 100, bytes: 900 } }, H).dBytes, 0);
  assert.equal(L.ingestSince(null, 'a-1', { 'a-1': { docs: 1, bytes: 1 } }, H), null);
  assert.equal(L.ingestSince(prev, 'a-1', { 'a-1': { docs: 1, bytes: 1 } }, 0), null);
});

test('observe smooths per primary shard with an EWMA', () => {
  const rows = (docs, bytes) => ({ 'a-1': { docs, bytes, primaries: 2 } });
  let s = L.observe(null, 'a-1', rows(0, 0), 0, 0.5);
  assert.equal(s.bph, null);
  assert.equal(s.samples, 0);
  s = L.observe(s, 'a-1', rows(100, 4 * GB), H, 0.5);
  assert.equal(s.bph, 2 * GB); // 4 GB/h over 2 primaries; the first sample is taken as is
  assert.equal(s.dph, 50);
  s = L.observe(s, 'a-1', rows(200, 12 * GB), 2 * H, 0.5);
  assert.equal(s.bph, 0.5 * 4 * GB + 0.5 * 2 * GB);
  assert.equal(s.samples, 2);
  assert.equal(L.ewma(null, 5, 0.3), 5);
  assert.equal(L.ewma(10, 20, 0.3), 13);
});

test('thresholds: age from velocity, buffer, clamps and the replica cap', () => {
  const c = L.parseConfig(base(), ['a']);
  // 30 GB at 1 GB/h/primary = 30 h, minus 12 % = 26.4 h.
  assert.deepEqual(L.thresholds(c, GB, 1), { ageMs: 26.4 * H, sizeBytes: 30 * GB, minDocCount: null });
  assert.equal(L.thresholds(c, 100 * GB, 1).ageMs, L.MIN_AGE_MS);
  assert.equal(L.thresholds(c, 1, 1).ageMs, L.MAX_AGE_MS);
  assert.equal(L.thresholds(c, 0, 1).ageMs, L.MAX_AGE_MS);
  const big = L.parseConfig(base({ target_primary_shard_size: '80gb', min_doc_count: 5 }), ['a']);
  assert.equal(L.thresholds(big, GB, 1).sizeBytes, 50 * GB);
  assert.equal(L.thresholds(big, GB, 0).sizeBytes, 80 * GB);
  assert.equal(L.thresholds(big, GB, 1).ageMs, 44 * H); // 50 h - 12 %
  assert.equal(L.thresholds(big, GB, 1).minDocCount, 5);
  // Whole minutes.
  assert.equal(L.thresholds(c, 7 * GB, 1).ageMs % 60_000, 0);
});

test('combine picks the most conservative values', () => {
  assert.equal(L.combine([]), null);
  assert.deepEqual(
    L.combine([{ ageMs: 5 * H, sizeBytes: 30 * GB, minDocCount: null }, { ageMs: 9 * H, sizeBytes: 20 * GB, minDocCount: null }]),
    { ageMs: 5 * H, sizeBytes: 20 * GB, minDocCount: null },
  );
});

test('hysteresis', () => {
  const t = (h, size = 30 * GB, docs = null) => ({ ageMs: h * H, sizeBytes: size, minDocCount: docs });
  assert.equal(L.shouldApply(null, t(10), 10), true);
  assert.equal(L.shouldApply(t(10), t(11), 10), false); // exactly 10 %: not more than
  assert.equal(L.shouldApply(t(10), t(11.1), 10), true);
  assert.equal(L.shouldApply(t(10), t(8.9), 10), true);
  assert.equal(L.shouldApply(t(10), t(9.5), 10), false);
  assert.equal(L.shouldApply(t(10), t(10, 20 * GB), 10), true);
  assert.equal(L.shouldApply(t(10), t(10, 30 * GB, 5), 10), true);
  assert.equal(L.shouldApply(t(10), t(10.1), 0), true);
});

test('render sets every rollover action and keeps the rest', () => {
  const p = L.renderPolicy(TEMPLATE, { ageMs: 26.4 * H, sizeBytes: 30 * GB, minDocCount: 100 });
  assert.deepEqual(p.states[0].actions[0].rollover, { min_index_age: '1584m', min_primary_shard_size: '30gb', min_doc_count: 100, copy_alias: false });
  assert.deepEqual(p.states[0].transitions, TEMPLATE.states[0].transitions);
  assert.equal(TEMPLATE.states[0].actions[0].rollover.min_index_age, '1d'); // template untouched
  const q = L.renderPolicy(TEMPLATE, { ageMs: 4 * H, sizeBytes: 30 * GB, minDocCount: null });
  assert.equal('min_doc_count' in q.states[0].actions[0].rollover, false);
});

test('canonical JSON and state parsing', () => {
  assert.equal(L.canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
  assert.equal(L.parseState(undefined), null);
  assert.equal(L.parseState('junk'), null);
  assert.equal(L.parseState('[1]'), null);
  assert.deepEqual(L.parseState('{"a":1}'), { a: 1 });
});
