// XS cost and parity entry for the access layer: tools/bench/access.ts loads this into
// xsnap (one TOTP check, one R30x packet parse, one access-log hash) and
// host-tests/access-xs.test.ts compares its answers with Node's.
import { R30xParser, r30xEncode } from './r30x-packet';
import { hotp, totp, totpMatch, TOTP_DEFAULTS } from './otp';
import type { HashName } from './sha';
import { hmac, sha256, sha512 } from './sha';

export interface OtpBench {
  key: Uint8Array;
  code: string;
  nowS: number;
}

/** A pass key and the code of the step before now: the check hashes all three window steps. */
export function otpBenchSetup(): OtpBench {
  const key = new Uint8Array(20);
  for (let i = 0; i < 20; i++) key[i] = (i * 37 + 11) & 0xff;
  const nowS = 1800000000;
  return { key: key, code: totp(key, nowS - 30, TOTP_DEFAULTS), nowS: nowS };
}

/** One TOTP check as the unit does it (±1 step, SHA-1, 6 digits): 3 HMAC-SHA-1. */
export function otpBenchCheck(b: OtpBench): number {
  return totpMatch(b.key, b.code, b.nowS, TOTP_DEFAULTS, 1, -1);
}

export interface PacketBench {
  parser: R30xParser;
  packet: Uint8Array;
  got: number;
}

/** A Search acknowledge (16 bytes: page 3, score 120). */
export function packetBenchSetup(): PacketBench {
  const b: PacketBench = { parser: new R30xParser(0xffffffff), packet: r30xEncode(0xffffffff, 7, [0, 0, 3, 0, 120]), got: 0 };
  b.parser.onPacket = function () {
    b.got++;
  };
  return b;
}

export function packetBenchParse(b: PacketBench): number {
  b.parser.pushAll(b.packet);
  return b.got;
}

/** A 100-byte log record, hashed as the chain does. */
export function recordBenchSetup(): Uint8Array {
  const r = new Uint8Array(100);
  for (let i = 0; i < 100; i++) r[i] = i;
  return r;
}
export function recordHash256(r: Uint8Array): number {
  return sha256(r)[0];
}
export function recordHash512(r: Uint8Array): number {
  return sha512(r)[0];
}

/** Parity: HOTP for counters 0..n-1 and a TOTP at one time, per hash. */
export function otpParity(input: { key: number[]; n: number; unixS: number }): string[] {
  const k = new Uint8Array(input.key);
  const n = input.n;
  const unixS = input.unixS;
  const out: string[] = [];
  const algs: HashName[] = ['SHA1', 'SHA256', 'SHA512'];
  for (let a = 0; a < algs.length; a++) {
    for (let c = 0; c < n; c++) out.push(hotp(k, c, { alg: algs[a], digits: 6 }));
    out.push(totp(k, unixS, { alg: algs[a], digits: 8, periodS: 30, t0S: 0 }));
  }
  return out;
}

/** Parity: what the packet parser reports for a byte stream. */
export function packetParity(input: { bytes: number[] }): string[] {
  const bytes = input.bytes;
  const p = new R30xParser(0xffffffff);
  const out: string[] = [];
  p.onPacket = function (pid: number, pl: Uint8Array) {
    let h = '';
    for (let i = 0; i < pl.length; i++) h += (pl[i] < 16 ? '0' : '') + pl[i].toString(16);
    out.push(pid + ':' + h);
  };
  p.onError = function (e: string) {
    out.push(e);
  };
  p.pushAll(bytes);
  out.push('skipped ' + p.skipped);
  return out;
}

/** Parity: SHA-1, SHA-256, SHA-512 and HMAC-SHA-256 of each message, hex. */
export function hashParity(input: { msgs: number[][] }): string[] {
  const msgs = input.msgs;
  const out: string[] = [];
  const algs: HashName[] = ['SHA1', 'SHA256', 'SHA512'];
  for (let m = 0; m < msgs.length; m++) {
    const b = new Uint8Array(msgs[m]);
    for (let a = 0; a < algs.length; a++) out.push(hexOf(hmac(algs[a], b.subarray(0, b.length >> 1), b)));
    out.push(hexOf(sha256(b)));
  }
  return out;
}

function hexOf(b: Uint8Array): string {
  let h = '';
  for (let i = 0; i < b.length; i++) h += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return h;
}
