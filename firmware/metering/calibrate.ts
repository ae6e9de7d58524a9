// Calibration against a reference reading, in the spirit of Tasmota's VoltageSet,
// CurrentSet and PowerSet: the technician applies a steady load, reads a trusted meter,
// and enters the value; we average `cycles` cycles and correct the calibration.
// - voltage / current: the gain scales by reference / measured.
// - power: with V and I right, what is left in P is the phase alignment between the
//   channels (ADC skew and CT phase error), so PowerSet solves the phase shift exactly
//   from P = pRaw - s * pLag (or pRaw + s * pLead). That needs a reactive load (|PF|
//   below 0.9); at PF 1 the phase barely moves P and the request is refused.
import type { MeterCalibration } from './mains-meter';
import type { CycleReading } from './readings';
import { num } from '../util/fmt';

export type CalKind = 'voltage' | 'current' | 'power';

export interface CalResult {
  done: boolean;
  ok: boolean;
  message: string;
  before: number;
  after: number;
}

export class Calibrator {
  kind: CalKind = 'voltage';
  active = false;
  private ref = 0;
  private want = 0;
  private n = 0;
  private sv = 0; private si = 0; private sRaw = 0; private sLag = 0; private sLead = 0; private sS = 0;
  result: CalResult = { done: false, ok: false, message: '', before: 0, after: 0 };

  start(kind: CalKind, reference: number, cycles: number): string {
    if (!(reference > 0) && kind !== 'power') return `${kind}: reference must be > 0`;
    if (kind === 'power' && !(reference > 0)) return 'power: reference must be > 0 W';
    this.kind = kind;
    this.ref = reference;
    this.want = cycles;
    this.n = 0;
    this.sv = 0; this.si = 0; this.sRaw = 0; this.sLag = 0; this.sLead = 0; this.sS = 0;
    this.active = true;
    this.result = { done: false, ok: false, message: 'measuring', before: 0, after: 0 };
    return 'ok';
  }

  /** Feed cycles; applies the correction to `cal` when enough have been seen. */
  onCycle(r: CycleReading, cal: MeterCalibration): void {
    if (!this.active) return;
    this.sv += r.vrms; this.si += r.irms; this.sRaw += r.pRaw; this.sLag += r.pLag; this.sLead += r.pLead;
    this.sS += r.s;
    this.n++;
    if (this.n < this.want) return;
    this.active = false;
    const n = this.n;
    const res = this.result;
    res.done = true;
    if (this.kind === 'voltage' || this.kind === 'current') {
      const measured = (this.kind === 'voltage' ? this.sv : this.si) / n;
      if (!(measured > 0)) {
        res.message = `${this.kind}: nothing measured; apply the reference ${this.kind} first`;
        return;
      }
      const k = this.ref / measured;
      if (k < 0.5 || k > 2) {
        res.message = `${this.kind}: reference is ${num(Math.floor(k * 100))} % of the reading; allowed 50..200 % (check the reference and the sensor)`;
        return;
      }
      res.before = this.kind === 'voltage' ? cal.vGain : cal.iGain;
      if (this.kind === 'voltage') cal.vGain *= k;
      else cal.iGain *= k;
      res.after = this.kind === 'voltage' ? cal.vGain : cal.iGain;
      res.ok = true;
      res.message = 'ok';
      return;
    }
    const raw = this.sRaw / n, lag = this.sLag / n, lead = this.sLead / n, app = this.sS / n;
    if (!(app > 1) || Math.abs(raw) / app > 0.9) {
      res.message = 'power: needs a steady reactive load with |PF| below 0.9; at PF near 1 power follows VoltageSet and CurrentSet';
      return;
    }
    let s = lag !== 0 ? (raw - this.ref) / lag : 9;
    if (!(s >= 0 && s <= 1)) {
      s = lead !== 0 ? (this.ref - raw) / lead : 9;
      if (!(s >= -1 && s <= 0)) {
        res.message = 'power: the reference needs more than one sample of phase shift; check CT polarity and the reference';
        return;
      }
    }
    res.before = cal.phaseShift;
    cal.phaseShift = s;
    res.after = s;
    res.ok = true;
    res.message = 'ok';
  }
}
