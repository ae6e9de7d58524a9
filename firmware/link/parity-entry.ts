// Link parity and cost entry: the same vectors run in Node and XS (tools/engines), and
// host-tests/link-xs.test.ts compares bytes and decisions. Plain data in and out.
import { SlicedVerify } from './ed25519-sliced';
import {
  LinkSender,
  LinkReceiver,
  PROFILE_NRF24,
  PROFILE_LORA,
  DIR_UP,
  DIR_DOWN,
  MSG_TELEMETRY,
  maxBody,
  writeHeader,
  HEADER_BYTES,
  type RadioProfile,
} from './frame';
import { LinkCipher } from './crypto';
import { ReplayWindow } from './replay';
import { encodeTelemetry, decodeTelemetry, newTelemetryReading, TELEMETRY_BYTES, type TelemetryReading } from './telemetry';
import { fragmentMessage, Reassembler } from './fragment';
import { nacl } from './nacl';
import { AnomalyDetector, defaultAnomalyOptions } from '../control/anomaly';
import { SecurityLog } from '../control/security-log';
import { copyBytes } from './bytes';

const HEX = '0123456789abcdef';
function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX.charAt(b[i] >>> 4) + HEX.charAt(b[i] & 15);
  return s;
}
function bytes(a: number[]): Uint8Array {
  const b = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) b[i] = a[i] & 0xff;
  return b;
}

export interface LinkParityCase {
  profile: string; // 'nrf24' | 'lora'
  key: number[];
  epoch: number;
  nodeId: number;
  down: boolean;
  firstCounter: number;
  readings: TelemetryReading[];
  /** attacks applied to the sealed frames, in order: [kind, frame index, argument] */
  attacks: [string, number, number][];
}

export interface LinkParityInput {
  cases: LinkParityCase[];
  replaySeq: number[];
  fragment: { body: number; message: number[]; order: number[] };
}

function mutate(f: Uint8Array, kind: string, arg: number): Uint8Array {
  if (kind === 'flip') {
    const g = copyBytes(f);
    g[arg % g.length] ^= 1 << (arg & 7);
    return g;
  }
  if (kind === 'truncate') return copyBytes(f, 0, arg < f.length ? arg : f.length - 1);
  return copyBytes(f); // 'replay'
}

export function linkVectors(input: LinkParityInput): {
  frames: string[][];
  decisions: string[][];
  readings: number[][];
  replay: string[];
  fragments: string[];
} {
  const frames: string[][] = [];
  const decisions: string[][] = [];
  const readings: number[][] = [];
  for (let c = 0; c < input.cases.length; c++) {
    const cs = input.cases[c];
    const profile: RadioProfile = cs.profile === 'lora' ? PROFILE_LORA : PROFILE_NRF24;
    const dir = cs.down ? DIR_DOWN : DIR_UP;
    let ctr = cs.firstCounter;
    const tx = new LinkSender(profile, bytes(cs.key), cs.epoch, cs.nodeId, dir, { next: () => ctr++ });
    const rx = new LinkReceiver(profile, cs.nodeId, dir, bytes(cs.key), cs.epoch, new ReplayWindow());
    const sealed: Uint8Array[] = [];
    const fs: string[] = [];
    const ds: string[] = [];
    const body = new Uint8Array(TELEMETRY_BYTES);
    const back = newTelemetryReading();
    for (let i = 0; i < cs.readings.length; i++) {
      encodeTelemetry(cs.readings[i], body, 0);
      const r = tx.seal(MSG_TELEMETRY, body, TELEMETRY_BYTES);
      if (!r.ok) {
        fs.push('error:' + r.error);
        continue;
      }
      const f = copyBytes(r.frame);
      sealed.push(f);
      fs.push(hex(f));
      const o = rx.open(f, f.length);
      ds.push(o.ok ? 'ok' : o.reason);
      if (o.ok && decodeTelemetry(o.body, o.body.length, back).ok) {
        readings.push([back.vrms, back.irms, back.p, back.energyWh, back.tempC, back.lpgPpm, back.flags]);
      }
    }
    for (let a = 0; a < cs.attacks.length; a++) {
      const at = cs.attacks[a];
      if (sealed.length === 0) break;
      const g = mutate(sealed[at[1] % sealed.length], at[0], at[2]);
      const o = rx.open(g, g.length);
      ds.push(at[0] + ':' + (o.ok ? 'ok' : o.reason));
    }
    frames.push(fs);
    decisions.push(ds);
  }
  const w = new ReplayWindow();
  const replay: string[] = [];
  for (let i = 0; i < input.replaySeq.length; i++) {
    const v = w.check(input.replaySeq[i]);
    if (v === '') w.accept(input.replaySeq[i]);
    replay.push(v === '' ? 'ok' : v);
  }
  const fragments: string[] = [];
  const parts = fragmentMessage(9, bytes(input.fragment.message), input.fragment.body);
  if (typeof parts === 'string') fragments.push('error:' + parts);
  else {
    const r = new Reassembler(input.fragment.body, 2, 1000000);
    for (let i = 0; i < input.fragment.order.length; i++) {
      const p = parts[input.fragment.order[i] % parts.length];
      const res = r.add(1, p, p.length, i * 1000);
      fragments.push(res.status === 'complete' ? 'complete:' + hex(res.message) : res.status === 'rejected' ? 'rejected:' + res.reason : 'partial');
    }
  }
  return { frames: frames, decisions: decisions, readings: readings, replay: replay, fragments: fragments };
}

