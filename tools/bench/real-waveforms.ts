// Real appliance waveforms through MainsMeter: the HFHAD-C recordings ("High-Frequency
// Current and Voltage Data of Commonly Used Electrical Appliances in Chinese Households",
// github.com/TerminusMars/HFHAD-C: 12 appliance types x 80 recordings, 6.4 kHz, 3 s each,
// hex int16 pairs: current / 41.4738 A, voltage / 21.3872 V, as the repo's script.py).
// The repository states no licence, so no excerpt is committed here: point HFHAD_C_DIR
// at a checkout (its folders of N.txt files) and the test and bench use it; without it
// they say so and skip.
//
// Each recording is quantised to 12 bits with the devkit's gains (SCT-013-050: 37.8 mA a
// code; ZMPT101B: 0.217 V a code) around mid-scale, and metered at 6.4 kHz. As on the node,
// the meter first sees 0.5 s with the breaker open (no current; the I offset is measured),
// then the recording. The recorder has an offset of its own: every recording's mean
// current is -0.011 .. -0.017 A, kettle and laptop alike, so it is not current. Its zero
// is taken as the median of the recordings' means: the breaker-open phase reads that,
// and the truth is taken about it. "True" is the recording's own float samples over
// exactly the cycles the meter reported (from the first crossing it used to the last).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { MainsMeter } from '../../firmware/metering/mains-meter';
import type { CycleReading } from '../../firmware/metering/readings';

export const RATE_HZ = 6400;
const V_GAIN = 3.1 / 4096 / 0.0035;
const I_GAIN = 3.1 / 4096 / 0.02;

/** English names of the dataset's folders */
export const APPLIANCES: Record<string, string> = {
  冰箱: 'fridge',
  台式机: 'desktop PC',
  小米电视5: 'TV',
  油烟机: 'range hood',
  洗衣机: 'washing machine',
  热水器: 'water heater',
  热水壶: 'kettle',
  电磁炉: 'induction hob',
  电饭煲: 'rice cooker',
  空调: 'air conditioner',
  笔记本: 'laptop',
  饮水机: 'water dispenser',
};

export function datasetDir(): string | undefined {
  const d = process.env.HFHAD_C_DIR;
  return d !== undefined && existsSync(d) ? d : undefined;
}

/** One recording: current (A) and voltage (V) samples. */
export function loadRecording(path: string): { i: number[]; v: number[] } {
  const hex = readFileSync(path, 'utf8').replace(/\s/g, '').slice(8);
  const i: number[] = [];
  const v: number[] = [];
  for (let k = 0; k + 8 <= hex.length; k += 8) {
    const a = Buffer.from(hex.slice(k, k + 4), 'hex').readInt16LE(0);
    const b = Buffer.from(hex.slice(k + 4, k + 8), 'hex').readInt16LE(0);
    i.push(a / 41.4738);
    v.push(b / 21.3872);
  }
  return { i, v };
}

const code = (x: number, gain: number) => Math.max(0, Math.min(4095, Math.round(2048 + x / gain)));

export interface RealResult {
  name: string;
  irmsErrPct: number;
  pErrPct: number;
  trueIrms: number;
  trueP: number;
  cycles: number;
  /** cycles (of the first 5 after the meter started cold on the recording) off by > 2 % */
  coldStartWrong: number;
}

function meterOn(v: number[], i: number[], breakerOpenS: number, zeroA: number): { cycles: CycleReading[]; startSample: number } {
  const cycles: CycleReading[] = [];
  const m = new MainsMeter(
    { rateHz: RATE_HZ, bits: 12, blockPairs: 8, cal: { vGain: V_GAIN, iGain: I_GAIN, phaseShift: 0 }, hystCodes: 10 / V_GAIN, minHz: 40, maxHz: 70 },
    { onCycle: (r) => cycles.push({ ...r }), onHalfCycle: () => {}, onPeak: () => {} },
  );
  const ts = 1e6 / RATE_HZ;
  const pre = Math.round((breakerOpenS * RATE_HZ) / 8) * 8;
  const n = pre + Math.floor(v.length / 8) * 8;
  if (pre > 0) m.currentStopped(0);
  const b: number[] = [];
  for (let k = 0; k < n; k += 8) {
    if (k === pre) m.currentMayFlow();
    b.length = 0;
    for (let j = k; j < k + 8; j++) {
      // before the recording: its first cycle's voltage, repeated, and no current
      const src = j < pre ? j % 128 : j - pre;
      b.push(code(v[src], V_GAIN), code(j < pre ? zeroA : i[src], I_GAIN));
    }
    m.processBlock(b, 8, k * ts);
  }
  return { cycles: cycles.filter((c) => c.tUs - c.durationS * 1e6 >= pre * ts - 1), startSample: pre };
}

