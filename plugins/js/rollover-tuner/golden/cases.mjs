// The inputs of the golden vectors (printed as JSON; gen.sh feeds them to the Rust twin).
// Deterministic: a seeded PRNG, so regenerating gives the same cases.

const GB = 2 ** 30;
const H = 3_600_000;
let seed = 0x2545f491;
const rnd = () => {
  // xorshift32
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 2 ** 32;
};
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const bits = (x) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0).toString(16).padStart(16, '0');
};

// The policy of the Rust unit tests, and the end-to-end scenario's.
const UNIT_POLICY = '{"default_state":"hot","states":[{"name":"hot","actions":[{"rollover":{"min_size":"100gb"}}],"transitions":[{"state_name":"warm","conditions":{"min_index_age":"1d"}}]},{"name":"warm","actions":[],"transitions":[]}]}';
const unit = (extra = '') => `{"policy_id":"logs","write_aliases":["logs"],${extra}"policy":${UNIT_POLICY}}`;
const TWIN = JSON.stringify({
  policy_id: 'logs',
  write_aliases: ['logs-a', 'logs-b'],
  min_sample_interval: '5m',
  policy: {
    default_state: 'hot',
    states: [
      { name: 'hot', actions: [{ rollover: { min_primary_shard_size: '30gb', min_index_age: '3d' } }], transitions: [{ state_name: 'warm', conditions: { min_index_age: '3d' } }] },
      { name: 'warm', actions: [], transitions: [] },
    ],
  },
});
const RICH_POLICY = '{"policy":{"description":"ünïcødé \\u0001 \\"q\\" \\/ 😀 \\ud83d\\ude00 \\uffff","default_state":"hot","ism_template":[{"index_patterns":["logs-*"],"priority":100,"last_updated_time":1700000000000}],'
  + '"states":[{"name":"open","actions":[{"replica_count":{"number_of_replicas":1}}],"transitions":[{"state_name":"hot"}]},'
  + '{"name":"hot","actions":[{"retry":{"count":3,"backoff":"exponential","delay":"1m"},"rollover":{"min_size":"50gb","min_index_age":"2d","copy_alias":false}},{"rollover":{"min_doc_count":5}}],'
  + '"transitions":[{"state_name":"warm","conditions":{"min_index_age":"2d"}},{"state_name":"delete","conditions":{"min_doc_count":100}},{"state_name":"cold","conditions":{"min_index_age":5}},{"state_name":"x"},"junk"]},'
  + '{"name":"warm","actions":[{"rollover":{}}],"transitions":[{"state_name":"delete","conditions":{"min_index_age":"30d"}}]},'
  + '{"name":"delete","actions":[{"delete":{}}],"transitions":[]}],'
  + '"nums":[0,-0,1,-1,1.0,1e2,1E+2,-1.5e-7,0.1,123456789012345678,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,1.7976931348623157e308,5e-324,1e-400,2.5e15,2.5e16,0.00001,0.000001],'
  + '"keys":{"b":1,"a":2,"B":3,"":4,"10":5,"9":6,"\\uffff":7,"😀":8,"é":9,"__proto__":10,"a":11}}}';

const cases = [];
const add = (kind, input) => cases.push({ kind, in: input });

