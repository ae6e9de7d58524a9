// Access figures (issue 7): finger-on to decision in simulated time at 57600 baud, the RFC
// OTP vectors, XS computrons of one TOTP check and one R30x packet, and the access log's
// power-cut sweep (every write, every byte).
import { fileURLToPath } from 'node:url';
import { AccessLog } from '../../firmware/access/access-log';
import { R30x } from '../../firmware/access/r30x';
import type { Store } from '../../hal/io';
import { r30xRig } from '../../hal/sim/r30x-chip';
import { PowerCut, SimStore } from '../../hal/sim/store';
import { runOtpVectors } from '../../host-tests/vectors/otp-rfc';
import { measureXs } from '../engines/run';
import { isEntry } from '../cli';

const ENTRY = fileURLToPath(new URL('../../firmware/access/xs-entry.ts', import.meta.url));

export interface AccessFigures {
  /** worst case over the poll phase */
  fp_identify_ms: number;
  fp_identify_ms_best: number;
  fp_identify_templates: number;
  otp_vectors_passed: number;
  otp_vectors_total: number;
  log_power_cut_points: number;
  log_records_lost: number;
  log_false_alarms_after_cut: number;
}

/**
 * Finger-on to decision: a library of `enrolled` templates on a 1000-page R503-size module.
 * The driver polls the empty sensor (GenImg every 50 ms after each NOFINGER); the finger
 * lands at `phaseUs` into a poll cycle. Returns ms from finger-on to the decision.
 */
export function fpIdentifyOnce(enrolled: number, phaseUs: number): number {
  const rig = r30xRig();
  for (let i = 0; i < enrolled; i++) rig.chip.preload(i, 100 + i);
  const drv = new R30x({ Serial: rig.Serial, timer: rig.timer });
  let decidedAt = -1;
  drv.identify(() => {
    decidedAt = rig.sched.now();
  });
  rig.sched.runFor(1_000_000 + phaseUs);
  const onAt = rig.sched.now();
  rig.chip.fingerOn(100 + enrolled - 1);
  rig.sched.runFor(5_000_000);
  if (decidedAt < 0) throw new Error('identify did not decide');
  return (decidedAt - onAt) / 1000;
}

/** The worst finger-on to decision over the poll cycle's phases (5 ms apart over 70 ms). */
export function fpIdentifyMs(enrolled = 20): { max: number; min: number } {
  let max = 0;
  let min = Infinity;
  for (let ph = 0; ph < 70_000; ph += 5_000) {
    const ms = fpIdentifyOnce(enrolled, ph);
    max = Math.max(max, ms);
    min = Math.min(min, ms);
  }
  return { max: Math.round(max * 10) / 10, min: Math.round(min * 10) / 10 };
}

/** A store that cuts power inside its `cutWrite`-th write after `cutByte` bytes. */
class CutStore implements Store {
  writes = 0;
  constructor(
    readonly inner: SimStore,
    readonly cutWrite: number,
    readonly cutByte: number,
  ) {}
  read(k: string) {
    return this.inner.read(k);
  }
  write(k: string, v: Uint8Array) {
    if (this.writes++ === this.cutWrite) this.inner.cutPowerAfterBytes(this.cutByte);
    this.inner.write(k, v);
  }
  delete(k: string) {
    this.inner.delete(k);
  }
}

/**
 * The log's power-cut sweep: a log of `preload` records (capacity 4, so appends wrap the
 * ring), then `appends` more, with power cut at every byte of every store write they make.
 * After each cut the unit boots from the same flash: every acknowledged record must be there,
 * the chain must verify (no false tamper alarm), and the log must take the next record.
 */
