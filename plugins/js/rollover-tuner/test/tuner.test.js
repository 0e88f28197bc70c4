// The whole reconcile pass against an in-memory fake host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, HostError, Transient, Terminal } from '../src/tuner.js';
import { GB, HOUR_MS as H } from '../src/logic.js';
import { TEMPLATE } from './fixtures.js';

const MUTATIONS = ['ensurePolicy', 'syncManaged'];

class FakeHost {
  constructor() {
    this.dryRun = false;
    this.calls = [];
    this.logs = [];
    this.metrics = {};
    this.state = {};
    this.policies = {}; // id -> body text
    this.aliasRows = { logs: [{ alias: 'logs', index: 'logs-000001', isWriteIndex: true }] };
    this.rows = { 'logs-000001': { index: 'logs-000001', status: 'open', primaries: 1, replicas: 1, docs: 0, bytes: 0 } };
    this.behind = 0; // managed indices behind the policy after an update
    this.fail = {};
  }
  call(name, ...args) {
    this.calls.push([name, args]);
    if (this.fail[name]) throw this.fail[name];
  }
  mutations() { return this.calls.filter(([n]) => MUTATIONS.includes(n)); }
  log(level, msg) { this.logs.push([level, msg]); }
  setReason(r) { this.calls.push(['setReason', [r]]); }
  gauge(name, v, labels) { this.metrics[`${name}${JSON.stringify(labels)}`] = v; }
  counter(name, v, labels) { const k = `${name}${JSON.stringify(labels)}`; this.metrics[k] = (this.metrics[k] ?? 0) + v; }
  stateGet(k) { return this.state[k]; }
  stateSet(k, v) { this.state[k] = v; }
  aliases(cluster, pattern) { this.call('aliases', cluster, pattern); return this.aliasRows[pattern] ?? []; }
  indices(cluster, pattern) {
    this.call('indices', cluster, pattern);
    return pattern.split(',').map((n) => this.rows[n]).filter(Boolean);
  }
  ensurePolicy(cluster, id, body) {
    this.call('ensurePolicy', cluster, id, body);
    const before = this.policies[id];
    this.policies[id] = body;
    if (before === undefined) return 'created';
    if (before === body) return 'unchanged';
    this.behind = 3;
    return 'updated';
  }
  syncManaged(cluster, id, batch) {
    this.call('syncManaged', cluster, id, batch);
    const n = Math.min(batch, this.behind);
    this.behind -= n;
    return { changed: Array.from({ length: n }, (_, i) => `x-${i}`), remaining: this.behind };
  }
  /** Ingest `gb` GB (and 1000 docs per GB) into the write index. */
  ingest(gb, index = 'logs-000001') {
    this.rows[index].bytes += gb * GB;
    this.rows[index].docs += gb * 1000;
  }
  policyAge(id = 'logs-policy') {
    return JSON.parse(this.policies[id]).states[0].actions[0].rollover.min_index_age;
  }
}

const config = (extra = {}) => JSON.stringify({ aliases: ['logs'], policy_id: 'logs-policy', policy: TEMPLATE, ewma_alpha: 1, sync_batch: 2, ...extra });
const ctx = (t, extra = {}) => ({ nowMs: t, dryRun: false, clusters: ['prod'], config: config(extra) });

test('first tick only measures; second applies; steady ingest stays quiet', () => {
  const h = new FakeHost();
  assert.equal(reconcile(h, ctx(0)), 'rollover-tuner: no threshold change; measuring logs');
  assert.deepEqual(h.mutations(), []);

  h.ingest(1); // 1 GB/h on one primary: 30 GB / 1 GB/h = 30 h - 12 % = 26.4 h
  const s = reconcile(h, ctx(H));
  assert.equal(s, 'rollover-tuner: applied logs-policy min_index_age 1584m (first setting)');
  assert.equal(h.policyAge(), '1584m');
  assert.deepEqual(h.mutations().map(([n]) => n), ['ensurePolicy']); // created: nothing to sync
  assert.equal(h.metrics['rollover_tuner_min_index_age_seconds[["policy","logs-policy"]]'], 26.4 * 3600);
  assert.equal(h.metrics['rollover_tuner_ingest_bytes_per_hour[["alias","logs"]]'], GB);

  h.calls = [];
  h.ingest(1.05); // +5 %: inside the hysteresis
  assert.equal(reconcile(h, ctx(2 * H)), 'rollover-tuner: no threshold change');
  assert.deepEqual(h.mutations(), []);
});

test('a spike shortens min_index_age and syncs managed indices in batches', () => {
  const h = new FakeHost();
  reconcile(h, ctx(0));
  h.ingest(1);
  reconcile(h, ctx(H));
  h.calls = [];
  h.ingest(3); // 3 GB/h -> 10 h - 12 % = 8.8 h
  const s = reconcile(h, ctx(2 * H));
  assert.equal(s, 'rollover-tuner: applied logs-policy min_index_age 528m (was 1584m); synced 2 (1 remaining)');
  assert.equal(h.policyAge(), '528m');
  // The reason is set right before each mutation.
  const names = h.calls.map(([n]) => n).filter((n) => n === 'setReason' || MUTATIONS.includes(n));
  assert.deepEqual(names, ['setReason', 'ensurePolicy', 'setReason', 'syncManaged']);
  assert.match(h.calls.find(([n]) => n === 'setReason')[1][0], /528m \(was 1584m, hysteresis 10%\)/);
  assert.equal(h.metrics['rollover_tuner_threshold_changes[["policy","logs-policy"]]'], 2); // created, then updated

  // Next tick: same velocity, no policy write, but the sync backlog continues.
  h.calls = [];
  h.ingest(3);
  assert.equal(reconcile(h, ctx(3 * H)), 'rollover-tuner: no threshold change; synced 1');
  assert.deepEqual(h.mutations().map(([n]) => n), ['syncManaged']);
  h.calls = [];
  h.ingest(3);
  reconcile(h, ctx(4 * H));
  assert.deepEqual(h.mutations(), []);
});

