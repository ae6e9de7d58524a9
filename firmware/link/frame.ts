// Link frame: a 6-byte header, the encrypted body, a truncated Poly1305 tag.
//
//   byte 0   bits 7-6 version (1) | bit 5 direction (0 up: node -> control unit,
//            1 down) | bit 4 key-epoch parity | bits 3-0 message type
//   byte 1   node id (1 .. 254)
//   bytes 2-5 frame counter, u32 little-endian (sent in full: no reconstruction, no wrap)
//   6 ..     body, XSalsa20-encrypted (firmware/link/crypto.ts)
//   last t   tag: Poly1305(ciphertext) truncated to the profile's t bytes
// Overhead on nRF24 (t = 8): 6 + 8 = 14 bytes, leaving up to 18 body bytes in 32; a
// telemetry reading takes 16 (firmware/link/telemetry.ts), so its frame is 30 bytes.
// The nonce is rebuilt from the full epoch, node id, direction, counter and header byte 0,
// which authenticates the header through the keystream. Only the epoch's low bit is
// sent, so the receiver can pick the current or the next key during a rotation.
// Byte layout and a worked example: docs/LINK.md.
import { LinkCipher } from './crypto';
import type { ReplayVerdict } from './replay';
import type { Clock } from '../../hal/io';

export const LINK_VERSION = 1;
export const HEADER_BYTES = 6;
export const DIR_UP = 0;
export const DIR_DOWN = 1;

export const MSG_TELEMETRY = 1;
export const MSG_FRAGMENT = 2;
export const MSG_COMMAND = 3;
export const MSG_ACK = 4;
export const MSG_EVENT = 5;
// 6: time sync, still accepted as a type (docs/LINK.md); the time comes in a signed
// command (CMD_TIME_SYNC, firmware/link/command.ts), so nothing sends it
/** the household's relay switch, authenticated by the link keys (firmware/link/messages.ts) */
export const MSG_HOUSEHOLD = 7;
const MSG_LAST = 7;

export interface RadioProfile {
  name: string;
  /** largest radio payload, bytes */
  maxFrame: number;
  /** tag bytes carried: 16 where room allows, never below 8 */
  tagLen: number;
}
/** nRF24L01+: 32-byte payload (datasheet §7.3.4). */
export const PROFILE_NRF24: RadioProfile = { name: 'nrf24', maxFrame: 32, tagLen: 8 };
/** LoRa SX127x: 255-byte payload (SX1276 datasheet §4.1.2.3, RegPayloadLength). */
export const PROFILE_LORA: RadioProfile = { name: 'lora', maxFrame: 255, tagLen: 16 };
/** ESP-NOW: 250-byte payload (ESP-IDF esp_now, ESP_NOW_MAX_DATA_LEN). */
export const PROFILE_ESPNOW: RadioProfile = { name: 'espnow', maxFrame: 250, tagLen: 16 };

/** The link profile of a radio (hal/radio.ts RadioProfileName). */
export function profileOf(name: string): RadioProfile {
  if (name === 'nrf24') return PROFILE_NRF24;
  if (name === 'lora') return PROFILE_LORA;
  if (name === 'espnow') return PROFILE_ESPNOW;
  throw new RangeError(`radio profile '${name}' out of range nrf24, lora, espnow`);
}

export function maxBody(p: RadioProfile): number {
  return p.maxFrame - HEADER_BYTES - p.tagLen;
}

export type RejectReason =
  | 'short' // shorter than header + tag
  | 'long' // longer than the profile's payload
  | 'version' // unknown header version
  | 'direction' // wrong direction for this receiver
  | 'node' // not the node this receiver serves
  | 'type' // reserved message type
  | 'epoch' // epoch bit matches neither the current nor the pending key
  | 'old' // counter behind the 64-deep replay window
  | 'replay' // counter already accepted
  | 'ratelimit' // the tag-failure budget is spent: not verified (bounds forgery attempts)
  | 'tag'; // authentication failed

export const REJECT_REASONS: RejectReason[] = ['short', 'long', 'version', 'direction', 'node', 'type', 'epoch', 'old', 'replay', 'ratelimit', 'tag'];

const REFUSED: Record<string, OpenResult> = {};
for (let i = 0; i < REJECT_REASONS.length; i++) REFUSED[REJECT_REASONS[i]] = { ok: false, reason: REJECT_REASONS[i] };

