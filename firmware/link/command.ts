// Downlink commands and the policy that gates them on the meter.
//
// A command message (carried in MSG_COMMAND frames, fragmented when longer than a body):
//   [0]    version (1)
//   [1]    code: 1 disconnect, 2 reconnect, 3 protection limit, 4 key change, 5 time sync
//   [2]    node id (so a signature for one meter is worthless for another)
//   [3..6] authority sequence number, u32 LE, strictly increasing per node
//   [7..]  arguments: relay id u8 (1, 2) | limit id u8 + value i32 LE (milli-units) |
//          new epoch u32 LE + control-unit X25519 public key (32) | unix time u32 LE + ms u16 LE
//   last 64  Ed25519 signature by the authority key over "SMLC1" | bytes [0 .. args end),
//          on every code but time sync
// The link keys (which a compromised head-end holds) are not enough to disconnect, change
// limits or change keys: that takes the authority key, which stays off the head-end.
//
// Policy, cheapest check first, so replays and floods cost no signature verification
// (tens of millions of XS computrons, seconds on an ESP32):
//   parse -> node -> sequence (replay) -> failed-verify budget -> signature -> commit the
//   sequence (power-cut-safe record) -> rate limit for dangerous commands -> safety:
//   a reconnect is refused while the relay is open because of a protection trip (only a
//   reset on the spot closes it) -> key change waits for a local confirmation (button or
//   console) within a time window.
import type { Clock, Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';
import { nacl } from './nacl';

export const CMD_DISCONNECT = 1;
export const CMD_RECONNECT = 2;
export const CMD_SET_LIMIT = 3;
export const CMD_KEY_CHANGE = 4;
export const CMD_TIME_SYNC = 5;
const ARGS: number[] = [0, 1, 1, 5, 36, 6];
const HEAD = 7;
const SIG = 64;
const LABEL = 'SMLC1';

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
}

export type CommandReject =
  | 'short' | 'version' | 'code' | 'length' | 'node' | 'args' | 'replay' | 'verify-budget'
  | 'signature' | 'ratelimit' | 'safety' | 'unconfirmed' | 'no-pending' | 'busy';

// append only: the index travels in command acks (firmware/link/messages.ts)
export const COMMAND_REJECTS: CommandReject[] = ['short', 'version', 'code', 'length', 'node', 'args', 'replay', 'verify-budget', 'signature', 'ratelimit', 'safety', 'unconfirmed', 'no-pending', 'busy'];

export type CommandOutcome = { ok: true; command: Command; pending: boolean } | { ok: false; reason: CommandReject };

/** A command that passed every check before the signature: verify `signature` over `message`. */
export interface SignatureCheck {
  command: Command;
  /** "SMLC1" | the command bytes before the signature */
  message: Uint8Array;
  signature: Uint8Array;
}

/** What begin() decided: an outcome, or a signature still to verify (then call finish()). */
export interface CommandStart {
  outcome: CommandOutcome | undefined;
  check: SignatureCheck | undefined;
}

export function isSigned(code: number): boolean {
  return code !== CMD_TIME_SYNC;
}

function signedBytes(b: Uint8Array, end: number): Uint8Array {
  const m = new Uint8Array(LABEL.length + end);
  for (let i = 0; i < LABEL.length; i++) m[i] = LABEL.charCodeAt(i);
  for (let i = 0; i < end; i++) m[LABEL.length + i] = b[i];
  return m;
}

/** Build a command (host side: the authority's signer and the tests). */
export function encodeCommand(c: Command, authoritySecret: Uint8Array | undefined): Uint8Array {
  const n = HEAD + ARGS[c.code];
  const b = new Uint8Array(n + (isSigned(c.code) ? SIG : 0));
  b[0] = 1;
  b[1] = c.code;
  b[2] = c.nodeId;
  putU32(b, 3, c.seq);
  if (c.code === CMD_DISCONNECT || c.code === CMD_RECONNECT) b[HEAD] = c.relay;
  if (c.code === CMD_SET_LIMIT) {
    b[HEAD] = c.limitId;
    putU32(b, HEAD + 1, c.limitValue >>> 0);
  }
  if (c.code === CMD_KEY_CHANGE) {
    putU32(b, HEAD, c.epoch);
    if (c.peerPublic !== undefined) b.set(c.peerPublic, HEAD + 4);
  }
  if (c.code === CMD_TIME_SYNC) {
    putU32(b, HEAD, c.unixS);
    b[HEAD + 4] = c.ms & 0xff;
    b[HEAD + 5] = (c.ms >>> 8) & 0xff;
  }
  if (isSigned(c.code) && authoritySecret !== undefined) b.set(nacl.sign.detached(signedBytes(b, n), authoritySecret), n);
  return b;
}

