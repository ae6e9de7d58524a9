// The utility's demand-response (DR) order: its bytes, and the checks the control unit
// makes before one reaches the household policy at rank "utility" (docs/POLICY.md
// "Demand-response orders"; the PC link's `dr` command, docs/PC-LINK.md).
//
// An order (version 1), little-endian like every record here:
//   [0]       version (1)
//   [1]       kind: 1 limit (cap the home's grid import at `limitW`, and shed the listed
//             relays), 2 shed (open the listed relays), 3 cancel (end order `orderId` now)
//   [2..9]    the home: its billing pseudonym (docs/PRIVACY.md: the 16 hex digits the
//             utility already knows the home by), so an order for one home is worthless
//             for another and no new identifier leaves the home
//   [10..13]  sequence, u32: strictly increasing per home, never goes back (kept on flash)
//   [14..17]  the unit's DR provisioning epoch, u32 unix s (the `cu.dr` record): a
//             capture from before a re-provisioning is refused
//   [18..21]  not before, u32 unix s: the order is not accepted before it (± TOLERANCE)
//   [22..25]  start t0, u32 unix s   } the event: the order holds from t0 until t1
//   [26..29]  end t1, u32 unix s     } (t1 - t0 <= DR_MAX_EVENT_S; t1 - not before <= DR_MAX_WINDOW_S)
//   [30..33]  order id, u32: the utility's event id (a cancel names the order it ends)
//   [34..35]  limit, u16 W (limit orders: the import cap; 0 for the others)
//   [36]      relay count n, 0..DR_MAX_RELAYS
//   [37..]    n node ids (each 1..254, no repeats): their load relays are opened for the event
//   last 64   Ed25519 signature by the utility authority key over "SMDR1" | bytes [0 .. 37+n)
// Sizes: 37 + n + 64 = 101..109 bytes (218 hex digits at most on the PC link).
//
// What an order may do, and may not (the household policy enforces the rank):
// - cap the import (the battery discharges the excess at rank utility, as far as it can),
//   open load relays, end an earlier order; never close a relay, never the main relay (the
//   supply disconnect is the node's signed command, firmware/link/command.ts), never charge
//   the battery from the grid, never longer than a day, and never over safety (rank 1).
//
// Checks, cheapest first, so replays and floods cost no signature verification:
//   parse -> home -> provisioning epoch -> window shape -> clock set -> not yet valid /
//   expired (the unit's wall clock ± DR_TOLERANCE_S) -> sequence -> one verify at a time
//   ('busy') -> the verify budget -> signature (sliced, or the injected one-piece verifier)
//   -> sequence again (another may have won meanwhile) -> commit the sequence (power-cut-
//   safe record) before acting.
import type { Clock, Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';

import { DR_CANCEL, DR_HEAD, DR_LIMIT, DR_MAX_RELAYS, DR_SHED, DR_SIG, DR_VERSION } from './dr-kinds';
import type { DrOrder } from './dr-kinds';
export { DR_CANCEL, DR_HEAD, DR_KINDS, DR_LIMIT, DR_MAX_BYTES, DR_MAX_RELAYS, DR_SHED, DR_SIG, DR_VERSION } from './dr-kinds';
export type { DrOrder } from './dr-kinds';
const LABEL = 'SMDR1';
/** the unit's wall clock may be this far off the utility's (hourly sets from the gateway keep it within 0.2 s; a reboot loses it) */
export const DR_TOLERANCE_S = 600;
/** longest event: a DR order is an event, not a standing order */
export const DR_MAX_EVENT_S = 86400;
/** longest span from not-before to the end (day-ahead orders fit with room) */
export const DR_MAX_WINDOW_S = 7 * 86400;
/** the sequence record on the unit's flash */
export const DR_SEQ_RECORD = 'dr.seq';

export type DrReject =
  | 'short'
  | 'version'
  | 'kind'
  | 'length'
  | 'args'
  | 'home'
  | 'provisioning'
  | 'window'
  | 'clock'
  | 'not-yet-valid'
  | 'expired'
  | 'replay'
  | 'busy'
  | 'verify-budget'
  | 'signature';

/** every refusal, in a fixed order (counters, docs) */
export const DR_REJECTS: DrReject[] = [
  'short',
  'version',
  'kind',
  'length',
  'args',
  'home',
  'provisioning',
  'window',
  'clock',
  'not-yet-valid',
  'expired',
  'replay',
  'busy',
  'verify-budget',
  'signature',
];

/** what each refusal means, for the error line (docs/PC-LINK.md "dr") */
export const DR_REJECT_TEXT: { [k: string]: string } = {
  short: 'shorter than an order',
  version: 'not a version 1 order',
  kind: 'unknown kind (1 limit, 2 shed, 3 cancel)',
  length: 'length does not match its relay count',
  args: 'bad arguments (relay ids 1..254 without repeats; limitW only on a limit; a shed names relays; a cancel names none)',
  home: 'the order is for another home',
  provisioning: "the order carries another provisioning epoch than this unit's",
  window: 'the validity window is malformed (not before <= t0 < t1, t1 - t0 <= 1 day, t1 - not before <= 7 days)',
  clock: "the unit's clock is not set (the gateway's time command sets it)",
  'not-yet-valid': 'not valid yet',
  expired: 'expired',
  replay: 'replayed or stale: its sequence is not above the last accepted one',
  busy: 'another order is being verified: send it again in a few seconds',
  'verify-budget': 'verify budget spent: send it again later',
  signature: 'the utility authority signature does not verify',
};

export function drSignedBytes(b: Uint8Array, end: number): Uint8Array {
  const m = new Uint8Array(LABEL.length + end);
  for (let i = 0; i < LABEL.length; i++) m[i] = LABEL.charCodeAt(i);
  for (let i = 0; i < end; i++) m[LABEL.length + i] = b[i];
  return m;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** 16 lower-case hex digits -> 8 bytes, or undefined */
export function pseudonymBytes(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length !== 16) return undefined;
  const b = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    const h = hexNibble(s.charCodeAt(2 * i));
    const l = hexNibble(s.charCodeAt(2 * i + 1));
    if (h < 0 || l < 0) return undefined;
    b[i] = (h << 4) | l;
  }
  return b;
}

