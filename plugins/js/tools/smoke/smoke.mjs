// Smoke-test built components without the Rust host: `jco transpile` each .wasm to JS, link its
// `lifeguard:plugin/*` imports to fake-host.mjs, and run a short scenario through the real WIT
// boundary (BigInt u64s, option/undefined, result errors). Run by plugins/js/smoke.sh.
//
//   node smoke.mjs <dir with the .wasm files> <work dir>
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const fakeHost = join(here, 'fake-host.mjs');
const { world, explainEntry } = await import(pathToFileURL(fakeHost).href);
const [wasmDir, workDir] = process.argv.slice(2).map((p) => resolve(p));
const jco = resolve('node_modules/.bin/jco');

async function load(file) {
  const out = join(workDir, file.replace(/\.wasm$/, ''));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const r = spawnSync(jco, ['transpile', join(wasmDir, file), '-o', out, '--name', 'plugin', '--map', `lifeguard:plugin/*=${fakeHost}#*`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`jco transpile ${file} failed:\n${r.stderr}`);
  return import(pathToFileURL(join(out, 'plugin.js')).href);
}

const GB = 1024 ** 3;
const H = 3_600_000n;
const ctx = (tick, nowMs, config, extra = {}) => ({ tenant: 'acme', plugin: 'p', tick: BigInt(tick), nowMs, dryRun: false, clusters: ['prod'], config: JSON.stringify(config), ...extra });
const err = (f) => { try { f(); } catch (e) { return e.payload ?? e; } return null; };
const mutations = () => world.calls.filter(([n]) => /^ism\.(ensurePolicy|attach|syncManaged|retry)$/.test(n));
const TEMPLATE = {
  default_state: 'hot',
  states: [
    { name: 'hot', actions: [{ rollover: { min_index_age: '1d' } }], transitions: [{ state_name: 'delete', conditions: { min_index_age: '30d' } }] },
    { name: 'delete', actions: [{ delete: {} }], transitions: [] },
  ],
};

async function rolloverTuner(file) {
  const p = await load(file);
  const info = p.describe();
  assert.equal(info.name, 'rollover-tuner');
  world.reset();
  world.aliasRows = [{ alias: 'logs', index: 'logs-000001', isWriteIndex: true }];
  world.indexRows = { 'logs-000001': { docs: 0, bytes: 0, primaries: 1, replicas: 1 } };
  world.explain = {
    'logs-000000': explainEntry('logs-000000', { policyId: 'logs-policy', policySeqNo: 1n }),
    'logs-000001': explainEntry('logs-000001', { policyId: 'logs-policy', policySeqNo: 1n }),
  };
  const cfg = { write_aliases: ['logs'], policy_id: 'logs-policy', policy: TEMPLATE, ewma_alpha: 1 };
  const s1 = p.reconcile(ctx(1, 0n, cfg));
  assert.deepEqual(s1, { requeueAfterMs: 300_000n, summary: 'collecting ingest samples (need two)' });
  world.indexRows['logs-000001'].bytes += GB;
  assert.equal(p.reconcile(ctx(2, H, cfg)).summary, 'min_index_age none -> 1584m (EnsureResult::Created); change_policy sent to 0, 0 remaining');
  world.indexRows['logs-000001'].bytes += 3 * GB;
  // `aliases` is accepted as another name of `write_aliases`.
  const s3 = p.reconcile(ctx(3, 2n * H, { ...cfg, write_aliases: undefined, aliases: ['logs'] })).summary;
  assert.equal(s3, 'min_index_age 1584m -> 528m (EnsureResult::Updated); change_policy sent to 2, 0 remaining');
  assert.deepEqual(mutations().map(([n, a]) => `${n} ${a[1]}`), ['ism.ensurePolicy logs-policy', 'ism.syncManaged logs-policy', 'ism.ensurePolicy logs-policy', 'ism.syncManaged logs-policy']);
  for (const [n, , reason] of mutations()) assert.match(reason ?? '', /^rollover-tuner: /, n);
  const policy = JSON.parse(world.policies['logs-policy'].body);
  assert.deepEqual(policy.states[0].actions[0].rollover, { min_index_age: '528m', min_primary_shard_size: '30gb' });
  assert.deepEqual(policy.states[0].transitions[0].conditions, { min_index_age: '528m' });
  assert.equal(world.metrics['threshold_changes_total[["policy","logs-policy"]]'], 2n);
  assert.equal(world.metrics['change_policy_total[["policy","logs-policy"]]'], 2n);
  assert.equal(world.state.get('alias/logs'), '{"t_ms":7200000,"indices":{"logs-000001":{"docs":0,"bytes":4294967296,"created_ms":0}},"shard_bytes_h":3221225472.0,"docs_h":0.0}');
  assert.match(world.state.get('applied'), /^\{"min_index_age_ms":31680000,"min_primary_shard_size":32212254720,"min_doc_count":null,"template":\d+\}$/);

  assert.equal(err(() => p.reconcile(ctx(4, 3n * H, { write_aliases: [] }))).tag, 'terminal');
  world.fail['cluster.aliases'] = { tag: 'throttled', val: 'budget spent' };
  assert.deepEqual(err(() => p.reconcile(ctx(5, 4n * H, cfg))), { tag: 'transient', val: 'throttled: budget spent' });
  world.fail['cluster.aliases'] = { tag: 'denied', val: 'logs' };
  assert.deepEqual(err(() => p.reconcile(ctx(6, 4n * H, cfg))), { tag: 'terminal', val: 'denied: logs' });
  return [info, [s1.summary, s3]];
}

async function ismDoctor(file) {
  const p = await load(file);
  const info = p.describe();
  assert.equal(info.name, 'ism-doctor');
  world.reset();
  const ALIAS = 'index.plugins.index_state_management.rollover_alias';
  world.policies.hot = { seqNo: 4n, body: '{"old":true}' };
  world.explain = {
    'logs-000001': explainEntry('logs-000001', {
      policyId: 'hot', policySeqNo: 4n, rolledOver: true, state: { name: 'warm', startTimeMs: 0n },
      action: { name: 'allocation', startTimeMs: 0n, index: 0, failed: true, consumedRetries: 3, lastRetryTimeMs: 0n },
      infoMessage: 'Failed to allocate', infoCause: 'process_cluster_event_timeout_exception',
    }),
    'logs-000002': explainEntry('logs-000002', { policyId: 'hot', policySeqNo: 4n, state: { name: 'hot', startTimeMs: undefined } }),
    'logs-000003': explainEntry('logs-000003'),
    'logs-bad': explainEntry('logs-bad'),
  };
  world.settings = { 'logs-000002': { [ALIAS]: 'logs' }, 'logs-000003': { [ALIAS]: 'logs' }, 'logs-bad': {} };
  world.aliasRows = [
    { alias: 'logs', index: 'logs-000001', isWriteIndex: false },
    { alias: 'logs', index: 'logs-000002', isWriteIndex: true },
    { alias: 'logs', index: 'logs-000003', isWriteIndex: false },
  ];
  const cfg = { index_pattern: 'logs-*', default_policy: 'hot', policies: { hot: TEMPLATE, archive: { default_state: 'a', states: [{ name: 'a', actions: [], transitions: [] }] } }, max_retries: 2 };
  const s = p.reconcile(ctx(1, 1000n, cfg)).summary;
  assert.equal(s, 'ism-doctor: policies 1 created, 1 updated, 0 unchanged; attached 1; synced 2; retried 1; pre-flight problems 2');
  assert.deepEqual(mutations().map(([n, a]) => `${n} ${a[1]}`), [
    'ism.ensurePolicy archive', 'ism.ensurePolicy hot', 'ism.attach logs-000003', 'ism.syncManaged hot', 'ism.retry logs-000001',
  ]);
  for (const [n, , reason] of mutations()) assert.match(reason ?? '', /^ism-doctor: /, n);
  assert.equal(JSON.parse(world.state.get('retries'))['logs-000001'].n, 1);
  assert.equal(world.metrics['ism_doctor_preflight_problems[["problem","bad_index_name"]]'], 1);
  assert.ok(world.logs.some(([l, m]) => l === 'warn' && m.startsWith('pre-flight: missing_rollover_alias on logs-bad')));

  assert.equal(err(() => p.reconcile(ctx(2, 2000n, { cluster: 'nope', index_pattern: 'x' }))).tag, 'terminal');
  world.fail['ism.explain'] = { tag: 'unavailable', val: 'connection refused' };
  assert.deepEqual(err(() => p.reconcile(ctx(3, 3000n, cfg))), { tag: 'transient', val: 'explain logs-*: unavailable: connection refused' });
  // Input that makes Python's decoder raise something other than JSONDecodeError.
  world.fail = {};
  const e = err(() => p.reconcile({ ...ctx(4, 4000n, {}), config: `{"index_pattern": "x", "max_retries": ${'1'.repeat(5000)}}` }));
  assert.equal(e.tag, 'terminal', String(e));
  assert.match(e.val, /^invalid config: config is not valid JSON: Exceeds the limit/);
  return [info, [s, `${e.tag}: ${e.val}`]];
}

/**
 * The JS rollover-tuner and its Rust twin (`rollover_tuner.wasm`, when `make plugins` put it
 * next to the JS one) on the same scenarios through the same fake host: every host call with
 * its arguments, every reason, metric, stored state value, summary and requeue must be equal.
 */
async function rolloverTwins() {
  const js = await load('rollover-tuner-js.wasm');
  const rust = await load('rollover_tuner.wasm');
  const TWIN_POLICY = {
    default_state: 'hot',
    states: [
      { name: 'hot', actions: [{ rollover: { min_primary_shard_size: '30gb', min_index_age: '3d' } }], transitions: [{ state_name: 'warm', conditions: { min_index_age: '3d' } }] },
      { name: 'warm', actions: [], transitions: [] },
    ],
  };
  // tests/all/plugins/rollover_tuner.rs `config()`, as twins.rs gives it to both.
  const twinCfg = { policy_id: 'logs', write_aliases: ['logs-a', 'logs-b'], min_sample_interval: '5m', policy: TWIN_POLICY };
  const M = 60_000;
  const scenarios = {
    // twins.rs: two aliases (300 and 100 docs/s of 1000 bytes), ticks 10 min apart, a spike.
    twins: { cfg: twinCfg, replicas: 0, ticks: 6, spikeAt: 4, rollAt: 0 },
    // Replicas (the cap), a rollover of logs-a between ticks, a template with more to keep.
    rollover: {
      cfg: { ...twinCfg, target_primary_shard_size: '80gb', min_doc_count: 1000, sync_batch: 1, ewma_alpha: 0.5, buffer_pct: 7.5,
        policy: { policy: { ...TWIN_POLICY, description: 'd', ism_template: [{ index_patterns: ['logs-*'], priority: 1.5 }] } } },
      replicas: 1, ticks: 8, spikeAt: 3, rollAt: 5,
    },
  };
  const run = (p, sc) => {
    world.reset();
    const rate = { 'logs-a': 300, 'logs-b': 100 };
    let now = 1_700_000_000_000;
    world.aliasRows = [
      { alias: 'logs-a', index: 'logs-a-000001', isWriteIndex: true },
      { alias: 'logs-b', index: 'logs-b-000001', isWriteIndex: true },
    ];
    world.indexRows = {
      'logs-a-000001': { docs: 0, bytes: 0, primaries: 1, replicas: sc.replicas, createdMs: now },
      'logs-b-000001': { docs: 0, bytes: 0, primaries: 2, replicas: sc.replicas, createdMs: now },
    };
    world.policies.logs = { seqNo: 1n, body: JSON.stringify(TWIN_POLICY) };
    for (const i of Object.keys(world.indexRows)) world.explain[i] = explainEntry(i, { policyId: 'logs', policySeqNo: 1n });
    const write = (alias) => world.aliasRows.find((r) => r.alias === alias && r.isWriteIndex).index;
    const advance = (ms) => {
      for (const [alias, r] of Object.entries(rate)) {
        const row = world.indexRows[write(alias)];
        row.docs += Math.round((r * ms) / 1000);
        row.bytes += Math.round((r * ms) / 1000) * 1000;
      }
      now += ms;
    };
    advance(62 * M);
    const trace = [];
    for (let tick = 1; tick <= sc.ticks; tick += 1) {
      if (tick === sc.spikeAt) rate['logs-a'] = 3000;
      if (tick === sc.rollAt) {
        advance(3 * M);
        world.aliasRows[0].isWriteIndex = false;
        world.aliasRows.push({ alias: 'logs-a', index: 'logs-a-000002', isWriteIndex: true });
        world.indexRows['logs-a-000002'] = { docs: 0, bytes: 0, primaries: 1, replicas: sc.replicas, createdMs: now };
        world.explain['logs-a-000002'] = explainEntry('logs-a-000002', { policyId: 'logs', policySeqNo: world.policies.logs.seqNo });
        advance(2 * M);
      }
      world.calls = [];
      world.logs = [];
      let out;
      try {
        out = p.reconcile(ctx(tick, BigInt(now), sc.cfg, { clusters: ['leader'] }));
      } catch (e) {
        out = { error: e.payload ?? String(e) };
      }
      trace.push({ tick, out, calls: world.calls, logs: world.logs, metrics: { ...world.metrics }, state: Object.fromEntries(world.state), policy: world.policies.logs });
      advance(10 * M);
    }
    return trace;
  };
  const lines = [];
  for (const [name, sc] of Object.entries(scenarios)) {
    const r = run(rust, sc);
    const j = run(js, sc);
    for (let k = 0; k < r.length; k += 1) assert.deepEqual(j[k], r[k], `${name} tick ${k + 1} (JS actual, Rust expected)`);
    const puts = r.filter((t) => t.calls.some(([n]) => n === 'ism.ensurePolicy')).map((t) => t.tick);
    lines.push(`${name}: ${r.length} ticks identical; policy written at ticks ${puts.join(', ')}; final rollover ${JSON.stringify(JSON.parse(r.at(-1).policy.body).states[0].actions[0].rollover)}`);
  }
  // Failures: the same result kind; host errors carry the same message (config errors name
  // the same field, in other words).
  const failures = [
    ['bad config', {}, { ...twinCfg, typo: 1 }],
    ['bad size', {}, { ...twinCfg, target_primary_shard_size: 30 }],
    ['no rollover', {}, { ...twinCfg, policy: { states: [] } }],
    ['foreign cluster', {}, { ...twinCfg, cluster: 'nope' }],
    ['denied', { 'cluster.aliases': { tag: 'denied', val: 'logs-a' } }, twinCfg],
    ['throttled', { 'cluster.indices': { tag: 'throttled', val: 'budget' } }, twinCfg],
    ['state full', { 'state.set': { tag: 'invalid', val: 'state quota' } }, twinCfg],
    ['not found', { 'cluster.aliases': { tag: 'not-found', val: 'x' } }, twinCfg],
  ];
  for (const [name, fail, cfg] of failures) {
    const result = (p) => {
      world.reset();
      world.aliasRows = [{ alias: 'logs-a', index: 'logs-a-000001', isWriteIndex: true }];
      world.indexRows = { 'logs-a-000001': { docs: 0, bytes: 0, primaries: 1, replicas: 0 } };
      world.fail = fail;
      const e = err(() => p.reconcile(ctx(1, 1000n, cfg, { clusters: ['leader'] })));
      return e && (Object.keys(fail).length ? e : { tag: e.tag, field: /^invalid config at `([^`.[]*)`/.exec(e.val)?.[1] ?? e.val.split(':')[0] });
    };
    assert.deepEqual(result(js), result(rust), name);
  }
  lines.push(`failures: ${failures.length} cases end the same way`);
  return [{ name: 'rollover-tuner twins', version: '', capabilities: ['js = rust'] }, lines];
}

let failed = 0;
const runs = [['rollover-tuner-js.wasm', rolloverTuner], ['ism-doctor-py.wasm', ismDoctor]];
if (existsSync(join(wasmDir, 'rollover_tuner.wasm'))) runs.push(['rollover-tuner-js.wasm', rolloverTwins]);
for (const [file, run] of runs) {
  if (!existsSync(join(wasmDir, file))) {
    console.log(`smoke: ${file}: not built, skipped`);
    continue;
  }
  const t0 = Date.now();
  try {
    const [info, summaries] = await run(file);
    console.log(`smoke: ${file}: ok (${Date.now() - t0} ms) ${info.name} ${info.version} [${info.capabilities.join(', ')}]`);
    for (const s of summaries) console.log(`  ${s}`);
  } catch (e) {
    failed += 1;
    console.log(`smoke: ${file}: FAILED\n${e.stack ?? e}`);
    if (world.logs.length) console.log(world.logs.map(([l, m]) => `  [${l}] ${m}`).join('\n'));
  }
}
process.exit(failed ? 1 : 0);
