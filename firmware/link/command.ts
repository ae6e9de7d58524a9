// Downlink commands and the policy that gates them on the meter.
//
// A command message (carried in MSG_COMMAND frames, fragmented when longer than a body):
//   [0]      version (2; version 1, without the bindings below, is refused)
//   [1]      code: 1 disconnect, 2 reconnect, 3 protection limit, 4 key change, 5 time sync
//   [2]      node id (so a signature for one meter is worthless for another)
//   [3..6]   authority sequence number, u32 LE, strictly increasing per node
//   signed codes only (1..4):
//   [7..10]  the node's provisioning epoch, u32 LE (unix s of its provisioning, 'link.prov'):
//            a capture from before a re-provisioning is refused
//   [11..14] not before, u32 LE unix s   } the validity window, in the node's wall clock
//   [15..18] not after, u32 LE unix s    } (app/node-clock.ts), ± TOLERANCE_S, at most MAX_WINDOW_S
//   then the arguments: relay id u8 + reason u8 (disconnect: app/meter-node.ts
//          DISCONNECT_REASONS) | relay id u8 | limit id u8 + value i32 LE (milli-units) |
//          new epoch u32 LE + control-unit X25519 public key (32) | unix time u32 LE + ms u16 LE
//   last 64  Ed25519 signature by the authority key over "SMLC2" | bytes [0 .. args end),
//          on every code but time sync (bounded by the node's clock rules instead)
// Sizes: disconnect 7 + 12 + 2 + 64 = 85 bytes (6 nRF24 fragments of 16 bytes; one LoRa or
// ESP-NOW frame); time sync 13 bytes (one nRF24 frame).
// The link keys (which a compromised head-end holds) are not enough to disconnect, change
// limits or change keys: that takes the authority key, which stays off the head-end.
//
// Policy, cheapest check first, so replays and floods cost no signature verification:
//   parse -> node -> provisioning epoch -> validity window -> sequence (replay) -> the
//   verify budget (at most `verifyBurst` verifies at once, then one per `verifyEveryUs`;
//   commands beyond it wait in a queue of VERIFY_QUEUE instead of being refused, so bad
//   signatures cost CPU time, not a lockout of the authority) -> signature -> commit the
//   sequence (power-cut-safe record) -> rate limit for dangerous commands -> safety:
//   a reconnect is refused while the relay is open because of a protection trip (only a
//   reset on the spot closes it) -> key change waits for a local confirmation (button or
//   console) within a time window.
import type { Clock, Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';
import { nacl } from './nacl';
import type { SignatureVerifier } from './ed25519-strict';
import { verifyStrictNacl } from './ed25519-strict';

export const CMD_DISCONNECT = 1;
export const CMD_RECONNECT = 2;
export const CMD_SET_LIMIT = 3;
export const CMD_KEY_CHANGE = 4;
export const CMD_TIME_SYNC = 5;
export const COMMAND_VERSION = 2;
const ARGS: number[] = [0, 2, 1, 5, 36, 6];
/** version, code, node, sequence */
const HEAD = 7;
/** + provisioning epoch, not before, not after (signed codes) */
const BIND = 12;
const SIG = 64;
const LABEL = 'SMLC2';
/** the node's wall clock may be this far off the authority's (a reboot loses the outage time until the next sync) */
export const TOLERANCE_S = 600;
/** longest validity window a node accepts: a signed command is not a standing order */
export const MAX_WINDOW_S = 7 * 86400;
/** signed commands waiting for a verify slot */
export const VERIFY_QUEUE = 4;

export interface Command {
  code: number;
  nodeId: number;
  seq: number;
  relay: number;
  limitId: number;
  limitValue: number;
  epoch: number;
  peerPublic: Uint8Array | undefined;
  unixS: number;
  ms: number;
  /** disconnect reason (DISCONNECT_REASONS index) */
  reason: number;
  provisionedAt: number;
  notBefore: number;
  notAfter: number;
}

export type CommandReject =
  | 'short'
  | 'version'
  | 'code'
  | 'length'
  | 'node'
  | 'args'
  | 'replay'
  | 'verify-budget'
  | 'signature'
  | 'ratelimit'
  | 'safety'
  | 'unconfirmed'
  | 'no-pending'
  | 'busy'
  | 'provisioning'
  | 'not-yet-valid'
  | 'expired'
  | 'window'
  | 'queued';

// append only: the index travels in command acks (firmware/link/messages.ts).
// 'verify-budget': the verify queue was full; 'queued': not a refusal, the command waits
// for a verify slot (counted in `queued`, never in `rejects`).
export const COMMAND_REJECTS: CommandReject[] = [
  'short',
  'version',
  'code',
  'length',
  'node',
  'args',
  'replay',
  'verify-budget',
  'signature',
  'ratelimit',
  'safety',
  'unconfirmed',
  'no-pending',
  'busy',
  'provisioning',
  'not-yet-valid',
  'expired',
  'window',
  'queued',
];

export type CommandOutcome = { ok: true; command: Command; pending: boolean } | { ok: false; reason: CommandReject };
const QUEUED: CommandOutcome = { ok: false, reason: 'queued' };

/** A command that passed every check before the signature: verify `signature` over `message`. */
export interface SignatureCheck {
  command: Command;
  /** "SMLC1" | the command bytes before the signature */
  message: Uint8Array;
  signature: Uint8Array;
}

/** What begin() decided: an outcome, or a signature still to verify (then call finish()); outcome 'queued': call nextQueued() later. */
export interface CommandStart {
  outcome: CommandOutcome | undefined;
  check: SignatureCheck | undefined;
}

export function isSigned(code: number): boolean {
  return code !== CMD_TIME_SYNC;
}

function headOf(code: number): number {
  return isSigned(code) ? HEAD + BIND : HEAD;
}

/** The message length of a command code (with its signature), or 0 for an unknown code. */
export function commandLength(code: number): number {
  if (!(code >= CMD_DISCONNECT && code <= CMD_TIME_SYNC)) return 0;
  return headOf(code) + ARGS[code] + (isSigned(code) ? SIG : 0);
}

/** src[start..end) as a new Uint8Array (not slice(): Espruino 2v29's typed-array slice returns a plain Array) */
function bytesOf(src: Uint8Array, start: number, end: number): Uint8Array {
  const c = new Uint8Array(end - start);
  for (let i = 0; i < c.length; i++) c[i] = src[start + i];
  return c;
}

function signedBytes(b: Uint8Array, end: number): Uint8Array {
  const m = new Uint8Array(LABEL.length + end);
  for (let i = 0; i < LABEL.length; i++) m[i] = LABEL.charCodeAt(i);
  for (let i = 0; i < end; i++) m[LABEL.length + i] = b[i];
  return m;
}

/** Build a command (host side: the authority's signer and the tests). */
export function encodeCommand(c: Command, authoritySecret: Uint8Array | undefined): Uint8Array {
  const a = headOf(c.code);
  const n = a + ARGS[c.code];
  const b = new Uint8Array(n + (isSigned(c.code) ? SIG : 0));
  b[0] = COMMAND_VERSION;
  b[1] = c.code;
  b[2] = c.nodeId;
  putU32(b, 3, c.seq);
  if (isSigned(c.code)) {
    putU32(b, HEAD, c.provisionedAt);
    putU32(b, HEAD + 4, c.notBefore);
    putU32(b, HEAD + 8, c.notAfter);
  }
  if (c.code === CMD_DISCONNECT || c.code === CMD_RECONNECT) b[a] = c.relay;
  if (c.code === CMD_DISCONNECT) b[a + 1] = c.reason;
  if (c.code === CMD_SET_LIMIT) {
    b[a] = c.limitId;
    putU32(b, a + 1, c.limitValue >>> 0);
  }
  if (c.code === CMD_KEY_CHANGE) {
    putU32(b, a, c.epoch);
    if (c.peerPublic !== undefined) b.set(c.peerPublic, a + 4);
  }
  if (c.code === CMD_TIME_SYNC) {
    putU32(b, a, c.unixS);
    b[a + 4] = c.ms & 0xff;
    b[a + 5] = (c.ms >>> 8) & 0xff;
  }
  if (isSigned(c.code) && authoritySecret !== undefined) b.set(nacl.sign.detached(signedBytes(b, n), authoritySecret), n);
  return b;
}

export function newCommand(code: number, nodeId: number, seq: number): Command {
  return {
    code: code,
    nodeId: nodeId,
    seq: seq,
    relay: 0,
    limitId: 0,
    limitValue: 0,
    epoch: 0,
    peerPublic: undefined,
    unixS: 0,
    ms: 0,
    reason: 0,
    provisionedAt: 0,
    notBefore: 0,
    notAfter: 0,
  };
}

/** What the policy asks of the rest of the node. */
export interface CommandTarget {
  /** true while the relay is open because protection tripped (tripped, lockout, fail-safe) */
  openBySafety(): boolean;
  /** the node's wall clock, unix s (app/node-clock.ts) */
  wallS(): number;
}

export interface CommandGuardOptions {
  nodeId: number;
  authorityPublic: Uint8Array;
  store: Store;
  clock: Clock;
  target: CommandTarget;
  /** dangerous (signed) commands accepted per window, 1..100 */
  maxDangerous: number;
  windowUs: number;
  /** the node's provisioning epoch (unix s, 'link.prov'); signed commands must carry it */
  provisionedAt: number;
  /** signature verifies allowed at once, 1..10 */
  verifyBurst: number;
  /** then one verify per this many µs (a CPU budget: bad signatures delay, never lock out) */
  verifyEveryUs: number;
  /** how long a key change waits for the local confirmation, µs */
  confirmWindowUs: number;
  /**
   * the one-piece signature check (firmware/link/ed25519-strict.ts contract): tweetnacl by
   * default; verifyStrictNoble (ed25519-noble.ts) where the engine has BigInt (XS)
   */
  verify?: SignatureVerifier;
}

export class CommandGuard {
  private readonly seqRecord: PersistentRecord;
  private lastSeq: number;
  private readonly accepted: number[] = [];
  private verifyTokens: number;
  private verifyAtUs: number;
  private readonly waiting: SignatureCheck[] = [];
  /** commands that waited for a verify slot */
  queued = 0;
  private pending: Command | undefined;
  private pendingUntil = 0;
  private readonly seqBuf = new Uint8Array(4);
  readonly rejects: Record<string, number> = {};
  onReject: ((reason: CommandReject, code: number) => void) | undefined;

  constructor(private readonly o: CommandGuardOptions) {
    if (!(o.maxDangerous >= 1 && o.maxDangerous <= 100)) throw new RangeError(`maxDangerous ${o.maxDangerous} out of range 1..100`);
    if (!(o.verifyBurst >= 1 && o.verifyBurst <= 10)) throw new RangeError(`verifyBurst ${o.verifyBurst} out of range 1..10`);
    if (!(o.verifyEveryUs >= 0 && o.verifyEveryUs <= 3600e6)) throw new RangeError(`verifyEveryUs ${o.verifyEveryUs} out of range 0..3600e6`);
    this.verifyTokens = o.verifyBurst;
    this.verifyAtUs = o.clock.now();
    if (o.authorityPublic.length !== 32) throw new RangeError(`authorityPublic length ${o.authorityPublic.length} out of range 32..32`);
    this.seqRecord = new PersistentRecord(o.store, 'cmd.seq');
    const r = this.seqRecord.read();
    this.lastSeq = r.ok && r.value.length === 4 ? getU32(r.value, 0) : 0;
    for (let i = 0; i < COMMAND_REJECTS.length; i++) this.rejects[COMMAND_REJECTS[i]] = 0;
  }

  private reject(reason: CommandReject, code: number): CommandOutcome {
    this.rejects[reason]++;
    if (this.onReject !== undefined) this.onReject(reason, code);
    return { ok: false, reason: reason };
  }

  private recent(list: number[], now: number): number {
    let k = 0;
    for (let i = 0; i < list.length; i++) if (now - list[i] < this.o.windowUs) list[k++] = list[i];
    // splice, not `list.length = k`: Espruino 2v29 refuses writes to length ("Assignment to a constant")
    list.splice(k, list.length - k);
    return k;
  }

  /**
   * Judge a reassembled command message, verifying the signature in one piece (tens of
   * millions of XS computrons: see begin/finish for the sliced way). Never throws on its content.
   */
  handle(b: Uint8Array, len: number): CommandOutcome {
    const s = this.begin(b, len);
    if (s.check === undefined) return s.outcome as CommandOutcome;
    const c = s.check;
    return this.finish(c, this.verifySignature(c));
  }

  /** The configured one-piece verify of a check (strict encodings included). */
  verifySignature(c: SignatureCheck): boolean {
    const v = this.o.verify === undefined ? verifyStrictNacl : this.o.verify;
    return v(c.message, c.signature, this.o.authorityPublic);
  }

  /** A queued command whose verify slot has come, verified in one piece; undefined when none. */
  handleQueued(): CommandOutcome | undefined {
    const c = this.nextQueued();
    if (c === undefined) return undefined;
    return this.finish(c, this.verifySignature(c));
  }

  private refill(now: number): void {
    const every = this.o.verifyEveryUs;
    if (every <= 0) {
      this.verifyTokens = this.o.verifyBurst;
      return;
    }
    const gained = Math.floor((now - this.verifyAtUs) / every);
    if (gained > 0) {
      this.verifyTokens += gained;
      this.verifyAtUs += gained * every;
    }
    if (this.verifyTokens >= this.o.verifyBurst) {
      this.verifyTokens = this.o.verifyBurst;
      this.verifyAtUs = now;
    }
  }

  /** Commands waiting for a verify slot. */
  waitingCount(): number {
    return this.waiting.length;
  }

  /** µs until the next verify slot when commands wait, else -1 (drives the node's timer). */
  nextSlotInUs(): number {
    if (this.waiting.length === 0) return -1;
    const now = this.o.clock.now();
    this.refill(now);
    if (this.verifyTokens >= 1) return 0;
    return this.verifyAtUs + this.o.verifyEveryUs - now;
  }

  /**
   * The oldest waiting command, once a verify slot is free (its sequence and window
   * re-checked: time has passed), to verify and hand to finish(); undefined when none.
   */
  nextQueued(): SignatureCheck | undefined {
    const now = this.o.clock.now();
    this.refill(now);
    while (this.waiting.length > 0 && this.verifyTokens >= 1) {
      const c = this.waiting.shift() as SignatureCheck;
      const code = c.command.code;
      if (c.command.seq <= this.lastSeq) {
        this.reject('replay', code);
        continue;
      }
      const late = this.windowReject(c.command);
      if (late !== '') {
        this.reject(late, code);
        continue;
      }
      this.verifyTokens -= 1;
      return c;
    }
    return undefined;
  }

  private windowReject(c: Command): CommandReject | '' {
    const t = this.o.target.wallS();
    if (t + TOLERANCE_S < c.notBefore) return 'not-yet-valid';
    if (t - TOLERANCE_S > c.notAfter) return 'expired';
    return '';
  }

  /**
   * Every check before the signature, cheapest first. Returns the outcome, or the
   * signature check to run (nacl, or firmware/link/ed25519-sliced.ts in slices) and hand
   * to finish(). Never throws on the content.
   */
  begin(b: Uint8Array, len: number): CommandStart {
    if (!(len >= HEAD) || b.length < len) return this.decided(this.reject('short', 0));
    if (b[0] !== COMMAND_VERSION) return this.decided(this.reject('version', b[1]));
    const code = b[1];
    if (!(code >= CMD_DISCONNECT && code <= CMD_TIME_SYNC)) return this.decided(this.reject('code', code));
    const a = headOf(code);
    const n = a + ARGS[code];
    if (len !== n + (isSigned(code) ? SIG : 0)) return this.decided(this.reject('length', code));
    if (b[2] !== this.o.nodeId) return this.decided(this.reject('node', code));
    const c = newCommand(code, b[2], getU32(b, 3));
    if (code === CMD_TIME_SYNC) {
      c.unixS = getU32(b, a);
      c.ms = b[a + 4] | (b[a + 5] << 8);
      if (c.ms > 999) return this.decided(this.reject('args', code));
      return this.decided({ ok: true, command: c, pending: false }); // link-authenticated only
    }
    c.provisionedAt = getU32(b, HEAD);
    c.notBefore = getU32(b, HEAD + 4);
    c.notAfter = getU32(b, HEAD + 8);
    if (code === CMD_DISCONNECT || code === CMD_RECONNECT) {
      c.relay = b[a];
      if (c.relay !== 1 && c.relay !== 2) return this.decided(this.reject('args', code));
      if (code === CMD_DISCONNECT) c.reason = b[a + 1];
    } else if (code === CMD_SET_LIMIT) {
      c.limitId = b[a];
      c.limitValue = getU32(b, a + 1) | 0;
    } else {
      c.epoch = getU32(b, a);
      c.peerPublic = bytesOf(b, a + 4, a + 36);
    }
    // bindings first: they cost nothing and refuse captures from another provisioning or time
    if (c.provisionedAt !== this.o.provisionedAt) return this.decided(this.reject('provisioning', code));
    if (c.notAfter < c.notBefore || c.notAfter - c.notBefore > MAX_WINDOW_S) return this.decided(this.reject('window', code));
    const late = this.windowReject(c);
    if (late !== '') return this.decided(this.reject(late, code));
    if (c.seq <= this.lastSeq) return this.decided(this.reject('replay', code));
    const check: SignatureCheck = { command: c, message: signedBytes(b, n), signature: bytesOf(b, n, n + SIG) };
    const now = this.o.clock.now();
    this.refill(now);
    if (this.verifyTokens >= 1 && this.waiting.length === 0) {
      this.verifyTokens -= 1;
      return { outcome: undefined, check: check };
    }
    // no verify slot now: wait for one (the oldest waiting goes first); a full queue refuses
    if (this.waiting.length >= VERIFY_QUEUE) return this.decided(this.reject('verify-budget', code));
    this.waiting.push(check);
    this.queued++;
    return this.decided(QUEUED);
  }

  private decided(o: CommandOutcome): CommandStart {
    return { outcome: o, check: undefined };
  }

  /** The rest of the policy, once the signature of `check` is known to be `valid` or not. */
  finish(check: SignatureCheck, valid: boolean): CommandOutcome {
    const c = check.command;
    const code = c.code;
    const now = this.o.clock.now();
    if (!valid) return this.reject('signature', code);
    // another command may have been accepted while this one was being verified
    if (c.seq <= this.lastSeq) return this.reject('replay', code);
    putU32(this.seqBuf, 0, c.seq);
    this.seqRecord.write(this.seqBuf); // before acting: a replay after a reboot stays a replay
    this.lastSeq = c.seq;
    if (this.recent(this.accepted, now) >= this.o.maxDangerous) return this.reject('ratelimit', code);
    this.accepted.push(now);
    if (code === CMD_RECONNECT && this.o.target.openBySafety()) return this.reject('safety', code);
    if (code === CMD_KEY_CHANGE) {
      this.pending = c;
      this.pendingUntil = now + this.o.confirmWindowUs;
      return { ok: true, command: c, pending: true };
    }
    return { ok: true, command: c, pending: false };
  }

  /** Is this outcome a command waiting for its verify slot (not a refusal)? */
  static isQueued(o: CommandOutcome): boolean {
    return !o.ok && o.reason === 'queued';
  }

  /** Count a refusal decided outside the policy (e.g. 'busy': a verify already runs). */
  refuse(reason: CommandReject, code: number): CommandOutcome {
    return this.reject(reason, code);
  }

  /** The local confirmation (button press or console) of a pending key change. */
  confirmLocal(): CommandOutcome {
    const p = this.pending;
    this.pending = undefined;
    if (p === undefined) return this.reject('no-pending', 0);
    if (this.o.clock.now() > this.pendingUntil) return this.reject('unconfirmed', p.code);
    return { ok: true, command: p, pending: false };
  }

  /** A pending key change, if one waits for confirmation. */
  pendingCommand(): Command | undefined {
    if (this.pending !== undefined && this.o.clock.now() > this.pendingUntil) {
      this.pending = undefined;
      this.reject('unconfirmed', CMD_KEY_CHANGE);
    }
    return this.pending;
  }
}
