// Helpers over ISM policy bodies: a port of the parts of `lifeguard_sdk::policy`
// (plugins/sdk/src/policy.rs) the tuner uses, over the values of `json.js`.

import { get, asStr, isObject, insert } from './json.js';

/** `{"policy":{...}}` -> `{...}`; any other value is returned as is. */
export function unwrapPolicy(body) {
  if (isObject(body)) {
    const keys = Object.keys(body);
    if (keys.length === 1 && keys[0] === 'policy' && isObject(body.policy)) return body.policy;
  }
  return body;
}

/** The states array (empty when missing or not an array). */
export function states(policy) {
  const s = get(policy, 'states');
  return Array.isArray(s) ? s : [];
}

function stateActions(state) {
  const a = get(state, 'actions');
  return Array.isArray(a) ? a : [];
}

/** Names of the states that contain an action named `action` (e.g. `rollover`). */
export function statesWithAction(policy, action) {
  return states(policy)
    .filter((s) => stateActions(s).some((a) => get(a, action) !== undefined))
    .map((s) => asStr(get(s, 'name')))
    .filter((n) => n !== undefined);
}

/** The first state named `name`. */
export function state(policy, name) {
  return states(policy).find((s) => asStr(get(s, 'name')) === name);
}

/** The rollover action's object in state `stateName` (the first action with a `rollover` key;
 * undefined when that is not an object). Mutating it edits the policy (`rollover_mut`). */
export function rollover(policy, stateName) {
  const s = state(policy, stateName);
  if (s === undefined) return undefined;
  const action = stateActions(s).find((a) => get(a, 'rollover') !== undefined);
  const r = action === undefined ? undefined : get(action, 'rollover');
  return isObject(r) ? r : undefined;
}

/** The `min_index_age` conditions of the transitions of `stateName`: [[target, age]]. */
export function transitionAges(policy, stateName) {
  const s = state(policy, stateName);
  const ts = get(s, 'transitions');
  const out = [];
  for (const t of Array.isArray(ts) ? ts : []) {
    const target = asStr(get(t, 'state_name'));
    const age = asStr(get(get(t, 'conditions'), 'min_index_age'));
    if (target !== undefined && age !== undefined) out.push([target, age]);
  }
  return out;
}

/** Set the `min_index_age` of every transition of `stateName` that has one (only the one to
 * `target` when given). Returns how many transitions were changed. */
export function setTransitionAge(policy, stateName, target, age) {
  const s = state(policy, stateName);
  const ts = get(s, 'transitions');
  if (!Array.isArray(ts)) return 0;
  let n = 0;
  for (const t of ts) {
    const to = asStr(get(t, 'state_name'));
    if (target != null && to !== target) continue;
    const c = get(t, 'conditions');
    if (isObject(c) && Object.prototype.hasOwnProperty.call(c, 'min_index_age')) {
      if (asStr(c.min_index_age) !== age) {
        insert(c, 'min_index_age', age);
        n += 1;
      }
    }
  }
  return n;
}
