// Battery load hiding: each algorithm decides, step by step, how much the battery
// charges or discharges so that the load the meter (the utility) sees, the *visible*
// load, reveals less about the real one. visible = real + battery (grid side, + charge).
// No algorithm exports to the grid: the battery never discharges more than the real load.
//
// Baselines, written from their papers (the parameter choices we had to make are named):
//  - best-effort (Kalogridis et al., "Privacy for smart meters: towards undetectable
//    appliance load signatures", SmartGridComm 2010): keep the visible load equal to its
//    previous value while the battery can; otherwise change it as little as possible.
//  - NILL (McLaughlin, McDaniel, Aiello, "Protecting consumer privacy from electric load
//    monitoring", CCS 2011): a steady state holding K_ss (the running mean of the load)
//    and two recovery states: high recovery (target K_H > K_ss, charges) when the SoC falls
//    to its low mark, low recovery (target K_L < K_ss, discharges) when it reaches its high
//    mark; back to steady at the middle of the SoC window.
//  - stepping (W. Yang, N. Li, Y. Qi, W. Qardaji, S. McLaughlin, P. McDaniel, "Minimizing
//    private data disclosures in the smart grid", CCS 2012): the visible load is always a
//    multiple of a step beta; in charging mode the next multiple above the load, in
//    discharging mode the one below; the mode flips when the battery reaches a limit.
//
// Ours, slot-levels: the visible load sits on the rungs of a short ladder {0, H, 2H, H + 2P},
// where P is the battery's power and H = P + the standby load (rounded down to 100 W): the
// highest level the battery can hold at any load the home draws. 2H is the next rung above
// what H covers (H + P); H + 2P is the furthest the battery can reach for a load just past
// H + P, the way out when 2H would copy an appliance's step. On a fixed 5-minute clock each
// slot is a charge slot (visible H) or a discharge slot (visible 0); a sigma-delta modulator
// picks them so that the share of charge slots carries the home's *mean* load (a day's
// average) plus a slow SoC correction, so the choice does not depend on the load of the
// moment. Inside a
// slot the level moves only when the battery cannot hold it (an appliance above H + the
// discharge limit, or a SoC limit), to the nearest rung it can hold, avoiding a rung whose
// step would copy the appliance's. Why it leaks less (docs/PRIVACY.md, "Ours"): under
// stepping and slot-levels' earlier SoC-driven form, whether the battery charges depends on
// the SoC, which tracks the recent load, so the visible level tells the load level; here it
// is a fixed-rate dither, and the one thing forced by physics (an appliance beyond what the
// battery can cover) lands on H when it can, the rung that charge slots use all day.

import { Battery } from './battery';
import type { BatterySpec } from './battery';

export interface Hider {
  readonly name: string;
  /** real load over the last dtS seconds (W) in, visible load out (W) */
  step(realW: number, dtS: number): number;
  readonly battery: Battery | undefined;
}

/** Default grid cap when none is given: the protection's default MaxPower (4 kW) less a 10 % margin. */
export const DEFAULT_CAP_W = 3600;

/**
 * Drive the battery toward `targetW` visible; returns the visible load achieved. The
 * visible load never goes above capW (kept below the meter's MaxPower so that hiding can
 * never trip our own protection: safety ranks first in docs/POLICY.md) nor below 0.
 */
function hold(b: Battery, realW: number, targetW: number, dtS: number, capW: number): number {
  let req = targetW - realW;
  if (req > capW - realW) req = capW - realW;
  if (req < -realW) req = -realW; // no export
  const p = b.run(req, dtS);
  return realW + p;
}

export class NoHiding implements Hider {
  readonly name = 'none';
  readonly battery: Battery | undefined = undefined;
  step(realW: number): number {
    return realW;
  }
}

export class BestEffort implements Hider {
  readonly name = 'best-effort';
  readonly battery: Battery;
  private last = -1;
  private readonly capW: number;
  constructor(spec: BatterySpec, capW: number) {
    this.battery = new Battery(spec);
    this.capW = capW;
  }
  step(realW: number, dtS: number): number {
    if (this.last < 0) this.last = realW;
    this.last = hold(this.battery, realW, this.last, dtS, this.capW);
    return this.last;
  }
}

export const NILL_STEADY = 0;
export const NILL_HIGH_RECOVERY = 1;
export const NILL_LOW_RECOVERY = 2;

