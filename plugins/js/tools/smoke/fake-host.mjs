// A WIT-level fake of the Lifeguard host for smoke tests of built components under Node
// (`jco transpile` maps every `lifeguard:plugin/*` import to this module). Values are what the
// canonical ABI gives JS: camelCase records, BigInt for u64/s64, undefined for none, and errors
// thrown as {tag, val}. It keeps a tiny in-memory cluster in `world`, which the scenarios set.

export const world = {
  calls: [], // [interface.function, args] of every host call, in order
  logs: [],
  reason: null,
  metrics: {},
  state: new Map(),
  aliasRows: [], // {alias, index, isWriteIndex}
  indexRows: {}, // index -> {docs, bytes, primaries, replicas, createdMs?}
  settings: {}, // index -> flat settings object
  explain: {}, // index -> explain entry (WIT shape)
  policies: {}, // id -> {seqNo, body}
  fail: {}, // 'ism.ensurePolicy' -> {tag, val}
  reset() {
    Object.assign(this, { calls: [], logs: [], reason: null, metrics: {}, state: new Map(), aliasRows: [], indexRows: {}, settings: {}, explain: {}, policies: {}, fail: {} });
  },
};

function rec(name, ...args) {
  world.calls.push([name, args, world.reason]);
  if (world.fail[name]) throw world.fail[name];
}

const glob = (pattern) => {
  const res = pattern.split(',').map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return (name) => res.some((r) => r.test(name));
};

/** JSON with sorted keys: the host compares policies semantically, not by key order. */
const canonical = (v) => {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
};

const stubs = (iface, impl) => new Proxy(impl, {
  get: (t, k) => (k in t ? t[k] : () => { throw { tag: 'other', val: `fake host: ${iface}.${String(k)} not implemented` }; }),
});

export const log = stubs('log', {
  emit(level, message) { world.logs.push([level, message]); },
  setReason(reason) { world.reason = reason; },
});

export const metrics = stubs('metrics', {
  counter(name, value, labels) {
    if (typeof value !== 'bigint') throw new TypeError('counter value must be a BigInt');
    const k = `${name}${JSON.stringify(labels)}`;
    world.metrics[k] = (world.metrics[k] ?? 0n) + value;
  },
  gauge(name, value, labels) { world.metrics[`${name}${JSON.stringify(labels)}`] = value; },
  histogram() {},
});

export const state = stubs('state', {
  get(key) { return world.state.get(key); },
  set(key, value) { rec('state.set', key); world.state.set(key, value); },
  delete(key) { world.state.delete(key); },
  keys() { return [...world.state.keys()].sort(); },
});

export const clock = stubs('clock', { nowMs: () => 0n, sleep() {} });

export const cluster = stubs('cluster', {
  aliases(c, pattern) {
    rec('cluster.aliases', c, pattern);
    const m = glob(pattern);
    return world.aliasRows.filter((r) => m(r.alias));
  },
  indices(c, pattern) {
    rec('cluster.indices', c, pattern);
    const m = glob(pattern);
    return Object.entries(world.indexRows).filter(([n]) => m(n)).map(([index, r]) => ({
      index, uuid: `uuid-${index}`, health: 'green', status: 'open', primaries: r.primaries, replicas: r.replicas,
      docsCount: BigInt(r.docs), docsDeleted: 0n, storeBytes: BigInt(r.bytes * (1 + r.replicas)),
      primaryStoreBytes: BigInt(r.bytes), creationDateMs: BigInt(r.createdMs ?? 0),
    }));
  },
  getSettings(c, index) {
    rec('cluster.getSettings', c, index);
    if (!(index in world.settings)) throw { tag: 'not-found', val: `no such index [${index}]` };
    return JSON.stringify(world.settings[index]);
  },
});

export const ism = stubs('ism', {
  explain(c, pattern) {
    rec('ism.explain', c, pattern);
    const m = glob(pattern);
    return Object.values(world.explain).filter((e) => m(e.index));
  },
  ensurePolicy(c, id, body) {
    rec('ism.ensurePolicy', c, id, body);
    const cur = world.policies[id];
    if (!cur) { world.policies[id] = { seqNo: 1n, body }; return 'created'; }
    if (canonical(JSON.parse(cur.body)) === canonical(JSON.parse(body))) return 'unchanged';
    world.policies[id] = { seqNo: cur.seqNo + 1n, body };
    return 'updated';
  },
  getPolicy(c, id) {
    rec('ism.getPolicy', c, id);
    const p = world.policies[id];
    if (!p) throw { tag: 'not-found', val: `Policy not found [${id}]` };
    return { id, seqNo: p.seqNo, primaryTerm: 1n, body: p.body };
  },
  attach(c, pattern, id) {
    rec('ism.attach', c, pattern, id);
    const m = glob(pattern);
    const attached = [];
    for (const e of Object.values(world.explain)) {
      if (m(e.index) && e.policyId === undefined) {
        e.policyId = id;
        e.policySeqNo = world.policies[id]?.seqNo ?? 1n;
        attached.push(e.index);
      }
    }
    return { attached, alreadyManaged: [], otherPolicy: [] };
  },
  syncManaged(c, id, batch) {
    rec('ism.syncManaged', c, id, batch);
    const seq = world.policies[id]?.seqNo ?? 0n;
    const behind = Object.values(world.explain).filter((e) => e.policyId === id && e.policySeqNo < seq).map((e) => e.index).sort();
    const changed = behind.slice(0, batch);
    for (const i of changed) world.explain[i].policySeqNo = seq;
    return { changed, remaining: behind.length - changed.length };
  },
  retry(c, pattern, st) {
    rec('ism.retry', c, pattern, st);
    const e = world.explain[pattern];
    if (e?.action) e.action.failed = false;
    return { updatedIndices: e ? 1 : 0, failures: false, failedIndices: [] };
  },
});

export const ccr = stubs('ccr', {});

/** An explain entry in WIT shape. */
export function explainEntry(index, extra = {}) {
  return {
    index, indexUuid: `uuid-${index}`, policyId: undefined, policySeqNo: undefined, policyPrimaryTerm: undefined,
    enabled: undefined, indexCreationDateMs: 0n, rolledOver: undefined, rolledOverIndexName: undefined,
    policyCompleted: false, transitionTo: undefined, state: undefined, action: undefined, step: undefined,
    retryInfo: undefined, infoMessage: undefined, infoCause: undefined, ...extra,
  };
}
