// Faults layered on the mains waveform, each active over [startUs, endUs):
// sag/swell scale the voltage, an overload ramp overrides the load's rms current, a short
// circuit adds a resistive fault current in phase with the voltage. Ended faults are
// pruned 1 s after their end, so a day-long run with many faults stays cheap.

export type MainsFault =
  | { kind: 'shortCircuit'; startUs: number; endUs: number; prospectiveA: number }
  | { kind: 'sag' | 'swell'; startUs: number; endUs: number; factor: number }
  | { kind: 'overloadRamp'; startUs: number; endUs: number; fromA: number; toA: number; rampUs: number };

/** How often a ramp's bound is re-evaluated (µs): a ramp moves little in 1 ms. */
export const RAMP_RECHECK_US = 1000;
const KEEP_AFTER_END_US = 1e6;

export class FaultLayer {
  /** every fault added, in order (for inspection) */
  readonly log: MainsFault[] = [];
  /** faults that may still matter */
  active: MainsFault[] = [];
  private pruneAfterUs = Infinity;

  add(f: MainsFault): void {
    this.active.push(f);
    this.log.push(f);
    this.noteEnd(f.endUs);
  }

  /** A load step at atUs ends the overload ramps running then. */
  endRampsAt(atUs: number): void {
    for (const f of this.active) {
      if (f.kind === 'overloadRamp' && f.startUs < atUs && f.endUs > atUs) {
        f.endUs = atUs;
        this.noteEnd(atUs);
      }
    }
  }

  maybePrune(t: number): void {
    if (t <= this.pruneAfterUs + KEEP_AFTER_END_US) return;
    const keep: MainsFault[] = [];
    let next = Infinity;
    for (const f of this.active) {
      if (f.endUs + KEEP_AFTER_END_US >= t) {
        keep.push(f);
        if (f.endUs < next) next = f.endUs;
      }
    }
    this.active = keep;
    this.pruneAfterUs = next;
  }

  /** Voltage multiplier at t (sags and swells). */
  vScale(t: number): number {
    let k = 1;
    for (const f of this.active) if ((f.kind === 'sag' || f.kind === 'swell') && t >= f.startUs && t < f.endUs) k *= f.factor;
    return k;
  }

  /** Load fundamental rms at t: the latest active overload ramp overrides `base`. */
  irmsAt(t: number, base: number): number {
    let best: MainsFault | undefined;
    for (const f of this.active) if (f.kind === 'overloadRamp' && t >= f.startUs && t < f.endUs && (!best || f.startUs >= best.startUs)) best = f;
    if (best === undefined || best.kind !== 'overloadRamp') return base;
    const x = best.rampUs > 0 ? Math.min(1, (t - best.startUs) / best.rampUs) : 1;
    return best.fromA + (best.toA - best.fromA) * x;
  }

  /** Sum of the prospective currents (A rms at nominal voltage) of the shorts active at t. */
  shortAmps(t: number): number {
    let a = 0;
    for (const f of this.active) if (f.kind === 'shortCircuit' && t >= f.startUs && t < f.endUs) a += f.prospectiveA;
    return a;
  }

  /** Next time after t at which a fault starts or ends (or a ramp should be re-checked). */
  nextChangeUs(t: number): number {
    let n = Infinity;
    for (const f of this.active) {
      if (f.startUs > t && f.startUs < n) n = f.startUs;
      if (f.endUs > t && f.endUs < n) n = f.endUs;
      if (f.kind === 'overloadRamp' && t >= f.startUs && t < f.startUs + f.rampUs) n = Math.min(n, t + RAMP_RECHECK_US);
    }
    return n;
  }

  private noteEnd(endUs: number): void {
    if (endUs < this.pruneAfterUs) this.pruneAfterUs = endUs;
  }
}
