// @noble/curves against tweetnacl under the node's strict Ed25519 contract
// (firmware/link/ed25519-strict.ts): the same verdict on every input, genuine, mutated,
// non-canonical, small-order and torsion-carrying, in Node and in XS.
import test from 'ava';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import { canonicalPoint, smallOrder, strictEncoding, verifyStrictNacl } from '../firmware/link/ed25519-strict';
import { verifyNobleCofactored, verifyStrictNoble } from '../firmware/link/ed25519-noble';
import { EngineSession } from '../tools/engines/run';
import { fileURLToPath } from 'node:url';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const P = Point.Fp.ORDER;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** the 8 small-order points (order 1, 2, 4, 8): multiples of an order-8 point, checked by doubling */
function torsion(): InstanceType<typeof Point>[] {
  const t = Point.fromBytes(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'), false);
  if (!t.double().double().double().is0() || t.double().double().is0()) throw new Error('not of order 8');
  const out = [Point.ZERO];
  let acc = t;
  for (let i = 1; i < 8; i++, acc = acc.add(t)) out.push(acc);
  return out;
}
const T8 = torsion();

function both(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): [boolean, boolean] {
  return [verifyStrictNacl(msg, sig, pub), verifyStrictNoble(msg, sig, pub)];
}

/** Sign with a raw scalar a and nonce point R = [r]B + extra (only the key holder can do this). */
function rawSign(a: bigint, A: Uint8Array, r: bigint, extra: InstanceType<typeof Point>, msg: Uint8Array): Uint8Array {
  const R = Point.BASE.multiply(r).add(extra).toBytes();
  const k = Point.Fn.create(bytesToNumberLE(nacl.hash(new Uint8Array([...R, ...A, ...msg]))));
  const S = Point.Fn.create(r + k * a);
  return new Uint8Array([...R, ...numberToBytesLE(S, 32)]);
}

test('genuine and mutated signatures: tweetnacl and noble agree', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(),
      fc.integer({ min: 0, max: 3 }),
      (seed, msg, pos, what) => {
        const kp = nacl.sign.keyPair.fromSeed(seed);
        const sig = nacl.sign.detached(msg, kp.secretKey);
        const pub = kp.publicKey.slice();
        const m = msg.slice();
        if (what === 1) sig[pos % 64] ^= 1 << (pos % 8);
        if (what === 2 && m.length > 0) m[pos % m.length] ^= 1;
        if (what === 3) pub[pos % 32] ^= 1 << (pos % 8);
        const [a, b] = both(m, sig, pub);
        if (what === 0 && !a) return false;
        return a === b;
      },
    ),
    { numRuns: fuzzRuns(150) },
  );
  t.pass();
});

test('non-canonical S (S + L): tweetnacl alone accepts it; the strict contract refuses it on both', (t) => {
  const kp = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(5));
  const msg = new TextEncoder().encode('disconnect');
  const sig = nacl.sign.detached(msg, kp.secretKey);
  const s = bytesToNumberLE(sig.subarray(32)) + L;
  const bad = new Uint8Array([...sig.subarray(0, 32), ...numberToBytesLE(s, 32)]);
  t.true(nacl.sign.detached.verify(msg, bad, kp.publicKey), 'tweetnacl does not check S < L');
  t.deepEqual(both(msg, bad, kp.publicKey), [false, false]);
  t.false(verifyNobleCofactored(msg, bad, kp.publicKey));
});

test('public keys: non-canonical y, x = 0 with the sign bit, and all small-order points are refused by both', (t) => {
  const msg = new Uint8Array([1, 2, 3]);
  const sig = nacl.sign.detached(msg, nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(6)).secretKey);
  let n = 0;
  for (const q of T8) {
    for (const sign of [0, 0x80]) {
      const e = q.toBytes();
      e[31] = (e[31] & 0x7f) | sign;
      t.true(smallOrder(e), hex(e));
      t.deepEqual(both(msg, sig, e), [false, false]);
      n++;
    }
  }
  // y + p for y < 19 (the only non-canonical encodings)
  for (let y = 0n; y < 19n; y++) {
    const e = numberToBytesLE(y + P, 32);
    t.false(canonicalPoint(e));
    for (const sign of [0, 0x80]) {
      e[31] = (e[31] & 0x7f) | sign;
      t.deepEqual(both(msg, sig, e), [false, false]);
      n++;
    }
  }
  // the small-order list agrees with noble on random points
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (e) => {
      let q;
      try {
        q = Point.fromBytes(e, true);
      } catch {
        return true;
      }
      return smallOrder(e) === q.isSmallOrder();
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.log(`${n} crafted public keys refused by both`);
});