const HEX = '0123456789abcdef';
function pseudonymOf(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += HEX.charAt(b[at + i] >> 4) + HEX.charAt(b[at + i] & 15);
  return s;
}

/** The order's bytes with a zero signature (host side: tools/dr.ts signs drSignedBytes of them). */
export function encodeDrOrder(o: DrOrder): Uint8Array {
  const n = DR_HEAD + o.relays.length;
  const b = new Uint8Array(n + DR_SIG);
  b[0] = DR_VERSION;
  b[1] = o.kind;
  const h = pseudonymBytes(o.home);
  if (h !== undefined) b.set(h, 2);
  putU32(b, 10, o.seq);
  putU32(b, 14, o.provisionedAt);
  putU32(b, 18, o.notBefore);
  putU32(b, 22, o.startS);
  putU32(b, 26, o.endS);
  putU32(b, 30, o.orderId);
  b[34] = o.limitW & 0xff;
  b[35] = (o.limitW >> 8) & 0xff;
  b[36] = o.relays.length;
  for (let i = 0; i < o.relays.length; i++) b[DR_HEAD + i] = o.relays[i];
  return b;
}

export type DrParse = { ok: true; order: DrOrder; signedLen: number } | { ok: false; reason: DrReject };

/** Parse an order's bytes (no signature check, no state). Never throws. */
export function parseDrOrder(b: Uint8Array, len: number): DrParse {
  if (!(len >= DR_HEAD + DR_SIG) || b.length < len) return { ok: false, reason: 'short' };
  if (b[0] !== DR_VERSION) return { ok: false, reason: 'version' };
  const kind = b[1];
  if (!(kind >= DR_LIMIT && kind <= DR_CANCEL)) return { ok: false, reason: 'kind' };
  const n = b[36];
  if (n > DR_MAX_RELAYS || len !== DR_HEAD + n + DR_SIG) return { ok: false, reason: 'length' };
  const relays: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = b[DR_HEAD + i];
    if (id < 1 || id > 254 || relays.indexOf(id) >= 0) return { ok: false, reason: 'args' };
    relays.push(id);
  }
  const o: DrOrder = {
    kind: kind,
    home: pseudonymOf(b, 2),
    seq: getU32(b, 10),
    provisionedAt: getU32(b, 14),
    notBefore: getU32(b, 18),
    startS: getU32(b, 22),
    endS: getU32(b, 26),
    orderId: getU32(b, 30),
    limitW: b[34] | (b[35] << 8),
    relays: relays,
  };
  if (kind === DR_SHED && n === 0) return { ok: false, reason: 'args' };
  if (kind !== DR_LIMIT && o.limitW !== 0) return { ok: false, reason: 'args' };
  if (kind === DR_CANCEL && n !== 0) return { ok: false, reason: 'args' };
  return { ok: true, order: o, signedLen: DR_HEAD + n };
}

/** What the unit knows to judge an order (the `cu.dr` record, firmware/policy/dr-authority.ts). */
export interface DrIdentity {
  authorityPublic: Uint8Array;
  home: string;
  provisionedAt: number;
}

export interface DrCheck {
  order: DrOrder;
  message: Uint8Array;
  signature: Uint8Array;
}