// --- config ---------------------------------------------------------------------------------
const configs = [
  unit(),
  unit('"min_doc_count":1000,'),
  unit('"buffer_pct":0,"min_age":"1h",'),
  unit('"target_primary_shard_size":"80gb",'),
  TWIN,
  `{"policy_id":"p","write_aliases":["a","a"],"rollover_state":"hot","policy":${RICH_POLICY}}`,
  `{"policy_id":"p","write_aliases":["a"],"rollover_state":"warm","policy":${RICH_POLICY}}`,
  `{"policy_id":"p","write_aliases":["a"],"rollover_state":"open","policy":${RICH_POLICY}}`,
  `{"policy_id":"p","write_aliases":["a"],"rollover_state":"nope","policy":${RICH_POLICY}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":${RICH_POLICY}}`,
  `{"cluster":"dr","policy_id":" x ","write_aliases":["a","b"],"target_primary_shard_size":"1.5GB","buffer_pct":99.5,"min_age":"90s","max_age":"100000d","min_doc_count":18446744073709551615,"hysteresis_pct":0,"ewma_alpha":1,"replicated_size_cap":"0","sync_batch":4294967295,"min_sample_interval":"0","policy":${UNIT_POLICY}}`,
  `{"cluster":null,"rollover_state":null,"min_doc_count":null,"policy_id":"p","write_aliases":["a"],"policy":${UNIT_POLICY}}`,
  '{"policy_id":"p","write_aliases":["a"],"policy":{}}',
  '{"policy_id":"p","write_aliases":["a"],"policy":null}',
  '{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"hot","actions":[{"rollover":null}]}]}}',
  '{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"actions":[{"rollover":{}}]},{"name":"b","actions":[{"rollover":{}}]}]}}',
  '{"policy_id":"p","write_aliases":["a"],"policy":{"policy":{"states":[{"name":"s","actions":[{"rollover":{}}]}]},"x":1}}',
  '{"policy_id":"p","write_aliases":["a"],"policy":{"policy":{"policy":{"states":[{"name":"s","actions":[{"rollover":{}}]}]}}}}',
  '{"policy_id":"p","write_aliases":["a"],"policy":{},"target_primary_shard_size":"30gib"}',
  '{"policy_id":"p","write_aliases":[],"policy":{}}',
  '{"policy_id":"p","write_aliases":["a"],"policy":{},"typo":1}',
  '', '  ', 'null', ' null ', 'nullx', '{}', '[]', '"x"', '{"policy_id":"p"', '{"policy_id":"p",}', '{"policy_id":"p","write_aliases":["a"]}',
  `{"policy_id":"","write_aliases":["a"],"policy":${UNIT_POLICY}}`,
  `{"policy_id":"\\u3000\\u0085","write_aliases":["a"],"policy":${UNIT_POLICY}}`,
  `{"policy_id":"\\ufeff","write_aliases":["a"],"policy":${UNIT_POLICY}}`,
  `{"policy_id":"p","write_aliases":[""],"policy":${UNIT_POLICY}}`,
  `{"policy_id":"p","write_aliases":["a",1],"policy":${UNIT_POLICY}}`,
  `{"policy_id":"p","write_aliases":"a","policy":${UNIT_POLICY}}`,
  `{"policy_id":1,"write_aliases":["a"],"policy":${UNIT_POLICY}}`,
  `{"policy_id":"p","policy_id":"q","write_aliases":["a"],"policy":${UNIT_POLICY}}`,
  `{"cluster":1,"policy_id":"p","write_aliases":["a"],"policy":${UNIT_POLICY}}`,
  ...['"30gb"', '"0"', '"0gb"', '30', '"30"', '"-1gb"', 'null', '"1.5kb"', '"0.3kb"', '"16384pb"', '"16383pb"'].map((v) => `{"policy_id":"p","write_aliases":["a"],"target_primary_shard_size":${v},"policy":${UNIT_POLICY}}`),
  ...['0', '99.99', '100', '-0.0', '-1', '"12"', 'null', '1e2', '12.0'].map((v) => `{"policy_id":"p","write_aliases":["a"],"buffer_pct":${v},"policy":${UNIT_POLICY}}`),
  ...['0', '1e-300', '0.3', '1', '1.0000001', '-0.5', '"0.3"'].map((v) => `{"policy_id":"p","write_aliases":["a"],"ewma_alpha":${v},"policy":${UNIT_POLICY}}`),
  ...['0', '-0.0', '-1', '1000', '1e308', '"10"'].map((v) => `{"policy_id":"p","write_aliases":["a"],"hysteresis_pct":${v},"policy":${UNIT_POLICY}}`),
  ...[['"4h"', '"7d"'], ['"0"', '"7d"'], ['"8d"', '"7d"'], ['"7d"', '"7d"'], ['"1.5h"', '"7d"'], ['"1ms"', '"1ms"'], ['"5micros"', '"7d"'], ['"4H"', '" 7D "'], ['4', '"7d"'], ['"4h"', '"213503982334d"'], ['"4h"', '"213503982335d"']]
    .map(([a, b]) => `{"policy_id":"p","write_aliases":["a"],"min_age":${a},"max_age":${b},"policy":${UNIT_POLICY}}`),
  ...['0', '1', '1.0', '-1', '1e3', '"5"', '18446744073709551616'].map((v) => `{"policy_id":"p","write_aliases":["a"],"min_doc_count":${v},"policy":${UNIT_POLICY}}`),
  ...['0', '1', '4294967295', '4294967296', '-1', '1.0', '"5"', 'null'].map((v) => `{"policy_id":"p","write_aliases":["a"],"sync_batch":${v},"policy":${UNIT_POLICY}}`),
  ...['"0"', '"0s"', '"1ms"', '"5m"', '"1.5m"', '5', 'null'].map((v) => `{"policy_id":"p","write_aliases":["a"],"min_sample_interval":${v},"policy":${UNIT_POLICY}}`),
  ...['"50gb"', '"0"', '"1b"', '50'].map((v) => `{"policy_id":"p","write_aliases":["a"],"replicated_size_cap":${v},"policy":${UNIT_POLICY}}`),
  `{"policy_id":"p","write_aliases":["a"],"policy":${'['.repeat(126)}${']'.repeat(126)}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":${'['.repeat(127)}${']'.repeat(127)}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":1e400}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":"\\ud800"}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":"\\udc00"}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":"a\tb"}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":01}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":1.}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":"\\x"}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":tru}}]}]}}`,
  `{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"x":1}}]}]}} x`,
  `\n\t {"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{}}]}]}} \r\n`,
];
for (const c of configs) add('config', c);

