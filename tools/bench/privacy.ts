// Privacy figures for npm run bench: leakage of each load-hiding algorithm on the repo's
// synthetic one-day trace at 2 min (battery 1.5 kWh / 1 kW, 90 % round trip), and the XS
// cost of one control step of ours, from xsnap's compute meter.
import { fileURLToPath } from 'node:url';
import { defaultBattery } from '../../firmware/privacy/battery';
import { ALGORITHMS, DEFAULT_CAP_W, OURS } from '../../firmware/privacy/hiding';
import { EngineSession, measureXs } from '../engines/run';
import type { SchedulerInput } from '../../firmware/schedule/model';
import { Evaluation } from '../privacy/evaluate';
import { householdTrace } from '../privacy/synth';
import { seedRange, sweep } from '../privacy/sweep';
import { householdSchedulingDay, smallCase } from '../privacy/sched-cases';
import { scheduleExhaustive } from '../../firmware/schedule/exhaustive';
import { plan } from '../../firmware/schedule/runner';
import { SlicedPlanner } from '../../firmware/schedule/solve';
import { BOARD_MAX_CELLS, BOARD_SLOT_S, PLAN_CELLS_PER_STEP } from '../../firmware/policy/home-energy';

const ENTRY = fileURLToPath(new URL('../../firmware/privacy/entry.ts', import.meta.url));

/** bench keys: none, best_effort, nill, stepping, ours */
function key(name: string): string {
  return name === OURS ? 'ours' : name.replace('-', '_');
}

export interface PrivacyFigures {
  ours: string;
  mi_bits: Record<string, number>;
  events_per_day: Record<string, number>;
  overhead_pct: number;
  /** the certified floor no algorithm with this battery's power gets below on the trace (tools/privacy/bound.ts) */
  floor_bits: number;
  /** of 20 seeded synthetic days at 2 min, those where ours has a lower MI than every baseline (tools/privacy/sweep.ts) */
  seeds_ours_lowest_of_20: number;
  battery: string;
  trace: string;
}

export function privacyFigures(): PrivacyFigures {
  const spec = defaultBattery();
  const ev = new Evaluation(ALGORITHMS, spec);
  for (const r of householdTrace(120)) ev.add(r.t, r.watts);
  const res = ev.results();
  const mi: Record<string, number> = {};
  const events: Record<string, number> = {};
  for (const n of ALGORITHMS) {
    mi[key(n)] = res[n].mi_bits;
    events[key(n)] = res[n].events_per_day;
  }
  return {
    ours: OURS,
    mi_bits: mi,
    events_per_day: events,
    overhead_pct: res[OURS].overhead_pct,
    floor_bits: Math.round(ev.floor(DEFAULT_CAP_W).bits * 1e4) / 1e4,
    seeds_ours_lowest_of_20: sweep(spec, 120, seedRange(20)).ours_lower_mi_than_all,
    battery: `${spec.capacityKWh} kWh, ${spec.maxChargeKW} kW, eta ${spec.roundTripEff}`,
    trace: 'synthetic household day, 2 min steps (tools/privacy/synth.ts, SYNTH_SEED)',
  };
}

/** XS computrons of one load-hiding step of ours (battery model included), on the 2 min day's loads. */
export async function privacyStepComputrons(): Promise<number> {
  const loads = householdTrace(120)
    .slice(1)
    .map((r) => r.watts);
  const r = await measureXs(ENTRY, `globalThis.st = entry.makeState(${JSON.stringify(loads)}, 120);`, 'entry.step(st);', 1440);
  return Math.round(r.computePerStep);
}

export interface SchedFigures {
  /** cost saving of the exact schedule over running every load at once, household day */
  saving_pct_vs_immediate: number;
  saving_pct_vs_greedy: number;
  unmet_loads: number;
  /** fraction of the seeded small cases where the exact scheduler matches exhaustive search */
  optimal_on_small_cases: number;
  small_cases: number;
  greedy_suboptimal_small_cases: number;
  /** XS computrons of one exact plan of the household day (once a day on the control unit) */
  xs_computrons_plan_day: number;
  /** the same day at the board's 30-minute slots (BOARD_SLOT_S), in one run */
  xs_computrons_plan_day_30min: number;
  /** the most XS computrons one slice of that plan costs (PLAN_CELLS_PER_STEP cells, one per control-unit tick) */
  xs_computrons_plan_slice_max: number;
  /** slices (control-unit ticks) the 30-minute day takes */
  plan_slices_30min: number;
  /** the exact planner's back-pointer table, bytes, at 15 and 30 min */
  table_bytes_15min: number;
  table_bytes_30min: number;
  /** saving of the 30-minute plan over running every load at once (the same day) */
  saving_pct_vs_immediate_30min: number;
}

