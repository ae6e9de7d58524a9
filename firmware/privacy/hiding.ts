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
// Ours, slot-levels: the visible load is a multiple of a coarse level L, re-decided only
// at the boundaries of fixed slots (the billing interval, 30 min by default) from the
// previous slot's mean load and the SoC error; inside a slot it moves only when the
// battery physically cannot hold it, and then to the nearest multiple of L that it can
// hold. Why it leaks less: the visible value is a function of (slot mean, SoC) rather than
// of the instantaneous load, so it has few distinct values (MI <= H(visible)) and its
// changes sit on a fixed clock that carries no appliance timing; the slot mean it uses is
// what the billing aggregate already tells the utility. The SoC feedback keeps the battery
// near the middle of its window, which is what makes best-effort and NILL saturate and
// expose edges (the attack in Yang 2012, section 4).

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
  /** the level quantum L, W */
  levelW: number;
  /** slot length, s (the billing interval) */
  slotS: number;
  /** grid cap, W */
  capW: number;
  /** keep the level while the SoC projected to the end of the next slot stays this far (fraction of the window) inside the limits */
  keepBand: number;
}

export class SlotLevels implements Hider {
  readonly name = 'slot-levels';
  readonly battery: Battery;
  private readonly levelW: number;
  private readonly slotS: number;
  private level = -1;
  private inSlotS = 0;
  private slotWs = 0;
  private estW = -1;
  private lastBattW = 0;
  private readonly keepBand: number;
  private readonly capW: number;
  constructor(spec: BatterySpec, opts: SlotLevelsOptions) {
    this.battery = new Battery(spec);
    this.levelW = opts.levelW;
    this.slotS = opts.slotS;
    this.keepBand = opts.keepBand;
    this.capW = opts.capW;
  }
  private decide(): void {
    const b = this.battery;
    const spec = b.spec;
    if (this.level >= 0) {
      // hysteresis: a level that keeps the SoC well inside its window stays
      const capWh = spec.capacityKWh * 1000;
      const projWh = b.storedWhNow() + ((this.level - this.estW) * this.slotS) / 3600;
      const band = this.keepBand * (spec.socMax - spec.socMin) * capWh;
      if (projWh >= spec.socMin * capWh + band && projWh <= spec.socMax * capWh - band) return;
    }
    const midWh = ((spec.socMin + spec.socMax) / 2) * spec.capacityKWh * 1000;
    // bring the SoC back to the middle over about two slots
    const corrW = (midWh - b.storedWhNow()) / ((2 * this.slotS) / 3600);
    const want = this.estW + corrW;
    let q = Math.round(want / this.levelW) * this.levelW;
    if (q > this.capW) q = Math.floor(this.capW / this.levelW) * this.levelW;
    this.level = q > 0 ? q : 0;
  }
  step(realW: number, dtS: number): number {
    const L = this.levelW;
    if (this.level < 0) {
      this.estW = realW;
      this.decide();
    }
    this.slotWs += realW * dtS;
    this.inSlotS += dtS;
    const b = this.battery;
    let y = this.level;
    const hc = b.chargeHeadroomW(dtS);
    const hd = b.dischargeHeadroomW(dtS);
    if (y - realW > hc || realW - y > hd) {
      // forced: the battery cannot hold the level. Of the multiples of L it can hold,
      // take the one that changes the battery's power the most, so the visible step is
      // never the appliance's step (an edge detector sees a step of the wrong size)
      let lo = Math.ceil((realW - hd) / L) * L;
      if (lo < 0) lo = 0;
      const top = realW + hc < this.capW ? realW + hc : this.capW;
      const hi = Math.floor(top / L) * L;
      if (lo > hi) y = realW;
      else y = Math.abs(hi - realW - this.lastBattW) >= Math.abs(lo - realW - this.lastBattW) ? hi : lo;
      this.level = y;
    }
    const vis = hold(b, realW, y, dtS, this.capW);
    this.lastBattW = vis - realW;
    if (this.inSlotS >= this.slotS) {
      this.estW = this.slotWs / this.inSlotS;
      this.slotWs = 0;
      this.inSlotS = 0;
      this.decide();
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
  if (name === 'slot-levels') return new SlotLevels(spec, { levelW: beta, slotS: 900, keepBand: 0.1, capW: cap });
  return undefined;
}