export type OpenResult = { ok: true; type: number; nodeId: number; counter: number; epoch: number; body: Uint8Array } | { ok: false; reason: RejectReason };

export interface ParsedHeader {
  version: number;
  direction: number;
  epochBit: number;
  type: number;
  nodeId: number;
  counter: number;
}

export function writeHeader(out: Uint8Array, direction: number, epoch: number, type: number, nodeId: number, counter: number): void {
  out[0] = (LINK_VERSION << 6) | ((direction & 1) << 5) | ((epoch & 1) << 4) | (type & 15);
  out[1] = nodeId & 0xff;
  out[2] = counter & 0xff;
  out[3] = (counter >>> 8) & 0xff;
  out[4] = (counter >>> 16) & 0xff;
  out[5] = (counter >>> 24) & 0xff;
}

export function readHeader(frame: Uint8Array): ParsedHeader {
  const h: ParsedHeader = { version: 0, direction: 0, epochBit: 0, type: 0, nodeId: 0, counter: 0 };
  readHeaderInto(frame, h);
  return h;
}

/** readHeader into a reused object (the receivers' hot path: no allocation per frame). */
export function readHeaderInto(frame: Uint8Array, h: ParsedHeader): void {
  const b0 = frame[0];
  h.version = b0 >>> 6;
  h.direction = (b0 >>> 5) & 1;
  h.epochBit = (b0 >>> 4) & 1;
  h.type = b0 & 15;
  h.nodeId = frame[1];
  h.counter = (frame[2] | (frame[3] << 8) | (frame[4] << 16) | (frame[5] << 24)) >>> 0;
}

/** What a sender needs: any source of never-reused counters (firmware/link/counter.ts). */
export interface CounterSource {
  next(): number;
}

export type SealResult = { ok: true; frame: Uint8Array; counter: number } | { ok: false; error: string };

/** Seals frames for one node and direction. The returned frame is a view into a reused buffer. */
export class LinkSender {
  private cipher: LinkCipher;
  private readonly buf: Uint8Array;
  private readonly maxBodyLen: number;

  constructor(
    readonly profile: RadioProfile,
    key: Uint8Array,
    epoch: number,
    readonly nodeId: number,
    readonly direction: number,
    private readonly counter: CounterSource,
  ) {
    this.maxBodyLen = maxBody(profile);
    this.cipher = new LinkCipher(key, epoch, nodeId, direction, this.maxBodyLen);
    this.buf = new Uint8Array(profile.maxFrame);
  }

  get epoch(): number {
    return this.cipher.epoch;
  }

  /** Switch to a new key and epoch (key rotation). The counter keeps running. */
  rekey(key: Uint8Array, epoch: number): void {
    this.cipher = new LinkCipher(key, epoch, this.nodeId, this.direction, this.maxBodyLen);
  }

  seal(type: number, body: Uint8Array, bodyLen: number): SealResult {
    if (!(type >= 1 && type <= MSG_LAST)) return { ok: false, error: `type ${type} out of range 1..${MSG_LAST}` };
    if (!(bodyLen >= 0 && bodyLen <= this.maxBodyLen && bodyLen <= body.length)) {
      return { ok: false, error: `bodyLen ${bodyLen} out of range 0..${this.maxBodyLen}` };
    }
    const c = this.counter.next();
    if (c < 0) return { ok: false, error: 'counter exhausted: rotate the key' };
    writeHeader(this.buf, this.direction, this.cipher.epoch, type, this.nodeId, c);
    for (let i = 0; i < bodyLen; i++) this.buf[HEADER_BYTES + i] = body[i];
    this.cipher.seal(this.buf, HEADER_BYTES, bodyLen, c, this.profile.tagLen);
    return { ok: true, frame: this.buf.subarray(0, HEADER_BYTES + bodyLen + this.profile.tagLen), counter: c };
  }
}

/** Replay state a receiver consults: ReplayWindow or PersistentReplayWindow. */
export interface ReplayGuard {
  check(counter: number): ReplayVerdict;
  accept(counter: number): void;
}

/**
 * Opens frames from one node in one direction. Never throws on frame content: every
 * rejection returns a reason, is counted in `rejects`, and is reported to `onReject`
 * (the security-event hook).
 */
