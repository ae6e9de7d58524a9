// Ed25519 signature verification in bounded slices.
//
// An Ed25519 verify costs ~43 M XS computrons (tweetnacl-fast, host-tests/link-xs.test.ts):
// around 20 s of JS on an ESP32 at 2 M computrons/s. Run in one piece it holds the single
// JS thread that long, and a board whose trip path is a JS callback (no 74HC74 latch, no
// native ISR) trips seconds late. This verifier does the same arithmetic in units of about
// two Edwards point additions (one Montgomery-ladder step, or 8 squarings of an
// exponentiation) and returns between units, so a caller can run a few units per timer
// tick and let ADC blocks and comparator callbacks in between.
//
// The arithmetic is tweetnacl-js 1.0.3's (nacl-fast.js: crypto_sign_open, unpackneg,
// scalarmult, scalarbase, pack, inv25519, pow2523; public domain, Dmitry Chestnykh and
// Devi Mandiri, after TweetNaCl by Bernstein, van Gastel, Janssen, Lange, Schwabe and
// Smetsers). Field multiplication, point addition and SHA-512 are tweetnacl's own
// functions from `nacl.lowlevel`; the loops around them are copied here, cut into steps.
// The result equals nacl.sign.detached.verify for every input
// (host-tests/link-sliced-verify.test.ts). Like tweetnacl it is not constant-time in the
// public data (none of it is secret on the verifying side).
import { lowlevel } from './nacl';

const ll = lowlevel;

// curve constants, from nacl-fast.js
const X = ll.gf([0xd51a, 0x8f25, 0x2d60, 0xc956, 0xa7b2, 0x9525, 0xc760, 0x692c, 0xdc5c, 0xfdd6, 0xe231, 0xc0a4, 0x53fe, 0xcd6e, 0x36d3, 0x2169]);
const Y = ll.gf([0x6658, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666]);
const I = ll.gf([0xa0b0, 0x4a0e, 0x1b27, 0xc4ee, 0xe478, 0xad2f, 0x1806, 0x2f43, 0xd7a7, 0x3dfb, 0x0099, 0x2b4d, 0xdf0b, 0x4fc1, 0x2480, 0x2b83]);
const GF0 = ll.gf();
const GF1 = ll.gf([1]);

function sel25519(p: Float64Array, q: Float64Array, b: number): void {
  const c = ~(b - 1);
  for (let i = 0; i < 16; i++) {
    const t = c & (p[i] ^ q[i]);
    p[i] ^= t;
    q[i] ^= t;
  }
}

function cswap(p: Float64Array[], q: Float64Array[], b: number): void {
  for (let i = 0; i < 4; i++) sel25519(p[i], q[i], b);
}

function par25519(a: Float64Array): number {
  const d = new Uint8Array(32);
  ll.pack25519(d, a);
  return d[0] & 1;
}

function neq25519(a: Float64Array, b: Float64Array): boolean {
  const c = new Uint8Array(32);
  const d = new Uint8Array(32);
  ll.pack25519(c, a);
  ll.pack25519(d, b);
  return ll.crypto_verify_32(c, 0, d, 0) !== 0;
}

function point(): Float64Array[] {
  return [ll.gf(), ll.gf(), ll.gf(), ll.gf()];
}

function neutral(p: Float64Array[]): void {
  ll.set25519(p[0], GF0);
  ll.set25519(p[1], GF1);
  ll.set25519(p[2], GF1);
  ll.set25519(p[3], GF0);
}

const PH_START = 0;
const PH_POW = 1;
const PH_UNPACK = 2;
const PH_HASH = 3;
const PH_LADDER1 = 4;
const PH_LADDER2 = 5;
const PH_SUM = 6;
const PH_INV = 7;
const PH_FINAL = 8;
const PH_DONE = 9;

/** iterations of an exponentiation loop per unit (8 squarings + 8 multiplications) */
const EXP_PER_UNIT = 8;

export type SliceState = 'running' | 'valid' | 'invalid';

export class SlicedVerify {
  private phase = PH_START;
  private result: SliceState = 'running';
  /** units done so far */
  units = 0;
  private readonly p = point();
  private readonly q = point();
  private readonly p1 = point();
  private readonly c = ll.gf();
  private readonly base = ll.gf();
  private readonly num = ll.gf();
  private readonly den = ll.gf();
  private readonly h = new Uint8Array(64);
  private a = 0;
  private bit = 0;

  /** Verify `sig` (64 bytes) over msg[0 .. msgLen) with the Ed25519 public key `pk` (32). */
  constructor(
    private readonly msg: Uint8Array,
    private readonly msgLen: number,
    private readonly sig: Uint8Array,
    private readonly pk: Uint8Array,
  ) {
    if (sig.length !== 64 || pk.length !== 32 || !(msgLen >= 0 && msgLen <= msg.length)) {
      this.result = 'invalid';
      this.phase = PH_DONE;
    }
  }

  get state(): SliceState {
    return this.result;
  }

  /** Do at most `units` units of work; returns the state after them. */
  run(units: number): SliceState {
    for (let k = 0; k < units && this.phase !== PH_DONE; k++) {
      this.unit();
      this.units++;
    }
    return this.result;
  }