export class Nill implements Hider {
  readonly name = 'nill';
  readonly battery: Battery;
  state = NILL_STEADY;
  private kss = -1;
  private sumW = 0;
  private sumS = 0;
  private target = 0;
  private readonly lowMark: number;
  private readonly highMark: number;
  private readonly mid: number;
  private readonly capW: number;
  constructor(spec: BatterySpec, capW: number) {
    this.battery = new Battery(spec);
    this.capW = capW;
    const w = spec.socMax - spec.socMin;
    // marks at 5 % of the window from each end; the paper recovers to half charge
    this.lowMark = spec.socMin + 0.05 * w;
    this.highMark = spec.socMax - 0.05 * w;
    this.mid = spec.socMin + 0.5 * w;
  }
  step(realW: number, dtS: number): number {
    this.sumW += realW * dtS;
    this.sumS += dtS;
    if (this.kss < 0) this.kss = realW;
    const soc = this.battery.soc();
    const spec = this.battery.spec;
    const mean = this.sumW / this.sumS;
    if (this.state === NILL_STEADY) {
      if (soc <= this.lowMark) {
        this.state = NILL_HIGH_RECOVERY;
        this.target = mean + 0.5 * spec.maxChargeKW * 1000;
      } else if (soc >= this.highMark) {
        this.state = NILL_LOW_RECOVERY;
        const k = mean - 0.5 * spec.maxDischargeKW * 1000;
        this.target = k > 0 ? k : 0;
      } else {
        this.target = this.kss;
      }
    } else if ((this.state === NILL_HIGH_RECOVERY && soc >= this.mid) || (this.state === NILL_LOW_RECOVERY && soc <= this.mid)) {
      // back to steady at the mean load seen so far
      this.state = NILL_STEADY;
      this.kss = mean;
      this.target = this.kss;
    }
    return hold(this.battery, realW, this.target, dtS, this.capW);
  }
}

export class Stepping implements Hider {
  readonly name = 'stepping';
  readonly battery: Battery;
  private charging = true;
  readonly betaW: number;
  private readonly capW: number;
  constructor(spec: BatterySpec, betaW: number, capW: number) {
    this.battery = new Battery(spec);
    this.betaW = betaW;
    this.capW = capW;
  }
  step(realW: number, dtS: number): number {
    const b = this.battery;
    const beta = this.betaW;
    const below = Math.floor(realW / beta) * beta;
    if (this.charging && b.chargeHeadroomW(dtS) < below + beta - realW) this.charging = false;
    else if (!this.charging && b.dischargeHeadroomW(dtS) < realW - below) this.charging = true;
    const target = this.charging ? below + beta : below;
    return hold(b, realW, target, dtS, this.capW);
  }
}

export interface SlotLevelsOptions {
  /** slot length, s: the visible level is re-planned only at slot boundaries (a fixed clock) */
  slotS: number;
  /** grid cap, W */
  capW: number;
  /** SoC guard, fraction of the window: below it every slot charges, above 1 - guard every slot discharges */
  guard: number;
  /** horizon over which the SoC is steered back to the middle of its window, s */
  horizonS: number;
  /** rounding of the rung (the charge level), W: a small change in the standby load does not move it */
  quantumW: number;
}

/** Options of ours as makeHider builds it (docs/PRIVACY.md, "Ours" says why each value). */
export function slotLevelsDefaults(capW: number): SlotLevelsOptions {
  return { slotS: 300, capW: capW, guard: 0.1, horizonS: 6 * 3600, quantumW: 100 };
}

const DAY_S = 86400;

