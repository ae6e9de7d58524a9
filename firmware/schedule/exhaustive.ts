// Reference scheduler for small cases: tries every placement of every load (every start
// of a non-interruptible one, every set of slots of an interruptible one, or leaving it
// out), and keeps the schedule that runs the most loads, then the cheapest. Exponential:
// the tests use it to check that the exact scheduler (solve.ts) is optimal.
import { loadCost, slotsNeeded, windowOf } from './model';
import type { Schedule, SchedulerInput } from './model';

function placements(s: SchedulerInput, i: number): number[][] {
  const l = s.loads[i];
  const k = slotsNeeded(l, s.slotS);
  const w = windowOf(l, s.slotS, s.pricePerKWh.length);
  const out: number[][] = [];
  if (!l.interruptible) {
    for (let t0 = w.first; t0 + k <= w.end; t0++) {
      const r: number[] = [];
      for (let t = t0; t < t0 + k; t++) r.push(t);
      out.push(r);
    }
    return out;
  }
  const pick: number[] = [];
  const rec = (from: number) => {
    if (pick.length === k) {
      out.push(pick.slice());
      return;
    }
    for (let t = from; t <= w.end - (k - pick.length); t++) {
      pick.push(t);
      rec(t + 1);
      pick.pop();
    }
  };
  rec(w.first);
  return out;
}

export function scheduleExhaustive(s: SchedulerInput): Schedule {
  const n = s.loads.length;
  const opts: number[][][] = [];
  for (let i = 0; i < n; i++) opts.push(placements(s, i));
  const used: number[] = s.baseW.slice();
  const cur: number[][] = [];
  for (let i = 0; i < n; i++) cur.push([]);
  let bestRun = -1;
  let bestCost = Infinity;
  let best: number[][] = [];
  const rec = (i: number, run: number, cost: number) => {
    if (i === n) {
      if (run > bestRun || (run === bestRun && cost < bestCost - 1e-12)) {
        bestRun = run;
        bestCost = cost;
        best = cur.map((x) => x.slice());
      }
      return;
    }
    const l = s.loads[i];
    const o = opts[i];
    for (let q = 0; q < o.length; q++) {
      const slots = o[q];
      let ok = true;
      for (let z = 0; z < slots.length; z++) if (used[slots[z]] + l.powerW > s.capW) ok = false;
      if (!ok) continue;
      for (let z = 0; z < slots.length; z++) used[slots[z]] += l.powerW;
      cur[i] = slots;
      rec(i + 1, run + 1, cost + loadCost(s, l, slots));
      for (let z = 0; z < slots.length; z++) used[slots[z]] -= l.powerW;
      cur[i] = [];
    }
    rec(i + 1, run, cost);
  };
  rec(0, 0, 0);
  const unmet = [];
  for (let i = 0; i < n; i++) if (best[i].length === 0) unmet.push({ name: s.loads[i].name, reason: 'does not fit' });
  return { on: best, cost: bestCost, unmet: unmet, exact: true };
}
