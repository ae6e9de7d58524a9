// A lower bound on the leakage of ANY load-hiding algorithm with a given battery power, on a
// given trace, in the estimator's own terms: the plug-in MI over the binned pairs
// (metrics.ts) is the mutual information of the empirical joint histogram, whose real-load
// marginal p(x) is fixed by the trace. Whatever the algorithm does, each visible sample y
// lies within the battery's power of its real x (|y - x| <= P, so the bins differ by at
// most P / BIN_W), between 0 (no export) and the grid cap, and over the trace the visible
// energy equals the real one within the losses and the stored change (|mean(y - x)| <= delta).
// The battery's capacity is ignored, so the bound is loose, never wrong: no algorithm on
// this battery power can go below it, however large its battery.
//
// Method: Blahut-Arimoto (rate-distortion form, a Lagrange multiplier lambda on the energy
// constraint, found by bisection) gives an output distribution q(y); from it a certificate
// by the Donsker-Varadhan inequality, valid for any q and lambda:
//   I(X;Y) >= sum_x p(x) ln c(x) - |lambda| delta' - ln max_y sum_x p(x) c(x) e^(-lambda (y - x)) [y in S(x)]
// with c(x) = 1 / sum_{y in S(x)} q(y) e^(-lambda (y - x)), in bins, and delta' = delta / BIN_W + 1
// (binning moves a mean by less than a bin). So an unconverged iteration only loosens it.
import { BIN_W, binOf } from './metrics';

export interface Bound {
  /** certified lower bound, bits */
  bits: number;
  /** the Blahut-Arimoto value (an achievable I for the relaxed problem), bits */
  relaxed_bits: number;
  /** the optimal visible distribution of the relaxed problem: bin (W) -> probability, the bins above 0.5 % */
  q: Record<string, number>;
}

/** The bound from the real loads themselves (W). */
export function miLowerBound(loadsW: ArrayLike<number>, powerW: number, capW: number, deltaW: number, iterations = 400): Bound {
  const counts: number[] = [];
  for (let i = 0; i < loadsW.length; i++) {
    const b = binOf(loadsW[i]);
    while (counts.length <= b) counts.push(0);
    counts[b]++;
  }
  return miLowerBoundFromBins(counts, powerW, capW, deltaW, iterations);
}

/** The bound from a histogram of the real load over the estimator's bins (counts[bin]), as a streaming pass keeps it. */
export function miLowerBoundFromBins(counts: ArrayLike<number>, powerW: number, capW: number, deltaW: number, iterations = 400): Bound {
  const capB = binOf(capW);
  let top = 0;
  let n = 0;
  for (let b = 0; b < counts.length; b++) {
    if (counts[b] > 0) top = b;
    n += counts[b];
  }
  const nb = (capB > top ? capB : top) + 1;
  const px = new Float64Array(nb);
  for (let b = 0; b <= top; b++) px[b] = n > 0 ? counts[b] / n : 0;
  const span = Math.floor(powerW / BIN_W);
  const lo = (bx: number) => (bx - span < 0 ? 0 : bx - span);
  // a load more than P above the cap stays above it: the battery can only discharge its limit
  const hi = (bx: number) => (bx + span < capB ? bx + span : lo(bx) > capB ? lo(bx) : capB);
  let ex = 0;
  for (let b = 0; b < nb; b++) ex += px[b] * b;
  const solve = (lam: number) => {
    let q = new Float64Array(nb).fill(1 / nb);
    let ey = 0;
    for (let it = 0; it < iterations; it++) {
      const nq = new Float64Array(nb);
      ey = 0;
      for (let bx = 0; bx < nb; bx++) {
        if (px[bx] === 0) continue;
        let z = 0;
        for (let by = lo(bx); by <= hi(bx); by++) z += q[by] * Math.exp(-lam * (by - bx));
        for (let by = lo(bx); by <= hi(bx); by++) {
          const w = (q[by] * Math.exp(-lam * (by - bx))) / z;
          nq[by] += px[bx] * w;
          ey += px[bx] * w * by;
        }
      }
      q = nq;
    }
    return { q, ey };
  };
  // the energy condition is |E[y - x]| <= delta' bins: if the unconstrained optimum meets it,
  // lambda = 0; else the multiplier that puts E[y] on the nearer edge (any lambda certifies)
  const dBins = deltaW / BIN_W + 1;
  let lam = 0;
  const free = solve(0).ey - ex;
  if (free > dBins || free < -dBins) {
    const target = ex + (free > 0 ? dBins : -dBins);
    let a = -2;
    let b = 2;
    for (let k = 0; k < 30; k++) {
      const m = (a + b) / 2;
      if (solve(m).ey > target) a = m;
      else b = m;
    }
    lam = (a + b) / 2;
  }
  const { q } = solve(lam);
  // relaxed value and certificate
  let relaxed = 0;
  let sumLogC = 0;
  const c = new Float64Array(nb);
  for (let bx = 0; bx < nb; bx++) {
    if (px[bx] === 0) continue;
    let z = 0;
    for (let by = lo(bx); by <= hi(bx); by++) z += q[by] * Math.exp(-lam * (by - bx));
    c[bx] = 1 / z;
    sumLogC += px[bx] * Math.log(c[bx]);
    for (let by = lo(bx); by <= hi(bx); by++) {
      const w = (q[by] * Math.exp(-lam * (by - bx))) / z;
      if (w > 0 && q[by] > 0) relaxed += px[bx] * w * Math.log(w / q[by]);
    }
  }
  let m = 0;
  for (let by = 0; by < nb; by++) {
    let s = 0;
    for (let bx = 0; bx < nb; bx++) if (px[bx] > 0 && by >= lo(bx) && by <= hi(bx)) s += px[bx] * c[bx] * Math.exp(-lam * (by - bx));
    if (s > m) m = s;
  }
  const lb = sumLogC - Math.abs(lam) * dBins - Math.log(m);
  const qOut: Record<string, number> = {};
  for (let by = 0; by < nb; by++) if (q[by] > 0.005) qOut[String(by * BIN_W)] = Math.round(q[by] * 1000) / 1000;
  return { bits: lb > 0 ? lb / Math.LN2 : 0, relaxed_bits: relaxed / Math.LN2, q: qOut };
}