export class SlotLevels implements Hider {
  readonly name = 'slot-levels';
  readonly battery: Battery;
  private readonly o: SlotLevelsOptions;
  /** the rung H: the highest level the battery can charge at even at the standby load; levels are 0, H, 2H, H + 2P */
  private rungW = -1;
  /** the lowest load (>= 1 W) in this day's window and in the previous one (-1: none yet) */
  private minCurW = -1;
  private minPrevW = -1;
  private windowS = 0;
  private level = -1;
  private inSlotS = 0;
  private elapsedS = 0;
  /** mean load: the running mean over the first day, then an exponential mean with a day's time constant */
  private meanW = 0;
  /** the sigma-delta accumulator of the charge duty */
  private acc = 0;
  private lastRealW = -1;
  private lastVisW = -1;
  /** one-way efficiency, sqrt(round trip), as the battery model splits the loss: the duty makes up for it */
  private readonly effIn: number;
  constructor(spec: BatterySpec, opts: SlotLevelsOptions) {
    this.battery = new Battery(spec);
    this.o = opts;
    this.effIn = Math.sqrt(spec.roundTripEff);
  }
  /** the current rung, W (tests and the doc) */
  rung(): number {
    return this.rungW;
  }
  private feasible(y: number, x: number, hc: number, hd: number): boolean {
    return y <= this.o.capW && y - x <= hc + 1e-9 && x - y <= hd + 1e-9;
  }
  /**
   * The level of {0, H, 2H, H + 2P} (under the grid cap) nearest `toW` that the battery can hold against load x now. A
   * forced move (dx != 0) avoids a level whose visible step would copy the real one (within a
   * fifth of a rung), so an edge detector does not see the appliance's step; when no level can
   * be held, the nearest value that can.
   */
  private choose(x: number, hc: number, hd: number, toW: number, dx: number): number {
    const H = this.rungW;
    let best = -1;
    let bestScore = Infinity;
    const P = this.battery.spec.maxChargeKW * 1000;
    for (let k = 0; k <= 3; k++) {
      const y = k < 3 ? k * H : H + 2 * P;
      if (!this.feasible(y, x, hc, hd)) continue;
      let score = Math.abs(y - toW);
      if (dx !== 0 && Math.abs(dx) >= 150 && Math.abs(y - this.lastVisW - dx) < 0.2 * H) score += 1e6;
      if (score < bestScore) {
        bestScore = score;
        best = y;
      }
    }
    if (best >= 0) return best;
    let lo = x - hd;
    if (lo < 0) lo = 0;
    let hi = x + hc;
    if (hi > this.o.capW) hi = this.o.capW;
    return Math.abs(lo - toW) <= Math.abs(hi - toW) ? lo : hi;
  }
  /** One slot's level: charge (H) or discharge (0), so that the share of charge slots is the planned duty. */
  private plan(): number {
    const b = this.battery;
    const spec = b.spec;
    const w = spec.socMax - spec.socMin;
    const f = (b.soc() - spec.socMin) / w;
    const midWh = (spec.socMin + w / 2) * spec.capacityKWh * 1000;
    // the duty that carries the mean load (plus the losses on the way in) and steers the SoC
    // to the middle over the horizon; it does not depend on this slot's load
    let c = (this.meanW / this.effIn + ((midWh - b.storedWhNow()) * 3600) / this.o.horizonS) / this.rungW;
    if (f < this.o.guard) c = 1;
    else if (f > 1 - this.o.guard) c = 0;
    if (c < 0) c = 0;
    if (c > 1) c = 1;
    this.acc += c;
    if (this.acc >= 1) {
      this.acc -= 1;
      return this.rungW;
    }
    return 0;
  }
  /**
   * The standby load is the lowest load over the last one to two days (a rolling minimum, so
   * a glitch is forgotten); a reading under 1 W is no reading (the control unit reports 0
   * before the first node has), and a home that does draw nothing is still safe: a rung it
   * cannot charge at is a forced move to 0.
   */
  private setRung(x: number, dtS: number): void {
    this.windowS += dtS;
    let changed = this.rungW < 0;
    if (this.windowS >= DAY_S) {
      this.windowS = 0;
      this.minPrevW = this.minCurW;
      this.minCurW = -1;
      changed = true;
    }
    if (x >= 1 && (this.minCurW < 0 || x < this.minCurW)) {
      this.minCurW = x;
      changed = true;
    }
    if (!changed) return;
    let m = this.minCurW;
    if (this.minPrevW >= 0 && (m < 0 || this.minPrevW < m)) m = this.minPrevW;
    if (m < 0) m = 0;
    const q = this.o.quantumW;
    const r = Math.floor((m + this.battery.spec.maxChargeKW * 1000) / q) * q;
    this.rungW = r > 0 ? r : q;
  }
  step(realW: number, dtS: number): number {
    // a reading that is not a number, or negative, is not hidden and teaches nothing: the battery idles for it
    if (!(realW >= 0 && realW < 1e7 && dtS > 0)) return realW;
    this.setRung(realW, dtS);
    this.elapsedS += dtS;
    const span = this.elapsedS < DAY_S ? this.elapsedS : DAY_S;
    this.meanW += ((realW - this.meanW) * (dtS < span ? dtS : span)) / span;
    const b = this.battery;
    const hc = b.chargeHeadroomW(dtS);
    const hd = b.dischargeHeadroomW(dtS);
    if (this.level < 0) this.level = this.choose(realW, hc, hd, this.plan(), 0);
    else if (!this.feasible(this.level, realW, hc, hd)) this.level = this.choose(realW, hc, hd, this.level, realW - this.lastRealW);
    const vis = hold(b, realW, this.level, dtS, this.o.capW);
    this.lastRealW = realW;
    this.lastVisW = vis;
    this.inSlotS += dtS;
    if (this.inSlotS >= this.o.slotS) {
      this.inSlotS = 0;
      this.level = this.choose(realW, b.chargeHeadroomW(dtS), b.dischargeHeadroomW(dtS), this.plan(), 0);
    }
    return vis;
  }
}

export const ALGORITHMS = ['none', 'best-effort', 'nill', 'stepping', 'slot-levels'];
export const OURS = 'slot-levels';

/** A hider by name, all with the same battery spec and grid cap (W, default DEFAULT_CAP_W); undefined for an unknown name. */
export function makeHider(name: string, spec: BatterySpec, capW?: number): Hider | undefined {
  const cap = capW === undefined ? DEFAULT_CAP_W : capW;
  const beta = Math.min(spec.maxChargeKW, spec.maxDischargeKW) * 1000;
  if (name === 'none') return new NoHiding();
  if (name === 'best-effort') return new BestEffort(spec, cap);
  if (name === 'nill') return new Nill(spec, cap);
  if (name === 'stepping') return new Stepping(spec, beta, cap);
  if (name === 'slot-levels') return new SlotLevels(spec, slotLevelsDefaults(cap));
  return undefined;
}