function truthOver(v: number[], i: number[], t0: number, t1: number, zeroA: number): { irms: number; p: number; vrms: number } {
  let ii = 0,
    vi = 0,
    vv = 0,
    n = 0;
  for (let k = Math.max(0, Math.round(t0)); k < Math.min(v.length, Math.round(t1)); k++) {
    const x = i[k] - zeroA;
    ii += x * x;
    vi += v[k] * x;
    vv += v[k] * v[k];
    n++;
  }
  return { irms: Math.sqrt(ii / n), p: vi / n, vrms: Math.sqrt(vv / n) };
}

export function meterRecording(name: string, rec: { i: number[]; v: number[] }, zeroA: number): RealResult {
  const ts = 1e6 / RATE_HZ;
  const { cycles, startSample } = meterOn(rec.v, rec.i, 0.5, zeroA);
  let ii = 0,
    p = 0,
    t = 0;
  for (const c of cycles) {
    ii += c.irms ** 2 * c.durationS;
    p += c.p * c.durationS;
    t += c.durationS;
  }
  const first = cycles[0],
    last = cycles[cycles.length - 1];
  // sample k was taken at (startSample + k) * ts; a window [a, b) µs holds samples a/ts - startSample ...
  const s0 = (first.tUs - first.durationS * 1e6) / ts - startSample + 0.5;
  const s1 = last.tUs / ts - startSample + 0.5;
  const tr = truthOver(rec.v, rec.i, s0, s1, zeroA);
  // cold start, as the issue ran it: the meter straight on the recording, first 5 cycles
  const cold = meterOn(rec.v, rec.i, 0, zeroA).cycles.slice(0, 5);
  let wrong = 0;
  for (const c of cold) {
    const a = (c.tUs - c.durationS * 1e6) / ts + 0.5;
    const trc = truthOver(rec.v, rec.i, a, c.tUs / ts + 0.5, zeroA);
    const iTol = Math.max(0.02 * trc.irms, 0.1);
    const bad =
      Math.abs(c.durationS - 0.02) > 0.0004 || Math.abs(c.vrms / trc.vrms - 1) > 0.02 || ((c.flags & 128) === 0 && Math.abs(c.irms - trc.irms) > iTol);
    if (bad) wrong++;
  }
  return {
    name,
    irmsErrPct: (Math.sqrt(ii / t) / tr.irms - 1) * 100,
    pErrPct: ((p / t - tr.p) / Math.abs(tr.p)) * 100,
    trueIrms: tr.irms,
    trueP: tr.p,
    cycles: cycles.length,
    coldStartWrong: wrong,
  };
}

/** The first `perType` recordings of every appliance type (the issue ran 3 of each). */
export function meterDataset(dir: string, perType = 3): { results: RealResult[]; recorderZeroA: number } {
  const recs: { name: string; rec: { i: number[]; v: number[] } }[] = [];
  for (const folder of readdirSync(dir).sort()) {
    const name = APPLIANCES[folder];
    if (name === undefined) continue;
    for (let k = 1; k <= perType; k++) {
      const f = join(dir, folder, `${k}.txt`);
      if (existsSync(f)) recs.push({ name: `${name} ${k}`, rec: loadRecording(f) });
    }
  }
  const means = recs.map((r) => r.rec.i.reduce((a, b) => a + b, 0) / r.rec.i.length).sort((a, b) => a - b);
  const zero = means.length > 0 ? means[Math.floor(means.length / 2)] : 0;
  return { results: recs.map((r) => meterRecording(r.name, r.rec, zero)), recorderZeroA: zero };
}
