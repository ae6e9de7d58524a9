// XS entry for the first-verify options (tools/bench/noble-first.ts): the verify the Moddable
// build ships (verifyStrictNoble: one Strauss-Shamir walk, no table) against the one it had
// (noble's cached base-point table for [S]B, window W, built on the first multiply).
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { strictEncoding } from '../../firmware/link/ed25519-strict';
import { nacl } from '../../firmware/link/nacl';

export { nobleBenchSetup, nobleBenchVerify } from '../../firmware/link/noble-entry';

const Point = ed25519.Point;

/** noble's base-point window: 6 is its default (1408 table points), 1 drops the table */
export function baseWindow(w: number): void {
  Point.BASE.precompute(w);
}

/** A boot warm-up: build the base-point table before any command comes. */
export function warmUp(): void {
  Point.BASE.multiplyUnsafe(2n);
}

/** The former verifyStrictNoble: [S]B on the cached base table, then - [k]A, compared with R. */
export function tableVerify(b: { publicKey: Uint8Array; msg: Uint8Array; sig: Uint8Array }): boolean {
  const sig = b.sig;
  const pub = b.publicKey;
  if (!strictEncoding(sig, pub)) return false;
  const r = sig.subarray(0, 32);
  const A = Point.fromBytes(pub, false);
  const R = Point.fromBytes(r, false);
  const SB = Point.BASE.multiplyUnsafe(bytesToNumberLE(sig.subarray(32, 64)));
  const h = new Uint8Array(64 + b.msg.length);
  h.set(r, 0);
  h.set(pub, 32);
  h.set(b.msg, 64);
  const k = Point.Fn.create(bytesToNumberLE(nacl.hash(h)));
  return SB.subtract(A.multiplyUnsafe(k)).equals(R);
}
