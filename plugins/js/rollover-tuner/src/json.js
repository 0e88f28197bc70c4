// JSON exactly as the Rust twin's `serde_json` (1.0.154, in the `plugins/` workspace: no
// `preserve_order`, no `arbitrary_precision`) reads and writes it. Pure; no host calls.
//
// Why not JSON.parse/JSON.stringify: the twin fingerprints the template as
// `fnv(policy.to_string())` and sends `body.to_string()`, so the exact text matters:
//   - serde_json's `Value` object is a BTreeMap: keys are written **sorted** (by code point),
//     a duplicate key keeps the last value;
//   - numbers keep their kind: `1` is a u64, `-1` an i64, `1.0`, `1e2` and `-0` are f64 and are
//     written back as `1.0`, `100.0`, `-0.0` (the `zmij` format); u64 beyond 2^53 stay exact;
//   - strings escape only `"`, `\`, and the control characters;
//   - parsing is strict RFC 8259 with a nesting limit of 127, like serde_json.
//
// Objects parse to null-prototype objects, arrays to arrays, numbers to `JNum`, strings,
// booleans and null to themselves. Keys that appeared twice are listed under `DUPLICATES`
// (serde's derived structs reject a repeated field).

export const DUPLICATES = Symbol('duplicate keys');

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN_ABS = 1n << 63n;

/** A JSON number as serde_json holds it: kind `u64`, `i64` or `f64`. */
export class JNum {
  /** @param {'u64'|'i64'|'f64'} kind  @param {bigint|number} value (BigInt for u64/i64) */
  constructor(kind, value) {
    this.kind = kind;
    this.value = value;
  }

  static u64(v) { return new JNum('u64', BigInt(v)); }
  static f64(v) { return new JNum('f64', Number(v)); }

  /** As an f64 (`as f64` for integers: round to nearest, ties to even). */
  toNumber() { return Number(this.value); }

  toJSONText() { return this.kind === 'f64' ? formatF64(this.value) : this.value.toString(); }
}

export class JsonError extends Error {}

/** A JS value of this module's model? (null-prototype object, array, JNum, string, bool, null) */
export function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JNum);
}

/** `Value::get(key)` on any value: only objects have keys. */
export function get(v, key) {
  return isObject(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
}

/** `Value::as_str`. */
export const asStr = (v) => (typeof v === 'string' ? v : undefined);

/** A fresh null-prototype object. */
export function newObject() {
  return Object.create(null);
}

/** `map.insert(key, value)` (safe for every key, `__proto__` included). */
export function insert(obj, key, value) {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Deep copy of a value of this model. */
export function clone(v) {
  if (Array.isArray(v)) return v.map(clone);
  if (v instanceof JNum) return new JNum(v.kind, v.value);
  if (isObject(v)) {
    const o = newObject();
    for (const k of Object.keys(v)) insert(o, k, clone(v[k]));
    return o;
  }
  return v;
}

/** Structural equality (serde_json `Value == Value`: numbers compare by kind and value). */
export function equal(a, b) {
  if (a instanceof JNum || b instanceof JNum) {
    if (!(a instanceof JNum && b instanceof JNum)) return false;
    // serde_json's N: PosInt(u64) / NegInt(i64) / Float(f64); a non-negative i64 never exists.
    return a.kind === b.kind && (a.kind === 'f64' ? a.value === b.value : a.value === b.value);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!(isObject(a) && isObject(b))) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  }
  return a === b;
}

// ---------------------------------------------------------------------------------------------
// Parsing.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const MAX_DEPTH = 128; // serde_json's remaining_depth: the 128th nested container fails
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Where a parse error happened, as serde_path_to_error writes it: `policy.states[0].name`,
 * `?` for a position between entries. */
function pathText(path) {
  return path.map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? p : `.${p}`)).join('');
}

/**
 * Parse JSON text as serde_json does; throws JsonError (with `path`, the position in the
 * document). `trailing: true` ignores whatever follows the first value, as a
 * `Deserializer::from_str` that is never `end()`ed does (the SDK's config parsing).
 */
