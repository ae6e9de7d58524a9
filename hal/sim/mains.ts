// Mains voltage and load current physics for the simulated meter.
//
// v(t) = sqrt2*Vrms*(sin th + v3 sin(3th + v3Deg) + v5 sin(5th + v5Deg))
// i(t) = sqrt2*Irms*(sin(th - pf) + i3 sin(3th + i3Deg) + i5 sin(5th + i5Deg))
// th is integrated (phase stays continuous when the frequency changes). `vrms` and `irms`
// are the FUNDAMENTAL's rms values; truth() reports the totals with harmonics.
//
// Parameter history is kept as segments (start time, phase at start, parameters), so the
// ADC model can sample the recent past at block end and the comparator can sample on its
// own grid; both only look back a few ms. Faults are layered on top by time window.
// A load current does not follow sags (a constant-current load model): the protection
// logic reads voltage and current separately, so this keeps each fault's effect on one
// channel.
//
// `load` gives the current a shape from the load library (hal/sim/loads.ts: burst-fire,
// half-wave, phase-cut, switch-mode, motor inrush). `iSensor` says what the meter's current
// sensor delivers: a CT passes no DC, so sampleI() and truth() drop the load's DC for it
// (its steady state: the CT's droop within a burst pattern and its transient at switch-on
// are not modelled); a shunt or Hall sensor passes the whole current.
import { checkDuration, checkRange, checkTime } from './check';
import type { CurrentSensor, LoadShape, ShapeStats } from './loads';
import { checkLoadShape, patternCycles, shapeCurrent, shapeStats } from './loads';
import { FaultLayer, RAMP_RECHECK_US, type MainsFault } from './mains-faults';

export type { MainsFault };
export type { LoadShape, CurrentSensor };

export interface MainsParams {
  vrms: number;
  freqHz: number;
  irms: number;
  pfAngleDeg: number;
  v3: number;
  v5: number;
  i3: number;
  i5: number;
  v3Deg: number;
  v5Deg: number;
  i3Deg: number;
  i5Deg: number;
  /** the load's waveform shape (default: the sine with harmonics above) */
  load?: LoadShape;
}

type Key = Exclude<keyof MainsParams, 'load'>;

const DEFAULTS: Record<Key, number> = {
  vrms: 230,
  freqHz: 50,
  irms: 5,
  pfAngleDeg: 0,
  v3: 0,
  v5: 0,
  i3: 0,
  i5: 0,
  v3Deg: 0,
  v5Deg: 0,
  i3Deg: 0,
  i5Deg: 0,
};

/** Allowed ranges [min, max, unit]; freqHz must also be > 0. */
const LIMITS: Record<Key, [number, number, string]> = {
  vrms: [0, 1000, 'V'],
  freqHz: [1, 1000, 'Hz'],
  irms: [0, 100000, 'A'],
  pfAngleDeg: [-90, 90, 'deg'],
  v3: [0, 1, 'of fundamental'],
  v5: [0, 1, 'of fundamental'],
  i3: [0, 1, 'of fundamental'],
  i5: [0, 1, 'of fundamental'],
  v3Deg: [-360, 360, 'deg'],
  v5Deg: [-360, 360, 'deg'],
  i3Deg: [-360, 360, 'deg'],
  i5Deg: [-360, 360, 'deg'],
};
const KEYS = Object.keys(DEFAULTS) as Key[];
const SQRT2 = Math.SQRT2;
const RAD = Math.PI / 180;

interface Segment {
  t0: number;
  phase0: number;
  p: MainsParams;
  w: number; // rad/µs
  vPk: number;
  iPk: number;
  pf: number;
  v3r: number;
  v5r: number;
  i3r: number;
  i5r: number;
  /** statistics of a periodic load shape (undefined for the plain sine and for inrush) */
  stats: ShapeStats | undefined;
}

export interface MainsTruth {
  vrms: number;
  /** Irms as the meter's current sensor delivers it (a CT drops the load's DC) */
  irms: number;
  p: number;
  s: number;
  pf: number;
  freqHz: number;
  /** the load's own Irms, DC included */
  irmsLoad: number;
  /** the load's DC, A */
  dcA: number;
}

export interface MainsOptions {
  /** present time (µs), used for setter changes and truth(); default: the last sampled time */
  clock?: () => number;
  params?: Partial<MainsParams>;
  /** the meter's current sensor (default 'ct') */
  iSensor?: CurrentSensor;
}

