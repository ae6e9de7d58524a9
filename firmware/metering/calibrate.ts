// Calibration against a reference reading, in the spirit of Tasmota's VoltageSet,
// CurrentSet and PowerSet: the technician applies a steady load, reads a trusted meter,
// and enters the value. The calibrator keeps the means of the last two complete blocks
// of 50 cycles (1 s at 50 Hz), so a correction applies at once, and only if the load was
// steady (the two blocks agree within 1 %).
// - voltage / current: the gain scales by reference / measured.
// - power: with V and I right, what is left in P is the phase alignment between the
//   channels (ADC skew and CT phase error), so PowerSet solves the phase shift exactly
//   from P = pRaw - s * pLag (or pRaw + s * pLead). That needs a reactive load (|PF|
//   below 0.9); at PF 1 the phase barely moves P and the request is refused.
import type { MeterCalibration } from './mains-meter';
import type { CycleReading } from './readings';
import { CYCLE_NAN } from './readings';
import { num } from '../util/fmt';

export type CalKind = 'voltage' | 'current' | 'power';

const BLOCK = 50;
const N = 6; // v, i, pRaw, pLag, pLead, s

export class Calibrator {
  private readonly run: number[] = [0, 0, 0, 0, 0, 0];
  private readonly last: number[] = [0, 0, 0, 0, 0, 0];
  private readonly prev: number[] = [0, 0, 0, 0, 0, 0];
  private n = 0;
  private blocks = 0;

  onCycle(r: CycleReading): void {
    if ((r.flags & CYCLE_NAN) !== 0) return;
    const x = this.run;
    x[0] += r.vrms;
    x[1] += r.irms;
    x[2] += r.pRaw;
    x[3] += r.pLag;
    x[4] += r.pLead;
    x[5] += r.s;
    this.n++;
    if (this.n < BLOCK) return;
    for (let k = 0; k < N; k++) {
      this.prev[k] = this.last[k];
      this.last[k] = x[k] / BLOCK;
      x[k] = 0;
    }
    this.n = 0;
    this.blocks++;
  }

  private steady(k: number): boolean {
    const a = this.last[k],
      b = this.prev[k];
    const scale = Math.abs(a) > Math.abs(b) ? Math.abs(a) : Math.abs(b);
    return scale === 0 || Math.abs(a - b) <= 0.01 * scale;
  }

  /** Correct `cal` so the present reading matches `reference`; '' when done, else why not. */
  apply(kind: CalKind, reference: number, cal: MeterCalibration): string {
    if (!(reference > 0)) return `${kind}: reference must be > 0`;
    if (this.blocks < 2) return `${kind}: no steady reading yet; wait 2 s with the load on`;
    const k = kind === 'voltage' ? 0 : kind === 'current' ? 1 : 5;
    if (!this.steady(k) || !this.steady(kind === 'power' ? 2 : k)) return `${kind}: the load is not steady (readings moved more than 1 % in 2 s)`;
    if (kind !== 'power') {
      const measured = this.last[k];
      if (!(measured > 0)) return `${kind}: nothing measured; apply the reference ${kind} first`;
      const f = reference / measured;
      if (f < 0.5 || f > 2) return `${kind}: reference is ${num(Math.floor(f * 100))} % of the reading; allowed 50..200 %`;
      if (kind === 'voltage') cal.vGain *= f;
      else cal.iGain *= f;
      this.restart();
      return '';
    }
    const raw = this.last[2],
      lag = this.last[3],
      lead = this.last[4],
      app = this.last[5];
    if (!(app > 1) || Math.abs(raw) / app > 0.9) {
      return 'power: needs a steady reactive load with |PF| below 0.9; at PF near 1 power follows VoltageSet and CurrentSet';
    }
    let s = lag !== 0 ? (raw - reference) / lag : 9;
    if (!(s >= 0 && s <= 1)) {
      s = lead !== 0 ? (reference - raw) / lead : 9;
      if (!(s >= -1 && s <= 0)) return 'power: the reference needs more than one sample of phase shift; check CT polarity and the reference';
    }
    cal.phaseShift = s;
    this.restart();
    return '';
  }

  // readings taken with the old calibration must not feed the next correction
  private restart(): void {
    for (let k = 0; k < N; k++) this.run[k] = 0;
    this.n = 0;
    this.blocks = 0;
  }
}