  private fail(): void {
    this.result = 'invalid';
    this.phase = PH_DONE;
  }

  private unit(): void {
    const q = this.q;
    const p = this.p;
    if (this.phase === PH_START) {
      // unpackneg(q, pk), up to the square root's exponentiation
      const t = ll.gf();
      const den2 = ll.gf();
      const den4 = ll.gf();
      const den6 = ll.gf();
      ll.set25519(q[2], GF1);
      ll.unpack25519(q[1], this.pk);
      ll.S(this.num, q[1]);
      ll.M(this.den, this.num, ll.D);
      ll.Z(this.num, this.num, q[2]);
      ll.A(this.den, q[2], this.den);
      ll.S(den2, this.den);
      ll.S(den4, den2);
      ll.M(den6, den4, den2);
      ll.M(t, den6, this.num);
      ll.M(t, t, this.den);
      ll.set25519(this.base, t);
      ll.set25519(this.c, t);
      this.a = 250;
      this.phase = PH_POW;
    } else if (this.phase === PH_POW) {
      // pow2523: c = base^(2^252 - 3)
      for (let k = 0; k < EXP_PER_UNIT && this.a >= 0; k++) {
        ll.S(this.c, this.c);
        if (this.a !== 1) ll.M(this.c, this.c, this.base);
        this.a--;
      }
      if (this.a < 0) this.phase = PH_UNPACK;
    } else if (this.phase === PH_UNPACK) {
      const t = this.c;
      const chk = ll.gf();
      ll.M(t, t, this.num);
      ll.M(t, t, this.den);
      ll.M(t, t, this.den);
      ll.M(q[0], t, this.den);
      ll.S(chk, q[0]);
      ll.M(chk, chk, this.den);
      if (neq25519(chk, this.num)) ll.M(q[0], q[0], I);
      ll.S(chk, q[0]);
      ll.M(chk, chk, this.den);
      if (neq25519(chk, this.num)) return this.fail(); // not a point on the curve
      if (par25519(q[0]) === this.pk[31] >> 7) ll.Z(q[0], GF0, q[0]);
      ll.M(q[3], q[0], q[1]);
      this.phase = PH_HASH;
    } else if (this.phase === PH_HASH) {
      // h = SHA-512(R | A | message) mod L
      const n = this.msgLen;
      const m = new Uint8Array(64 + n);
      for (let i = 0; i < 32; i++) m[i] = this.sig[i];
      for (let i = 0; i < 32; i++) m[32 + i] = this.pk[i];
      for (let i = 0; i < n; i++) m[64 + i] = this.msg[i];
      ll.crypto_hash(this.h, m, 64 + n);
      const x = new Float64Array(64);
      for (let i = 0; i < 64; i++) x[i] = this.h[i];
      for (let i = 0; i < 64; i++) this.h[i] = 0;
      ll.modL(this.h, x);
      neutral(p);
      this.bit = 255;
      this.phase = PH_LADDER1;
    } else if (this.phase === PH_LADDER1 || this.phase === PH_LADDER2) {
      // one step of scalarmult(p, q, s): s = h (first), then S = sig[32..64) (second)
      const s = this.phase === PH_LADDER1 ? this.h : this.sig;
      const off = this.phase === PH_LADDER1 ? 0 : 32;
      const i = this.bit;
      const b = (s[off + ((i / 8) | 0)] >> (i & 7)) & 1;
      cswap(p, q, b);
      ll.add(q, p);
      ll.add(p, p);
      cswap(p, q, b);
      this.bit--;
      if (this.bit >= 0) return;
      if (this.phase === PH_LADDER1) {
        // keep h * (-A), start S * B
        for (let k = 0; k < 4; k++) ll.set25519(this.p1[k], p[k]);
        ll.set25519(q[0], X);
        ll.set25519(q[1], Y);
        ll.set25519(q[2], GF1);
        ll.M(q[3], X, Y);
        neutral(p);
        this.bit = 255;
        this.phase = PH_LADDER2;
      } else {
        this.phase = PH_SUM;
      }
    } else if (this.phase === PH_SUM) {
      // p1 + p, then pack: invert Z
      ll.add(this.p1, p);
      ll.set25519(this.base, this.p1[2]);
      ll.set25519(this.c, this.p1[2]);
      this.a = 253;
      this.phase = PH_INV;
    } else if (this.phase === PH_INV) {
      for (let k = 0; k < EXP_PER_UNIT && this.a >= 0; k++) {
        ll.S(this.c, this.c);
        if (this.a !== 2 && this.a !== 4) ll.M(this.c, this.c, this.base);
        this.a--;
      }
      if (this.a < 0) this.phase = PH_FINAL;
    } else if (this.phase === PH_FINAL) {
      const tx = ll.gf();
      const ty = ll.gf();
      const t = new Uint8Array(32);
      ll.M(tx, this.p1[0], this.c);
      ll.M(ty, this.p1[1], this.c);
      ll.pack25519(t, ty);
      t[31] ^= par25519(tx) << 7;
      this.result = ll.crypto_verify_32(this.sig, 0, t, 0) === 0 ? 'valid' : 'invalid';
      this.phase = PH_DONE;
    }
  }
}