const SMALL_CASES = 300;
const SCHED_ENTRY = fileURLToPath(new URL('../../firmware/schedule/entry.ts', import.meta.url));

/** The sliced plan in XS: one metered call per slice; the most expensive slice and the count. */
async function sliceComputrons(d: SchedulerInput): Promise<{ max: number; slices: number }> {
  const session = new EngineSession();
  try {
    await session.callXs(SCHED_ENTRY, 'slicedStart', { sched: d, maxCells: BOARD_MAX_CELLS, budget: PLAN_CELLS_PER_STEP });
    let max = 0;
    let slices = 0;
    for (;;) {
      const r = await session.callXs(SCHED_ENTRY, 'slicedStep', 0);
      slices++;
      if (r.meter.compute > max) max = r.meter.compute;
      if (r.value === 0) break;
    }
    return { max, slices };
  } finally {
    await session.close();
  }
}

function tableBytes(d: SchedulerInput): number {
  const p = new SlicedPlanner(d);
  p.run(Infinity);
  return p.tableBytesMax;
}

async function planComputrons(d: SchedulerInput): Promise<number> {
  const session = new EngineSession();
  try {
    const r = await session.callXs(SCHED_ENTRY, 'planFor', { kind: 'optimal', sched: d });
    return r.meter.compute;
  } finally {
    await session.close();
  }
}

export async function schedFigures(): Promise<SchedFigures> {
  const d = householdSchedulingDay();
  const o = plan(d, 'optimal');
  const g = plan(d, 'greedy');
  const i = plan(d, 'immediate');
  let match = 0;
  let greedyWorse = 0;
  for (let seed = 1; seed <= SMALL_CASES; seed++) {
    const c = smallCase(seed);
    const a = plan(c, 'optimal');
    const b = scheduleExhaustive(c);
    if (a.exact && a.unmet.length === b.unmet.length && Math.abs(a.cost - b.cost) < 1e-9) match++;
    const gr = plan(c, 'greedy');
    if (gr.unmet.length > b.unmet.length || gr.cost > b.cost + 1e-9) greedyWorse++;
  }
  const pct = (base: number) => Math.round((1000 * (base - o.cost)) / base) / 10;
  const d30 = householdSchedulingDay(BOARD_SLOT_S);
  const o30 = plan(d30, 'optimal');
  const i30 = plan(d30, 'immediate');
  const slice = await sliceComputrons(d30);
  return {
    saving_pct_vs_immediate: pct(i.cost),
    saving_pct_vs_greedy: pct(g.cost),
    unmet_loads: o.unmet.length,
    optimal_on_small_cases: match / SMALL_CASES,
    small_cases: SMALL_CASES,
    greedy_suboptimal_small_cases: greedyWorse,
    xs_computrons_plan_day: await planComputrons(d),
    xs_computrons_plan_day_30min: await planComputrons(d30),
    xs_computrons_plan_slice_max: slice.max,
    plan_slices_30min: slice.slices,
    table_bytes_15min: tableBytes(d),
    table_bytes_30min: tableBytes(d30),
    saving_pct_vs_immediate_30min: Math.round((1000 * (i30.cost - o30.cost)) / i30.cost) / 10,
  };
}

export interface PrivacyBench {
  privacy: PrivacyFigures;
  sched: SchedFigures;
  computrons_privacy_step: number;
}

/** Everything tools/bench.ts reports under privacy, sched and xs.computrons_privacy_step. */
export async function privacyBench(): Promise<PrivacyBench> {
  return { privacy: privacyFigures(), sched: await schedFigures(), computrons_privacy_step: await privacyStepComputrons() };
}