export class LinkReceiver {
  private current: LinkCipher;
  private pending: LinkCipher | undefined;
  private readonly body: Uint8Array;
  private readonly maxBodyLen: number;
  readonly rejects: Record<string, number> = {};
  accepted = 0;
  private clock: Clock | undefined;
  private burst = 0;
  private perSecond = 0;
  private tokens = 0;
  private lastUs = 0;
  /** the header of the frame being opened: reused, valid only during open() and its hooks */
  private readonly hdr: ParsedHeader = { version: 0, direction: 0, epochBit: 0, type: 0, nodeId: 0, counter: 0 };
  onReject: ((reason: RejectReason, header: ParsedHeader | undefined) => void) | undefined;

  constructor(
    readonly profile: RadioProfile,
    readonly nodeId: number,
    readonly direction: number,
    key: Uint8Array,
    epoch: number,
    private readonly guard: ReplayGuard,
  ) {
    this.maxBodyLen = maxBody(profile);
    this.current = new LinkCipher(key, epoch, nodeId, direction, this.maxBodyLen);
    this.body = new Uint8Array(this.maxBodyLen);
    for (let i = 0; i < REJECT_REASONS.length; i++) this.rejects[REJECT_REASONS[i]] = 0;
  }

  get epoch(): number {
    return this.current.epoch;
  }

  /** Accept frames under `key` at `epoch` (must be current + 1); promoted on its first good frame. */
  expectKey(key: Uint8Array, epoch: number): void {
    this.pending = new LinkCipher(key, epoch, this.nodeId, this.direction, this.maxBodyLen);
  }

  /**
   * Bound forgery attempts: at most `burst` tag failures at once, refilled at `perSecond`
   * (virtual time from `clock`). With the budget spent, frames that would need a tag check
   * are refused as 'ratelimit' without one, until a token comes back. Odds: docs/LINK.md.
   */
  limitTagFailures(clock: Clock, burst: number, perSecond: number): void {
    this.clock = clock;
    this.burst = burst;
    this.perSecond = perSecond;
    this.tokens = burst;
    this.lastUs = clock.now();
  }

  /** Check every tag again (the flood is over): the budget set by limitTagFailures is lifted. */
  unlimitTagFailures(): void {
    this.clock = undefined;
  }

  /** true while limitTagFailures is in force */
  tagFailuresLimited(): boolean {
    return this.clock !== undefined;
  }

  private tokensNow(): number {
    if (this.clock === undefined) return 1;
    const now = this.clock.now();
    this.tokens += ((now - this.lastUs) * this.perSecond) / 1e6;
    if (this.tokens > this.burst) this.tokens = this.burst;
    this.lastUs = now;
    return this.tokens;
  }

  private reject(reason: RejectReason, h: ParsedHeader | undefined): OpenResult {
    this.rejects[reason]++;
    if (this.onReject !== undefined) this.onReject(reason, h);
    // one shared result per reason: a refusal under a flood allocates nothing here
    return REFUSED[reason];
  }

  open(frame: Uint8Array, len: number): OpenResult {
    const tagLen = this.profile.tagLen;
    if (!(len >= HEADER_BYTES + tagLen) || frame.length < len) return this.reject('short', undefined);
    if (len > this.profile.maxFrame) return this.reject('long', undefined);
    const h = this.hdr;
    readHeaderInto(frame, h);
    if (h.version !== LINK_VERSION) return this.reject('version', h);
    if (h.direction !== this.direction) return this.reject('direction', h);
    if (h.nodeId !== this.nodeId) return this.reject('node', h);
    if (h.type < 1 || h.type > MSG_LAST) return this.reject('type', h);
    let cipher: LinkCipher | undefined;
    if (h.epochBit === (this.current.epoch & 1)) cipher = this.current;
    else if (this.pending !== undefined && h.epochBit === (this.pending.epoch & 1)) cipher = this.pending;
    if (cipher === undefined) return this.reject('epoch', h);
    const verdict = this.guard.check(h.counter);
    if (verdict !== '') return this.reject(verdict, h);
    if (this.tokensNow() < 1) return this.reject('ratelimit', h);
    const bodyLen = len - HEADER_BYTES - tagLen;
    if (!cipher.open(frame, HEADER_BYTES, bodyLen, h.counter, tagLen, this.body, 0)) {
      if (this.clock !== undefined) this.tokens -= 1;
      return this.reject('tag', h);
    }
    this.guard.accept(h.counter);
    if (cipher === this.pending) {
      this.current = cipher;
      this.pending = undefined;
    }
    this.accepted++;
    return { ok: true, type: h.type, nodeId: h.nodeId, counter: h.counter, epoch: cipher.epoch, body: this.body.subarray(0, bodyLen) };
  }
}