function makeSegment(t0: number, phase0: number, p: MainsParams): Segment {
  const seg: Segment = {
    t0,
    phase0,
    p,
    w: (2 * Math.PI * p.freqHz) / 1e6,
    vPk: SQRT2 * p.vrms,
    iPk: SQRT2 * p.irms,
    pf: p.pfAngleDeg * RAD,
    v3r: p.v3Deg * RAD,
    v5r: p.v5Deg * RAD,
    i3r: p.i3Deg * RAD,
    i5r: p.i5Deg * RAD,
    stats: undefined,
  };
  const ld = p.load;
  if (ld !== undefined && ld.kind !== 'sine' && patternCycles(ld) > 0) {
    seg.stats = shapeStats(
      ld,
      (th) => unitV(seg, th),
      (th) => baseI(seg, th),
    );
  }
  return seg;
}

/** supply voltage / its fundamental's peak */
function unitV(s: Segment, th: number): number {
  const p = s.p;
  let v = Math.sin(th);
  if (p.v3 !== 0) v += p.v3 * Math.sin(3 * th + s.v3r);
  if (p.v5 !== 0) v += p.v5 * Math.sin(5 * th + s.v5r);
  return v;
}

/** the load's base current / (sqrt2 irms) */
function baseI(s: Segment, th: number): number {
  const p = s.p;
  let i = Math.sin(th - s.pf);
  if (p.i3 !== 0) i += p.i3 * Math.sin(3 * th + s.i3r);
  if (p.i5 !== 0) i += p.i5 * Math.sin(5 * th + s.i5r);
  return i;
}

export interface MainsModel extends MainsParams {}
export class MainsModel {
  private segs: Segment[];
  /** timed parameter changes, sorted; entries before pendingHead are applied */
  private pendingChanges: { atUs: number; patch: Partial<MainsParams> }[] = [];
  private pendingHead = 0;
  private readonly fl = new FaultLayer();
  private lastT = 0;
  private readonly clock: () => number;
  private readonly listeners: (() => void)[] = [];
  /** the meter's current sensor passes no DC */
  readonly ct: boolean;

  constructor(options: MainsOptions = {}) {
    const p: MainsParams = { ...DEFAULTS };
    const start = options.clock ? options.clock() : 0;
    this.lastT = start;
    this.clock = options.clock || (() => this.lastT);
    const sensor = options.iSensor === undefined ? 'ct' : options.iSensor;
    if (['ct', 'shunt', 'hall'].indexOf(sensor) < 0) throw new RangeError(`mains.iSensor must be one of ct, shunt, hall, got '${sensor}'`);
    this.ct = sensor === 'ct';
    if (options.params) MainsModel.checkPatch(options.params, p);
    this.segs = [makeSegment(start, 0, p)];
  }

  private static check(k: Key, v: number): number {
    const lim = LIMITS[k];
    if (!(k in LIMITS)) throw new RangeError(`unknown mains parameter '${k}'`);
    return checkRange(`mains.${k}`, v, lim[0], lim[1], lim[2]);
  }

  /** Validates a patch (every field), writing the checked values into `into` if given. */
  private static checkPatch(patch: Partial<MainsParams>, into?: MainsParams): void {
    for (const k of Object.keys(patch) as (keyof MainsParams)[]) {
      if (k === 'load') {
        const ld = patch.load;
        const c = ld === undefined ? undefined : checkLoadShape(ld);
        if (into) into.load = c;
      } else {
        const v = MainsModel.check(k, patch[k] as number);
        if (into) into[k] = v;
      }
    }
  }

  /** Called after any parameter or fault change (the comparator model re-arms on it). */
  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** Change parameters now (phase continuous). Setters such as `mains.freqHz = 51` use this. */
  set(patch: Partial<MainsParams>): void {
    MainsModel.checkPatch(patch);
    if (patch.load !== undefined) patch = { ...patch, load: checkLoadShape(patch.load) };
    const now = this.clock();
    this.flush(now);
    this.apply(now, patch);
    this.changed();
  }

  params(tUs?: number): MainsParams {
    const t = tUs === undefined ? this.clock() : tUs;
    this.flush(t);
    return { ...this.segAt(t).p };
  }

  sample(tUs: number): { v: number; i: number } {
    return { v: this.sampleV(tUs), i: this.sampleI(tUs) };
  }

  sampleV(t: number): number {
    this.flush(t);
    if (t > this.lastT) this.lastT = t;
    const s = this.segAt(t);
    const v = this.rawV(s, s.phase0 + s.w * (t - s.t0));
    return this.fl.active.length === 0 ? v : v * this.fl.vScale(t);
  }

