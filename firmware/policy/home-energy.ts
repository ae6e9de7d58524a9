// The home's energy management on the control unit (issue 9, composed): the household
// policy (./policy.ts), the shared battery under it (../privacy/controller.ts, load hiding
// with our algorithm by default) and the load schedule (../schedule), owned by one object
// that the ControlUnit feeds with its nodes' readings and steps in its own clock.
//
//   readings  node P (W, import) -> the household's real load = the sum over nodes
//   step      every call: the battery controller (load hiding while privacy owns the
//             battery; a higher claim drives it otherwise) -> visible load, SoC, energies
//   schedule  a day's plan (tariff, loads, cap) -> ScheduleRunner -> the policy at rank
//             "savings" -> the switch port (the unit's household relay message)
//   events    a node's trip claims its relay at rank "safety" until it is closed again; a
//             household relay request claims it at rank "user" for userOverrideS
//
// The battery is the model (../privacy/battery.ts) until a battery inverter has a hal/
// interface: the SoC shown is the model's, named so in docs/POLICY.md. Portable: no clock
// of its own, the caller passes its time in µs.
import { defaultBattery, checkBattery } from '../privacy/battery';
import type { BatterySpec } from '../privacy/battery';
import { DEFAULT_CAP_W, makeHider, OURS } from '../privacy/hiding';
import { BatteryController } from '../privacy/controller';
import type { BatteryStep } from '../privacy/controller';
import { HouseholdPolicy, PRIVACY, SAFETY, SAVINGS, SOURCE_NAMES, USER } from './policy';
import type { Decision } from './policy';
import { ScheduleRunner, plan } from '../schedule/runner';
import type { SchedulerKind } from '../schedule/runner';
import { checkSchedulerInput } from '../schedule/model';
import type { Schedule, SchedulerInput } from '../schedule/model';
import { SlicedPlanner } from '../schedule/solve';

/** The slot a plan made on the board should use: 30 min (the billing interval too; docs/PRIVACY.md "On the board"). */
export const BOARD_SLOT_S = 1800;
/**
 * The exact planner's table budget on the board, cells of one byte (64 kB without PSRAM):
 * the household day at 30 min takes 23 040, at 15 min 453 600 (then greedy, exact: false).
 */
export const BOARD_MAX_CELLS = 65536;
/**
 * Cells the planner visits per step (one step per control-unit tick, 1 s): ~920 XS
 * computrons a cell, so ~92 k computrons, ~46 ms of an ESP32 at the bench's 2 M/s; the
 * household day at 30 min plans in 231 steps (sched.xs_* in npm run bench).
 */
export const PLAN_CELLS_PER_STEP = 100;

export interface HomeEnergyOptions {
  /** the battery (default: defaultBattery(), 1.5 kWh / 1 kW) */
  battery?: BatterySpec;
  /** the load-hiding algorithm (default: ours) */
  algorithm?: string;
  /** the visible-load cap for hiding, W (default DEFAULT_CAP_W, below the meter's MaxPower) */
  capW?: number;
  /** how long a household relay request keeps the scheduler off that relay, s, 60..86400 (default 4 h) */
  userOverrideS?: number;
  /** the exact planner's table budget, cells (default BOARD_MAX_CELLS) */
  planMaxCells?: number;
  /** cells the exact planner visits per step, 1..100000 (default PLAN_CELLS_PER_STEP) */
  planCellsPerStep?: number;
}

/** Switches a load's relay; `relay` is the plan's name ('node:<id>' on the control unit). Returns false when refused. */
export type RelayPort = (relay: string, on: boolean) => boolean;

export interface LoadState {
  name: string;
  relay: string;
  on: boolean;
  /** start of the next planned slot, s from the plan's start; -1 when none is left */
  nextS: number;
  /** why it cannot be met, '' when it is planned */
  unmet: string;
}

export interface EnergyState {
  realW: number;
  visibleW: number;
  batteryW: number;
  /** state of charge, fraction */
  soc: number;
  /** who drives the battery: safety, utility, user, savings, privacy, or '' (idle) */
  owner: string;
  algorithm: string;
  /** energy since the unit started, Wh: what the house used, what the meter saw */
  realWh: number;
  visibleWh: number;
  schedule: { slotS: number; startUs: number; planning: boolean; exact: boolean; cost: number; refused: number; loads: LoadState[] } | undefined;
}

