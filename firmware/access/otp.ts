// HOTP (RFC 4226) and TOTP (RFC 6238) over SHA-1, SHA-256 and SHA-512 (RFC 6238 §1.2).
// Portable: the 8-byte counter is built from two 32-bit halves of a float, so counters up
// to 2^53 work in XS and Espruino (RFC 6238's time 20000000000 s is step 666666666).
import type { HashName } from './sha';
import { hmac } from './sha';

export interface OtpParams {
  alg: HashName;
  /** 6..8 (RFC 4226 §5.3: at least 6; RFC 6238's vectors use 8) */
  digits: number;
}

export interface TotpParams extends OtpParams {
  /** time step X, s (RFC 6238 §4.1: default 30) */
  periodS: number;
  /** T0, s (default 0, the Unix epoch) */
  t0S: number;
}

export const TOTP_DEFAULTS: TotpParams = { alg: 'SHA1', digits: 6, periodS: 30, t0S: 0 };

const POW10_256 = [1, 256, 65536, 16777216];
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** The counter as 8 bytes, big-endian (RFC 4226 §5.1 "C"). */
export function counterBytes(c: number): Uint8Array {
  const b = new Uint8Array(8);
  const hi = Math.floor(c / 4294967296);
  const lo = c - hi * 4294967296;
  for (let i = 0; i < 4; i++) {
    b[3 - i] = Math.floor(hi / POW10_256[i]) & 0xff;
    b[7 - i] = Math.floor(lo / POW10_256[i]) & 0xff;
  }
  return b;
}

/** HOTP(K, C) = Truncate(HMAC(K, C)) mod 10^digits, zero-padded (RFC 4226 §5.3). */
export function hotp(key: Uint8Array, counter: number, p: OtpParams): string {
  const h = hmac(p.alg, key, counterBytes(counter));
  // dynamic truncation: offset = low 4 bits of the last byte (RFC 4226 §5.4)
  const off = h[h.length - 1] & 0x0f;
  const bin = (h[off] & 0x7f) * 16777216 + h[off + 1] * 65536 + h[off + 2] * 256 + h[off + 3];
  let s = String(bin % POW10[p.digits]);
  while (s.length < p.digits) s = '0' + s;
  return s;
}

/** The time step of a Unix time (RFC 6238 §4.2: T = floor((now - T0) / X)). */
export function totpStep(unixS: number, p: TotpParams): number {
  return Math.floor((unixS - p.t0S) / p.periodS);
}

export function totp(key: Uint8Array, unixS: number, p: TotpParams): string {
  return hotp(key, totpStep(unixS, p), p);
}

/** true when `code` is `digits` ASCII decimal digits (checked before any hashing). */
export function wellFormedCode(code: string, digits: number): boolean {
  if (code.length !== digits) return false;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Constant-time string compare of two codes of equal length. */
function sameCode(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/**
 * The step (of now-window .. now+window) whose TOTP equals `code`, or -1. Steps at or
 * below `notAfter` are skipped: a code once used is not accepted again (RFC 6238 §5.2).
 */
export function totpMatch(key: Uint8Array, code: string, unixS: number, p: TotpParams, window: number, usedUpTo: number): number {
  const now = totpStep(unixS, p);
  let found = -1;
  for (let s = now - window; s <= now + window; s++) {
    if (s <= usedUpTo || s < 0) continue;
    // no early exit: every step in the window costs one HMAC, matched or not
    if (sameCode(hotp(key, s, p), code) && found < 0) found = s;
  }
  return found;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (the key format of authenticator apps' otpauth:// URIs). */
export function base32(b: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < b.length; i++) {
    acc = ((acc & 0xff) << 8) | b[i];
    bits += 8;
    while (bits >= 5) {
      out += B32.charAt((acc >> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += B32.charAt((acc << (5 - bits)) & 31);
  return out;
}

/** Decode RFC 4648 base32 (case-insensitive, '=' padding ignored); undefined if not base32. */
export function base32Decode(s: string): Uint8Array | undefined {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c === 61) continue;
    if (c >= 97 && c <= 122) c -= 32;
    const v = c >= 65 && c <= 90 ? c - 65 : c >= 50 && c <= 55 ? c - 24 : -1;
    if (v < 0) return undefined;
    acc = ((acc & 0xff) << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((acc >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}
