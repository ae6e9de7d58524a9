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

/**
 * The dynamic programme for one set of loads, resumable: advance(budget) visits at most
 * about `budget` (slot, state) cells and returns, so the control unit can plan in slices
 * between other work (one visit is a state decode plus its on/off subsets, at most 2^n).
 */
class ExactRun {
  readonly big: boolean;
  private readonly s: SchedulerInput;
  private readonly p: Prepared;
  private readonly n: number;
  private readonly T: number;
  private cur: Float64Array;
  private next: Float64Array;
  private readonly back: Uint8Array[] = [];
  private readonly prog: number[] = [];
  private readonly maskW: Float64Array;
  private readonly maskStep: Float64Array;
  private readonly maskCost: Float64Array;
  private readonly combos: number;
  private t = 0;
  /** the next state to visit in slot t (0: the slot has not started) */
  private st = 0;
  private choice: Uint8Array | undefined = undefined;

  constructor(s: SchedulerInput, idx: number[], maxCells: number) {
    this.s = s;
    const p = prepare(s, idx);
    this.p = p;
    this.n = idx.length;
    this.T = s.pricePerKWh.length;
    this.big = p.states * this.T > maxCells;
    // typed arrays: one byte per (slot, state) for the choice (n <= 8 loads), 8 bytes per
    // state for the running cost; the Lua core does not include this module
    const size = this.big ? 1 : p.states;
    this.cur = new Float64Array(size);
    this.cur.fill(Infinity);
    this.cur[0] = 0;
    this.next = new Float64Array(size);
    for (let j = 0; j < this.n; j++) this.prog.push(0);
    // per on/off combination: its power, its step in the state number, and (per slot) its cost
    this.combos = 1 << this.n;
    this.maskW = new Float64Array(this.combos);
    this.maskStep = new Float64Array(this.combos);
    this.maskCost = new Float64Array(this.combos);
    for (let m = 0; m < this.combos; m++) {
      for (let j = 0; j < this.n; j++) {
        if ((m & (1 << j)) !== 0) {
          this.maskW[m] += s.loads[idx[j]].powerW;
          this.maskStep[m] += p.mult[j];
        }
      }
    }
  }

  done(): boolean {
    return this.big || this.t >= this.T;
  }

  /** Visit up to `budget` cells (whole states); returns the cells visited. */
  advance(budget: number): number {
    const s = this.s;
    const p = this.p;
    const n = this.n;
    let used = 0;
    while (this.t < this.T && used < budget) {
      const t = this.t;
      if (this.st === 0) {
        const kWhPerW = s.slotS / 3600 / 1000;
        for (let m = 0; m < this.combos; m++) this.maskCost[m] = this.maskW[m] * kWhPerW * s.pricePerKWh[t];
        this.next.fill(Infinity);
        this.choice = new Uint8Array(p.states);
      }
      const choice = this.choice as Uint8Array;
      const cur = this.cur;
      const next = this.next;
      const prog = this.prog;
      let st = this.st;
      let end = st + (budget - used);
      if (end > p.states) end = p.states;
      used += end - st;
      for (; st < end; st++) {
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
          const l = s.loads[p.idx[j]];
          if ((!l.interruptible && d > 0) || left === p.end[j] - t) must |= 1 << j;
          else may |= 1 << j;
        }
        if (dead) continue;
        // every subset of the optional loads, added to the ones that must run
        let sub = may;
        for (;;) {
          const mask = must | sub;
          const w = s.baseW[t] + this.maskW[mask];
          const add = this.maskCost[mask];
          const nx = st + this.maskStep[mask];
          if (w <= s.capW && c0 + add < next[nx]) {
            next[nx] = c0 + add;
            choice[nx] = mask;
          }
          if (sub === 0) break;
          sub = (sub - 1) & may;
        }
      }
      if (st < p.states) {
        this.st = st;
        continue;
      }
      this.back.push(choice);
      this.cur = next;
      this.next = cur;
      this.st = 0;
      this.t++;
    }
    return used;
  }

  /** The schedule of these loads (all of them), or undefined when infeasible. Call when done(). */
  result(): { on: number[][]; cost: number } | undefined {
    const p = this.p;
    const n = this.n;
    let fin = 0;
    for (let j = 0; j < n; j++) fin += p.k[j] * p.mult[j];
    if (this.cur[fin] === Infinity) return undefined;
    const on: number[][] = [];
    for (let j = 0; j < n; j++) on.push([]);
    let st = fin;
    for (let t = this.T - 1; t >= 0; t--) {
      const mask = this.back[t][st];
      for (let j = 0; j < n; j++) {
        if ((mask & (1 << j)) !== 0) {
          on[j].unshift(t);
          st -= p.mult[j];
        }
      }
    }
    return { on: on, cost: this.cur[fin] };
  }

  /** bytes the back-pointer table holds (one per slot and state) */
  tableBytes(): number {
    return this.big ? 0 : this.p.states * this.T;
  }
}

