// The load library: current waveform shapes for the mains model (hal/sim/mains.ts), and a
// distorted, flat-topped supply voltage.
//
// A shape acts on the load's base current b(th) = sin(th - pf) + i3 sin(3th + ..) + ..
// (th = phase of the supply's fundamental, 0 at a positive-going crossing), in units of
// sqrt2 * irms; `irms` keeps its meaning (the base current's fundamental), except for
// 'smps', whose pulses replace the base and whose total rms is `irms`.
//   sine      b
//   burst     b during `onCycles` whole cycles out of every `periodCycles`, the on-window
//             starting `startDeg` after a positive crossing (0: a zero-cross solid-state
//             relay on a heater; 180: an induction hob whose bursts run crossing-to-crossing
//             of the other polarity, so each metering cycle holds one half-wave)
//   halfwave  max(b, 0): a diode in series (the low setting of a hair dryer or heater)
//   phasecut  b from `firingDeg` after each supply zero crossing to the next (a
//             leading-edge triac dimmer on a resistive lamp)
//   smps      a capacitor-input rectifier: a raised-cosine pulse cos^2(pi x / w) of each
//             polarity per half cycle, centred `leadDeg` before the voltage peak; the width w
//             is set by the crest factor (peak / rms): w = 8 pi / (3 crest^2)
//   inrush    b * (1 + (multiple - 1) exp(-(t - startUs) / tau)) from startUs, nothing before
//             (a motor started direct on line; the symmetric envelope only, no DC transient)
// Every shape but 'inrush' repeats over a pattern period (periodCycles cycles for 'burst',
// one cycle otherwise); mains.ts computes its true rms, power and DC by integrating the
// shape over that period (PATTERN_POINTS points a cycle, midpoint rule).
import { checkRange } from './check';

export type LoadShape =
  | { kind: 'sine' }
  | { kind: 'burst'; onCycles: number; periodCycles: number; startDeg?: number }
  | { kind: 'halfwave' }
  | { kind: 'phasecut'; firingDeg: number }
  | { kind: 'smps'; crest: number; leadDeg?: number }
  | { kind: 'inrush'; startUs: number; multiple: number; tauMs: number };

/** The current sensor: a CT passes no DC (the load's DC is removed from what it delivers). */
export type CurrentSensor = 'ct' | 'shunt' | 'hall';

/**
 * A flat-topped supply like most low-voltage networks (rectifier loads draw current at the
 * peaks and flatten them): 3rd 1.5 %, 5th 3.5 % and 7th-like flattening folded into the
 * 5th, phases that lower the peak. THD 3.8 %, crest factor ~1.36 instead of 1.414.
 * EN 50160 allows a THD up to 8 %; 3-5 % is typical of residential feeders.
 */
export const FLAT_TOPPED_MAINS = { v3: 0.015, v3Deg: 0, v5: 0.035, v5Deg: 180 } as const;

/** integration points per cycle for a shape's statistics */
export const PATTERN_POINTS = 8192;

const TWO_PI = 2 * Math.PI;
const RAD = Math.PI / 180;
const KINDS = ['sine', 'burst', 'halfwave', 'phasecut', 'smps', 'inrush'];