test("torsion: an R with a small-order part, a mixed-order key: noble's cofactored verify differs, the contract does not", (t) => {
  const a = 123456789n;
  const A = Point.BASE.multiply(a).toBytes();
  const msg = new TextEncoder().encode('reconnect');
  let cofactoredOnly = 0;
  for (let i = 1; i < 8; i++) {
    const sig = rawSign(a, A, 1000n + BigInt(i), T8[i], msg);
    t.deepEqual(both(msg, sig, A), [false, false], `R + T${i}`);
    if (verifyNobleCofactored(msg, sig, A)) cofactoredOnly++;
  }
  t.is(cofactoredOnly, 7, 'ed25519.verify({ zip215: false }) is cofactored: it accepts these');
  // a mixed-order public key A + T: canonical, not small order; both decide alike
  for (let i = 1; i < 8; i++) {
    const Am = Point.BASE.multiply(a).add(T8[i]).toBytes();
    t.true(strictEncoding(new Uint8Array(64), Am));
    for (let r = 1n; r < 5n; r++) {
      const sig = rawSign(a, Am, 77n * r, Point.ZERO, msg);
      const [x, y] = both(msg, sig, Am);
      t.is(x, y, `A + T${i}, r ${r}`);
    }
  }
  // junk never verifies and never throws
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 40 }),
      (sig, pub, m) => {
        const [x, y] = both(m, sig, pub);
        return x === y && !x;
      },
    ),
    { numRuns: fuzzRuns(100) },
  );
});

test('in XS (xsnap) noble decides as tweetnacl on the same vectors', async (t) => {
  const session = new EngineSession();
  const vectors: string[][] = [];
  const kp = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(8));
  const msg = new Uint8Array(85).map((_, i) => i);
  const sig = nacl.sign.detached(msg, kp.secretKey);
  vectors.push([hex(msg), hex(sig), hex(kp.publicKey)]);
  const flipped = sig.slice();
  flipped[40] ^= 4;
  vectors.push([hex(msg), hex(flipped), hex(kp.publicKey)]);
  const sL = new Uint8Array([...sig.subarray(0, 32), ...numberToBytesLE(bytesToNumberLE(sig.subarray(32)) + L, 32)]);
  vectors.push([hex(msg), hex(sL), hex(kp.publicKey)]);
  vectors.push([hex(msg), hex(sig), hex(T8[3].toBytes())]);
  const a = 99n;
  const A = Point.BASE.multiply(a).toBytes();
  vectors.push([hex(msg), hex(rawSign(a, A, 5n, T8[2], msg)), hex(A)]);
  vectors.push([hex(msg), hex(rawSign(a, A, 5n, Point.ZERO, msg)), hex(A)]);
  const want = vectors.map((v) => {
    const [x, y] = both(Buffer.from(v[0], 'hex'), Buffer.from(v[1], 'hex'), Buffer.from(v[2], 'hex'));
    return `${x ? 1 : 0}/${y ? 1 : 0}`;
  });
  t.deepEqual(want, ['1/1', '0/0', '0/0', '0/0', '0/0', '1/1']);
  const entry = fileURLToPath(new URL('../firmware/link/noble-entry.ts', import.meta.url));
  try {
    const r = await session.callXs(entry, 'verifyVectors', { vectors });
    t.deepEqual(r.value, want);
  } finally {
    await session.close();
  }
});

reportSeed((fn) => test.after.always(fn), 'link-verify-noble.test.ts');