function bitCount(m: number): number {
  let c = 0;
  while (m !== 0) {
    c += m & 1;
    m = m >>> 1;
  }
  return c;
}

/**
 * The exact scheduler, run in slices: `run(budget)` visits at most ~budget cells and
 * returns 'running' or 'done'; `result()` then gives the schedule. It tries the largest
 * set of loads that fit together, then the cheapest (the same order as one uninterrupted
 * run: scheduleOptimal is this planner run with no budget). Above `maxCells` (slots x
 * states of one set) it falls back to greedy and says so (exact: false).
 */
export class SlicedPlanner {
  private readonly s: SchedulerInput;
  private readonly maxCells: number;
  private readonly unmet: Unmet[] = [];
  private readonly ok: number[] = [];
  private size: number;
  private mask: number;
  private runMask = -1;
  private running: ExactRun | undefined = undefined;
  private best: { on: number[][]; cost: number; mask: number } | undefined = undefined;
  private fallback: Schedule | undefined = undefined;
  private finished = false;
  /** cells visited so far, and the largest back-pointer table held */
  cells = 0;
  tableBytesMax = 0;

  constructor(s: SchedulerInput, maxCells?: number) {
    this.s = s;
    this.maxCells = maxCells === undefined ? MAX_CELLS : maxCells;
    for (let i = 0; i < s.loads.length; i++) {
      const why = aloneProblem(s, s.loads[i]);
      if (why !== '') this.unmet.push({ name: s.loads[i].name, reason: why });
      else this.ok.push(i);
    }
    this.size = this.ok.length;
    this.mask = (1 << this.ok.length) - 1;
  }

  /** The next set of loads to plan (largest first), or false when the search is over. */
  private nextSet(): boolean {
    const m = this.ok.length;
    for (;;) {
      if (this.mask < 0) {
        // every set of this size tried: stop at the first size with a feasible set
        if (this.best !== undefined || this.size === 0) return false;
        this.size--;
        this.mask = (1 << m) - 1;
      }
      const mask = this.mask;
      this.mask--;
      if (bitCount(mask) !== this.size) continue;
      const idx: number[] = [];
      for (let j = 0; j < m; j++) if ((mask & (1 << j)) !== 0) idx.push(this.ok[j]);
      this.running = new ExactRun(this.s, idx, this.maxCells);
      this.runMask = mask;
      return true;
    }
  }

  run(budget: number): 'running' | 'done' {
    let left = budget;
    while (!this.finished) {
      if (this.running === undefined && !this.nextSet()) {
        this.finished = true;
        break;
      }
      const r = this.running as ExactRun;
      if (r.big) {
        const g = scheduleGreedy(this.s);
        this.fallback = { on: g.on, cost: g.cost, unmet: g.unmet, exact: false };
        this.finished = true;
        break;
      }
      if (r.tableBytes() > this.tableBytesMax) this.tableBytesMax = r.tableBytes();
      if (left <= 0) return 'running';
      const used = r.advance(left);
      this.cells += used;
      left -= used;
      if (!r.done()) return 'running';
      const res = r.result();
      if (res !== undefined && (this.best === undefined || res.cost < this.best.cost)) this.best = { on: res.on, cost: res.cost, mask: this.runMask };
      this.running = undefined;
    }
    return 'done';
  }

  result(): Schedule {
    if (this.fallback !== undefined) return this.fallback;
    const s = this.s;
    const unmet: Unmet[] = this.unmet.slice();
    const on: number[][] = [];
    for (let i = 0; i < s.loads.length; i++) on.push([]);
    let cost = 0;
    const best = this.best;
    const m = this.ok.length;
    if (best !== undefined) {
      let q = 0;
      for (let j = 0; j < m; j++) {
        if ((best.mask & (1 << j)) !== 0) {
          on[this.ok[j]] = best.on[q];
          q++;
        } else
          unmet.push({
            name: s.loads[this.ok[j]].name,
            reason: 'no room under the ' + String(s.capW) + ' W cap before its deadline alongside the other loads',
          });
      }
      cost = best.cost;
    }
    return { on: on, cost: cost, unmet: unmet, exact: true };
  }
}

/** The exact schedule in one go (falls back to greedy, exact: false, when too large). */
export function scheduleOptimal(s: SchedulerInput, maxCells?: number): Schedule {
  const p = new SlicedPlanner(s, maxCells);
  p.run(Infinity);
  return p.result();
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
    if (chosen.length < k)
      unmet.push({ name: l.name, reason: 'no room under the ' + String(s.capW) + ' W cap before its deadline alongside the loads placed before it' });
    else {
      place(s, used, l, chosen);
      on[idx[q]] = chosen;
    }
  }
  return finish(s, on, unmet);
}