export function logPowerCuts(preload = 3, appends = 3): { points: number; lost: number; falseAlarms: number; cutsHit: number; unackedKept: number } {
  const base = new SimStore();
  const l0 = new AccessLog(base, 4);
  for (let i = 0; i < preload; i++) l0.append('action', 'before ' + i, 1_800_000_000 + i);
  // dry run: the writes the appends make and their sizes
  const sizes: number[] = [];
  const dry = SimStore.fromSnapshot(base.snapshot());
  const spy: Store = { read: (k) => dry.read(k), write: (k, v) => (sizes.push(v.length), dry.write(k, v)), delete: (k) => dry.delete(k) };
  const ld = new AccessLog(spy, 4);
  sizes.length = 0;
  for (let i = 0; i < appends; i++) ld.append('pass-used', 'cut ' + i, 1_800_000_100 + i);
  let points = 0;
  let lost = 0;
  let falseAlarms = 0;
  let cutsHit = 0;
  let unackedKept = 0;
  for (let w = 0; w < sizes.length; w++) {
    for (let b = 0; b <= sizes[w]; b++) {
      points++;
      const flash = SimStore.fromSnapshot(base.snapshot());
      const cut = new CutStore(flash, w, b);
      const log = new AccessLog(cut, 4);
      const acked: string[] = [];
      try {
        for (let i = 0; i < appends; i++) {
          if (log.append('pass-used', 'cut ' + i, 1_800_000_100 + i) === '') acked.push('cut ' + i);
        }
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
        cutsHit++;
      }
      const after = new AccessLog(flash, 4);
      if (!after.check.ok) falseAlarms++;
      const texts = after.entries(0, 100).map((e) => e.text);
      for (const a of acked) if (!texts.includes(a)) lost++;
      // a complete record whose head write was cut is rolled forward (kept, though not acknowledged)
      if (texts.includes('cut ' + acked.length)) unackedKept++;
      after.append('action', 'next', 1_800_000_200);
      if (!after.verify().ok) falseAlarms++;
    }
  }
  return { points, lost, falseAlarms, cutsHit, unackedKept };
}

export interface AccessXs {
  computrons_totp: number;
  computrons_fp_packet: number;
  computrons_log_hash_sha256: number;
  computrons_log_hash_sha512: number;
}

export async function accessXs(): Promise<AccessXs> {
  const totp = await measureXs(
    ENTRY,
    'globalThis.ob = entry.otpBenchSetup(); if (entry.otpBenchCheck(ob) < 0) throw new Error("no match");',
    'entry.otpBenchCheck(ob)',
    20,
  );
  const pkt = await measureXs(ENTRY, 'globalThis.pb = entry.packetBenchSetup();', 'entry.packetBenchParse(pb)', 200);
  const h256 = await measureXs(ENTRY, 'globalThis.rb = entry.recordBenchSetup();', 'entry.recordHash256(rb)', 50);
  const h512 = await measureXs(ENTRY, 'globalThis.rb = entry.recordBenchSetup();', 'entry.recordHash512(rb)', 50);
  return {
    computrons_totp: Math.round(totp.computePerStep),
    computrons_fp_packet: Math.round(pkt.computePerStep),
    computrons_log_hash_sha256: Math.round(h256.computePerStep),
    computrons_log_hash_sha512: Math.round(h512.computePerStep),
  };
}

export async function accessBench(): Promise<{ access: AccessFigures; xs: AccessXs }> {
  const v = runOtpVectors();
  const cuts = logPowerCuts();
  const fp = fpIdentifyMs();
  return {
    access: {
      fp_identify_ms: fp.max,
      fp_identify_ms_best: fp.min,
      fp_identify_templates: 20,
      otp_vectors_passed: v.passed,
      otp_vectors_total: v.total,
      log_power_cut_points: cuts.points,
      log_records_lost: cuts.lost,
      log_false_alarms_after_cut: cuts.falseAlarms,
    },
    xs: await accessXs(),
  };
}

if (isEntry(import.meta.url)) {
  accessBench().then((f) => {
    console.log(JSON.stringify(f, null, 2));
    process.exit(0);
  });
}