export function parse(text, { trailing = false } = {}) {
  let i = 0;
  let depth = 0;
  const path = [];
  const fail = (msg) => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    const e = new JsonError(`${msg} at line ${line} column ${column}`);
    e.path = pathText(path);
    throw e;
  };
  const skip = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i += 1;
  };
  const expectWord = (word, value) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail('expected value');
  };

  function parseString() {
    i += 1; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fail('EOF while parsing a string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i += 1;
        return out;
      }
      if (c < 0x20) fail('control character (\\u0000-\\u001F) found while parsing a string');
      if (c !== 0x5c) {
        i += 1;
        continue;
      }
      out += text.slice(start, i);
      i += 1;
      const e = text[i];
      i += 1;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = () => {
            const h = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('invalid escape');
            i += 4;
            return parseInt(h, 16);
          };
          const u = hex();
          if (u >= 0xdc00 && u <= 0xdfff) fail('lone leading surrogate in hex escape');
          if (u >= 0xd800 && u <= 0xdbff) {
            if (text[i] !== '\\' || text[i + 1] !== 'u') fail('unexpected end of hex escape');
            i += 2;
            const lo = hex();
            if (lo < 0xdc00 || lo > 0xdfff) fail('lone leading surrogate in hex escape');
            out += String.fromCharCode(u, lo);
          } else {
            out += String.fromCharCode(u);
          }
          break;
        }
        default:
          i -= 1;
          fail('invalid escape');
      }
      start = i;
    }
  }

  function parseNumber() {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('invalid number');
    const lexeme = m[0];
    i += lexeme.length;
    if (i < text.length && /[0-9.eE+-]/.test(text[i])) fail('invalid number');
    if (!/[.eE]/.test(lexeme)) {
      const neg = lexeme.startsWith('-');
      const digits = BigInt(neg ? lexeme.slice(1) : lexeme);
      if (!neg && digits <= U64_MAX) return new JNum('u64', digits);
      if (neg && digits === 0n) return new JNum('f64', -0);
      if (neg && digits <= I64_MIN_ABS) return new JNum('i64', -digits);
    }
    const v = Number(lexeme);
    if (!Number.isFinite(v)) fail('number out of range');
    return new JNum('f64', v);
  }

  function parseValue() {
    skip();
    if (i >= text.length) fail('EOF while parsing a value');
    const c = text[i];
    if (c === '{' || c === '[') {
      depth += 1;
      if (depth >= MAX_DEPTH) fail('recursion limit exceeded');
      const v = c === '{' ? parseObject() : parseArray();
      depth -= 1;
      return v;
    }
    if (c === '"') return parseString();
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    if (c === 't') return expectWord('true', true);
    if (c === 'f') return expectWord('false', false);
    if (c === 'n') return expectWord('null', null);
    return fail('expected value');
  }

  function parseArray() {
    i += 1;
    const out = [];
    skip();
    if (text[i] === ']') {
      i += 1;
      return out;
    }
    for (;;) {
      path.push(out.length);
      out.push(parseValue());
      path.pop();
      skip();
      if (text[i] === ',') {
        i += 1;
        skip();
        if (text[i] === ']') fail('trailing comma');
        continue;
      }
      if (text[i] === ']') {
        i += 1;
        return out;
      }
      fail(i >= text.length ? 'EOF while parsing a list' : 'expected `,` or `]`');
    }
  }

  function parseObject() {
    i += 1;
    const out = newObject();
    const dups = [];
    skip();
    if (text[i] === '}') {
      i += 1;
      return out;
    }
    path.push('?');
    for (;;) {
      skip();
      if (text[i] !== '"') fail(i >= text.length ? 'EOF while parsing an object' : 'key must be a string');
      const key = parseString();
      skip();
      if (text[i] !== ':') fail(i >= text.length ? 'EOF while parsing an object' : 'expected `:`');
      i += 1;
      path[path.length - 1] = key;
      const value = parseValue();
      path[path.length - 1] = '?';
      if (Object.prototype.hasOwnProperty.call(out, key)) dups.push(key);
      insert(out, key, value);
      skip();
      if (text[i] === ',') {
        i += 1;
        skip();
        if (text[i] === '}') fail('trailing comma');
        continue;
      }
      if (text[i] === '}') {
        i += 1;
        path.pop();
        if (dups.length) Object.defineProperty(out, DUPLICATES, { value: dups, enumerable: false });
        return out;
      }
      fail(i >= text.length ? 'EOF while parsing an object' : 'expected `,` or `}`');
    }
  }

  const v = parseValue();
  if (trailing) return v;
  skip();
  if (i < text.length) fail('trailing characters');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** Compare two strings as Rust compares `String`s (UTF-8 bytes, i.e. code points). */
export function cmpStr(a, b) {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k += 1) {
    const x = a.codePointAt(k);
    const y = b.codePointAt(k);
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) k += 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** A JSON string literal as serde_json writes it. */
export function quote(s) {
  let out = '"';
  let start = 0;
  for (let k = 0; k < s.length; k += 1) {
    const c = s.charCodeAt(k);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, k);
    start = k + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x09: out += '\\t'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0d: out += '\\r'; break;
      default: out += `\\u00${c.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}${s.slice(start)}"`;
}

/**
 * An f64 as serde_json writes it (the `zmij` crate): the shortest round-trip digits, fixed
 * notation for decimal exponents -5..=15 with `.0` on integers (`1073741824.0`, `0.00001`),
 * otherwise `1.5e+16`, `1e-7`. Non-finite values are `null`, as serde_json writes them.
 */
export function formatF64(x) {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, e] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(e);
  let s;
  if (exp >= -5 && exp <= 15) {
    if (digits.length - 1 <= exp) s = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
    else if (exp >= 0) s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    else s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else {
    s = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  }
  return sign + s;
}

/** `Value::to_string()`: compact, object keys sorted. Plain JS numbers are written as f64. */
export function stringify(v) {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return quote(v);
  if (v instanceof JNum) return v.toJSONText();
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatF64(v);
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
  const keys = Object.keys(v).sort(cmpStr);
  return `{${keys.map((k) => `${quote(k)}:${stringify(v[k])}`).join(',')}}`;
}

/** A JSON object with its fields in the given order (what `#[derive(Serialize)]` writes). */
export function struct(fields) {
  return `{${fields.map(([k, text]) => `${quote(k)}:${text}`).join(',')}}`;
}

/** The UTF-8 bytes of a string (well-formed: lone surrogates become U+FFFD, as in Rust). */
export function utf8(s) {
  const out = [];
  for (const ch of s) {
    let c = ch.codePointAt(0);
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rust `str` helpers.

// char::is_whitespace (Unicode White_Space), which `str::trim` uses; unlike JS's trim it
// includes U+0085 and excludes U+FEFF.
const RUST_WS = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${RUST_WS}+|${RUST_WS}+$`, 'g');

/** `str::trim`. */
export const rustTrim = (s) => s.replace(TRIM, '');

/** `str::to_ascii_lowercase`. */
export const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