export type DrStart = { ok: true; check: DrCheck } | { ok: false; reason: DrReject; order: DrOrder | undefined };
export type DrOutcome = { ok: true; order: DrOrder } | { ok: false; reason: DrReject; order: DrOrder | undefined };

export interface DrGuardOptions {
  identity: DrIdentity;
  store: Store;
  clock: Clock;
  /** the unit's wall clock, unix s; undefined while not set */
  wallS: () => number | undefined;
  /** verifies at once, 1..10 */
  verifyBurst: number;
  /** then one per this many µs, 0..3600e6 */
  verifyEveryUs: number;
}

/** The checks before and after the signature; the caller verifies (sliced or in one piece). */
export class DrGuard {
  private readonly seqRecord: PersistentRecord;
  private lastSeq: number;
  private tokens: number;
  private tokensAtUs: number;
  private verifying = false;
  readonly rejects: { [k: string]: number } = {};

  constructor(private readonly o: DrGuardOptions) {
    if (!(o.verifyBurst >= 1 && o.verifyBurst <= 10)) throw new RangeError('DrGuard.verifyBurst ' + String(o.verifyBurst) + ' out of range 1..10');
    if (!(o.verifyEveryUs >= 0 && o.verifyEveryUs <= 3600e6))
      throw new RangeError('DrGuard.verifyEveryUs ' + String(o.verifyEveryUs) + ' out of range 0..3600e6');
    this.seqRecord = new PersistentRecord(o.store, DR_SEQ_RECORD);
    const r = this.seqRecord.read();
    this.lastSeq = r.ok && r.value.length === 4 ? getU32(r.value, 0) : 0;
    this.tokens = o.verifyBurst;
    this.tokensAtUs = o.clock.now();
    for (let i = 0; i < DR_REJECTS.length; i++) this.rejects[DR_REJECTS[i]] = 0;
  }

  /** the last accepted sequence */
  lastSequence(): number {
    return this.lastSeq;
  }

  private no(reason: DrReject, order: DrOrder | undefined): DrStart {
    this.rejects[reason]++;
    return { ok: false, reason: reason, order: order };
  }

  private refill(now: number): void {
    const every = this.o.verifyEveryUs;
    if (every <= 0) {
      this.tokens = this.o.verifyBurst;
      return;
    }
    const gained = Math.floor((now - this.tokensAtUs) / every);
    if (gained > 0) {
      this.tokens += gained;
      this.tokensAtUs += gained * every;
    }
    if (this.tokens >= this.o.verifyBurst) {
      this.tokens = this.o.verifyBurst;
      this.tokensAtUs = now;
    }
  }

  /** Every check before the signature. ok: verify `check` and hand the result to finish(). Never throws on content. */
  begin(b: Uint8Array, len: number): DrStart {
    const p = parseDrOrder(b, len);
    if (!p.ok) return this.no(p.reason, undefined);
    const o = p.order;
    const id = this.o.identity;
    if (o.home !== id.home) return this.no('home', o);
    if (o.provisionedAt !== id.provisionedAt) return this.no('provisioning', o);
    if (!(o.notBefore <= o.startS && o.startS < o.endS) || o.endS - o.startS > DR_MAX_EVENT_S || o.endS - o.notBefore > DR_MAX_WINDOW_S)
      return this.no('window', o);
    const wall = this.o.wallS();
    if (wall === undefined) return this.no('clock', o);
    if (wall + DR_TOLERANCE_S < o.notBefore) return this.no('not-yet-valid', o);
    if (wall - DR_TOLERANCE_S > o.endS) return this.no('expired', o);
    if (o.seq <= this.lastSeq) return this.no('replay', o);
    if (this.verifying) return this.no('busy', o);
    this.refill(this.o.clock.now());
    if (this.tokens < 1) return this.no('verify-budget', o);
    this.tokens -= 1;
    this.verifying = true;
    const sig = new Uint8Array(DR_SIG);
    for (let i = 0; i < DR_SIG; i++) sig[i] = b[p.signedLen + i];
    return { ok: true, check: { order: o, message: drSignedBytes(b, p.signedLen), signature: sig } };
  }

  /** The signature of `c` is `valid` or not: commit the sequence, or refuse. */
  finish(c: DrCheck, valid: boolean): DrOutcome {
    this.verifying = false;
    if (!valid) return this.no('signature', c.order) as DrOutcome;
    if (c.order.seq <= this.lastSeq) return this.no('replay', c.order) as DrOutcome;
    const buf = new Uint8Array(4);
    putU32(buf, 0, c.order.seq);
    // before acting: a replay after a reboot stays a replay
    this.seqRecord.write(buf);
    this.lastSeq = c.order.seq;
    return { ok: true, order: c.order };
  }
}