export class HomeEnergy {
  readonly policy = new HouseholdPolicy();
  private readonly controller: BatteryController;
  private readonly spec: BatterySpec;
  private readonly algorithm: string;
  private readonly userOverrideS: number;
  private readonly loadW: { [node: string]: number } = {};
  private lastUs = -1;
  private last: BatteryStep = { visibleW: 0, batteryW: 0, owner: 0 };
  private realW = 0;
  private realWh = 0;
  private visibleWh = 0;
  private runner: ScheduleRunner | undefined = undefined;
  private input: SchedulerInput | undefined = undefined;
  private sched: Schedule | undefined = undefined;
  private startUs = 0;
  private port: RelayPort | undefined = undefined;
  private planner: SlicedPlanner | undefined = undefined;
  private readonly planMaxCells: number;
  private readonly planCellsPerStep: number;
  /** planner steps spent on the current plan */
  planSteps = 0;

  constructor(o: HomeEnergyOptions) {
    const spec = o.battery === undefined ? defaultBattery() : o.battery;
    const bad = checkBattery(spec);
    if (bad !== '') throw new RangeError('HomeEnergy.battery.' + bad);
    const ov = o.userOverrideS === undefined ? 4 * 3600 : o.userOverrideS;
    if (!(ov >= 60 && ov <= 86400)) throw new RangeError('HomeEnergy.userOverrideS ' + String(ov) + ' out of range 60..86400');
    this.userOverrideS = ov;
    this.planMaxCells = o.planMaxCells === undefined ? BOARD_MAX_CELLS : o.planMaxCells;
    const pc = o.planCellsPerStep === undefined ? PLAN_CELLS_PER_STEP : o.planCellsPerStep;
    if (!(pc >= 1 && pc <= 100000)) throw new RangeError('HomeEnergy.planCellsPerStep ' + String(pc) + ' out of range 1..100000');
    this.planCellsPerStep = pc;
    this.spec = spec;
    this.algorithm = o.algorithm === undefined ? OURS : o.algorithm;
    const h = makeHider(this.algorithm, spec, o.capW === undefined ? DEFAULT_CAP_W : o.capW);
    if (h === undefined || h.battery === undefined) throw new RangeError('HomeEnergy.algorithm ' + this.algorithm + ': a load-hiding algorithm with a battery');
    this.controller = new BatteryController(h, this.policy);
    // privacy holds the battery until something ranked higher claims it (docs/POLICY.md)
    this.policy.submit({ source: PRIVACY, resource: 'battery', action: 'hide' }, 0);
  }

  /** A node's reading: its import power, W (NaN keeps the last value: a sensor fault is no load change). */
  feed(nodeId: number, powerW: number): void {
    if (powerW !== powerW) return;
    this.loadW[nodeId] = powerW > 0 ? powerW : 0;
  }

  /** Advance to `nowUs`: the battery for the time since the last step, then the schedule. */
  step(nowUs: number): void {
    if (this.lastUs < 0) {
      this.lastUs = nowUs;
      return;
    }
    const dtS = (nowUs - this.lastUs) / 1e6;
    if (!(dtS > 0)) return;
    this.lastUs = nowUs;
    let real = 0;
    for (const k in this.loadW) real += this.loadW[k];
    this.realW = real;
    this.last = this.controller.step(real, dtS, nowUs / 1e6);
    this.realWh += (real * dtS) / 3600;
    this.visibleWh += (this.last.visibleW * dtS) / 3600;
    const pl = this.planner;
    if (pl !== undefined) {
      // the exact plan, one slice per step, so the unit's loop never waits for it
      this.planSteps++;
      if (pl.run(this.planCellsPerStep) === 'done') {
        this.planner = undefined;
        this.start(pl.result());
      }
    }
    if (this.runner !== undefined && nowUs >= this.startUs) this.runner.tick((nowUs - this.startUs) / 1e6);
  }