/** Validates a shape; throws a RangeError naming the field. Returns a copy. */
export function checkLoadShape(s: LoadShape): LoadShape {
  if (s === null || typeof s !== 'object' || KINDS.indexOf((s as { kind: string }).kind) < 0) {
    throw new RangeError(`mains.load.kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(s && (s as { kind?: unknown }).kind)}`);
  }
  switch (s.kind) {
    case 'burst': {
      const p = checkRange('mains.load.periodCycles', s.periodCycles, 1, 100, 'cycles');
      checkRange('mains.load.onCycles', s.onCycles, 1, p, 'cycles (1..periodCycles)');
      if (!Number.isInteger(s.onCycles) || !Number.isInteger(s.periodCycles)) throw new RangeError('mains.load.onCycles and periodCycles must be whole cycles');
      if (s.startDeg !== undefined) checkRange('mains.load.startDeg', s.startDeg, 0, 360, 'deg');
      break;
    }
    case 'phasecut':
      checkRange('mains.load.firingDeg', s.firingDeg, 0, 180, 'deg after the zero crossing');
      break;
    case 'smps':
      checkRange('mains.load.crest', s.crest, 1.8, 10, '(peak / rms)');
      if (s.leadDeg !== undefined) checkRange('mains.load.leadDeg', s.leadDeg, 0, 60, 'deg before the voltage peak');
      break;
    case 'inrush':
      checkRange('mains.load.startUs', s.startUs, 0, 1e15, 'µs');
      checkRange('mains.load.multiple', s.multiple, 1, 20, '(x the running current)');
      checkRange('mains.load.tauMs', s.tauMs, 1, 10000, 'ms');
      break;
  }
  return { ...s };
}

/** Cycles in a shape's pattern period (0 for a shape that is not periodic). */
export function patternCycles(s: LoadShape): number {
  if (s.kind === 'burst') return s.periodCycles;
  return s.kind === 'inrush' ? 0 : 1;
}

/**
 * The shaped current at phase th (rad, continuous) and time t (µs), from the base current
 * b at th; units of sqrt2 * irms.
 */
export function shapeCurrent(s: LoadShape, th: number, t: number, b: number): number {
  switch (s.kind) {
    case 'sine':
      return b;
    case 'burst': {
      const c = Math.floor((th - (s.startDeg || 0) * RAD) / TWO_PI);
      const m = ((c % s.periodCycles) + s.periodCycles) % s.periodCycles;
      return m < s.onCycles ? b : 0;
    }
    case 'halfwave':
      return b > 0 ? b : 0;
    case 'phasecut': {
      const ph = th - Math.floor(th / Math.PI) * Math.PI;
      return ph >= s.firingDeg * RAD ? b : 0;
    }
    case 'smps': {
      const w = (8 * Math.PI) / (3 * s.crest * s.crest);
      const x0 = th + (s.leadDeg || 0) * RAD;
      const half = x0 - Math.floor(x0 / Math.PI) * Math.PI; // 0..pi within the half cycle
      const x = half - Math.PI / 2;
      if (x <= -w / 2 || x >= w / 2) return 0;
      const c = Math.cos((Math.PI * x) / w);
      const sign = Math.floor(x0 / Math.PI) % 2 === 0 ? 1 : -1;
      return sign * (s.crest / Math.SQRT2) * c * c;
    }
    case 'inrush':
      if (t < s.startUs) return 0;
      return b * (1 + (s.multiple - 1) * Math.exp(-(t - s.startUs) / (s.tauMs * 1000)));
  }
}

/** Means over a pattern period, in normalised units (v / vPk, i / (sqrt2 irms)). */
export interface ShapeStats {
  /** mean of i^2 */
  ii: number;
  /** mean of v*i */
  vi: number;
  /** mean of v^2 */
  vv: number;
  /** mean of i (the DC a CT does not pass) */
  dc: number;
}

/** Integrates a periodic shape over its pattern (midpoint rule, PATTERN_POINTS a cycle). */
export function shapeStats(s: LoadShape, v: (th: number) => number, b: (th: number) => number): ShapeStats {
  const cycles = patternCycles(s) || 1;
  const n = PATTERN_POINTS * cycles;
  const h = (TWO_PI * cycles) / n;
  let ii = 0,
    vi = 0,
    vv = 0,
    dc = 0;
  for (let k = 0; k < n; k++) {
    const th = (k + 0.5) * h;
    const vk = v(th);
    const ik = shapeCurrent(s, th, 0, b(th));
    ii += ik * ik;
    vi += vk * ik;
    vv += vk * vk;
    dc += ik;
  }
  return { ii: ii / n, vi: vi / n, vv: vv / n, dc: dc / n };
}