// --- age / thresholds ------------------------------------------------------------------------
const ageConfigs = [unit(), unit('"buffer_pct":0,"min_age":"1h",'), unit('"target_primary_shard_size":"80gb",'),
  unit('"buffer_pct":33.3,"min_age":"1ms","max_age":"365d",'), unit('"min_age":"7d","max_age":"7d",'),
  unit('"replicated_size_cap":"0",'), unit('"buffer_pct":99.99,"min_age":"90s","max_age":"100000000d",')];
const speeds = [GB, 100 * GB, 1, 0, -1, NaN, Infinity, -Infinity, 3 * GB, 5 * GB, 5e-324, 1e-300, 1e300, 7 * GB, GB / 3, 1e9, 123456789.123];
for (const c of ageConfigs) {
  for (const v of speeds) {
    add('age', { config: c, target: String(30 * GB), v: bits(v) });
    add('thresholds', { config: c, v: bits(v), replicated: v > 1e9 });
  }
  for (let k = 0; k < 12; k += 1) {
    const v = 10 ** (rnd() * 16 - 2);
    add('age', { config: c, target: String(int(1, 200) * pick([1, 1024, 1024 ** 2, GB])), v: bits(v) });
    add('thresholds', { config: c, v: bits(v), replicated: rnd() < 0.5 });
  }
}

// --- hysteresis ------------------------------------------------------------------------------
const T = (age, size = 30 * GB, docs = null, template = '1') => ({
  min_index_age_ms: String(age), min_primary_shard_size: String(size), min_doc_count: docs === null ? null : String(docs), template,
});
add('should_apply', { applied: null, next: T(H), h: bits(10) });
for (const [a, n, h] of [[10 * H, 11 * H, 10], [10 * H, 11 * H + 1, 10], [10 * H, 9 * H, 10], [10 * H, 9 * H - 1, 10], [0, 1, 0], [0, 0, 0], [0, 2, 100], [0, 3, 100],
  [1, 0, 99], [1, 0, 100], [95040000, 95040000 * 109 / 100, 10], [95040000, 95040000 * 111 / 100, 10], [95040000, 95040000 * 85 / 100, 10], [7, 8, 14.285714285714286], [3, 4, 33.33333333333333]]) {
  add('should_apply', { applied: T(a), next: T(n), h: bits(h) });
}
add('should_apply', { applied: T(H), next: T(H, 50 * GB), h: bits(10) });
add('should_apply', { applied: T(H), next: T(H, 30 * GB, 5), h: bits(10) });
add('should_apply', { applied: T(H, 30 * GB, 5), next: T(H, 30 * GB, 5), h: bits(10) });
add('should_apply', { applied: T(H, 30 * GB, 5), next: T(H, 30 * GB, 6), h: bits(10) });
add('should_apply', { applied: T(H, 30 * GB, null, '18446744073709551615'), next: T(H, 30 * GB, null, '18446744073709551614'), h: bits(10) });
for (let k = 0; k < 60; k += 1) {
  const a = int(0, 20) * pick([1, 60_000, H]);
  const n = Math.round(a * (0.8 + rnd() * 0.4));
  add('should_apply', { applied: T(a), next: T(n), h: bits(pick([0, 5, 10, 12.5, 20])) });
}

