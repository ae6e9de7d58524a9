// Uplink reports besides telemetry: event frames (MSG_EVENT) and command acknowledgements
// (MSG_ACK). Each fits one nRF24 body (18 bytes), so an event costs one frame and one
// Poly1305 pass of at most two blocks. All fields little-endian.
//
// Event body, byte 0 = kind:
//   1 trip      | seq u16 | breaker state u8 (STATES index) | reason, ASCII, up to 14 bytes
//   2 security  | 8 x u16 counts since the previous security report (saturating at 65535):
//               link tag, link replay (replay + old), link other (epoch, ratelimit,
//               type, format, fragments), command signature (bad signatures and the
//               failed-verify budget), command replay, command
//               safety, command other (rate limit, node, args, unconfirmed, busy),
//               total since boot (mod 65536)
//   3 rekey     | new epoch u32 (the node has switched its uplink key)
// Ack body: command code u8 | result u8 (0 done, 1 pending local confirmation, 2 refused
//   by the policy, 3 failed in the node) | reason u8 (COMMAND_REJECTS index for 2, an
//   ACK_FAIL index for 3, else 0) | authority sequence u32
//   (code ACK_CODE_HOUSEHOLD: the reason indexes HOUSEHOLD_REJECTS, the sequence is the
//   control unit's request id)
//
// Household relay body (MSG_HOUSEHOLD, downlink, one frame on every profile): the
// household's own on/off switch. Authenticated by the link keys only (the frame's tag and
// the persisted replay window), not by the authority key, so it carries the household's
// rank and no more: the node obeys it within the policy (firmware/access/policy.ts, as
// role household, remote): it never closes over a protection trip, lockout, fail-safe or
// a pending reclose, nor over a utility disconnect.
//   version u8 (1) | relay id u8 (1) | state u8 (0 off, 1 on) | request id u32
import { getU32, putU32 } from '../store/records';
import { COMMAND_REJECTS } from './command';

export const EVENT_TRIP = 1;
export const EVENT_SECURITY = 2;
export const EVENT_REKEY = 3;

export const STATES: string[] = ['closed', 'open', 'tripped', 'reclosing', 'lockout', 'failsafe'];
export const SECURITY_CLASSES: string[] = ['linkTag', 'linkReplay', 'linkOther', 'cmdSignature', 'cmdReplay', 'cmdSafety', 'cmdOther', 'total'];

export const ACK_DONE = 0;
export const ACK_PENDING = 1;
export const ACK_REFUSED = 2;
export const ACK_FAILED = 3;
/** why a command the policy accepted failed in the node */
export const ACK_FAIL: string[] = ['', 'relay', 'limit-id', 'limit-range', 'epoch', 'keys', 'time'];

const REASON_MAX = 14;

/** the ack code of a household relay request (signed command codes are 1..5) */
export const ACK_CODE_HOUSEHOLD = 16;
export const HOUSEHOLD_VERSION = 1;
export const HOUSEHOLD_BYTES = 7;
/** why a node refused a household relay request (ack reason index) */
export const HOUSEHOLD_REJECTS: string[] = ['', 'safety', 'utility-hold', 'format', 'relay-id', 'policy'];

export interface HouseholdRelay {
  relay: number;
  on: boolean;
  requestId: number;
}

export function encodeHouseholdRelay(relay: number, on: boolean, requestId: number, out: Uint8Array): number {
  out[0] = HOUSEHOLD_VERSION;
  out[1] = relay & 0xff;
  out[2] = on ? 1 : 0;
  putU32(out, 3, requestId);
  return HOUSEHOLD_BYTES;
}

/** Decode a household relay body; never throws, a string names what is wrong. */
export function decodeHouseholdRelay(b: Uint8Array, len: number): HouseholdRelay | string {
  if (len !== HOUSEHOLD_BYTES || b.length < len) return `household relay length ${len}, expected ${HOUSEHOLD_BYTES}`;
  if (b[0] !== HOUSEHOLD_VERSION) return `household relay version ${b[0]}, expected ${HOUSEHOLD_VERSION}`;
  if (b[2] > 1) return `household relay state ${b[2]} out of range 0..1`;
  return { relay: b[1], on: b[2] === 1, requestId: getU32(b, 3) };
}

export function encodeTripEvent(seq: number, state: string, reason: string, out: Uint8Array): number {
  out[0] = EVENT_TRIP;
  out[1] = seq & 0xff;
  out[2] = (seq >>> 8) & 0xff;
  const s = STATES.indexOf(state);
  out[3] = s < 0 ? 255 : s;
  const n = reason.length < REASON_MAX ? reason.length : REASON_MAX;
  for (let i = 0; i < n; i++) {
    const c = reason.charCodeAt(i);
    out[4 + i] = c < 128 ? c : 63; // '?' for anything beyond ASCII
  }
  return 4 + n;
}

