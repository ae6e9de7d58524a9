// Engine entry for the load-hiding algorithms: the tests run a trace through every
// algorithm in Node and in XS and compare, and tools/bench/privacy.ts meters one
// control step of ours with xsnap's compute meter.
import { defaultBattery } from './battery';
import type { BatterySpec } from './battery';
import { makeHider, OURS } from './hiding';
import type { Hider } from './hiding';

export interface TraceInput {
  algorithm: string;
  spec: BatterySpec;
  /** [t0, w0, t1, w1, ...] in s and W */
  trace: number[];
}

/** Visible load for each row after the first, and the final SoC. */
export function runTrace(input: TraceInput): { visible: number[]; soc: number } {
  const h = makeHider(input.algorithm, input.spec);
  if (h === undefined) throw new Error('unknown algorithm ' + input.algorithm);
  const tr = input.trace;
  const out: number[] = [];
  const n = tr.length;
  for (let i = 2; i < n; i += 2) out.push(h.step(tr[i + 1], tr[i] - tr[i - 2]));
  const b = h.battery;
  return { visible: out, soc: b === undefined ? NaN : b.soc() };
}

export interface StepState {
  hider: Hider;
  loads: number[];
  pos: number;
  dtS: number;
}

/** Bench state: ours on the default battery, fed a recorded load series in a loop. */
export function makeState(loads: number[], dtS: number): StepState {
  const h = makeHider(OURS, defaultBattery());
  if (h === undefined) throw new Error('no ' + OURS);
  return { hider: h, loads: loads, pos: 0, dtS: dtS };
}

export function step(s: StepState): number {
  const w = s.loads[s.pos];
  s.pos = s.pos + 1 === s.loads.length ? 0 : s.pos + 1;
  return s.hider.step(w, s.dtS);
}
