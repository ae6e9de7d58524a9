// Demand-response parity and cost entry (tools/engines): the same signed orders judged in
// Node and XS (xsnap) give the same decisions (host-tests/policy-dr-xs.test.ts), with the
// signature verified in slices as the control unit does; and the XS cost of the checks
// that come before the signature. Plain data in and out.
import type { Store } from '../../hal/io';
import { nacl } from '../link/nacl';
import { SlicedVerify } from '../link/ed25519-sliced';
import { strictEncoding } from '../link/ed25519-strict';
import { DrGuard, drSignedBytes, encodeDrOrder, DR_LIMIT, DR_SHED } from './dr-order';
import type { DrCheck, DrOrder } from './dr-order';

const HOME = '0123456789abcdef';
const PROV = 1790000000;

class MemStore implements Store {
  private readonly cells: { [k: string]: Uint8Array } = {};
  read(key: string): Uint8Array | undefined {
    return this.cells[key];
  }
  write(key: string, value: Uint8Array): void {
    this.cells[key] = value;
  }
  delete(key: string): void {
    delete this.cells[key];
  }
}

function keys(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const seed = new Uint8Array(32);
  for (let i = 0; i < 32; i++) seed[i] = 3 * i + 1;
  return nacl.sign.keyPair.fromSeed(seed);
}

function signed(o: DrOrder, secret: Uint8Array): Uint8Array {
  const b = encodeDrOrder(o);
  const n = b.length - 64;
  b.set(nacl.sign.detached(drSignedBytes(b, n), secret), n);
  return b;
}

function order(seq: number, wall: number): DrOrder {
  return {
    kind: DR_LIMIT,
    home: HOME,
    seq: seq,
    provisionedAt: PROV,
    notBefore: wall - 10,
    startS: wall + 60,
    endS: wall + 3600,
    orderId: seq,
    limitW: 1500,
    relays: [2, 3],
  };
}

function guard(pub: Uint8Array, wall: number): DrGuard {
  return new DrGuard({
    identity: { authorityPublic: pub, home: HOME, provisionedAt: PROV },
    store: new MemStore(),
    clock: {
      now: function (): number {
        return 0;
      },
    },
    wallS: function (): number {
      return wall;
    },
    verifyBurst: 10,
    verifyEveryUs: 0,
  });
}

/** Verify a check as the unit does: strict encodings, then the sliced verify to the end; returns [valid, units]. */
function sliced(c: DrCheck, pub: Uint8Array): { valid: boolean; units: number } {
  if (!strictEncoding(c.signature, pub)) return { valid: false, units: 0 };
  const v = new SlicedVerify(c.message, c.message.length, c.signature, pub);
  let s = v.run(4);
  while (s === 'running') s = v.run(4);
  return { valid: s === 'valid', units: v.units };
}

/** A run of orders through one guard: 'ok:<seq>' or the refusal, in order. */
export function drVectors(input: { wall: number }): { decisions: string[]; units: number[] } {
  const k = keys();
  const w = input.wall;
  const g = guard(k.publicKey, w);
  const good = signed(order(1, w), k.secretKey);
  const forged = signed(order(2, w), k.secretKey);
  forged[forged.length - 7] ^= 4;
  const home = order(3, w);
  home.home = 'fedcba9876543210';
  const late = order(4, w);
  late.notBefore = w - 9000;
  late.startS = w - 8000;
  late.endS = w - 7000;
  const early = order(5, w);
  early.notBefore = w + 7000;
  early.startS = w + 7100;
  early.endS = w + 8000;
  const shed = order(6, w);
  shed.kind = DR_SHED;
  shed.limitW = 0;
  const list: Uint8Array[] = [
    good,
    good,
    forged,
    signed(home, k.secretKey),
    signed(late, k.secretKey),
    signed(early, k.secretKey),
    signed(shed, k.secretKey),
    signed(order(2, w), k.secretKey),
    new Uint8Array(40),
  ];
  const decisions: string[] = [];
  const units: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = g.begin(list[i], list[i].length);
    if (!s.ok) {
      decisions.push(s.reason);
      continue;
    }
    const v = sliced(s.check, k.publicKey);
    units.push(v.units);
    const f = g.finish(s.check, v.valid);
    decisions.push(f.ok ? 'ok:' + String(f.order.seq) : f.reason);
  }
  return { decisions: decisions, units: units };
}

export interface DrBench {
  g: DrGuard;
  replay: Uint8Array;
  fresh: Uint8Array;
}

/** A guard that has accepted sequence 5; a replay (seq 3) and a fresh order (seq 9) to judge. */
export function drBenchSetup(): DrBench {
  const k = keys();
  const w = 1800000000;
  const g = guard(k.publicKey, w);
  const first = signed(order(5, w), k.secretKey);
  const s = g.begin(first, first.length);
  if (s.ok) g.finish(s.check, true);
  return { g: g, replay: signed(order(3, w), k.secretKey), fresh: signed(order(9, w), k.secretKey) };
}

/** A replay, refused before any signature work. */
export function drBenchReplay(b: DrBench): string {
  const s = b.g.begin(b.replay, b.replay.length);
  return s.ok ? 'ok' : s.reason;
}

/** Every check before the signature for a fresh order, and the message it would verify. */
export function drBenchBegin(b: DrBench): string {
  const s = b.g.begin(b.fresh, b.fresh.length);
  if (!s.ok) return s.reason;
  // give the verify slot back without committing (as a failed signature would)
  b.g.finish(s.check, false);
  return 'begun';
}