// ---- cost benchmarks (tools/engines measureXs: setup once, then step N and 2N times) ----

export interface LinkBench {
  tx: LinkSender;
  rx: LinkReceiver;
  cipher: LinkCipher;
  frame: Uint8Array;
  out: Uint8Array;
  body: Uint8Array;
  reading: TelemetryReading;
}

export function linkBenchSetup(): LinkBench {
  const key = new Uint8Array(32);
  for (let i = 0; i < 32; i++) key[i] = i * 3 + 1;
  let c = 0;
  const tx = new LinkSender(PROFILE_NRF24, key, 1, 7, DIR_UP, { next: () => c++ });
  const rx = new LinkReceiver(PROFILE_NRF24, 7, DIR_UP, key, 1, new ReplayWindow());
  const cipher = new LinkCipher(key, 1, 7, DIR_UP, maxBody(PROFILE_NRF24));
  const reading: TelemetryReading = { vrms: 231.5, irms: 4.2, p: 950, energyWh: 123456, tempC: 24.5, lpgPpm: 300, flags: 1 };
  const body = new Uint8Array(TELEMETRY_BYTES);
  encodeTelemetry(reading, body, 0);
  const frame = new Uint8Array(HEADER_BYTES + TELEMETRY_BYTES + 8);
  writeHeader(frame, DIR_UP, 1, MSG_TELEMETRY, 7, 5);
  for (let i = 0; i < TELEMETRY_BYTES; i++) frame[6 + i] = body[i];
  cipher.seal(frame, 6, TELEMETRY_BYTES, 5, 8);
  return { tx: tx, rx: rx, cipher: cipher, frame: frame, out: new Uint8Array(TELEMETRY_BYTES), body: body, reading: reading };
}

/** Seal one telemetry frame (header + encrypt + tag), the node's per-reading cost. */
export function linkBenchSeal(b: LinkBench): number {
  const r = b.tx.seal(MSG_TELEMETRY, b.body, TELEMETRY_BYTES);
  return r.ok ? r.counter : -1;
}

/** Open (verify + decrypt) one telemetry frame at the cipher level. */
export function linkBenchOpen(b: LinkBench): boolean {
  return b.cipher.open(b.frame, 6, TELEMETRY_BYTES, 5, 8, b.out, 0);
}

/** The full round: encode, seal, then receiver open with header checks and replay window. */
export function linkBenchRoundTrip(b: LinkBench): boolean {
  encodeTelemetry(b.reading, b.body, 0);
  const r = b.tx.seal(MSG_TELEMETRY, b.body, TELEMETRY_BYTES);
  if (!r.ok) return false;
  return b.rx.open(r.frame, r.frame.length).ok;
}

