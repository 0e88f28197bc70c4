// The whole reconcile pass against an in-memory fake host: the Rust twin's `lib.rs` flow (host
// calls in order, state, metrics, requeue), and the end-to-end twin scenario
// (tests/all/plugins/rollover_tuner.rs, tests/all/plugins/twins.rs) replayed in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, HostError, Transient, Terminal, SYNC_REQUEUE_MS } from '../src/tuner.js';
import { TEMPLATE } from './fixtures.js';

const GB = 2 ** 30;
const H = 3_600_000;
const M = 60_000;
const MUTATIONS = ['ensurePolicy', 'syncManaged'];

class FakeHost {
  constructor() {
    this.calls = [];
    this.logs = [];
    this.metrics = {};
    this.state = {};
    this.policies = {}; // id -> {seq, body}
    this.aliasRows = { logs: [{ alias: 'logs', index: 'logs-000001', isWriteIndex: true }] };
    this.rows = { 'logs-000001': { index: 'logs-000001', status: 'open', primaries: 1, replicas: 0, docs: 0, bytes: 0, createdMs: 0 } };
    this.managed = { 'logs-000001': 0 }; // index -> policy seq it runs
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
  stateSet(k, v) { this.call('stateSet', k); this.state[k] = v; }
  aliases(cluster, pattern) { this.call('aliases', cluster, pattern); return this.aliasRows[pattern] ?? []; }
  indices(cluster, pattern) {
    this.call('indices', cluster, pattern);
    return pattern.split(',').map((n) => this.rows[n]).filter(Boolean).map((r) => ({ ...r }));
  }

  ensurePolicy(cluster, id, body) {
    this.call('ensurePolicy', cluster, id, body);
    const cur = this.policies[id];
    if (!cur) {
      this.policies[id] = { seq: 1, body };
      return 'created';
    }
    if (cur.body === body) return 'unchanged';
    this.policies[id] = { seq: cur.seq + 1, body };
    return 'updated';
  }

  syncManaged(cluster, id, batch) {
    this.call('syncManaged', cluster, id, batch);
    const seq = this.policies[id]?.seq ?? 0;
    const behind = Object.keys(this.managed).filter((i) => this.managed[i] < seq).sort();
    const changed = behind.slice(0, batch);
    for (const i of changed) this.managed[i] = seq;
    return { changed, remaining: behind.length - changed.length };
  }

  /** Ingest `gb` GiB (and 1000 docs per GiB) into an index. */
  ingest(gb, index = 'logs-000001') {
    this.rows[index].bytes += Math.round(gb * GB);
    this.rows[index].docs += gb * 1000;
  }

  policy(id = 'logs') { return JSON.parse(this.policies[id].body); }
  rollover(id = 'logs') { return this.policy(id).states[0].actions[0].rollover; }
}

const config = (extra = {}) => JSON.stringify({ write_aliases: ['logs'], policy_id: 'logs', policy: TEMPLATE, ewma_alpha: 1, sync_batch: 2, ...extra });
const ctx = (t, extra = {}) => ({ nowMs: t, clusters: ['prod'], config: config(extra) });
const T0 = 1_700_000_000_000;

test('first tick only samples and requeues after min_sample_interval; the second applies and syncs', () => {
  const h = new FakeHost();
  assert.deepEqual(reconcile(h, ctx(T0)), { requeueAfterMs: 300_000n, summary: 'collecting ingest samples (need two)' });
  assert.deepEqual(h.mutations(), []);
  assert.deepEqual(Object.keys(h.state), ['alias/logs']);
  assert.equal(h.state['alias/logs'], `{"t_ms":${T0},"indices":{"logs-000001":{"docs":0,"bytes":0,"created_ms":0}},"shard_bytes_h":null,"docs_h":null}`);

  h.ingest(1); // 1 GiB/h on one primary: 30 GiB / 1 GiB/h = 30 h - 12 % = 26.4 h
  h.calls = [];
  const a = reconcile(h, ctx(T0 + H));
  assert.deepEqual(a, { requeueAfterMs: undefined, summary: 'min_index_age none -> 1584m (EnsureResult::Created); change_policy sent to 1, 0 remaining' });
  // The host calls of lib.rs, in its order.
  assert.deepEqual(h.calls.map(([n]) => n), ['aliases', 'indices', 'stateSet', 'setReason', 'ensurePolicy', 'stateSet', 'setReason', 'syncManaged']);
  assert.deepEqual(h.calls[4][1].slice(0, 2), ['prod', 'logs']);
  assert.deepEqual(h.calls[7][1], ['prod', 'logs', 2]);
  assert.equal(h.calls[3][1][0], 'rollover-tuner: ingest 1024 MB/h per primary shard; min_index_age none -> 1584m, min_primary_shard_size 30gb');
  assert.equal(h.calls[6][1][0], 'rollover-tuner: sync indices managed by logs to its current version');
  assert.deepEqual(h.rollover(), { min_index_age: '1584m', copy_alias: false, min_primary_shard_size: '30gb' });
  assert.deepEqual(h.policy().states[0].transitions, [{ state_name: 'delete', conditions: { min_index_age: '1584m' } }]);
  assert.deepEqual(h.metrics, {
    'ingest_shard_bytes_per_hour[["alias","logs"]]': GB,
    'ingest_docs_per_hour[["alias","logs"]]': 1000,
    'threshold_changes_total[["policy","logs"]]': 1,
    'min_index_age_seconds[["policy","logs"]]': 95040,
    'change_policy_total[["policy","logs"]]': 1,
  });
  assert.match(h.state.applied, /^\{"min_index_age_ms":95040000,"min_primary_shard_size":32212254720,"min_doc_count":null,"template":\d+\}$/);

  // Steady ingest: within the hysteresis; sync_managed is still called (nothing behind).
  h.calls = [];
  h.ingest(1.05); // 1584 / 1.05 = 1508.57 min: rounded down
  assert.deepEqual(reconcile(h, ctx(T0 + 2 * H)), { requeueAfterMs: undefined, summary: 'min_index_age stays 1584m (computed 1508m, within hysteresis); change_policy sent to 0, 0 remaining' });
  assert.deepEqual(h.mutations().map(([n]) => n), ['syncManaged']);
  assert.equal(h.metrics['threshold_changes_total[["policy","logs"]]'], 1);
});

test('samples closer than min_sample_interval keep the previous one and its velocity', () => {
  const h = new FakeHost();
  reconcile(h, ctx(T0));
  h.ingest(1);
  reconcile(h, ctx(T0 + H));
  const before = h.state['alias/logs'];
  h.ingest(10);
  h.calls = [];
  // 4 minutes later: too soon, the old sample (and velocity) stays; nothing changes.
  const a = reconcile(h, ctx(T0 + H + 4 * M));
  assert.equal(h.state['alias/logs'], before);
  assert.equal(a.summary, 'min_index_age stays 1584m (computed 1584m, within hysteresis); change_policy sent to 0, 0 remaining');
  // At 5 minutes it is measured: 10 GiB in 5 min.
  const b = reconcile(h, ctx(T0 + H + 5 * M));
  assert.match(b.summary, /^min_index_age 1584m -> 4h \(EnsureResult::Updated\)/);
});

test('velocity is summed over the alias across a rollover; an old index that joins is not ingest', () => {
  const h = new FakeHost();
  reconcile(h, ctx(T0));
  h.ingest(1);
  reconcile(h, ctx(T0 + H));
  // Roll over: 0.5 GiB more went to 000001, then 0.5 GiB to 000002 (created after the sample).
  h.ingest(0.5);
  h.rows['logs-000002'] = { index: 'logs-000002', status: 'open', primaries: 1, replicas: 0, docs: 0, bytes: 0, createdMs: T0 + H + 1 };
  h.ingest(0.5, 'logs-000002');
  h.rows['logs-old'] = { index: 'logs-old', status: 'open', primaries: 1, replicas: 0, docs: 5, bytes: 40 * GB, createdMs: 5 };
  h.aliasRows.logs = [
    { alias: 'logs', index: 'logs-000001', isWriteIndex: false },
    { alias: 'logs', index: 'logs-000002', isWriteIndex: true },
    { alias: 'logs', index: 'logs-old', isWriteIndex: false },
  ];
  h.calls = [];
  reconcile(h, ctx(T0 + 2 * H));
  assert.deepEqual(h.calls.find(([n]) => n === 'indices')[1], ['prod', 'logs-000001,logs-000002,logs-old']);
  assert.match(h.state['alias/logs'], /"shard_bytes_h":1073741824\.0,/);
});

test('primaries of the write index divide; replicas cap the target; min_doc_count', () => {
  const h = new FakeHost();
  h.rows['logs-000001'].primaries = 2;
  h.rows['logs-000001'].replicas = 1;
  const extra = { target_primary_shard_size: '100gb', min_doc_count: 1000 };
  reconcile(h, ctx(T0, extra));
  h.ingest(2); // 1 GiB/h per primary shard
  const a = reconcile(h, ctx(T0 + H, extra));
  assert.match(a.summary, /^min_index_age none -> 44h /);
  assert.deepEqual(h.rollover(), { min_index_age: '44h', copy_alias: false, min_primary_shard_size: '50gb', min_doc_count: 1000 });
  assert.match(h.calls.find(([n, [r]]) => n === 'setReason' && r.includes('ingest'))[1][0], / \(capped for replicated indices\)$/);
});

test('the fastest alias decides; a missing alias is skipped with a warning', () => {
  const h = new FakeHost();
  h.aliasRows.metrics = [{ alias: 'metrics', index: 'metrics-000001', isWriteIndex: true }];
  h.rows['metrics-000001'] = { index: 'metrics-000001', status: 'open', primaries: 1, replicas: 0, docs: 0, bytes: 0, createdMs: 0 };
  const extra = { write_aliases: ['logs', 'gone', 'metrics'] };
  reconcile(h, ctx(T0, extra));
  assert.deepEqual(h.logs, [['warn', 'write alias gone not found']]);
  h.ingest(1);
  h.ingest(3, 'metrics-000001');
  reconcile(h, ctx(T0 + H, extra));
  assert.equal(h.rollover().min_index_age, '528m'); // 10 h - 12 %
  assert.deepEqual(Object.keys(h.state).sort(), ['alias/logs', 'alias/metrics', 'applied']);
});

test('remaining indices requeue after 15 s; change_policy in batches of sync_batch', () => {
  const h = new FakeHost();
  h.managed = { a: 0, b: 0, c: 0 };
  reconcile(h, ctx(T0));
  h.ingest(1);
  const a = reconcile(h, ctx(T0 + H));
  assert.equal(a.requeueAfterMs, SYNC_REQUEUE_MS);
  assert.equal(a.summary, 'min_index_age none -> 1584m (EnsureResult::Created); change_policy sent to 2, 1 remaining');
  const b = reconcile(h, ctx(T0 + H + 15_000));
  assert.deepEqual(b, { requeueAfterMs: undefined, summary: 'min_index_age stays 1584m (computed 1584m, within hysteresis); change_policy sent to 1, 0 remaining' });
  assert.equal(h.metrics['change_policy_total[["policy","logs"]]'], 3);
});

test('a changed template is applied within the hysteresis; an unreadable state is discarded', () => {
  const h = new FakeHost();
  reconcile(h, ctx(T0));
  h.ingest(1);
  reconcile(h, ctx(T0 + H));
  h.ingest(1);
  const desc = { policy: { ...TEMPLATE, description: 'changed' } };
  assert.match(reconcile(h, ctx(T0 + 2 * H, desc)).summary, /^min_index_age 1584m -> 1584m \(EnsureResult::Updated\)/);
  h.state['alias/logs'] = '{"t_ms":1.5}';
  h.state.applied = 'junk';
  h.ingest(1);
  const a = reconcile(h, ctx(T0 + 3 * H, desc));
  assert.equal(a.summary, 'collecting ingest samples (need two)');
  assert.match(h.logs.at(-1)[1], /^discarding unreadable sample: invalid: state `alias\/logs`: /);
});

test('host errors: denied and invalid are terminal, the rest transient; bad config is terminal', () => {
  const h = new FakeHost();
  h.fail.aliases = new HostError('unavailable', 'connection refused');
  assert.throws(() => reconcile(h, ctx(T0)), (e) => e instanceof Transient && e.message === 'unavailable: connection refused');
  h.fail.aliases = new HostError('not-found', 'x');
  assert.throws(() => reconcile(h, ctx(T0)), Transient);
  h.fail.aliases = new HostError('denied', 'logs not granted');
  assert.throws(() => reconcile(h, ctx(T0)), (e) => e instanceof Terminal && e.message === 'denied: logs not granted');
  delete h.fail.aliases;
  reconcile(h, ctx(T0));
  h.ingest(1);
  h.fail.ensurePolicy = new HostError('throttled', 'mutation budget spent');
  assert.throws(() => reconcile(h, ctx(T0 + H)), Transient);
  assert.equal(h.state.applied, undefined); // not recorded: ensure_policy failed before
  h.fail.ensurePolicy = new HostError('invalid', 'bad policy');
  assert.throws(() => reconcile(h, ctx(T0 + H)), Terminal);
  assert.throws(() => reconcile(new FakeHost(), { ...ctx(T0), config: '{"write_aliases": []}' }), Terminal);
  assert.throws(() => reconcile(new FakeHost(), ctx(T0, { cluster: 'dr' })), (e) => e instanceof Terminal && /cluster alias `dr` is not one of this tenant's clusters \["prod"\]/.test(e.message));
  // No cluster at all: the calls go to "" and the host denies them.
  const none = new FakeHost();
  reconcile(none, { ...ctx(T0), clusters: [] });
  assert.equal(none.calls[0][1][0], '');
});

/**
 * The end-to-end scenario of tests/all/plugins/rollover_tuner.rs and twins.rs, in memory: two
 * write aliases (300 and 100 docs/s of 1000 bytes), a tick every 10 minutes after 2 minutes,
 * the spike (3000 docs/s on logs-a) before tick 4. The config is the twins' (`config()`).
 */
test('the twin scenario: decisions per tick', () => {
  const h = new FakeHost();
  const TWIN_POLICY = {
    default_state: 'hot',
    states: [
      { name: 'hot', actions: [{ rollover: { min_primary_shard_size: '30gb', min_index_age: '3d' } }], transitions: [{ state_name: 'warm', conditions: { min_index_age: '3d' } }] },
      { name: 'warm', actions: [], transitions: [] },
    ],
  };
  const cfg = JSON.stringify({ policy_id: 'logs', write_aliases: ['logs-a', 'logs-b'], min_sample_interval: '5m', policy: TWIN_POLICY });
  h.policies.logs = { seq: 1, body: JSON.stringify(TWIN_POLICY) };
  h.aliasRows = {
    'logs-a': [{ alias: 'logs-a', index: 'logs-a-000001', isWriteIndex: true }],
    'logs-b': [{ alias: 'logs-b', index: 'logs-b-000001', isWriteIndex: true }],
  };
  const start = T0 - H; // both indices are an hour old
  h.rows = {
    'logs-a-000001': { index: 'logs-a-000001', status: 'open', primaries: 1, replicas: 0, docs: 0, bytes: 0, createdMs: start },
    'logs-b-000001': { index: 'logs-b-000001', status: 'open', primaries: 1, replicas: 0, docs: 0, bytes: 0, createdMs: start },
  };
  h.managed = { 'logs-a-000001': 1, 'logs-b-000001': 1 };
  const rate = { 'logs-a-000001': 300, 'logs-b-000001': 100 }; // docs/s, 1000 bytes each
  let now = start;
  const advance = (ms) => {
    for (const [i, r] of Object.entries(rate)) {
      h.rows[i].docs += Math.round((r * ms) / 1000);
      h.rows[i].bytes += Math.round((r * ms) / 1000) * 1000;
    }
    now += ms;
  };
  advance(H + 2 * M);
  const sent = [];
  const ages = [];
  for (let tick = 1; tick <= 6; tick += 1) {
    if (tick === 4) rate['logs-a-000001'] = 3000; // as twins.rs: before the run, seen from tick 5
    h.calls = [];
    const seq = h.policies.logs.seq;
    const managed = { ...h.managed };
    reconcile(h, { nowMs: now, clusters: ['leader'], config: cfg });
    if (h.policies.logs.seq !== seq) sent.push(`tick ${tick}: PUT /_plugins/_ism/policies/logs`);
    for (const i of Object.keys(managed).filter((k) => managed[k] !== h.managed[k])) sent.push(`tick ${tick}: POST /_plugins/_ism/change_policy/${i}`);
    ages.push(h.rollover().min_index_age);
    advance(10 * M);
  }
  // Tick 1 samples, tick 2 applies ~26 h (30 GiB at ~1 GiB/h), tick 3 and 4 stay, tick 5
  // (the spike) shortens it below half, tick 6 follows the EWMA.
  assert.deepEqual(ages, ['3d', '1574m', '1574m', '1574m', '425m', '281m']);
  assert.deepEqual(sent, [
    'tick 2: PUT /_plugins/_ism/policies/logs',
    'tick 2: POST /_plugins/_ism/change_policy/logs-a-000001',
    'tick 2: POST /_plugins/_ism/change_policy/logs-b-000001',
    'tick 5: PUT /_plugins/_ism/policies/logs',
    'tick 5: POST /_plugins/_ism/change_policy/logs-a-000001',
    'tick 5: POST /_plugins/_ism/change_policy/logs-b-000001',
    'tick 6: PUT /_plugins/_ism/policies/logs',
    'tick 6: POST /_plugins/_ism/change_policy/logs-a-000001',
    'tick 6: POST /_plugins/_ism/change_policy/logs-b-000001',
  ]);
  assert.equal(h.policy().states[0].transitions[0].conditions.min_index_age, '281m');
  assert.equal(h.rollover().min_primary_shard_size, '30gb');
});
