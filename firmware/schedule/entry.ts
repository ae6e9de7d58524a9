// Engine entry for the scheduler: the tests plan the same day in Node and in XS and
// compare; the bench meters one plan with xsnap's compute meter.
import type { Schedule, SchedulerInput } from './model';
import { plan } from './runner';
import { SlicedPlanner } from './solve';
import type { SchedulerKind } from './runner';

export function planFor(input: { kind: SchedulerKind; sched: SchedulerInput }): Schedule {
  return plan(input.sched, input.kind);
}

/** The bench's sliced run in XS: start a plan, then one metered call per slice. */
export function slicedStart(input: { sched: SchedulerInput; maxCells: number; budget: number }): number {
  const g = globalThis as unknown as { __plan: { p: SlicedPlanner; budget: number } };
  g.__plan = { p: new SlicedPlanner(input.sched, input.maxCells), budget: input.budget };
  return 0;
}

/** One slice; returns 1 while running, 0 when done. */
export function slicedStep(x: number): number {
  const g = globalThis as unknown as { __plan: { p: SlicedPlanner; budget: number } };
  return g.__plan.p.run(g.__plan.budget) === 'running' ? 1 : 0;
}

export function slicedResult(x: number): Schedule {
  const g = globalThis as unknown as { __plan: { p: SlicedPlanner; budget: number } };
  return g.__plan.p.result();
}
