// Leakage and cost metrics of a load-hiding run, all computed in one streaming pass
// (constant memory, so a trace of any length can be evaluated).
//
// Mutual information (the estimator, stated): the plug-in (maximum-likelihood) estimate
//   I(X;Y) = sum p(x,y) log2( p(x,y) / (p(x) p(y)) )
// over a joint histogram of per-sample pairs (real, visible), each sample counted once
// (not weighted by its duration). Binning: equal-width bins of BIN_W = 100 W on the fixed
// range [0, RANGE_W = 16 kW) (a 63 A x 230 V supply is 14.5 kW); a value at or above the
// range goes into the last bin. A fixed range makes the estimate streamable and the
// numbers comparable between traces and algorithms. Bias: the plug-in estimate is biased
// upward by about (Bx - 1)(By - 1) / (2 N ln 2) bits (Miller-Madow; Bx, By = occupied
// bins, N = samples); we report that figure beside the estimate (`mi_bias_bits`), and
// it is small for a visible signal with few levels. Independent signals give ~0 (within
// the bias), identical ones give the binned entropy H(X): both are tested.
//
// Exposed load-change events: a real event is a step-to-step change |dx| >= EVENT_W
// (200 W: kettles, ovens, heaters, pumps; the fridge's ~100 W is below it). It is exposed
// when the visible load moves with it in the same step: |dy - dx| <= 20 % of |dx| (+ 50 W),
// which is what an edge-detecting NILM (Hart 1992) recovers. This is the event the NILL
// paper counts and the edge attack of Yang et al. 2012 exploits.

export const BIN_W = 100;
export const RANGE_W = 16000;
export const EVENT_W = 200;
const NBINS = RANGE_W / BIN_W;

export function binOf(w: number): number {
  const b = Math.floor(w / BIN_W);
  return b < 0 ? 0 : b >= NBINS ? NBINS - 1 : b;
}

/** Streaming plug-in MI over (x, y) pairs with the binning above. */
export class MiEstimator {
  private readonly joint = new Map<number, number>();
  private readonly px = new Map<number, number>();
  private readonly py = new Map<number, number>();
  n = 0;
  add(x: number, y: number): void {
    const bx = binOf(x);
    const by = binOf(y);
    const k = bx * NBINS + by;
    this.joint.set(k, (this.joint.get(k) ?? 0) + 1);
    this.px.set(bx, (this.px.get(bx) ?? 0) + 1);
    this.py.set(by, (this.py.get(by) ?? 0) + 1);
    this.n++;
  }
  bits(): number {
    if (this.n === 0) return 0;
    let mi = 0;
    const n = this.n;
    for (const [k, c] of this.joint) {
      const bx = Math.floor(k / NBINS);
      const by = k % NBINS;
      mi += (c / n) * Math.log2((c * n) / (this.px.get(bx)! * this.py.get(by)!));
    }
    return mi < 0 ? 0 : mi;
  }
  /** Miller-Madow first-order bias of the plug-in MI, bits. */
  biasBits(): number {
    if (this.n === 0) return 0;
    return ((this.px.size - 1) * (this.py.size - 1)) / (2 * this.n * Math.LN2);
  }
  /** Plug-in entropy of the binned X, bits. */
  entropyX(): number {
    let h = 0;
    for (const c of this.px.values()) h -= (c / this.n) * Math.log2(c / this.n);
    return h;
  }
}

/** Streaming Pearson correlation. */
export class Correlation {
  private n = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private syy = 0;
  private sxy = 0;
  add(x: number, y: number): void {
    this.n++;
    this.sx += x;
    this.sy += y;
    this.sxx += x * x;
    this.syy += y * y;
    this.sxy += x * y;
  }
  value(): number {
    const n = this.n;
    const vx = this.sxx - (this.sx * this.sx) / n;
    const vy = this.syy - (this.sy * this.sy) / n;
    // a constant visible load has no correlation with anything
    if (n < 2 || vx <= 1e-9 * n || vy <= 1e-9 * n) return 0;
    return (this.sxy - (this.sx * this.sy) / n) / Math.sqrt(vx * vy);
  }
}

/**
 * Counts real load-change events and the ones the visible load exposes; and, from the
 * attacker's side (Yang 2012's load-change recovery: under best-effort a visible change *is*
 * a real one), the visible changes >= EVENT_W and how many of them copy the real change
 * (same rule): the share an attacker who reads every visible step as an appliance's is right.
 */
export class EventCounter {
  private lastX = NaN;
  private lastY = NaN;
  real = 0;
  exposed = 0;
  visible = 0;
  copied = 0;
  add(x: number, y: number): void {
    if (this.lastX === this.lastX) {
      const dx = x - this.lastX;
      const dy = y - this.lastY;
      const copy = Math.abs(dy - dx) <= 0.2 * Math.abs(dx) + 50;
      if (Math.abs(dx) >= EVENT_W) {
        this.real++;
        if (copy) this.exposed++;
      }
      if (Math.abs(dy) >= EVENT_W) {
        this.visible++;
        if (copy && Math.abs(dx) >= EVENT_W) this.copied++;
      }
    }
    this.lastX = x;
    this.lastY = y;
  }
}

export interface AlgoFigures {
  mi_bits: number;
  events_per_day: number;
  correlation: number;
  overhead_pct: number;
  cycles: number;
}

export interface AlgoDetail extends AlgoFigures {
  mi_bias_bits: number;
  real_events: number;
  exposed_events: number;
  /** % of samples where visible = real to 1 W while the real load is not flat: read straight off the meter (Yang 2012's saturation attack) */
  saturated_pct: number;
  visible_levels: number;
  /** visible changes >= EVENT_W per day, and the % of them that copy a real change (the attacker's precision) */
  visible_edges_per_day: number;
  edge_precision_pct: number;
  energy_balance_err_wh: number;
}

export function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
