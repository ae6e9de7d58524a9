// The room the meter sits in: air temperature and LPG concentration, as functions of
// virtual time. Each quantity is a timeline of linear ramps (a step is a ramp of 0 µs):
// value(t) = from + (to - from) * min(1, (t - start) / ramp) for the last ramp begun by t.
import { checkRange } from './check';

interface Ramp {
  startUs: number;
  from: number;
  to: number;
  rampUs: number;
}

export class Timeline {
  private readonly ramps: Ramp[] = [];

  constructor(initial: number, startUs: number) {
    this.ramps.push({ startUs, from: initial, to: initial, rampUs: 0 });
  }

  valueAt(t: number): number {
    const rs = this.ramps;
    let k = rs.length - 1;
    while (k > 0 && rs[k].startUs > t) k--;
    const r = rs[k];
    if (r.rampUs <= 0 || t >= r.startUs + r.rampUs) return r.to;
    return r.from + ((r.to - r.from) * Math.max(0, t - r.startUs)) / r.rampUs;
  }

  /** Ramp from the value at atUs to `to` over rampUs. Add ramps in time order. */
  rampTo(atUs: number, to: number, rampUs: number): void {
    const from = this.valueAt(atUs);
    const rs = this.ramps;
    let k = rs.length;
    while (k > 1 && rs[k - 1].startUs > atUs) k--;
    rs.splice(k, 0, { startUs: atUs, from, to, rampUs });
  }

  /** Times after which the value changes no more (the end of the last ramp). */
  settledAfter(): number {
    const r = this.ramps[this.ramps.length - 1];
    return r.startUs + r.rampUs;
  }
}

function checkAt(field: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${field} must be a finite time in µs, got ${v}`);
  return v;
}

export class Environment {
  readonly temperature: Timeline;
  readonly gas: Timeline;

  constructor(
    private readonly clock: () => number,
    initial: { temperatureC?: number; gasPpm?: number } = {},
  ) {
    const t0 = clock();
    const tc = initial.temperatureC === undefined ? 24 : initial.temperatureC;
    const ppm = initial.gasPpm === undefined ? 5 : initial.gasPpm;
    this.temperature = new Timeline(checkRange('env.temperatureC', tc, -40, 150, '°C'), t0);
    this.gas = new Timeline(checkRange('env.gasPpm', ppm, 0, 100000, 'ppm'), t0);
  }

  /** Air temperature now (°C); setting it is a step now. */
  get temperatureC(): number {
    return this.temperature.valueAt(this.clock());
  }
  set temperatureC(c: number) {
    this.temperature.rampTo(this.clock(), checkRange('env.temperatureC', c, -40, 150, '°C'), 0);
  }

  /** LPG concentration now (ppm); setting it is a step now. */
  get gasPpm(): number {
    return this.gas.valueAt(this.clock());
  }
  set gasPpm(ppm: number) {
    this.gas.rampTo(this.clock(), checkRange('env.gasPpm', ppm, 0, 100000, 'ppm'), 0);
  }

  temperatureAt(tUs: number): number {
    return this.temperature.valueAt(tUs);
  }

  gasAt(tUs: number): number {
    return this.gas.valueAt(tUs);
  }

  /** LPG rises (linearly) to ppm over rampUs from atUs. MQ-6 range: 200..10000 ppm. */
  gasLeak(o: { atUs: number; ppm: number; rampUs: number }): void {
    checkRange('gasLeak.ppm', o.ppm, 0, 100000, 'ppm');
    checkRange('gasLeak.rampUs', o.rampUs, 0, 1e12, 'µs');
    this.gas.rampTo(checkAt('gasLeak.atUs', o.atUs), o.ppm, o.rampUs);
  }

  overheat(o: { atUs: number; toC: number; rampUs: number }): void {
    checkRange('overheat.toC', o.toC, -40, 150, '°C');
    checkRange('overheat.rampUs', o.rampUs, 0, 1e12, 'µs');
    this.temperature.rampTo(checkAt('overheat.atUs', o.atUs), o.toC, o.rampUs);
  }
}
