// OpenSearch size and duration strings: a line-by-line port of `lifeguard_sdk::units`
// (plugins/sdk/src/units.rs). Values are BigInt (Rust's u64), so nothing is rounded.
//
// Sizes: binary multiples, units b, kb/k, mb/m, gb/g, tb/t, pb/p, case-insensitive; a decimal
// (`1.5gb`) only when it is a whole number of bytes. Durations: d, h, m, s, ms, micros, nanos;
// fractions are rejected (`1.5h`), as OpenSearch does. A bare `0` is accepted for both; any other
// number needs a unit; negative values are rejected. Formatting picks the largest exact unit.

import { rustTrim, asciiLower } from './json.js';

export const KB = 1n << 10n;
export const MB = 1n << 20n;
export const GB = 1n << 30n;
export const TB = 1n << 40n;
export const PB = 1n << 50n;
export const SECOND_MS = 1000n;
export const MINUTE_MS = 60n * SECOND_MS;
export const HOUR_MS = 60n * MINUTE_MS;
export const DAY_MS = 24n * HOUR_MS;

const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

/** A size or duration OpenSearch would not accept: `invalid size `35gib`: unknown unit ...`. */
export class UnitError extends Error {
  constructor(input, what, reason) {
    super(`invalid ${what} \`${input}\`: ${reason}`);
    this.reason = reason;
  }
}

const SIZE_UNITS = [['pb', PB], ['p', PB], ['tb', TB], ['t', TB], ['gb', GB], ['g', GB], ['mb', MB], ['m', MB], ['kb', KB], ['k', KB], ['b', 1n]];
const SIZE_FORMAT = [['pb', PB], ['tb', TB], ['gb', GB], ['mb', MB], ['kb', KB]];
const NS = 1_000_000n; // nanoseconds per millisecond
const DURATION_UNITS = [['micros', 1000n], ['nanos', 1n], ['ms', NS], ['d', DAY_MS * NS], ['h', HOUR_MS * NS], ['m', MINUTE_MS * NS], ['s', SECOND_MS * NS]];
const DURATION_FORMAT_MS = [['d', DAY_MS], ['h', HOUR_MS], ['m', MINUTE_MS], ['s', SECOND_MS], ['ms', 1n]];

const isDigitOrDot = (c) => (c >= '0' && c <= '9') || c === '.';

/** Split `"35gb"` into the number and the unit's multiplier (or null without a unit). */
function split(input, s, what, units, expected) {
  if (s === '') throw new UnitError(input, what, 'empty string');
  let end = 0;
  while (end < s.length && isDigitOrDot(s[end])) end += 1;
  const num = s.slice(0, end);
  const unit = rustTrim(s.slice(end));
  if (num === '') {
    if (s.startsWith('-')) throw new UnitError(input, what, 'negative values are not allowed');
    throw new UnitError(input, what, 'missing number');
  }
  if (unit === '') return [num, null];
  const found = units.find(([u]) => u === unit);
  if (!found) throw new UnitError(input, what, `unknown unit \`${unit}\` (expected one of ${expected})`);
  return [num, found[1]];
}

/** A decimal number exactly, as [digits as an integer, number of fraction digits]. */
function decimal(input, num, what) {
  const dot = num.indexOf('.');
  const int = dot < 0 ? num : num.slice(0, dot);
  const frac = dot < 0 ? '' : num.slice(dot + 1);
  if (int === '' || (dot >= 0 && frac === '') || frac.includes('.')) {
    throw new UnitError(input, what, `malformed number \`${num}\``);
  }
  if (frac.length > 18 || int.length > 30) throw new UnitError(input, what, 'number too long');
  const value = BigInt(`${int}${frac}`);
  if (value > U128_MAX) throw new UnitError(input, what, `malformed number \`${num}\``);
  return [value, BigInt(frac.length)];
}

/** Parse an OpenSearch byte size (`"35gb"`, `"500mb"`, `"1.5gb"`, `"0"`) into bytes. */
export function parseSize(s) {
  const what = 'size';
  const norm = asciiLower(rustTrim(s));
  const [num, unitOrNull] = split(s, norm, what, SIZE_UNITS, 'b, kb, mb, gb, tb, pb');
  const [value, scale] = decimal(s, num, what);
  let unit = unitOrNull;
  if (unit === null) {
    if (value !== 0n) throw new UnitError(s, what, 'missing unit (expected one of b, kb, mb, gb, tb, pb)');
    unit = 1n;
  }
  const denom = 10n ** scale;
  const total = value * unit;
  if (total > U128_MAX) throw new UnitError(s, what, 'too large');
  if (total % denom !== 0n) throw new UnitError(s, what, 'not a whole number of bytes; use a smaller unit');
  const bytes = total / denom;
  if (bytes > U64_MAX) throw new UnitError(s, what, 'too large');
  return bytes;
}

/** Bytes with the largest exact unit: `35gb`, `500mb`, `1536b`... `0b`. */
export function formatSize(bytes) {
  const b = BigInt(bytes);
  if (b === 0n) return '0b';
  for (const [unit, m] of SIZE_FORMAT) {
    if (b % m === 0n) return `${b / m}${unit}`;
  }
  return `${b}b`;
}

/** Parse an OpenSearch duration (`"12h"`, `"7d"`, `"250ms"`, `"0"`) into whole milliseconds. */
export function parseDurationMs(s) {
  const what = 'duration';
  const norm = asciiLower(rustTrim(s));
  const [num, unitOrNull] = split(s, norm, what, DURATION_UNITS, 'd, h, m, s, ms, micros, nanos');
  if (num.includes('.')) {
    throw new UnitError(s, what, 'fractional durations are not supported by OpenSearch; use a smaller unit (e.g. 90m)');
  }
  const [value] = decimal(s, num, what);
  let unit = unitOrNull;
  if (unit === null) {
    if (value !== 0n) throw new UnitError(s, what, 'missing unit (expected one of d, h, m, s, ms, micros, nanos)');
    unit = 1n;
  }
  const nanos = value * unit;
  if (nanos > U128_MAX) throw new UnitError(s, what, 'too large');
  if (nanos / 1_000_000_000n > U64_MAX) throw new UnitError(s, what, 'too large');
  if (nanos % NS !== 0n) throw new UnitError(s, what, 'not a whole number of milliseconds');
  const ms = nanos / NS;
  if (ms > U64_MAX) throw new UnitError(s, what, 'too large');
  return ms;
}

/** Milliseconds with the largest exact unit: `7d`, `12h`, `90m`, `250ms`, `0s`. */
export function formatDurationMs(ms) {
  const v = BigInt(ms);
  if (v === 0n) return '0s';
  for (const [unit, m] of DURATION_FORMAT_MS) {
    if (v % m === 0n) return `${v / m}${unit}`;
  }
  return `${v}ms`;
}
