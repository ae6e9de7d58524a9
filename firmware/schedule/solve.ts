// Load scheduling: the exact scheduler (dynamic programming over slots), and the two
// schedulers it is compared with, "immediate" (every load starts as soon as it may) and
// "greedy" (earliest deadline first, each at its cheapest place given the ones before).
//
// The exact scheduler: walk the slots in order; the state is how many slots each load has
// run so far (a mixed-radix number, load i has k_i + 1 digits). In each slot every
// reachable state tries each allowed on/off combination: a non-interruptible load that
// has started must keep running, a load outside its window is off, a load that has as
// many slots left as it needs must run, and the household forecast plus the loads on must
// stay under the cap. The cheapest way into each state is kept with the choice that made
// it, so the schedule is read back from the final state (every load done). This is exact
// because the cost and the constraints of a slot depend only on that state. Its size is
// slots x states; above MAX_CELLS it says so and the greedy schedule is used instead
// (exact: false). When not every load fits, it schedules the largest set that does (then
// the cheapest) and reports the others as unmet with the reason.

import { aloneProblem, loadCost, slotsNeeded, windowOf } from './model';
import type { DeferrableLoad, Schedule, SchedulerInput, Unmet } from './model';

/** slots x states the exact scheduler will hold (its back-pointer table) */
export const MAX_CELLS = 4000000;

interface Prepared {
  idx: number[];
  k: number[];
  first: number[];
  end: number[];
  mult: number[];
  states: number;
}

function prepare(s: SchedulerInput, idx: number[]): Prepared {
  const k: number[] = [];
  const first: number[] = [];
  const end: number[] = [];
  const mult: number[] = [];
  let states = 1;
  for (let j = 0; j < idx.length; j++) {
    const l = s.loads[idx[j]];
    k.push(slotsNeeded(l, s.slotS));
    const w = windowOf(l, s.slotS, s.pricePerKWh.length);
    first.push(w.first);
    end.push(w.end);
    mult.push(states);
    states *= k[j] + 1;
  }
  return { idx: idx, k: k, first: first, end: end, mult: mult, states: states };
}

/** Exact schedule of the loads idx (all of them), or undefined when infeasible; 'big' when too large. */
function exactFor(s: SchedulerInput, idx: number[]): { on: number[][]; cost: number } | undefined | 'big' {
  const p = prepare(s, idx);
  const n = idx.length;
  const T = s.pricePerKWh.length;
  if (p.states * T > MAX_CELLS) return 'big';
  // typed arrays: one byte per (slot, state) for the choice (n <= 8 loads), 8 bytes per
  // state for the running cost; the Lua core does not include this module
  let cur = new Float64Array(p.states);
  cur.fill(Infinity);
  cur[0] = 0;
  let next = new Float64Array(p.states);
  const back: Uint8Array[] = [];
  const prog: number[] = [];
  for (let j = 0; j < n; j++) prog.push(0);
  // per on/off combination: its power, its step in the state number, and (per slot) its cost
  const combos = 1 << n;
  const maskW = new Float64Array(combos);
  const maskStep = new Float64Array(combos);
  const maskCost = new Float64Array(combos);
  for (let m = 0; m < combos; m++) {
    for (let j = 0; j < n; j++) {
      if ((m & (1 << j)) !== 0) {
        maskW[m] += s.loads[idx[j]].powerW;
        maskStep[m] += p.mult[j];
      }
    }
  }
  for (let t = 0; t < T; t++) {
    const kWhPerW = s.slotS / 3600 / 1000;
    for (let m = 0; m < combos; m++) maskCost[m] = maskW[m] * kWhPerW * s.pricePerKWh[t];
    next.fill(Infinity);
    const choice = new Uint8Array(p.states);
    for (let st = 0; st < p.states; st++) {
      const c0 = cur[st];
      if (c0 === Infinity) continue;
      let must = 0;
      let may = 0;
      let dead = false;
      let r = st;
      for (let j = 0; j < n; j++) {
        const d = r % (p.k[j] + 1);
        r = (r - d) / (p.k[j] + 1);
        prog[j] = d;
        const left = p.k[j] - d;
        if (left === 0) continue;
        if (t >= p.end[j] || left > p.end[j] - t) {
          dead = true;
          break;
        }
        if (t < p.first[j]) continue;
        const l = s.loads[idx[j]];
        if ((!l.interruptible && d > 0) || left === p.end[j] - t) must |= 1 << j;
        else may |= 1 << j;
      }
      if (dead) continue;
      // every subset of the optional loads, added to the ones that must run
      let sub = may;
      for (;;) {
        const mask = must | sub;
        const w = s.baseW[t] + maskW[mask];
        const add = maskCost[mask];
        const nx = st + maskStep[mask];
        if (w <= s.capW && c0 + add < next[nx]) {
          next[nx] = c0 + add;
          choice[nx] = mask;
        }
        if (sub === 0) break;
        sub = (sub - 1) & may;
      }
    }
    back.push(choice);
    const swap = cur;
    cur = next;
    next = swap;
  }
  let fin = 0;
  for (let j = 0; j < n; j++) fin += p.k[j] * p.mult[j];
  if (cur[fin] === Infinity) return undefined;
  const on: number[][] = [];
  for (let j = 0; j < n; j++) on.push([]);
  let st = fin;
  for (let t = T - 1; t >= 0; t--) {
    const mask = back[t][st];
    for (let j = 0; j < n; j++) {
      if ((mask & (1 << j)) !== 0) {
        on[j].unshift(t);
        st -= p.mult[j];
      }
    }
  }
  return { on: on, cost: cur[fin] };
}

