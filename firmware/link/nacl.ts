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
}

export const lowlevel = (nacl as unknown as { lowlevel: NaclLowlevel }).lowlevel;
export { nacl };
