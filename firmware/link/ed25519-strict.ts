// The node's Ed25519 verify contract (issue 12, item 4), the same on every target:
//   RFC 8032 verification with the cofactorless equation R = [S]B - [k]A (as tweetnacl
//   computes it, R compared as bytes, so a non-canonical R never matches), and strict
//   encodings checked before any curve work:
//     S < L                     (tweetnacl alone accepts S + L: a second encoding of a signature)
//     A canonical, y < p        (tweetnacl alone reduces y mod p)
//     A not of small order      (the 8 torsion points, with either sign bit, as libsodium's
//                                blocklist: such a key verifies ambiguous signatures)
// Two implementations meet it: tweetnacl (everywhere; Espruino has no BigInt) here, and
// @noble/curves for XS (firmware/link/ed25519-noble.ts, ~20x cheaper). The property test
// host-tests/link-verify-noble.test.ts holds them equal on genuine, mutated, non-canonical,
// small-order and torsion-carrying inputs.
import { nacl } from './nacl';

/** a signature check: message, 64-byte signature, 32-byte public key */
export type SignatureVerifier = (msg: Uint8Array, sig: Uint8Array, pub: Uint8Array) => boolean;

/** L = 2^252 + 27742317777372353535851937790883648493, little-endian */
const L_BYTES = [
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/**
 * Encodings of the small-order points, sign bit cleared (libsodium ed25519_is_small_order /
 * crypto_core_ed25519_is_valid_point blocklist): 0 and 1, the two order-8 y values, p-1,
 * and the non-canonical p and p+1.
 */
const SMALL_ORDER: number[][] = [
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38,
    0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  ],
  [
    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7,
    0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
  ],
  [
    0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
  ],
  [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
  ],
  [
    0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
  ],
];

/** S (sig[32..64), little-endian) < L */
export function canonicalScalar(sig: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = sig[32 + i];
    if (s < L_BYTES[i]) return true;
    if (s > L_BYTES[i]) return false;
  }
  return false; // S == L
}

/** y (the point's low 255 bits) < p = 2^255 - 19 */
export function canonicalPoint(p: Uint8Array): boolean {
  if ((p[31] & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (p[i] !== 0xff) return true;
  return p[0] < 0xed;
}

export function smallOrder(p: Uint8Array): boolean {
  for (let k = 0; k < SMALL_ORDER.length; k++) {
    const e = SMALL_ORDER[k];
    let d = (p[31] & 0x7f) ^ e[31];
    for (let i = 0; i < 31; i++) d |= p[i] ^ e[i];
    if (d === 0) return true;
  }
  return false;
}

/** The strict encoding rules, before any curve work (cheap: byte compares). */
export function strictEncoding(sig: Uint8Array, pub: Uint8Array): boolean {
  return sig.length === 64 && pub.length === 32 && canonicalScalar(sig) && canonicalPoint(pub) && !smallOrder(pub);
}

/** The contract on tweetnacl (every target; ~43.5 M XS computrons). */
export function verifyStrictNacl(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
  if (!strictEncoding(sig, pub)) return false;
  return nacl.sign.detached.verify(msg, sig, pub);
}