// --- render ----------------------------------------------------------------------------------
const renderConfigs = [unit(), unit('"min_doc_count":1000,'), TWIN, configs[5], configs[6], configs[9],
  '{"policy_id":"p","write_aliases":["a"],"policy":{"states":[{"name":"s","actions":[{"rollover":{"min_index_age":"1d","min_primary_shard_size":"1gb","min_doc_count":3}}],"transitions":[{"state_name":"t","conditions":{"min_index_age":"1584m"}},{"state_name":"u","conditions":{"min_index_age":"1d"}}]},{"name":"s","actions":[{"rollover":{}}],"transitions":[{"state_name":"t","conditions":{"min_index_age":"9d"}}]}]}}'];
for (const c of renderConfigs) {
  for (const [age, size, docs] of [[26.4 * H, 30 * GB, null], [316 * 60_000, 30 * GB, 1000], [7 * 24 * H, 50 * GB, null], [4 * H, 0, '18446744073709551615'], [90_000, 1536, 1], [0, 1, null]]) {
    add('render', { config: c, t: T(age, size, docs, '42') });
  }
}

// --- update ----------------------------------------------------------------------------------
const updateConfigs = [unit(), TWIN, unit('"ewma_alpha":1,"min_sample_interval":"0",'), unit('"ewma_alpha":0.05,"min_sample_interval":"1h",')];
// The Rust unit test `velocity_across_rollover`.
add('update', {
  config: unit(),
  steps: [
    { now: '1000000', primaries: 1, current: [['logs-000001', '1000', String(10 * GB), '0']] },
    { now: '1001000', primaries: 1, current: [['logs-000001', '1000', String(10 * GB), '0']] },
    { now: String(1000000 + H), primaries: 3, current: [['logs-000001', '1200', String(12 * GB), '0'], ['logs-000002', '100', String(GB), '1000010'], ['logs-old', '100', String(40 * GB), '5']] },
  ],
});
for (let k = 0; k < 16; k += 1) {
  const c = pick(updateConfigs);
  let now = 1_700_000_000_000 + int(0, 1e6);
  const names = ['logs-000001'];
  const sizes = { 'logs-000001': [0, 0, now - H] };
  const steps = [];
  for (let s = 0; s < int(2, 12); s += 1) {
    now += pick([0, 1, 1000, 60_000, 299_999, 300_000, 600_000, H, 3 * H]);
    if (rnd() < 0.2) {
      const name = `logs-${String(names.length + 1).padStart(6, '0')}`;
      names.push(name);
      sizes[name] = [0, 0, now - pick([0, 1, 600_000, 2 * H])];
    }
    for (const n of names) {
      if (rnd() < 0.8) {
        sizes[n][0] += int(0, 1e6);
        sizes[n][1] += int(0, 5 * GB);
      }
      if (rnd() < 0.05) sizes[n][1] = Math.floor(sizes[n][1] / 2); // a merge shrinks the store
    }
    const shown = names.filter(() => rnd() < 0.9);
    steps.push({ now: String(now), primaries: pick([0, 1, 1, 3, 5]), current: shown.map((n) => [n, String(sizes[n][0]), String(sizes[n][1]), String(sizes[n][2])]) });
  }
  add('update', { config: c, steps });
}