export function encodeSecurityEvent(counts: number[], out: Uint8Array): number {
  out[0] = EVENT_SECURITY;
  for (let i = 0; i < SECURITY_CLASSES.length; i++) {
    let v = counts[i];
    if (i < SECURITY_CLASSES.length - 1 && v > 0xffff) v = 0xffff;
    v = v & 0xffff;
    out[1 + 2 * i] = v & 0xff;
    out[2 + 2 * i] = v >>> 8;
  }
  return 1 + 2 * SECURITY_CLASSES.length;
}

export function encodeRekeyEvent(epoch: number, out: Uint8Array): number {
  out[0] = EVENT_REKEY;
  putU32(out, 1, epoch);
  return 5;
}

export type NodeEvent =
  | { kind: 'trip'; seq: number; state: string; reason: string }
  | { kind: 'security'; counts: Record<string, number> }
  | { kind: 'rekey'; epoch: number }
  | { kind: 'invalid'; error: string };

/** Decode an event body. Never throws; a malformed body gives kind 'invalid' naming the field. */
export function decodeEvent(b: Uint8Array, len: number): NodeEvent {
  if (!(len >= 1) || b.length < len) return { kind: 'invalid', error: `event length ${len} out of range 1..${b.length}` };
  const k = b[0];
  if (k === EVENT_TRIP) {
    if (len < 4) return { kind: 'invalid', error: `trip event length ${len} out of range 4..18` };
    let r = '';
    for (let i = 4; i < len; i++) r += String.fromCharCode(b[i] & 0x7f);
    const st = b[3] < STATES.length ? STATES[b[3]] : 'unknown';
    return { kind: 'trip', seq: b[1] | (b[2] << 8), state: st, reason: r };
  }
  if (k === EVENT_SECURITY) {
    if (len !== 1 + 2 * SECURITY_CLASSES.length) return { kind: 'invalid', error: `security event length ${len}, expected ${1 + 2 * SECURITY_CLASSES.length}` };
    const c: Record<string, number> = {};
    for (let i = 0; i < SECURITY_CLASSES.length; i++) c[SECURITY_CLASSES[i]] = b[1 + 2 * i] | (b[2 + 2 * i] << 8);
    return { kind: 'security', counts: c };
  }
  if (k === EVENT_REKEY) {
    if (len !== 5) return { kind: 'invalid', error: `rekey event length ${len}, expected 5` };
    return { kind: 'rekey', epoch: getU32(b, 1) };
  }
  return { kind: 'invalid', error: `event kind ${k} out of range 1..3` };
}

export function encodeAck(code: number, result: number, reason: number, seq: number, out: Uint8Array): number {
  out[0] = code;
  out[1] = result;
  out[2] = reason;
  putU32(out, 3, seq);
  return 7;
}

export interface Ack {
  code: number;
  result: 'done' | 'pending' | 'refused' | 'failed';
  reason: string;
  seq: number;
}

export function decodeAck(b: Uint8Array, len: number): Ack | string {
  if (len !== 7 || b.length < len) return `ack length ${len}, expected 7`;
  const results: ('done' | 'pending' | 'refused' | 'failed')[] = ['done', 'pending', 'refused', 'failed'];
  if (b[1] > 3) return `ack result ${b[1]} out of range 0..3`;
  const res = results[b[1]];
  let reason = '';
  const rejects = b[0] === ACK_CODE_HOUSEHOLD ? HOUSEHOLD_REJECTS : COMMAND_REJECTS;
  if (res === 'refused') reason = b[2] < rejects.length ? rejects[b[2]] : 'unknown';
  // pending: 0 a key change waiting for its local confirmation, else why ('queued' for a verify slot)
  if (res === 'pending' && b[2] !== 0) reason = b[2] < COMMAND_REJECTS.length ? COMMAND_REJECTS[b[2]] : 'unknown';
  if (res === 'failed') reason = b[2] < ACK_FAIL.length ? ACK_FAIL[b[2]] : 'unknown';
  return { code: b[0], result: res, reason: reason, seq: getU32(b, 3) };
}

/**
 * Protection limits a signed CMD_SET_LIMIT may change, by id. The value travels in
 * milli-units (i32); the node range-checks it through the settings table
 * (firmware/protection/settings.ts), which names the field and its range on refusal.
 */
export const LIMIT_FIELDS: string[] = ['', 'ovTripV', 'uvTripV', 'olPickupA', 'maxPowerW', 'maxEnergyWhDay', 'gasTripPpm', 'tempTripC', 'ocPeakA'];
