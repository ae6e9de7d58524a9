// Seed sweep: the same comparison as the tool's, over many synthetic household days, so a
// claim about ours does not rest on one lucky trace. Every algorithm gets the same battery,
// the same estimator and the same trace; per step size it counts the seeds where ours has
// a lower MI (and no more exposed events) than each baseline.
import type { BatterySpec } from '../../firmware/privacy/battery';
import { ALGORITHMS, DEFAULT_CAP_W, OURS } from '../../firmware/privacy/hiding';
import { Evaluation } from './evaluate';
import { householdTrace } from './synth';

export interface SweepResult {
  step_s: number;
  seeds: number[];
  /** per algorithm, MI bits per seed (in the order of seeds) */
  mi_bits: Record<string, number[]>;
  events_per_day: Record<string, number[]>;
  /** per baseline: seeds where ours has the lower MI */
  ours_lower_mi: Record<string, number>;
  /** seeds where ours has the lower MI than every baseline at once */
  ours_lower_mi_than_all: number;
  /** per baseline: seeds where ours exposes no more events */
  ours_fewer_or_equal_events: Record<string, number>;
  /** ours' largest energy overhead over the seeds, % */
  ours_max_overhead_pct: number;
  /** per seed, the floor no algorithm with this battery power gets below (bound.ts), when asked for */
  floor_bits?: number[];
}

export function sweep(spec: BatterySpec, stepS: number, seeds: number[], withFloor = false): SweepResult {
  const mi: Record<string, number[]> = {};
  const ev: Record<string, number[]> = {};
  for (const n of ALGORITHMS) {
    mi[n] = [];
    ev[n] = [];
  }
  let maxOh = 0;
  const floor: number[] = [];
  for (const seed of seeds) {
    const e = new Evaluation(ALGORITHMS, spec);
    for (const r of householdTrace(stepS, seed)) e.add(r.t, r.watts);
    const r = e.results();
    for (const n of ALGORITHMS) {
      mi[n].push(r[n].mi_bits);
      ev[n].push(r[n].events_per_day);
    }
    maxOh = Math.max(maxOh, r[OURS].overhead_pct);
    if (withFloor) floor.push(Math.round(e.floor(DEFAULT_CAP_W).bits * 1e4) / 1e4);
  }
  const lower: Record<string, number> = {};
  const fewer: Record<string, number> = {};
  const baselines = ALGORITHMS.filter((n) => n !== OURS);
  let all = 0;
  for (let i = 0; i < seeds.length; i++) {
    let every = true;
    for (const n of baselines) {
      if (mi[OURS][i] < mi[n][i]) lower[n] = (lower[n] ?? 0) + 1;
      else every = false;
      if (ev[OURS][i] <= ev[n][i]) fewer[n] = (fewer[n] ?? 0) + 1;
    }
    if (every) all++;
  }
  for (const n of baselines) {
    lower[n] ??= 0;
    fewer[n] ??= 0;
  }
  return {
    step_s: stepS,
    seeds,
    mi_bits: mi,
    events_per_day: ev,
    ours_lower_mi: lower,
    ours_lower_mi_than_all: all,
    ours_fewer_or_equal_events: fewer,
    ours_max_overhead_pct: maxOh,
    floor_bits: withFloor ? floor : undefined,
  };
}

/** Seeds 1..n. */
export function seedRange(n: number, first = 1): number[] {
  const out: number[] = [];
  for (let s = first; s < first + n; s++) out.push(s);
  return out;
}