function bitCount(m: number): number {
  let c = 0;
  while (m !== 0) {
    c += m & 1;
    m = m >>> 1;
  }
  return c;
}

/** The exact schedule (falls back to greedy, exact: false, when too large). */
export function scheduleOptimal(s: SchedulerInput): Schedule {
  const unmet: Unmet[] = [];
  const ok: number[] = [];
  for (let i = 0; i < s.loads.length; i++) {
    const why = aloneProblem(s, s.loads[i]);
    if (why !== '') unmet.push({ name: s.loads[i].name, reason: why });
    else ok.push(i);
  }
  // the largest set of the loads that fit together, then the cheapest
  const m = ok.length;
  let best: { on: number[][]; cost: number; mask: number } | undefined;
  for (let size = m; size >= 0 && best === undefined; size--) {
    for (let mask = (1 << m) - 1; mask >= 0; mask--) {
      if (bitCount(mask) !== size) continue;
      const idx: number[] = [];
      for (let j = 0; j < m; j++) if ((mask & (1 << j)) !== 0) idx.push(ok[j]);
      const r = exactFor(s, idx);
      if (r === 'big') {
        const g = scheduleGreedy(s);
        return { on: g.on, cost: g.cost, unmet: g.unmet, exact: false };
      }
      if (r !== undefined && (best === undefined || r.cost < best.cost)) best = { on: r.on, cost: r.cost, mask: mask };
    }
  }
  const on: number[][] = [];
  for (let i = 0; i < s.loads.length; i++) on.push([]);
  let cost = 0;
  if (best !== undefined) {
    let q = 0;
    for (let j = 0; j < m; j++) {
      if ((best.mask & (1 << j)) !== 0) {
        on[ok[j]] = best.on[q];
        q++;
      } else unmet.push({ name: s.loads[ok[j]].name, reason: 'no room under the ' + String(s.capW) + ' W cap before its deadline alongside the other loads' });
    }
    cost = best.cost;
  }
  return { on: on, cost: cost, unmet: unmet, exact: true };
}

function usedW(s: SchedulerInput): number[] {
  const u: number[] = [];
  for (let t = 0; t < s.pricePerKWh.length; t++) u.push(s.baseW[t]);
  return u;
}