  sampleI(t: number): number {
    this.flush(t);
    if (t > this.lastT) this.lastT = t;
    const s = this.segAt(t);
    const th = s.phase0 + s.w * (t - s.t0);
    const p = s.p;
    let i = baseI(s, th);
    if (p.load !== undefined) {
      i = shapeCurrent(p.load, th, t, i);
      if (this.ct && s.stats !== undefined) i -= s.stats.dc;
    }
    const fl = this.fl;
    if (fl.active.length === 0) return s.iPk * i;
    i *= SQRT2 * fl.irmsAt(t, p.irms);
    const sc = fl.shortAmps(t);
    // resistive fault: in phase with the (possibly sagged) voltage, so it starts from the
    // voltage's instantaneous value at onset (no DC offset)
    if (sc !== 0 && p.vrms > 0) i += ((this.rawV(s, th) * fl.vScale(t)) / p.vrms) * sc;
    return i;
  }

  shortCircuit(o: { atUs: number; prospectiveA: number; durationUs?: number }): void {
    const at = checkTime('shortCircuit.atUs', o.atUs);
    checkRange('shortCircuit.prospectiveA', o.prospectiveA, 0, 1e6, 'A rms');
    this.addFault({ kind: 'shortCircuit', startUs: at, endUs: at + checkDuration('shortCircuit.durationUs', o.durationUs), prospectiveA: o.prospectiveA });
  }

  /** depth: fraction of the nominal voltage that remains (0..1). */
  sag(o: { atUs: number; depth: number; durationUs?: number }): void {
    const at = checkTime('sag.atUs', o.atUs);
    checkRange('sag.depth', o.depth, 0, 1, '(fraction of nominal remaining)');
    this.addFault({ kind: 'sag', startUs: at, endUs: at + checkDuration('sag.durationUs', o.durationUs), factor: o.depth });
  }

  swell(o: { atUs: number; factor: number; durationUs?: number }): void {
    const at = checkTime('swell.atUs', o.atUs);
    checkRange('swell.factor', o.factor, 1, 3, '(multiple of nominal)');
    this.addFault({ kind: 'swell', startUs: at, endUs: at + checkDuration('swell.durationUs', o.durationUs), factor: o.factor });
  }

  /** The load's fundamental rms goes linearly fromA -> toA over rampUs, then stays at toA. */
  overloadRamp(o: { atUs: number; fromA: number; toA: number; rampUs: number; durationUs?: number }): void {
    const at = checkTime('overloadRamp.atUs', o.atUs);
    checkRange('overloadRamp.fromA', o.fromA, 0, 1e5, 'A');
    checkRange('overloadRamp.toA', o.toA, 0, 1e5, 'A');
    checkRange('overloadRamp.rampUs', o.rampUs, 0, 1e12, 'µs');
    this.addFault({
      kind: 'overloadRamp',
      startUs: at,
      endUs: at + checkDuration('overloadRamp.durationUs', o.durationUs),
      fromA: o.fromA,
      toA: o.toA,
      rampUs: o.rampUs,
    });
  }

  /** A load step at atUs. It also ends any overload ramp active then. */
  setLoad(o: { atUs: number; irms: number; pfAngleDeg?: number }): void {
    const at = checkTime('setLoad.atUs', o.atUs);
    const patch: Partial<MainsParams> = { irms: MainsModel.check('irms', o.irms) };
    if (o.pfAngleDeg !== undefined) patch.pfAngleDeg = MainsModel.check('pfAngleDeg', o.pfAngleDeg);
    this.fl.endRampsAt(at);
    const pc = this.pendingChanges;
    let k = pc.length;
    while (k > this.pendingHead && pc[k - 1].atUs > at) k--;
    pc.splice(k, 0, { atUs: at, patch });
    this.changed();
  }