export function newCommand(code: number, nodeId: number, seq: number): Command {
  return { code: code, nodeId: nodeId, seq: seq, relay: 0, limitId: 0, limitValue: 0, epoch: 0, peerPublic: undefined, unixS: 0, ms: 0 };
}

/** What the policy asks of the rest of the node. */
export interface CommandTarget {
  /** true while the relay is open because protection tripped (tripped, lockout, fail-safe) */
  openBySafety(): boolean;
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
  /** failed signature checks allowed per window before verification stops, 1..100 */
  maxBadSignatures: number;
  /** how long a key change waits for the local confirmation, µs */
  confirmWindowUs: number;
}

export class CommandGuard {
  private readonly seqRecord: PersistentRecord;
  private lastSeq: number;
  private readonly accepted: number[] = [];
  private readonly badSigs: number[] = [];
  private pending: Command | undefined;
  private pendingUntil = 0;
  private readonly seqBuf = new Uint8Array(4);
  readonly rejects: Record<string, number> = {};
  onReject: ((reason: CommandReject, code: number) => void) | undefined;

  constructor(private readonly o: CommandGuardOptions) {
    if (!(o.maxDangerous >= 1 && o.maxDangerous <= 100)) throw new RangeError(`maxDangerous ${o.maxDangerous} out of range 1..100`);
    if (!(o.maxBadSignatures >= 1 && o.maxBadSignatures <= 100)) throw new RangeError(`maxBadSignatures ${o.maxBadSignatures} out of range 1..100`);
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
    list.length = k;
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
    return this.finish(c, nacl.sign.detached.verify(c.message, c.signature, this.o.authorityPublic));
  }

  /**
   * Every check before the signature, cheapest first. Returns the outcome, or the
   * signature check to run (nacl, or firmware/link/ed25519-sliced.ts in slices) and hand
   * to finish(). Never throws on the content.
   */
  begin(b: Uint8Array, len: number): CommandStart {
    if (!(len >= HEAD) || b.length < len) return this.decided(this.reject('short', 0));
    if (b[0] !== 1) return this.decided(this.reject('version', b[1]));
    const code = b[1];
    if (!(code >= CMD_DISCONNECT && code <= CMD_TIME_SYNC)) return this.decided(this.reject('code', code));
    const n = HEAD + ARGS[code];
    if (len !== n + (isSigned(code) ? SIG : 0)) return this.decided(this.reject('length', code));
    if (b[2] !== this.o.nodeId) return this.decided(this.reject('node', code));
    const c = newCommand(code, b[2], getU32(b, 3));
    if (code === CMD_DISCONNECT || code === CMD_RECONNECT) {
      c.relay = b[HEAD];
      if (c.relay !== 1 && c.relay !== 2) return this.decided(this.reject('args', code));
    } else if (code === CMD_SET_LIMIT) {
      c.limitId = b[HEAD];
      c.limitValue = getU32(b, HEAD + 1) | 0;
    } else if (code === CMD_KEY_CHANGE) {
      c.epoch = getU32(b, HEAD);
      c.peerPublic = b.slice(HEAD + 4, HEAD + 36);
    } else {
      c.unixS = getU32(b, HEAD);
      c.ms = b[HEAD + 4] | (b[HEAD + 5] << 8);
      if (c.ms > 999) return this.decided(this.reject('args', code));
      return this.decided({ ok: true, command: c, pending: false }); // link-authenticated only
    }
    const now = this.o.clock.now();
    if (c.seq <= this.lastSeq) return this.decided(this.reject('replay', code));
    if (this.recent(this.badSigs, now) >= this.o.maxBadSignatures) return this.decided(this.reject('verify-budget', code));
    return { outcome: undefined, check: { command: c, message: signedBytes(b, n), signature: b.slice(n, n + SIG) } };
  }

  private decided(o: CommandOutcome): CommandStart {
    return { outcome: o, check: undefined };
  }

  /** The rest of the policy, once the signature of `check` is known to be `valid` or not. */
  finish(check: SignatureCheck, valid: boolean): CommandOutcome {
    const c = check.command;
    const code = c.code;
    const now = this.o.clock.now();
    if (!valid) {
      this.badSigs.push(now);
      return this.reject('signature', code);
    }
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