function place(s: SchedulerInput, used: number[], l: DeferrableLoad, slots: number[]): void {
  for (let q = 0; q < slots.length; q++) used[slots[q]] += l.powerW;
}

function fits(s: SchedulerInput, used: number[], l: DeferrableLoad, t: number): boolean {
  return used[t] + l.powerW <= s.capW;
}

function finish(s: SchedulerInput, on: number[][], unmet: Unmet[]): Schedule {
  let cost = 0;
  for (let i = 0; i < s.loads.length; i++) cost += loadCost(s, s.loads[i], on[i]);
  return { on: on, cost: cost, unmet: unmet, exact: false };
}

function order(s: SchedulerInput, key: (l: DeferrableLoad) => number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < s.loads.length; i++) idx.push(i);
  idx.sort((a, b) => {
    const d = key(s.loads[a]) - key(s.loads[b]);
    return d !== 0 ? d : a - b;
  });
  return idx;
}

/** Each load starts as soon as it may (waiting only for room under the cap), in order of earliest start. */
export function scheduleImmediate(s: SchedulerInput): Schedule {
  const used = usedW(s);
  const on: number[][] = [];
  for (let i = 0; i < s.loads.length; i++) on.push([]);
  const unmet: Unmet[] = [];
  const idx = order(s, (l) => l.earliestS);
  for (let q = 0; q < idx.length; q++) {
    const l = s.loads[idx[q]];
    const k = slotsNeeded(l, s.slotS);
    const w = windowOf(l, s.slotS, s.pricePerKWh.length);
    let slots: number[] = [];
    for (let t = w.first; t < w.end && slots.length < k; t++) {
      if (fits(s, used, l, t)) slots.push(t);
      else if (!l.interruptible) slots = [];
    }
    if (slots.length < k) unmet.push({ name: l.name, reason: 'run at once, it cannot finish before its deadline' });
    else {
      place(s, used, l, slots);
      on[idx[q]] = slots;
    }
  }
  return finish(s, on, unmet);
}

/** Earliest deadline first; each load at its cheapest place given the loads placed before it. */
export function scheduleGreedy(s: SchedulerInput): Schedule {
  const used = usedW(s);
  const on: number[][] = [];
  for (let i = 0; i < s.loads.length; i++) on.push([]);
  const unmet: Unmet[] = [];
  const idx = order(s, (l) => l.deadlineS);
  for (let q = 0; q < idx.length; q++) {
    const l = s.loads[idx[q]];
    const k = slotsNeeded(l, s.slotS);
    const w = windowOf(l, s.slotS, s.pricePerKWh.length);
    let chosen: number[] = [];
    if (l.interruptible) {
      const room: number[] = [];
      for (let t = w.first; t < w.end; t++) if (fits(s, used, l, t)) room.push(t);
      room.sort((a, b) => (s.pricePerKWh[a] !== s.pricePerKWh[b] ? s.pricePerKWh[a] - s.pricePerKWh[b] : a - b));
      if (room.length >= k) {
        chosen = room.slice(0, k);
        chosen.sort((a, b) => a - b);
      }
    } else {
      let bestCost = Infinity;
      for (let t0 = w.first; t0 + k <= w.end; t0++) {
        let okRun = true;
        let c = 0;
        for (let t = t0; t < t0 + k; t++) {
          if (!fits(s, used, l, t)) {
            okRun = false;
            break;
          }
          c += s.pricePerKWh[t];
        }
        if (okRun && c < bestCost) {
          bestCost = c;
          chosen = [];
          for (let t = t0; t < t0 + k; t++) chosen.push(t);
        }
      }
    }
    if (chosen.length < k) unmet.push({ name: l.name, reason: 'no room under the ' + String(s.capW) + ' W cap before its deadline alongside the loads placed before it' });
    else {
      place(s, used, l, chosen);
      on[idx[q]] = chosen;
    }
  }
  return finish(s, on, unmet);
}