/** An Ed25519 key, an 80-byte command-sized message and its signature, for the verify cost. */
export function signBenchSetup(): { publicKey: Uint8Array; msg: Uint8Array; sig: Uint8Array } {
  const seed = new Uint8Array(32);
  for (let i = 0; i < 32; i++) seed[i] = i + 7;
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const msg = new Uint8Array(80);
  for (let i = 0; i < 80; i++) msg[i] = i;
  return { publicKey: kp.publicKey, msg: msg, sig: nacl.sign.detached(msg, kp.secretKey) };
}

export function signBenchVerify(b: { publicKey: Uint8Array; msg: Uint8Array; sig: Uint8Array }): boolean {
  return nacl.sign.detached.verify(b.msg, b.sig, b.publicKey);
}

/** A sliced verify of the bench signature (firmware/link/ed25519-sliced.ts); `bad` flips one signature bit. */
export function slicedVerifySetup(bad: boolean): { v: SlicedVerify } {
  const b = signBenchSetup();
  const sig = copyBytes(b.sig);
  if (bad) sig[40] ^= 1;
  return { v: new SlicedVerify(b.msg, b.msg.length, sig, b.publicKey) };
}

/** One unit of work; returns the state after it. */
export function slicedVerifyUnit(st: { v: SlicedVerify }): string {
  return st.v.run(1);
}

/** The whole sliced verify, unit by unit: its verdict and the number of units. */
export function slicedVerifyAll(input: { bad: boolean }): { state: string; units: number } {
  const st = slicedVerifySetup(input.bad);
  let s = 'running';
  while (s === 'running') s = st.v.run(1);
  return { state: s, units: st.v.units };
}

/** The control unit's refusal path under a flood: a tag-limited receiver, the security log, the anomaly detector. */
export interface FloodBench {
  t: number;
  stepUs: number;
  frame: Uint8Array;
  rx: LinkReceiver;
  log: SecurityLog;
  anomaly: AnomalyDetector;
  clock: { now(): number };
}

/** stepUs: µs between forged frames (1e6 / 3300 at the nRF24 airtime limit). */
export function floodBenchSetup(stepUs: number): FloodBench {
  const key = new Uint8Array(32);
  const b: FloodBench = {
    t: 0,
    stepUs: stepUs,
    frame: new Uint8Array(30),
    rx: new LinkReceiver(PROFILE_NRF24, 7, DIR_UP, key, 1, new ReplayWindow()),
    log: new SecurityLog(512),
    anomaly: new AnomalyDetector(defaultAnomalyOptions(10)),
    clock: { now: () => b.t },
  };
  writeHeader(b.frame, DIR_UP, 1, MSG_TELEMETRY, 7, 100);
  b.rx.limitTagFailures(b.clock, 16, 1);
  b.rx.onReject = (reason: string) => {
    b.log.addAir(b.t, 7, reason);
    b.anomaly.onReject(7, reason, b.t);
  };
  b.anomaly.watch(7, 0);
  // spend the tag budget first: from here every forged frame is a 'ratelimit' refusal
  for (let i = 0; i < 20; i++) floodBenchPath(b);
  return b;
}

/** The anomaly detector's share of one refusal. */
export function floodBenchAnomaly(b: FloodBench): void {
  b.t += b.stepUs;
  b.anomaly.onReject(7, 'ratelimit', b.t);
}

/** One forged frame from the air to its recorded refusal. */
export function floodBenchPath(b: FloodBench): boolean {
  b.t += b.stepUs;
  const c = (b.t / b.stepUs) | 0;
  b.frame[2] = c & 0xff;
  b.frame[3] = (c >>> 8) & 0xff;
  return b.rx.open(b.frame, 30).ok;
}

/** The receiver's share alone (onReject does nothing). */
export function floodBenchReceiverOnly(stepUs: number): FloodBench {
  const b = floodBenchSetup(stepUs);
  b.rx.onReject = undefined;
  return b;
}