  /** Analytic true values at tUs (default: now), faults included, for accuracy checks. */
  truth(tUs?: number): MainsTruth {
    const t = tUs === undefined ? this.clock() : tUs;
    this.flush(t);
    const s = this.segAt(t);
    const p = s.p;
    const vs = p.vrms * this.fl.vScale(t);
    let il = this.fl.irmsAt(t, p.irms);
    const sc = p.vrms > 0 ? this.fl.shortAmps(t) * (vs / p.vrms) : 0;
    const ld = p.load;
    if (ld !== undefined && ld.kind === 'inrush') il *= shapeCurrent(ld, 0, t, 1);
    const st = s.stats;
    if (st !== undefined) {
      // a periodic shape: means over its pattern (i = sqrt2 (il ish + sc vn), v = sqrt2 vs vn)
      const msLoad = 2 * (il * il * st.ii + 2 * il * sc * st.vi + sc * sc * st.vv);
      const dcA = SQRT2 * il * st.dc;
      const msSeen = msLoad - (this.ct ? dcA * dcA : 0);
      const vrmsS = vs * Math.sqrt(2 * st.vv);
      const irS = Math.sqrt(msSeen > 0 ? msSeen : 0);
      const pw = 2 * vs * (il * st.vi + sc * st.vv);
      const apS = vrmsS * irS;
      return { vrms: vrmsS, irms: irS, p: pw, s: apS, pf: apS > 0 ? pw / apS : 0, freqHz: p.freqHz, irmsLoad: Math.sqrt(msLoad > 0 ? msLoad : 0), dcA };
    }
    // phasors per harmonic (magnitude rms, angle rad): V_h, and I_h = load + fault (in phase with V_h)
    const hs: [number, number, number, number][] = [
      [vs, 0, il, -s.pf],
      [vs * p.v3, s.v3r, il * p.i3, s.i3r],
      [vs * p.v5, s.v5r, il * p.i5, s.i5r],
    ];
    let v2 = 0;
    let i2 = 0;
    let pw = 0;
    for (const h of hs) {
      const ire = h[2] * Math.cos(h[3]) + sc * (h[0] / (vs || 1)) * Math.cos(h[1]);
      const iim = h[2] * Math.sin(h[3]) + sc * (h[0] / (vs || 1)) * Math.sin(h[1]);
      v2 += h[0] * h[0];
      i2 += ire * ire + iim * iim;
      pw += h[0] * (Math.cos(h[1]) * ire + Math.sin(h[1]) * iim);
    }
    const vr = Math.sqrt(v2);
    const ir = Math.sqrt(i2);
    const ap = vr * ir;
    return { vrms: vr, irms: ir, p: pw, s: ap, pf: ap > 0 ? pw / ap : 0, freqHz: p.freqHz, irmsLoad: ir, dcA: 0 };
  }

  /** Upper bound of |i| at tUs (and up to 1 ms later during a ramp). */
  peakCurrentBound(tUs: number): number {
    this.flush(tUs);
    const p = this.segAt(tUs).p;
    const fl = this.fl;
    const il = Math.max(fl.irmsAt(tUs, p.irms), fl.irmsAt(tUs + RAMP_RECHECK_US, p.irms));
    const ld = p.load;
    let shape = 1 + p.i3 + p.i5;
    if (ld !== undefined && ld.kind === 'smps') shape = ld.crest / SQRT2;
    if (ld !== undefined && ld.kind === 'inrush') shape *= ld.multiple;
    // a CT's output is the load current minus its DC: up to |DC| more on the other side
    if (ld !== undefined && ld.kind === 'halfwave') shape *= 2;
    return SQRT2 * (il * shape + fl.shortAmps(tUs) * fl.vScale(tUs) * (1 + p.v3 + p.v5));
  }

  /** The next time after tUs at which the state (hence the bound) may change; Infinity if none. */
  nextChangeUs(tUs: number): number {
    let n = Infinity;
    const pc = this.pendingChanges;
    for (let k = this.pendingHead; k < pc.length; k++) {
      if (pc[k].atUs > tUs) {
        n = pc[k].atUs;
        break;
      }
    }
    return Math.min(n, this.fl.nextChangeUs(tUs));
  }

  /** Every fault added, in order. */
  get faultLog(): readonly MainsFault[] {
    return this.fl.log;
  }

  private addFault(f: MainsFault): void {
    this.fl.add(f);
    this.changed();
  }

  private changed(): void {
    for (const cb of this.listeners) cb();
  }

  private rawV(s: Segment, th: number): number {
    return s.vPk * unitV(s, th);
  }

  private flush(t: number): void {
    this.fl.maybePrune(t);
    const pc = this.pendingChanges;
    while (this.pendingHead < pc.length && pc[this.pendingHead].atUs <= t) {
      const c = pc[this.pendingHead++];
      this.apply(c.atUs, c.patch);
    }
    if (this.pendingHead > 256) {
      pc.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private apply(t: number, patch: Partial<MainsParams>): void {
    const segs = this.segs;
    const last = segs[segs.length - 1];
    const at = Math.max(t, last.t0);
    const p = { ...last.p, ...patch };
    const seg = makeSegment(at, last.phase0 + last.w * (at - last.t0), p);
    if (at === last.t0) segs[segs.length - 1] = seg;
    else segs.push(seg);
    if (segs.length > 256) segs.splice(0, 128);
  }

  private segAt(t: number): Segment {
    const segs = this.segs;
    let k = segs.length - 1;
    while (k > 0 && segs[k].t0 > t) k--;
    return segs[k];
  }
}

Object.defineProperty(MainsModel.prototype, 'load', {
  get(this: MainsModel) {
    return this.params().load;
  },
  set(this: MainsModel, v: LoadShape) {
    this.set({ load: v });
  },
});

for (const k of KEYS) {
  Object.defineProperty(MainsModel.prototype, k, {
    get(this: MainsModel) {
      return this.params()[k];
    },
    set(this: MainsModel, v: number) {
      this.set({ [k]: v } as Partial<MainsParams>);
    },
  });
}
