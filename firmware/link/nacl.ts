// Typed view of the parts of tweetnacl 1.0.3 (nacl-fast.js, the package's main) that the
// link uses. tweetnacl's nacl.d.ts does not declare `nacl.lowlevel`, so it is typed here.
import nacl from 'tweetnacl';

export interface NaclLowlevel {
  /** HSalsa20 core: out(32) = HSalsa20(k(32), inp(16)), c = "expand 32-byte k" */
  crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): void;
  /** Salsa20 keystream: c[cpos .. cpos+b) = Salsa20(k, n(8)) from block 0 */
  crypto_stream_salsa20(c: Uint8Array, cpos: number, b: number, n: Uint8Array, k: Uint8Array): number;
  /** XSalsa20 keystream with a 24-byte nonce (HSalsa20 every call): tests use it as the reference */
  crypto_stream(c: Uint8Array, cpos: number, d: number, n: Uint8Array, k: Uint8Array): number;
  /** Poly1305: out[outpos .. +16) = Poly1305(k(32), m[mpos .. mpos+n)) */
  crypto_onetimeauth(out: Uint8Array, outpos: number, m: Uint8Array, mpos: number, n: number, k: Uint8Array): number;
  /** SHA-512: out(64) = SHA-512(m[0 .. n)) */
  crypto_hash(out: Uint8Array, m: Uint8Array, n: number): number;
  /** 0 when x[xi .. +32) equals y[yi .. +32), else -1 (constant time) */
  crypto_verify_32(x: Uint8Array, xi: number, y: Uint8Array, yi: number): number;
  // GF(2^255 - 19) and Ed25519 internals (firmware/link/ed25519-sliced.ts): field
  // elements are Float64Array(16) of 16-bit limbs; a point is [X, Y, Z, T]
  gf(init?: number[]): Float64Array;
  D: Float64Array;
  L: Float64Array;
  pack25519(o: Uint8Array, n: Float64Array): void;
  unpack25519(o: Float64Array, n: Uint8Array): void;
  M(o: Float64Array, a: Float64Array, b: Float64Array): void;
  A(o: Float64Array, a: Float64Array, b: Float64Array): void;
  S(o: Float64Array, a: Float64Array): void;
  Z(o: Float64Array, a: Float64Array, b: Float64Array): void;
  add(p: Float64Array[], q: Float64Array[]): void;
  set25519(r: Float64Array, a: Float64Array): void;
  modL(r: Uint8Array, x: Float64Array): void;
}

export const lowlevel = (nacl as unknown as { lowlevel: NaclLowlevel }).lowlevel;
export { nacl };
