// Deferrable loads, the tariff and the power cap: the inputs of the load scheduler, and
// their validation (a setting out of range is refused naming the field and the range).
//
// Time is cut into slots of slotS seconds from the start of the horizon. A load draws its
// rated power for whole slots, so its energy rounds up to whole slots (the appliance
// stops itself when its program ends; the cost counted is the whole slot, an upper bound).

import { checkRanges } from '../privacy/battery';
import type { FieldRange } from '../privacy/battery';

export interface DeferrableLoad {
  /** e.g. 'washing machine' */
  name: string;
  /** relay channel that switches it */
  relay: string;
  /** earliest start, s from the horizon start */
  earliestS: number;
  /** it must have finished by then, s from the horizon start */
  deadlineS: number;
  energyWh: number;
  powerW: number;
  /** may pause between slots (water heater, EV charger) or not (a washing programme) */
  interruptible: boolean;
}

export interface SchedulerInput {
  slotS: number;
  /** price of each slot, per kWh (any currency); its length sets the horizon */
  pricePerKWh: number[];
  /** forecast of the rest of the household per slot, W (the cap applies to it plus the scheduled loads) */
  baseW: number[];
  /** power cap, W: must stay below the meter's MaxPower so the schedule cannot trip our protection */
  capW: number;
  /** the protection's MaxPower setting, W */
  meterMaxPowerW: number;
  loads: DeferrableLoad[];
}

export const SCHED_RANGES: FieldRange[] = [
  { field: 'slotS', min: 60, max: 3600, unit: 's' },
  { field: 'capW', min: 100, max: 25000, unit: 'W' },
  { field: 'meterMaxPowerW', min: 100, max: 25000, unit: 'W' },
];

export const LOAD_RANGES: FieldRange[] = [
  { field: 'earliestS', min: 0, max: 7 * 86400, unit: 's' },
  { field: 'deadlineS', min: 0, max: 7 * 86400, unit: 's' },
  { field: 'energyWh', min: 1, max: 200000, unit: 'Wh' },
  { field: 'powerW', min: 1, max: 25000, unit: 'W' },
];

export const MAX_LOADS = 8;
export const MAX_SLOTS = 672;

/** '' when the input is usable, else the first problem, naming the field and the range. */
export function checkSchedulerInput(s: SchedulerInput): string {
  let e = checkRanges(s as unknown as { [k: string]: number }, SCHED_RANGES);
  if (e !== '') return e;
  if (s.capW >= s.meterMaxPowerW) return 'capW: ' + String(s.capW) + ' is out of range (100 .. below meterMaxPowerW ' + String(s.meterMaxPowerW) + ' W)';
  const n = s.pricePerKWh.length;
  if (n < 1 || n > MAX_SLOTS) return 'pricePerKWh: ' + String(n) + ' slots is out of range (1 .. ' + String(MAX_SLOTS) + ')';
  if (s.baseW.length !== n) return 'baseW: ' + String(s.baseW.length) + ' slots, expected ' + String(n) + ' (one per price slot)';
  for (let i = 0; i < n; i++) {
    const p = s.pricePerKWh[i];
    if (typeof p !== 'number' || p !== p || p < -10 || p > 10) return 'pricePerKWh[' + String(i) + ']: ' + String(p) + ' is out of range (-10 .. 10)';
    const b = s.baseW[i];
    if (typeof b !== 'number' || b !== b || b < 0 || b > 25000) return 'baseW[' + String(i) + ']: ' + String(b) + ' is out of range (0 .. 25000 W)';
  }
  if (s.loads.length > MAX_LOADS) return 'loads: ' + String(s.loads.length) + ' is out of range (0 .. ' + String(MAX_LOADS) + ')';
  for (let i = 0; i < s.loads.length; i++) {
    const l = s.loads[i];
    e = checkRanges(l as unknown as { [k: string]: number }, LOAD_RANGES);
    if (e !== '') return 'loads[' + String(i) + '] (' + l.name + ').' + e;
    if (l.deadlineS <= l.earliestS)
      return 'loads[' + String(i) + '] (' + l.name + ').deadlineS: ' + String(l.deadlineS) + ' is out of range (after earliestS ' + String(l.earliestS) + ' s)';
  }
  return '';
}

/** Slots a load needs (whole slots at its rated power). */
export function slotsNeeded(l: DeferrableLoad, slotS: number): number {
  return Math.ceil(l.energyWh / ((l.powerW * slotS) / 3600) - 1e-9);
}

/** First slot it may use, and the slot after the last one it may use. */
export function windowOf(l: DeferrableLoad, slotS: number, nSlots: number): { first: number; end: number } {
  const first = Math.ceil(l.earliestS / slotS - 1e-9);
  let end = Math.floor(l.deadlineS / slotS + 1e-9);
  if (end > nSlots) end = nSlots;
  return { first: first, end: end };
}

export interface Unmet {
  name: string;
  reason: string;
}

export interface Schedule {
  /** on[i] = the slots load i runs in, ascending */
  on: number[][];
  cost: number;
  unmet: Unmet[];
  /** true when the schedule is proven optimal (the exact solver finished) */
  exact: boolean;
}

/** Cost of running load i in the given slots. */
export function loadCost(s: SchedulerInput, l: DeferrableLoad, slots: number[]): number {
  let c = 0;
  for (let k = 0; k < slots.length; k++) c += ((l.powerW * s.slotS) / 3600 / 1000) * s.pricePerKWh[slots[k]];
  return c;
}

/** Why a load cannot run even alone, or ''. */
export function aloneProblem(s: SchedulerInput, l: DeferrableLoad): string {
  const k = slotsNeeded(l, s.slotS);
  const w = windowOf(l, s.slotS, s.pricePerKWh.length);
  if (w.end - w.first < k)
    return 'needs ' + String(k) + ' slots of ' + String(s.slotS) + ' s but its window holds ' + String(w.end - w.first > 0 ? w.end - w.first : 0);
  let room = 0;
  let run = 0;
  let best = 0;
  for (let i = w.first; i < w.end; i++) {
    if (s.baseW[i] + l.powerW <= s.capW) {
      room++;
      run++;
      if (run > best) best = run;
    } else run = 0;
  }
  if (room < k || (!l.interruptible && best < k))
    return 'its ' + String(l.powerW) + ' W does not fit under the ' + String(s.capW) + ' W cap for ' + String(k) + ' slots before its deadline';
  return '';
}
