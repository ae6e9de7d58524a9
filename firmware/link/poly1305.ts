// Poly1305 (RFC 8439 §2.5) for short link frames, in locals only.
//
// A port of tweetnacl-fast's poly1305 (Andrew Moon's poly1305-donna-16: ten 13-bit limbs,
// public domain) reshaped for XS: the state lives in local variables instead of typed
// arrays, 5*r is computed once per key instead of once per product, and there is no
// streaming buffer. On XS this cuts the cost of a one-block tag from about 5.1k to about
// 2.5k computrons (tools/engines measureXs; docs/LINK.md). host-tests/link-crypto.test.ts
// checks it against nacl.lowlevel.crypto_onetimeauth on random keys and messages.

const pad = new Uint8Array(16);

/** out[outAt .. +16) = Poly1305(key[keyAt .. +32), m[mAt .. mAt+n)). */
export function poly1305(out: Uint8Array, outAt: number, m: Uint8Array, mAt: number, n: number, key: Uint8Array, keyAt: number): void {
  let t0 = key[keyAt] | (key[keyAt + 1] << 8);
  let t1 = key[keyAt + 2] | (key[keyAt + 3] << 8);
  let t2 = key[keyAt + 4] | (key[keyAt + 5] << 8);
  let t3 = key[keyAt + 6] | (key[keyAt + 7] << 8);
  let t4 = key[keyAt + 8] | (key[keyAt + 9] << 8);
  let t5 = key[keyAt + 10] | (key[keyAt + 11] << 8);
  let t6 = key[keyAt + 12] | (key[keyAt + 13] << 8);
  let t7 = key[keyAt + 14] | (key[keyAt + 15] << 8);
  // (each group of five products stays below 2^32 for the >>> 13 carries: h < 2^14,
  // 5 * r < 2^16 with r clamped, as in poly1305-donna-16)
  // r, clamped (RFC 8439: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff), in 13-bit limbs
  const r0 = t0 & 0x1fff;
  const r1 = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  const r2 = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
  const r3 = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  const r4 = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
  const r5 = (t4 >>> 1) & 0x1ffe;
  const r6 = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  const r7 = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
  const r8 = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  const r9 = (t7 >>> 5) & 0x007f;
  const s1 = 5 * r1;
  const s2 = 5 * r2;
  const s3 = 5 * r3;
  const s4 = 5 * r4;
  const s5 = 5 * r5;
  const s6 = 5 * r6;
  const s7 = 5 * r7;
  const s8 = 5 * r8;
  const s9 = 5 * r9;
  let h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0, h7 = 0, h8 = 0, h9 = 0;
  let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0, g8 = 0, g9 = 0;
  let c = 0;
  let d = 0;
  let b = m;
  let p = mAt;
  let left = n;
  let hibit = 1 << 11;
  while (left > 0) {
    if (left < 16) {
      // last partial block: the bytes, then 0x01, then zeros, and no 2^128 bit
      for (let i = 0; i < 16; i++) pad[i] = i < left ? m[p + i] : i === left ? 1 : 0;
      b = pad;
      p = 0;
      hibit = 0;
    }
    t0 = b[p] | (b[p + 1] << 8);
    t1 = b[p + 2] | (b[p + 3] << 8);
    t2 = b[p + 4] | (b[p + 5] << 8);
    t3 = b[p + 6] | (b[p + 7] << 8);
    t4 = b[p + 8] | (b[p + 9] << 8);
    t5 = b[p + 10] | (b[p + 11] << 8);
    t6 = b[p + 12] | (b[p + 13] << 8);
    t7 = b[p + 14] | (b[p + 15] << 8);
    h0 += t0 & 0x1fff;
    h1 += ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
    h2 += ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
    h3 += ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
    h4 += ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
    h5 += (t4 >>> 1) & 0x1fff;
    h6 += ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
    h7 += ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
    h8 += ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
    h9 += (t7 >>> 5) | hibit;
    c = 0;
    d = c + h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
    c += d >>> 13;
    g0 = d & 0x1fff;
    d = c + h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
    c += d >>> 13;
    g1 = d & 0x1fff;
    d = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
    c += d >>> 13;
    g2 = d & 0x1fff;
    d = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
    c += d >>> 13;
    g3 = d & 0x1fff;
    d = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
    c += d >>> 13;
    g4 = d & 0x1fff;
    d = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
    c += d >>> 13;
    g5 = d & 0x1fff;
    d = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
    c += d >>> 13;
    g6 = d & 0x1fff;
    d = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
    c += d >>> 13;
    g7 = d & 0x1fff;
    d = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
    c += d >>> 13;
    g8 = d & 0x1fff;
    d = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
    c = d >>> 13;
    d = (d & 0x1fff) + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
    c += d >>> 13;
    g9 = d & 0x1fff;
    c = ((c << 2) + c) | 0;
    c = (c + g0) | 0;
    h0 = c & 0x1fff;
    c = c >>> 13;
    h1 = g1 + c;
    h2 = g2;
    h3 = g3;
    h4 = g4;
    h5 = g5;
    h6 = g6;
    h7 = g7;
    h8 = g8;
    h9 = g9;
    p += 16;
    left -= 16;
  }
  // full carry, then h mod 2^130 - 5 by computing h + 5 - 2^130 and selecting
  c = h1 >>> 13;
  h1 &= 0x1fff;
  h2 += c;
  c = h2 >>> 13;
  h2 &= 0x1fff;
  h3 += c;
  c = h3 >>> 13;
  h3 &= 0x1fff;
  h4 += c;
  c = h4 >>> 13;
  h4 &= 0x1fff;
  h5 += c;
  c = h5 >>> 13;
  h5 &= 0x1fff;
  h6 += c;
  c = h6 >>> 13;
  h6 &= 0x1fff;
  h7 += c;
  c = h7 >>> 13;
  h7 &= 0x1fff;
  h8 += c;
  c = h8 >>> 13;
  h8 &= 0x1fff;
  h9 += c;
  c = h9 >>> 13;
  h9 &= 0x1fff;
  h0 += c * 5;
  c = h0 >>> 13;
  h0 &= 0x1fff;
  h1 += c;
  c = h1 >>> 13;
  h1 &= 0x1fff;
  h2 += c;
  g0 = h0 + 5;
  c = g0 >>> 13;
  g0 &= 0x1fff;
  g1 = h1 + c;
  c = g1 >>> 13;
  g1 &= 0x1fff;
  g2 = h2 + c;
  c = g2 >>> 13;
  g2 &= 0x1fff;
  g3 = h3 + c;
  c = g3 >>> 13;
  g3 &= 0x1fff;
  g4 = h4 + c;
  c = g4 >>> 13;
  g4 &= 0x1fff;
  g5 = h5 + c;
  c = g5 >>> 13;
  g5 &= 0x1fff;
  g6 = h6 + c;
  c = g6 >>> 13;
  g6 &= 0x1fff;
  g7 = h7 + c;
  c = g7 >>> 13;
  g7 &= 0x1fff;
  g8 = h8 + c;
  c = g8 >>> 13;
  g8 &= 0x1fff;
  g9 = h9 + c;
  c = g9 >>> 13;
  g9 &= 0x1fff;
  // c is 1 when h + 5 >= 2^130, i.e. h >= p: then take g (= h - p); constant time
  const mask = (c ^ 1) - 1; // all ones when c = 1
  const keep = ~mask;
  h0 = (h0 & keep) | (g0 & mask);
  h1 = (h1 & keep) | (g1 & mask);
  h2 = (h2 & keep) | (g2 & mask);
  h3 = (h3 & keep) | (g3 & mask);
  h4 = (h4 & keep) | (g4 & mask);
  h5 = (h5 & keep) | (g5 & mask);
  h6 = (h6 & keep) | (g6 & mask);
  h7 = (h7 & keep) | (g7 & mask);
  h8 = (h8 & keep) | (g8 & mask);
  h9 = (h9 & keep) | (g9 & mask);
  // to 16-bit words, add s (key bytes 16..31) mod 2^128, write little-endian
  const w0 = (h0 | (h1 << 13)) & 0xffff;
  const w1 = ((h1 >>> 3) | (h2 << 10)) & 0xffff;
  const w2 = ((h2 >>> 6) | (h3 << 7)) & 0xffff;
  const w3 = ((h3 >>> 9) | (h4 << 4)) & 0xffff;
  const w4 = ((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff;
  const w5 = ((h6 >>> 2) | (h7 << 11)) & 0xffff;
  const w6 = ((h7 >>> 5) | (h8 << 8)) & 0xffff;
  const w7 = ((h8 >>> 8) | (h9 << 5)) & 0xffff;
  const k = keyAt + 16;
  let f = w0 + (key[k] | (key[k + 1] << 8));
  out[outAt] = f & 0xff;
  out[outAt + 1] = (f >>> 8) & 0xff;
  f = w1 + (key[k + 2] | (key[k + 3] << 8)) + (f >>> 16);
  out[outAt + 2] = f & 0xff;
  out[outAt + 3] = (f >>> 8) & 0xff;
  f = w2 + (key[k + 4] | (key[k + 5] << 8)) + (f >>> 16);
  out[outAt + 4] = f & 0xff;
  out[outAt + 5] = (f >>> 8) & 0xff;
  f = w3 + (key[k + 6] | (key[k + 7] << 8)) + (f >>> 16);
  out[outAt + 6] = f & 0xff;
  out[outAt + 7] = (f >>> 8) & 0xff;
  f = w4 + (key[k + 8] | (key[k + 9] << 8)) + (f >>> 16);
  out[outAt + 8] = f & 0xff;
  out[outAt + 9] = (f >>> 8) & 0xff;
  f = w5 + (key[k + 10] | (key[k + 11] << 8)) + (f >>> 16);
  out[outAt + 10] = f & 0xff;
  out[outAt + 11] = (f >>> 8) & 0xff;
  f = w6 + (key[k + 12] | (key[k + 13] << 8)) + (f >>> 16);
  out[outAt + 12] = f & 0xff;
  out[outAt + 13] = (f >>> 8) & 0xff;
  f = w7 + (key[k + 14] | (key[k + 15] << 8)) + (f >>> 16);
  out[outAt + 14] = f & 0xff;
  out[outAt + 15] = (f >>> 8) & 0xff;
}
