// The JS port against the Rust twin itself: test/golden.json holds what the twin's
// `logic.rs` and the SDK (`units`, `policy`, `serde_json`) answered for every case of
// golden/cases.mjs (regenerate with `bash golden/gen.sh`). Every output must match
// exactly: parsed configs and their errors (terminal or not), fingerprints, thresholds, the
// rendered policy text, the stored state text, unit parsing and formatting, f64 formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as L from '../src/logic.js';
import * as U from '../src/units.js';
import * as J from '../src/json.js';

const golden = JSON.parse(readFileSync(new URL('./golden.json', import.meta.url), 'utf8'));

const f = (hex) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt(`0x${hex}`));
  return dv.getFloat64(0);
};
const bits = (x) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0).toString(16).padStart(16, '0');
};
const thresholdsOf = (v) => ({
  minIndexAgeMs: BigInt(v.min_index_age_ms),
  minPrimaryShardSize: BigInt(v.min_primary_shard_size),
  minDocCount: v.min_doc_count === null ? null : BigInt(v.min_doc_count),
  template: BigInt(v.template),
});
const orNull = (fn) => {
  try {
    return fn();
  } catch (e) {
    if (e instanceof J.JsonError) return null;
    throw e;
  }
};

const RUN = {
  config(input) {
    let c;
    try {
      c = L.parseConfig(input);
    } catch (e) {
      if (!(e instanceof L.ConfigError)) throw e;
      return { err: field(e.message), transient: false };
    }
    return {
      ok: {
        cluster: c.cluster,
        policy_id: c.policyId,
        write_aliases: c.writeAliases,
        rollover_state: c.rolloverState,
        target_primary_shard_size: String(c.targetPrimaryShardSize),
        buffer_pct: bits(c.bufferPct),
        min_age: String(c.minAge),
        max_age: String(c.maxAge),
        min_doc_count: c.minDocCount === null ? null : String(c.minDocCount),
        hysteresis_pct: bits(c.hysteresisPct),
        ewma_alpha: bits(c.ewmaAlpha),
        replicated_size_cap: String(c.replicatedSizeCap),
        sync_batch: c.syncBatch,
        min_sample_interval: String(c.minSampleInterval),
        policy_text: J.stringify(c.policy),
        template: String(c.template),
      },
    };
  },
  age: (i) => String(L.minIndexAgeMs(BigInt(i.target), f(i.v), L.parseConfig(i.config))),
  thresholds: (i) => L.encodeThresholds(L.thresholds(L.parseConfig(i.config), f(i.v), i.replicated)),
  should_apply: (i) => L.shouldApply(i.applied === null ? null : thresholdsOf(i.applied), thresholdsOf(i.next), f(i.h)),
  render: (i) => J.stringify(L.render(L.parseConfig(i.config), thresholdsOf(i.t))),
  update(i) {
    const cfg = L.parseConfig(i.config);
    let prev = null;
    return i.steps.map((s) => {
      const current = new Map(s.current.map(([n, d, b, c]) => [n, { docs: Number(d), bytes: Number(b), createdMs: Number(c) }]));
      const [next, measured] = L.update(prev, Number(s.now), current, s.primaries, cfg);
      prev = next;
      return {
        state: L.encodeAliasState(next),
        measured,
        shard_bytes_h: next.shardBytesH === null ? null : bits(next.shardBytesH),
        docs_h: next.docsH === null ? null : bits(next.docsH),
      };
    });
  },
  decode_state: (s) => ({
    alias: orNull(() => L.encodeAliasState(L.decodeAliasState(s))),
    applied: orNull(() => L.encodeThresholds(L.decodeThresholds(s))),
  }),
  size(s) {
    try {
      const n = U.parseSize(s);
      return { ok: String(n), fmt: U.formatSize(n) };
    } catch (e) {
      if (e instanceof U.UnitError) return { err: e.message };
      throw e;
    }
  },
  duration(s) {
    try {
      const n = U.parseDurationMs(s);
      return { ok: String(n), fmt: U.formatDurationMs(n) };
    } catch (e) {
      if (e instanceof U.UnitError) return { err: e.message };
      throw e;
    }
  },
  f64: (hex) => ({ json: J.stringify(f(hex)), fixed0: L.fixed0(f(hex)) }),
  value(text) {
    try {
      const v = J.parse(text);
      return { ok: J.stringify(v), fnv: String(L.fnv(J.stringify(v))) };
    } catch (e) {
      if (e instanceof J.JsonError) return { err: true };
      throw e;
    }
  },
};

/** The top-level field a config error names ('' for none): it must be the same; the wording
 * after it may differ. */
const field = (m) => (/^invalid config at `([^`.[]*)/.exec(m) ?? [null, ''])[1];

/** The Rust output, reduced to what the JS side promises to match. */
function expected(kind, out) {
  if (kind === 'config' && out.err !== undefined) return { err: field(out.err), transient: out.transient };
  return out;
}

const kinds = [...new Set(golden.map((c) => c.kind))];
for (const kind of kinds) {
  const cases = golden.filter((c) => c.kind === kind);
  test(`golden ${kind}: ${cases.length} cases match the Rust twin`, () => {
    for (const c of cases) {
      assert.deepEqual(RUN[kind](c.in), expected(kind, c.out), `${kind} ${JSON.stringify(c.in).slice(0, 300)}`);
    }
  });
}
