// Plain data across the XS process boundary. JSON alone turns NaN and ±Infinity into
// null, which would hide exactly the numeric bugs parity tests look for, so non-finite
// numbers travel as {"$nonFinite": "NaN" | "Infinity" | "-Infinity"}. The same codec
// runs on the host (here) and inside XS (PLAIN_CODEC_XS, plain ES5 so any engine takes it).

const TAG = '$nonFinite';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { [TAG]: String(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === TAG) return Number((value as Record<string, string>)[TAG]);
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
  function replacer(k, v) {
    if (typeof v === 'number' && !isFinite(v)) { var o = {}; o[TAG] = String(v); return o; }
    return v;
  }
  function reviver(k, v) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      var ks = Object.keys(v);
      if (ks.length === 1 && ks[0] === TAG) return Number(v[TAG]);
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