// --- stored state ----------------------------------------------------------------------------
for (const s of [
  '{"t_ms":1,"indices":{"b":{"docs":1,"bytes":2,"created_ms":3},"a":{"docs":4,"bytes":5,"created_ms":6,"x":7}},"shard_bytes_h":1073741824.0,"docs_h":null}',
  '{"t_ms":1,"indices":{}}',
  '{"t_ms":1,"indices":{},"shard_bytes_h":1,"docs_h":2.5e20,"extra":[1]}',
  '{"t_ms":1.0,"indices":{}}', '{"t_ms":-1,"indices":{}}', '{"indices":{}}', '{"t_ms":1}', '{"t_ms":1,"t_ms":2,"indices":{}}',
  '{"t_ms":1,"indices":{"a":{"docs":1,"bytes":2}}}', '{"t_ms":1,"indices":{"a":{"docs":1,"bytes":2,"created_ms":3,"docs":4}}}',
  '{"t_ms":1,"indices":{"a":{"docs":1,"bytes":2,"created_ms":3},"a":{"docs":5,"bytes":6,"created_ms":7}}}',
  '{"t_ms":1,"indices":[],"shard_bytes_h":null}', '{"t_ms":1,"indices":{},"shard_bytes_h":"1"}', 'null', '[]', '{', '',
  '{"min_index_age_ms":95040000,"min_primary_shard_size":32212254720,"min_doc_count":null,"template":14610959197845189942}',
  '{"min_index_age_ms":1,"min_primary_shard_size":2,"template":3}',
  '{"min_index_age_ms":1,"min_primary_shard_size":2,"min_doc_count":0,"template":18446744073709551616}',
  '{"min_index_age_ms":1,"min_primary_shard_size":2,"min_doc_count":1.5,"template":3}',
]) add('decode_state', s);

// --- units -----------------------------------------------------------------------------------
for (const s of ['35gb', '35GB', ' 500mb ', '500m', '1.5gb', '12b', '1kb', '2tb', '1pb', '0', '0gb', '', ' ', 'gb', '35', '-1', '-5gb', '35gib', '35 g b',
  '1.2.3gb', '1.gb', '.5gb', '0.1b', '0.3kb', '35gb!', '99999999999pb', 'abc', '16383pb', '16384pb', '0.000000000000000001pb', '0.0000000000000000001pb',
  '123456789012345678901234567890b', '1234567890123456789012345678901b', '1\u00a0gb', '1\u0085gb', '\ufeff1gb', '1 GB ', '7p', '7t', '7g', '7k', '7B', '00012kb']) add('size', s);
for (const s of ['12h', '7d', '30m', '90s', '250ms', '7D', '0', '5micros', '5000micros', '5nanos', '1000000nanos', '', 'h', '12', '-1', '-12h', '1.5h', '12hours', '12 hh',
  '1w', '7dd', '12h30m', '99999999999999999999d', '213503982334d', '213503982335d', '18446744073709551615ms', '18446744073709551616ms', ' 5m ', '0s', '0ms', '5M', '5MS']) add('duration', s);

// --- f64 formatting --------------------------------------------------------------------------
for (const x of [0, -0, 1, -1, 0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 0.49999999999999994, 1073741824, 1e15, 1e16, 123456789012345680, 1e21, 1e22, 0.1, 0.00001, 0.000001, 1e-7,
  1.5e-7, 5e-324, 1.7976931348623157e308, 2 ** 52 + 0.5, 2 ** 53, 4503599627370495.5, 9007199254740993, 1024.4999999999998, 1000 / 3, 2 / 3, 123.456]) add('f64', bits(x));
for (let k = 0; k < 40; k += 1) add('f64', bits((rnd() < 0.5 ? 1 : -1) * 10 ** (rnd() * 40 - 20) * (rnd() < 0.3 ? 1 : rnd())));

// --- JSON values -----------------------------------------------------------------------------
for (const v of [RICH_POLICY, UNIT_POLICY, '{"a":{"b":[1,2,{"c":null,"a":true}],"A":false}}', '"\\u007f\\u0080\\u2028\\b\\f\\n\\r\\t\\u001f\\u0000"', '[]', '{}', ' 1 ', '-0', '1e2', '[1,]', '{"a":1,}']) add('value', v);

console.log(`[\n${cases.map((c) => JSON.stringify(c)).join(',\n')}\n]`);
