// Plain data across the XS process boundary. JSON alone turns NaN and ±Infinity into
// null, which would hide exactly the numeric bugs parity tests look for, so non-finite
// numbers travel as {"$nonFinite": "NaN" | "Infinity" | "-Infinity"}. And XS's decimal
// conversions are not always exact (seen: -52557482735372104 read back as
// -52557482735372100, another double), so every number that is not a safe integer travels
// as {"$f64": "<16 hex digits of its IEEE-754 bits>"}, both ways: parity compares the
// engines' arithmetic, not their number printing. The same codec runs on the host (here)
// and inside XS (PLAIN_CODEC_XS, plain ES5 so any engine takes it).

const TAG = '$nonFinite';
const BITS = '$f64';

function fromHex(hex: string): number {
  const dv = new DataView(new ArrayBuffer(8));
  for (let k = 0; k < 8; k++) dv.setUint8(k, parseInt(hex.slice(k * 2, k * 2 + 2), 16));
  return dv.getFloat64(0);
}

function toHex(v: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  let h = '';
  for (let k = 0; k < 8; k++) h += dv.getUint8(k).toString(16).padStart(2, '0');
  return h;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { [TAG]: String(value) };
  if (typeof value === 'number' && !Number.isSafeInteger(value) && !Object.is(value, -0)) return { [BITS]: toHex(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === TAG) return Number((value as Record<string, string>)[TAG]);
    if (keys.length === 1 && keys[0] === BITS) return fromHex((value as Record<string, string>)[BITS]);
  }
  return value;
}

/** Encodes plain data (objects, arrays, numbers incl. NaN/±Infinity, strings, booleans). */
export function encodePlain(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function decodePlain(text: string): unknown {
  return JSON.parse(text, reviver);
}

/**
 * The codec as script text for XS. Defines `globalThis.__plain` with `encode`,
 * `decode` and `reply(value)` (encodes and sends the value back via issueCommand).
 */
export const PLAIN_CODEC_XS = `
globalThis.__plain = (function () {
  var TAG = ${JSON.stringify(TAG)};
  var BITS = ${JSON.stringify(BITS)};
  function bits(v) {
    var dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v);
    var h = '';
    for (var k = 0; k < 8; k++) { var b = dv.getUint8(k); h += (b < 16 ? '0' : '') + b.toString(16); }
    return h;
  }
  function replacer(k, v) {
    if (typeof v === 'number' && !isFinite(v)) { var o = {}; o[TAG] = String(v); return o; }
    if (typeof v === 'number' && !(Math.floor(v) === v && Math.abs(v) <= 9007199254740991)) { var p = {}; p[BITS] = bits(v); return p; }
    return v;
  }
  function unbits(h) {
    var dv = new DataView(new ArrayBuffer(8));
    for (var k = 0; k < 8; k++) dv.setUint8(k, parseInt(h.slice(k * 2, k * 2 + 2), 16));
    return dv.getFloat64(0);
  }
  function reviver(k, v) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      var ks = Object.keys(v);
      if (ks.length === 1 && ks[0] === TAG) return Number(v[TAG]);
      if (ks.length === 1 && ks[0] === BITS) return unbits(v[BITS]);
    }
    return v;
  }
  function encode(v) { return JSON.stringify(v, replacer); }
  function decode(s) { return JSON.parse(s, reviver); }
  function reply(v) {
    var s = encode(v);
    issueCommand(new TextEncoder().encode(s === undefined ? 'undefined' : s).buffer);
  }
  return { encode: encode, decode: decode, reply: reply };
})();
`;
