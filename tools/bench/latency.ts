// Trip latency in simulated time: from the fault's onset to the first relay-open command
// (coil de-energised), including block delivery and the modelled processing time of each
// block on the JS thread. Each figure is the worst over onsets spread across a mains
// cycle (24 onsets over two cycles), since where the fault lands in the cycle and in the block matters.
import { iecOperateS } from '../../firmware/protection/inverse-time';
import type { SimBoard } from '../../hal/sim/board';
import type { ComparatorPath } from '../../hal/sim/comparator';
import { bootNode, firstOpenAfter, maxOf, round } from './common';

const PHASES = 24;
const CYCLE_US = 20000;

interface TripCase {
  settings?: Record<string, number>;
  comparatorPath?: ComparatorPath;
  mains?: Record<string, number>;
  /** inject at onset; may also start a long task */
  inject(sim: SimBoard, onsetUs: number): void;
  timeoutUs: number;
  /** measure from the first instant |i| exceeds this (A), not from the onset */
  fromCurrentAboveA?: number;
}

/**
 * First time at or after tUs (10 µs steps) from which |i| stays above `amps` for the
 * element's qualification window (ocQualifyUs 500 = 2 samples at 4 kHz): an
 * excursion shorter than that is, by design, not a fault for this element.
 */
function firstQualified(sim: SimBoard, tUs: number, amps: number, untilUs: number, windowUs: number): number {
  let since = -1;
  for (let t = tUs; t < untilUs; t += 10) {
    if (Math.abs(sim.ampsAt(t)) > amps) {
      if (since < 0) since = t;
      if (t - since >= windowUs) return since;
    } else since = -1;
  }
  return tUs;
}

function worstLatencyMs(c: TripCase, blockCostUs: number): number {
  const lat: number[] = [];
  for (let k = 0; k < PHASES; k++) {
    const { sim } = bootNode({ seed: 100 + k, blockCostUs, comparatorPath: c.comparatorPath, mains: c.mains, settings: c.settings });
    // an irrational-ish offset so onsets do not line up with block boundaries
    const onset = sim.now() + 0.5e6 + (k * 2 * CYCLE_US) / PHASES + ((k * 7919) % 1000) * 1.37;
    c.inject(sim, onset);
    sim.runUntil(onset + c.timeoutUs);
    const t = firstOpenAfter(sim, onset);
    if (t === undefined) throw new Error(`bench: no trip within ${c.timeoutUs / 1000} ms`);
    const from = c.fromCurrentAboveA === undefined ? onset : firstQualified(sim, onset, c.fromCurrentAboveA, t, 2 * (1e6 / sim.board.adc.rateHz));
    lat.push((t - from) / 1000);
  }
  return round(maxOf(lat), 3);
}

export function tripLatencies(blockCostUs: number) {
  const short = (sim: SimBoard, t: number) => sim.mains.shortCircuit({ atUs: t, prospectiveA: 300 });
  const longTask = (sim: SimBoard, t: number) => sim.sched.at(t - 0.2e6, () => sim.sched.busy(3e6));
  return {
    comparator: worstLatencyMs({ inject: short, timeoutUs: 50e3 }, blockCostUs),
    comparator_during_long_task: worstLatencyMs(
      {
        inject: (sim, t) => {
          longTask(sim, t);
          short(sim, t);
        },
        timeoutUs: 50e3,
      },
      blockCostUs,
    ),
    comparator_native_isr_during_long_task: worstLatencyMs(
      {
        comparatorPath: 'native-isr',
        inject: (sim, t) => {
          longTask(sim, t);
          short(sim, t);
        },
        timeoutUs: 50e3,
      },
      blockCostUs,
    ),
    comparator_js_path_during_long_task: worstLatencyMs(
      {
        comparatorPath: 'js',
        inject: (sim, t) => {
          longTask(sim, t);
          short(sim, t);
        },
        timeoutUs: 4e6,
      },
      blockCostUs,
    ),
    // from the first instant the current exceeds the 45 A pickup and stays there for the
    // 2-sample qualification: how long the current takes to get there after the load
    // step is physics, not detection
    instantaneous_oc: worstLatencyMs(
      {
        inject: (sim, t) => sim.mains.setLoad({ atUs: t, irms: 40, pfAngleDeg: 10 }),
        timeoutUs: 50e3,
        fromCurrentAboveA: 45,
      },
      blockCostUs,
    ),
    instantaneous_oc_from_step: worstLatencyMs({ inject: (sim, t) => sim.mains.setLoad({ atUs: t, irms: 40, pfAngleDeg: 10 }), timeoutUs: 50e3 }, blockCostUs),
    overvoltage: worstLatencyMs(
      {
        settings: { ovPickupMs: 0 },
        inject: (sim, t) => sim.mains.swell({ atUs: t, factor: 280 / 230 }),
        timeoutUs: 100e3,
      },
      blockCostUs,
    ),
    undervoltage: worstLatencyMs(
      {
        settings: { uvPickupMs: 0 },
        inject: (sim, t) => sim.mains.sag({ atUs: t, depth: 150 / 230 }),
        timeoutUs: 100e3,
      },
      blockCostUs,
    ),
    // just past the thresholds (184 V, 264.5 V): the window must fill with a whole half
    // cycle of the fault before its RMS crosses
    undervoltage_near_threshold: worstLatencyMs(
      {
        settings: { uvPickupMs: 0 },
        inject: (sim, t) => sim.mains.sag({ atUs: t, depth: 180 / 230 }),
        timeoutUs: 100e3,
      },
      blockCostUs,
    ),
    overvoltage_near_threshold: worstLatencyMs(
      {
        settings: { ovPickupMs: 0 },
        inject: (sim, t) => sim.mains.swell({ atUs: t, factor: 268 / 230 }),
        timeoutUs: 100e3,
      },
      blockCostUs,
    ),
  };
}

/** Overload trip times against t = TMS k / (M^a - 1), worst relative error, %. */
export function overloadCurveError(blockCostUs: number): { err_pct_max: number; points: { curve: number; m: number; expectedS: number; measuredS: number }[] } {
  const points: { curve: number; m: number; expectedS: number; measuredS: number }[] = [];
  const is = 4;
  for (const curve of [0, 1, 2]) {
    for (const m of [1.5, 2, 5, 10]) {
      const settings = { olPickupA: is, olCurve: curve, olTms: 1, ocPeakA: 200, maxPowerW: 25000 };
      const { sim } = bootNode({ seed: 7, blockCostUs, mains: { irms: 1 }, settings });
      const onset = sim.now() + 0.2e6 + 0.0071e6;
      sim.mains.setLoad({ atUs: onset, irms: m * is, pfAngleDeg: 0 });
      const expectedS = iecOperateS(m, curve, 1);
      sim.runUntil(onset + expectedS * 1.2e6 + 0.5e6);
      const t = firstOpenAfter(sim, onset);
      if (t === undefined) throw new Error(`bench: overload curve ${curve} M ${m} did not trip`);
      points.push({ curve, m, expectedS: round(expectedS, 4), measuredS: round((t - onset) / 1e6, 4) });
    }
  }
  const errs = points.map((p) => (Math.abs(p.measuredS - p.expectedS) / p.expectedS) * 100);
  return { err_pct_max: round(maxOf(errs), 3), points };
}
