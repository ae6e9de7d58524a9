// A schedule, driven through the relays. The caller passes the time (s from the start of
// the horizon) on each tick; the runner switches a load's relay when its slot plan
// changes. The switch port is where the household policy sits (firmware/policy): the
// scheduler's requests rank below safety, the utility and the user, so a refused switch
// is reported back and retried on the next tick, never forced.
import { checkSchedulerInput } from './model';
import type { Schedule, SchedulerInput } from './model';
import { scheduleGreedy, scheduleImmediate, scheduleOptimal } from './solve';

export interface LoadSwitch {
  /** asks for the relay to be on or off; returns false when the request was refused */
  set(relay: string, on: boolean): boolean;
}

export type SchedulerKind = 'optimal' | 'greedy' | 'immediate';

/** Validates the input (RangeError naming the field and the range) and plans. */
export function plan(s: SchedulerInput, kind: SchedulerKind): Schedule {
  const e = checkSchedulerInput(s);
  if (e !== '') throw new RangeError('scheduler ' + e);
  if (kind === 'greedy') return scheduleGreedy(s);
  if (kind === 'immediate') return scheduleImmediate(s);
  return scheduleOptimal(s);
}

export class ScheduleRunner {
  private readonly input: SchedulerInput;
  private readonly sched: Schedule;
  private readonly port: LoadSwitch;
  /** what each load's relay was last set to (undefined: never set) */
  private readonly state: (boolean | undefined)[] = [];
  refused = 0;

  constructor(input: SchedulerInput, sched: Schedule, port: LoadSwitch) {
    this.input = input;
    this.sched = sched;
    this.port = port;
    for (let i = 0; i < input.loads.length; i++) this.state.push(undefined);
  }

  /** Whether load i is planned on at time nowS. */
  plannedOn(i: number, nowS: number): boolean {
    const slot = Math.floor(nowS / this.input.slotS);
    const on = this.sched.on[i];
    for (let q = 0; q < on.length; q++) if (on[q] === slot) return true;
    return false;
  }

  tick(nowS: number): void {
    for (let i = 0; i < this.input.loads.length; i++) {
      const want = this.plannedOn(i, nowS);
      if (this.state[i] === want) continue;
      if (this.port.set(this.input.loads[i].relay, want)) this.state[i] = want;
      else this.refused++;
    }
  }
}
