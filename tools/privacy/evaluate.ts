// Runs the load-hiding algorithms side by side over a trace, one row at a time, and
// gathers their figures (metrics.ts) and a decimated series for the plot. Memory does
// not grow with the trace length.
import { makeHider, type Hider } from '../../firmware/privacy/hiding';
import type { BatterySpec } from '../../firmware/privacy/battery';
import { binOf, Correlation, EventCounter, MiEstimator, round, type AlgoDetail } from './metrics';
import { miLowerBoundFromBins, type Bound } from './bound';

export interface PlotPoint {
  t: number;
  real: number;
  visible: number[];
  soc: number[];
}

const PLOT_MAX = 4000;

class Track {
  readonly mi = new MiEstimator();
  readonly corr = new Correlation();
  readonly ev = new EventCounter();
  readonly levels = new Set<number>();
  saturated = 0;
  constructor(readonly hider: Hider) {}
}

export class Evaluation {
  private readonly tracks: Track[];
  private lastT = NaN;
  private lastReal = NaN;
  private realWh = 0;
  private steps = 0;
  private firstT = NaN;
  private stride = 1;
  private sinceKept = 0;
  readonly plot: PlotPoint[] = [];
  /** histogram of the real load over the estimator's bins (for the floor) */
  private readonly realBins: number[] = [];

  constructor(
    readonly names: string[],
    readonly spec: BatterySpec,
  ) {
    this.tracks = names.map((n) => {
      const h = makeHider(n, spec);
      if (!h) throw new Error(`unknown algorithm ${n}`);
      return new Track(h);
    });
  }

  /** One trace row: time in s, mean real power over the interval ending at t (W). */
  add(t: number, watts: number): void {
    if (this.lastT !== this.lastT) {
      this.lastT = t;
      this.firstT = t;
      return;
    }
    const dt = t - this.lastT;
    this.lastT = t;
    this.realWh += (watts * dt) / 3600;
    this.steps++;
    const bin = binOf(watts);
    while (this.realBins.length <= bin) this.realBins.push(0);
    this.realBins[bin]++;
    const vis: number[] = [];
    const soc: number[] = [];
    for (const tr of this.tracks) {
      const y = tr.hider.step(watts, dt);
      tr.mi.add(watts, y);
      tr.corr.add(watts, y);
      tr.ev.add(watts, y);
      if (tr.levels.size <= 1000) tr.levels.add(Math.round(y));
      if (Math.abs(y - watts) < 1 && Math.abs(watts - this.lastReal) >= 1) tr.saturated++;
      vis.push(y);
      soc.push(tr.hider.battery ? tr.hider.battery.soc() : NaN);
    }
    this.lastReal = watts;
    this.keepForPlot({ t, real: watts, visible: vis, soc });
  }

  private keepForPlot(p: PlotPoint): void {
    if (++this.sinceKept < this.stride) return;
    this.sinceKept = 0;
    this.plot.push(p);
    if (this.plot.length >= PLOT_MAX) {
      // halve the resolution: keep every other point from now on
      let j = 0;
      for (let i = 0; i < this.plot.length; i += 2) this.plot[j++] = this.plot[i];
      this.plot.length = j;
      this.stride *= 2;
    }
  }

  /**
   * The leakage floor on this trace (tools/privacy/bound.ts): no algorithm with this battery's
   * power, however large its capacity, whose visible energy is within `overheadPct` % of the
   * real one, has a lower MI by this estimator.
   */
  floor(capW: number, overheadPct = 10): Bound {
    const meanW = this.steps > 0 ? (this.realWh * 3600) / this.durationS() : 0;
    const p = Math.max(this.spec.maxChargeKW, this.spec.maxDischargeKW) * 1000;
    return miLowerBoundFromBins(this.realBins, p, capW, (overheadPct / 100) * meanW);
  }

  durationS(): number {
    return this.lastT - this.firstT;
  }

  results(): Record<string, AlgoDetail> {
    const days = this.durationS() / 86400;
    const out: Record<string, AlgoDetail> = {};
    for (const tr of this.tracks) {
      const b = tr.hider.battery;
      const lossWh = b ? b.lossWh : 0;
      // grid energy = real + what went into the battery - what came out; it must equal
      // real + stored change + losses (the battery's own bookkeeping)
      const gridWh = b ? this.realWh + b.gridInWh - b.gridOutWh : this.realWh;
      const balanceErr = b ? gridWh - (this.realWh + b.storedDeltaWh() + b.lossWh) : 0;
      out[tr.hider.name] = {
        mi_bits: round(tr.mi.bits(), 4),
        events_per_day: round(days > 0 ? tr.ev.exposed / days : 0, 2),
        correlation: round(tr.corr.value(), 4),
        overhead_pct: round(this.realWh > 0 ? (100 * lossWh) / this.realWh : 0, 3),
        cycles: round(b ? b.cycles() : 0, 3),
        mi_bias_bits: round(tr.mi.biasBits(), 4),
        real_events: tr.ev.real,
        exposed_events: tr.ev.exposed,
        saturated_pct: round(this.steps > 0 ? (100 * tr.saturated) / this.steps : 0, 2),
        visible_levels: tr.levels.size,
        visible_edges_per_day: round(days > 0 ? tr.ev.visible / days : 0, 2),
        edge_precision_pct: round(tr.ev.visible > 0 ? (100 * tr.ev.copied) / tr.ev.visible : 0, 1),
        energy_balance_err_wh: round(balanceErr, 6),
      };
    }
    return out;
  }
}
