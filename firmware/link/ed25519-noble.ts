// The node's Ed25519 verify contract (firmware/link/ed25519-strict.ts) on @noble/curves
// (2.4.0, pinned), for engines with BigInt (XS; not Espruino, whose build keeps tweetnacl):
// ~2 M XS computrons against tweetnacl's 43.5 M (tools/bench/security.ts).
//
// [S]B - [k]A is ONE Strauss-Shamir walk (noble's mulAddUnsafe: width-4 wNAF, 4-point odd
// multiple tables built per call, shared doublings), not B.multiplyUnsafe(S) + A.multiplyUnsafe(k).
// B.multiplyUnsafe uses noble's cached base-point table (W = 6: 1408 points), built on the
// first call: 15.3 M computrons for the first verify after boot (~8 s of an ESP32) and ~7000
// XS slots kept for good. The joint walk costs the same per verify as the cached table
// (1.98 M against 1.99 M computrons) with no table, so the first verify is as cheap as the
// rest (docs/LINK.md, "The first verify"). -A is negated, not multiplied by L - k: a key of
// mixed order has [L]A != 0, and tweetnacl computes [S]B - [k]A literally.
//
// Points are decoded with zip215 = false (RFC 8032 strict: y < p, no x = 0 with the sign
// bit). ed25519.verify() itself checks the cofactored equation [8]([S]B - R - [k]A) = 0,
// which accepts signatures whose R carries a small-order component (only the key's holder
// can make them) that tweetnacl's cofactorless R = [S]B - [k]A refuses; so this is
// noble's verify with the cofactorless equality, to decide exactly as tweetnacl does.
import { ed25519 } from '@noble/curves/ed25519.js';
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { strictEncoding } from './ed25519-strict';
import { nacl } from './nacl';

const Point = ed25519.Point;
const Fn = Point.Fn;

export function verifyStrictNoble(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
  if (!strictEncoding(sig, pub)) return false;
  try {
    const r = sig.subarray(0, 32);
    const A = Point.fromBytes(pub, false);
    const R = Point.fromBytes(r, false);
    const h = new Uint8Array(64 + msg.length);
    h.set(r, 0);
    h.set(pub, 32);
    h.set(msg, 64);
    const k = Fn.create(bytesToNumberLE(nacl.hash(h))); // SHA-512 (tweetnacl's: no second hash library)
    // S < L (strictEncoding), k < L: both within mulAddUnsafe's 0 <= s < L
    return mulAddUnsafe(Point, [Point.BASE, A.negate()], [bytesToNumberLE(sig.subarray(32, 64)), k]).equals(R);
  } catch (e) {
    return false;
  }
}

/** noble's own strict verify (cofactored), for the comparison in the tests and the bench. */
export function verifyNobleCofactored(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, msg, pub, { zip215: false });
  } catch (e) {
    return false;
  }
}
