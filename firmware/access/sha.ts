// SHA-1 (FIPS 180-4 §6.1), SHA-256 (§6.2) and HMAC (RFC 2104) for the one-time passwords
// (RFC 4226/6238) and the access log's hash chain. SHA-512 is tweetnacl's (the link already
// carries it: firmware/link/nacl.ts), so it is not repeated here. Portable: plain 32-bit
// integer arithmetic (`| 0`, `>>>`), typed arrays, no Node crypto; runs in XS and Espruino.
// Not in the Lua core (it uses `>>>`), which the control unit does not need.
import { nacl } from '../link/nacl';

export type HashName = 'SHA1' | 'SHA256' | 'SHA512';

/** Pads a message per FIPS 180-4 §5.1.1 (64-byte blocks, 64-bit big-endian bit length). */
function pad64(m: Uint8Array): Uint8Array {
  const n = m.length;
  const total = (((n + 9 + 63) / 64) | 0) * 64;
  const p = new Uint8Array(total);
  p.set(m, 0);
  p[n] = 0x80;
  // bit length: messages here are far below 2^29 bytes, so the high word is n / 2^29
  const hi = Math.floor(n / 0x20000000);
  const lo = (n * 8) >>> 0;
  p[total - 8] = (hi >>> 24) & 0xff;
  p[total - 7] = (hi >>> 16) & 0xff;
  p[total - 6] = (hi >>> 8) & 0xff;
  p[total - 5] = hi & 0xff;
  p[total - 4] = (lo >>> 24) & 0xff;
  p[total - 3] = (lo >>> 16) & 0xff;
  p[total - 2] = (lo >>> 8) & 0xff;
  p[total - 1] = lo & 0xff;
  return p;
}

function out32(h: Int32Array, n: number): Uint8Array {
  const o = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    o[i * 4] = (h[i] >>> 24) & 0xff;
    o[i * 4 + 1] = (h[i] >>> 16) & 0xff;
    o[i * 4 + 2] = (h[i] >>> 8) & 0xff;
    o[i * 4 + 3] = h[i] & 0xff;
  }
  return o;
}

/** SHA-1 (FIPS 180-4 §6.1). Broken for collisions, still sound inside HMAC (RFC 6194 §3). */
export function sha1(m: Uint8Array): Uint8Array {
  const p = pad64(m);
  const h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);
  const w = new Int32Array(80);
  for (let off = 0; off < p.length; off += 64) {
    for (let t = 0; t < 16; t++) {
      const j = off + t * 4;
      w[t] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const tmp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
  }
  return out32(h, 5);
}

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes
const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 (FIPS 180-4 §6.2). */
export function sha256(m: Uint8Array): Uint8Array {
  const p = pad64(m);
  const h = new Int32Array([0x6a09e667, 0xbb67ae85 | 0, 0x3c6ef372, 0xa54ff53a | 0, 0x510e527f, 0x9b05688c | 0, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Int32Array(64);
  for (let off = 0; off < p.length; off += 64) {
    for (let t = 0; t < 16; t++) {
      const j = off + t * 4;
      w[t] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K256[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
  return out32(h, 8);
}

/** SHA-512 (FIPS 180-4 §6.4), tweetnacl's. */
export function sha512(m: Uint8Array): Uint8Array {
  return nacl.hash(m);
}

export function hash(name: HashName, m: Uint8Array): Uint8Array {
  if (name === 'SHA1') return sha1(m);
  if (name === 'SHA256') return sha256(m);
  return sha512(m);
}

/** Block size in bytes (RFC 2104 "B"): 64 for SHA-1/256, 128 for SHA-512. */
export function blockBytes(name: HashName): number {
  return name === 'SHA512' ? 128 : 64;
}

/** HMAC (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)). */
export function hmac(name: HashName, key: Uint8Array, m: Uint8Array): Uint8Array {
  const B = blockBytes(name);
  const k = key.length > B ? hash(name, key) : key;
  const inner = new Uint8Array(B + m.length);
  const outerHead = new Uint8Array(B);
  for (let i = 0; i < B; i++) {
    const v = i < k.length ? k[i] : 0;
    inner[i] = v ^ 0x36;
    outerHead[i] = v ^ 0x5c;
  }
  inner.set(m, B);
  const ih = hash(name, inner);
  const outer = new Uint8Array(B + ih.length);
  outer.set(outerHead, 0);
  outer.set(ih, B);
  return hash(name, outer);
}

/**
 * A copy of bytes [start, end) as a Uint8Array. Not `.slice()`: in Espruino 2v29 a typed
 * array's slice returns a plain Array (no typed semantics).
 */
export function copyBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  if (end > src.length) end = src.length;
  const n = end > start ? end - start : 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = src[start + i];
  return out;
}

/** Constant-time equality of two byte strings (the length is not secret). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
