// Engine entry for the scheduler: the tests plan the same day in Node and in XS and
// compare; the bench meters one plan with xsnap's compute meter.
import type { Schedule, SchedulerInput } from './model';
import { plan } from './runner';
import type { SchedulerKind } from './runner';

export function planFor(input: { kind: SchedulerKind; sched: SchedulerInput }): Schedule {
  return plan(input.sched, input.kind);
}
