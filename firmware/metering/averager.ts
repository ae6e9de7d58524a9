// One-second (configurable) averages of the per-cycle readings: what telemetry, the
// console and the accuracy figures report. RMS values average as mean squares, power
// and frequency as time-weighted means, so a window of unequal cycles is still exact.
import type { CycleReading } from './readings';
import { CYCLE_NAN } from './readings';

/** The reading fields that average, plus how many cycles the window held. */
export type Averages = Pick<CycleReading, 'tUs' | 'vrms' | 'irms' | 'p' | 's' | 'pf' | 'freqHz' | 'flags'> & { cycles: number };

export class Averager {
  readonly out: Averages = { tUs: 0, vrms: 0, irms: 0, p: 0, s: 0, pf: 0, freqHz: 0, cycles: 0, flags: 0 };
  private t = 0;
  private vv = 0;
  private ii = 0;
  private pp = 0;
  private ss = 0;
  private n = 0;
  private fT = 0;
  private fN = 0;
  private flags = 0;

  constructor(readonly windowS: number) {}

  /** Add one cycle; true when a window closed and `out` holds fresh averages. */
  add(r: CycleReading): boolean {
    this.flags |= r.flags;
    // a cycle poisoned by NaN carries no values; its flag still reaches the window
    if ((r.flags & CYCLE_NAN) !== 0) return false;
    const dt = r.durationS;
    this.t += dt;
    this.vv += r.vrms * r.vrms * dt;
    this.ii += r.irms * r.irms * dt;
    this.pp += r.p * dt;
    this.ss += r.s * dt;
    this.n++;
    if (r.freqHz > 0) {
      this.fT += dt;
      this.fN++;
    }
    if (this.t < this.windowS) return false;
    const o = this.out;
    o.tUs = r.tUs;
    o.vrms = Math.sqrt(this.vv / this.t);
    o.irms = Math.sqrt(this.ii / this.t);
    o.p = this.pp / this.t;
    o.s = this.ss / this.t;
    o.pf = o.s > 1e-9 ? o.p / o.s : 0;
    o.freqHz = this.fT > 0 ? this.fN / this.fT : 0;
    o.cycles = this.n;
    o.flags = this.flags;
    this.t = 0;
    this.vv = 0;
    this.ii = 0;
    this.pp = 0;
    this.ss = 0;
    this.n = 0;
    this.fT = 0;
    this.fN = 0;
    this.flags = 0;
    return true;
  }
}