  private start(s: Schedule): void {
    const input = this.input as SchedulerInput;
    this.sched = s;
    // the scheduler asks the policy at rank "savings" before every switch
    this.runner = new ScheduleRunner(input, s, { set: (relay: string, on: boolean) => this.savingsSwitch(relay, on) });
  }

  /**
   * Plan a day and drive it through `port`, starting at `startUs` on the unit's clock.
   * The exact plan (the default) is made in slices, one per step(); greedy and immediate
   * at once. Returns '' or why not (a setting out of range names the field and the range).
   */
  setSchedule(input: SchedulerInput, startUs: number, port: RelayPort, kind?: SchedulerKind): string {
    const bad = checkSchedulerInput(input);
    if (bad !== '') return 'scheduler ' + bad;
    this.input = input;
    this.startUs = startUs;
    this.port = port;
    this.runner = undefined;
    this.sched = undefined;
    this.planSteps = 0;
    if (kind === undefined || kind === 'optimal') {
      this.planner = new SlicedPlanner(input, this.planMaxCells);
      return '';
    }
    this.planner = undefined;
    this.start(plan(input, kind));
    return '';
  }

  private savingsSwitch(relay: string, on: boolean): boolean {
    const nowS = this.lastUs / 1e6;
    const d = this.policy.submit({ source: SAVINGS, resource: 'relay:' + relay, action: on ? 'on' : 'off' }, nowS);
    if (!d.granted) return false;
    return this.port !== undefined && this.port(relay, on);
  }

  /** Protection holds node `nodeId`'s relay open (true) or let it go (false): rank "safety". */
  safety(nodeId: number, open: boolean, nowUs: number): void {
    const r = 'relay:node:' + String(nodeId);
    if (open) this.policy.submit({ source: SAFETY, resource: r, action: 'off' }, nowUs / 1e6);
    else if (this.policy.owner(r, nowUs / 1e6) === SAFETY) this.policy.release(SAFETY, r, nowUs / 1e6);
  }

  /** The household switched node `nodeId`'s relay: rank "user", for userOverrideS. */
  userSwitch(nodeId: number, on: boolean, nowUs: number): Decision {
    const nowS = nowUs / 1e6;
    return this.policy.submit({ source: USER, resource: 'relay:node:' + String(nodeId), action: on ? 'on' : 'off', untilS: nowS + this.userOverrideS }, nowS);
  }

  state(): EnergyState {
    const b = this.controller;
    let sched: EnergyState['schedule'] = undefined;
    const s = this.sched;
    const inp = this.input;
    const run = this.runner;
    if (this.planner !== undefined && inp !== undefined) {
      sched = { slotS: inp.slotS, startUs: this.startUs, planning: true, exact: false, cost: 0, refused: 0, loads: [] };
    } else if (s !== undefined && inp !== undefined && run !== undefined) {
      const loads: LoadState[] = [];
      const tS = this.lastUs < this.startUs ? 0 : (this.lastUs - this.startUs) / 1e6;
      const slot = Math.floor(tS / inp.slotS);
      for (let i = 0; i < inp.loads.length; i++) {
        const l = inp.loads[i];
        let next = -1;
        const on = s.on[i];
        for (let q = 0; q < on.length; q++) {
          if (on[q] > slot) {
            next = on[q] * inp.slotS;
            break;
          }
        }
        let why = '';
        for (let u = 0; u < s.unmet.length; u++) if (s.unmet[u].name === l.name) why = s.unmet[u].reason;
        loads.push({ name: l.name, relay: l.relay, on: run.plannedOn(i, tS), nextS: next, unmet: why });
      }
      sched = { slotS: inp.slotS, startUs: this.startUs, planning: false, exact: s.exact, cost: s.cost, refused: run.refused, loads: loads };
    }
    return {
      realW: this.realW,
      visibleW: this.last.visibleW,
      batteryW: this.last.batteryW,
      soc: b.soc(),
      owner: SOURCE_NAMES[this.last.owner],
      algorithm: this.algorithm,
      realWh: this.realWh,
      visibleWh: this.visibleWh,
      schedule: sched,
    };
  }

  /** the battery's capacity, kWh (for the PC link's status) */
  capacityKWh(): number {
    return this.spec.capacityKWh;
  }
}