test('velocity carries across a rollover of the write index', () => {
  const h = new FakeHost();
  reconcile(h, ctx(0));
  h.ingest(1);
  reconcile(h, ctx(H));
  // Roll over: 0.5 GB more went to 000001, then 0.5 GB to 000002.
  h.ingest(0.5);
  h.rows['logs-000002'] = { index: 'logs-000002', status: 'open', primaries: 1, replicas: 1, docs: 0, bytes: 0 };
  h.ingest(0.5, 'logs-000002');
  h.aliasRows.logs = [
    { alias: 'logs', index: 'logs-000001', isWriteIndex: false },
    { alias: 'logs', index: 'logs-000002', isWriteIndex: true },
  ];
  h.calls = [];
  assert.equal(reconcile(h, ctx(2 * H)), 'rollover-tuner: no threshold change');
  assert.deepEqual(h.calls.find(([n]) => n === 'indices')[1], ['prod', 'logs-000002,logs-000001']);
  assert.equal(JSON.parse(h.state['alias/logs']).bph, GB);
});

test('replicated indices cap the size at 50 GB; min_doc_count floor', () => {
  const h = new FakeHost();
  reconcile(h, ctx(0, { target_primary_shard_size: '100gb', min_doc_count: 1000 }));
  h.ingest(1);
  reconcile(h, ctx(H, { target_primary_shard_size: '100gb', min_doc_count: 1000 }));
  const r = JSON.parse(h.policies['logs-policy']).states[0].actions[0].rollover;
  assert.deepEqual(r, { min_index_age: '44h', min_primary_shard_size: '50gb', min_doc_count: 1000, copy_alias: false });
});

test('aliases sharing a policy take the fastest; {alias} gives one policy each', () => {
  const setup = (extra) => {
    const h = new FakeHost();
    h.aliasRows.metrics = [{ alias: 'metrics', index: 'metrics-000001', isWriteIndex: true }];
    h.rows['metrics-000001'] = { index: 'metrics-000001', status: 'open', primaries: 1, replicas: 0, docs: 0, bytes: 0 };
    reconcile(h, ctx(0, { aliases: ['logs', 'metrics'], ...extra }));
    h.ingest(1);
    h.ingest(3, 'metrics-000001');
    reconcile(h, ctx(H, { aliases: ['logs', 'metrics'], ...extra }));
    return h;
  };
  const shared = setup({});
  assert.equal(shared.policyAge(), '528m');
  const split = setup({ policy_id: 'tuned-{alias}' });
  assert.equal(split.policyAge('tuned-logs'), '1584m');
  assert.equal(split.policyAge('tuned-metrics'), '528m');
});

test('an alias without a write index is skipped, others go on', () => {
  const h = new FakeHost();
  h.aliasRows.logs = [
    { alias: 'logs', index: 'logs-000001', isWriteIndex: null },
    { alias: 'logs', index: 'logs-000002', isWriteIndex: null },
  ];
  assert.equal(reconcile(h, ctx(0)), 'rollover-tuner: no threshold change; skipped logs');
  assert.equal(h.logs[0][0], 'warn');
});

test('throttled or unavailable ends the run transient; bad config is terminal', () => {
  const h = new FakeHost();
  reconcile(h, ctx(0));
  h.ingest(1);
  h.fail.ensurePolicy = new HostError('throttled', 'mutation budget spent');
  assert.throws(() => reconcile(h, ctx(H)), Transient);
  const h2 = new FakeHost();
  h2.fail.aliases = new HostError('unavailable', 'connection refused');
  assert.throws(() => reconcile(h2, ctx(0)), Transient);
  assert.throws(() => reconcile(new FakeHost(), { ...ctx(0), config: '{"aliases": []}' }), Terminal);
});

test('a denied policy write is logged, not fatal', () => {
  const h = new FakeHost();
  reconcile(h, ctx(0));
  h.ingest(1);
  h.fail.ensurePolicy = new HostError('denied', 'policy logs-policy not granted');
  assert.equal(reconcile(h, ctx(H)), 'rollover-tuner: no threshold change; errors 1');
  assert.ok(h.logs.some(([l, m]) => l === 'error' && m.includes('denied')));
});

test('dry-run measures but records no decision', () => {
  const h = new FakeHost();
  h.dryRun = true;
  reconcile(h, { ...ctx(0), dryRun: true });
  h.ingest(1);
  reconcile(h, { ...ctx(H), dryRun: true });
  assert.deepEqual(Object.keys(h.state), ['alias/logs']);
  assert.deepEqual(h.mutations().map(([n]) => n), ['ensurePolicy']);
});
