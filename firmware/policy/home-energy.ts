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
import { HouseholdPolicy, PRIVACY, SAFETY, SAVINGS, SOURCE_NAMES, USER, UTILITY } from './policy';
import { DR_CANCEL, DR_KINDS, DR_LIMIT } from './dr-kinds';
import type { DrOrder } from './dr-kinds';
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
  /** the whole plan: the slots it runs in, ascending (the PC link's `plan` line) */
  slots: number[];
  powerW: number;
}

/** How a demand-response order reaches the load relays (the ControlUnit's household relay frame). */
export interface DrRelays {
  /** switch node `nodeId`'s load relay; false when it could not be sent */
  set(nodeId: number, on: boolean): boolean;
  /** is it closed now, as last heard (undefined: not known) */
  isOn(nodeId: number): boolean | undefined;
}

/** The order the unit holds (at most one: a newer one replaces it). */
export interface DrState {
  id: number;
  seq: number;
  kind: string;
  /** the import cap, W (limit orders) */
  limitW: number;
  relays: number[];
  /** the event on the unit's clock, µs */
  startUs: number;
  endUs: number;
  /** t0 has come: the claims are made */
  active: boolean;
  /** what the policy refused of it, 'resource: reason' */
  refused: string[];
}

/** What applying an order did: '' (held) or why not, and what the policy refused of it. */
export interface DrApplied {
  error: string;
  state: DrState | undefined;
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
  schedule:
    { slotS: number; startUs: number; planning: boolean; exact: boolean; cost: number; refused: number; loads: LoadState[]; horizon: number } | undefined;
  /** the demand-response order held, if any */
  dr: DrState | undefined;
  /** the last order that let go: '<id> ended' | '<id> cancelled' | '<id> replaced', '' none yet */
  drLast: string;
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
  private dr: { order: DrOrder; st: DrState; relays: DrRelays; wasOn: { [node: string]: boolean | undefined }; held: string[] } | undefined = undefined;
  private drEvent = false;
  /** the last order that ended: 'id ended' | 'id cancelled' | 'id replaced' (for the energy line) */
  drLast = '';

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
    this.drStep(nowUs);
    if (this.runner !== undefined && nowUs >= this.startUs) this.runner.tick((nowUs - this.startUs) / 1e6);
  }

  /**
   * A demand-response order whose utility signature the unit verified (./dr-order.ts,
   * ./demand-response.ts): held from now, its claims made at t0 at rank utility and given
   * back at t1. `wallS` is the unit's wall clock now, which places t0 and t1 on the unit's
   * own clock. A cancel ends the order it names. Returns '' or why not.
   */
  applyOrder(o: DrOrder, nowUs: number, wallS: number, relays: DrRelays): DrApplied {
    const cur = this.dr;
    if (o.kind === DR_CANCEL) {
      if (cur === undefined || cur.order.orderId !== o.orderId) return { error: 'cancel: order ' + String(o.orderId) + ' is not held', state: undefined };
      this.drEnd(nowUs, 'cancelled');
      return { error: '', state: undefined };
    }
    if (cur !== undefined) this.drEnd(nowUs, 'replaced');
    const st: DrState = {
      id: o.orderId,
      seq: o.seq,
      kind: DR_KINDS[o.kind],
      limitW: o.kind === DR_LIMIT ? o.limitW : 0,
      relays: o.relays.slice(),
      startUs: nowUs + (o.startS - wallS) * 1e6,
      endUs: nowUs + (o.endS - wallS) * 1e6,
      active: false,
      refused: [],
    };
    this.dr = { order: o, st: st, relays: relays, wasOn: {}, held: [] };
    this.drEvent = true;
    this.drStep(nowUs);
    return { error: '', state: st };
  }

  private drStep(nowUs: number): void {
    const d = this.dr;
    if (d === undefined) return;
    if (nowUs >= d.st.endUs) {
      this.drEnd(nowUs, 'ended');
      return;
    }
    if (d.st.active || nowUs < d.st.startUs) return;
    d.st.active = true;
    this.drEvent = true;
    const nowS = nowUs / 1e6;
    const untilS = d.st.endUs / 1e6;
    if (d.order.kind === DR_LIMIT)
      this.drClaim(d, { source: UTILITY, resource: 'battery', action: 'cap', watts: d.st.limitW, untilS: untilS, verified: true }, nowS);
    for (let i = 0; i < d.st.relays.length; i++) {
      const id = d.st.relays[i];
      const was = d.relays.isOn(id);
      if (this.drClaim(d, { source: UTILITY, resource: 'relay:node:' + String(id), action: 'off', untilS: untilS, verified: true }, nowS)) {
        d.wasOn[id] = was;
        // the claim stands (nothing lower may close it); a node the unit cannot reach is named
        if (!d.relays.set(id, false)) d.st.refused.push('relay:node:' + String(id) + ': not switched (not in the registry, or the link refused the frame)');
      }
    }
  }

  private drClaim(
    d: { st: DrState; held: string[] },
    req: { source: number; resource: string; action: string; watts?: number; untilS: number; verified: boolean },
    nowS: number,
  ): boolean {
    const r = this.policy.submit(req, nowS);
    if (r.granted) d.held.push(req.resource);
    else d.st.refused.push(req.resource + ': ' + r.reason);
    return r.granted;
  }

  /** t1 came, or a cancel or a newer order: give the resources back; each relay goes where its next claim says. */
  private drEnd(nowUs: number, how: string): void {
    const d = this.dr;
    if (d === undefined) return;
    this.dr = undefined;
    this.drEvent = true;
    this.drLast = String(d.st.id) + ' ' + how;
    const nowS = nowUs / 1e6;
    for (let i = 0; i < d.held.length; i++) {
      const res = d.held[i];
      if (this.policy.owner(res, nowS) === UTILITY) this.policy.release(UTILITY, res, nowS);
      if (res.indexOf('relay:node:') !== 0) continue;
      const id = Number(res.substring(11));
      const next = this.policy.effective(res, nowS);
      // safety keeps its relay open itself; a lower claim resumes; no claim: as it was before the order (closed when not known)
      if (next !== undefined && next.source === SAFETY) continue;
      const on = next !== undefined ? next.action === 'on' : d.wasOn[id] !== false;
      d.relays.set(id, on);
    }
  }

  /** '' or why the household may not switch node `nodeId`'s relay now (a demand-response order holds it). */
  drHolds(nodeId: number, nowUs: number): string {
    const d = this.dr;
    const r = 'relay:node:' + String(nodeId);
    if (d === undefined || this.policy.owner(r, nowUs / 1e6) !== UTILITY) return '';
    return 'policy: utility (rank 2) holds ' + r + ': demand-response order ' + String(d.st.id) + ' until it ends (docs/POLICY.md)';
  }

  /** true once after an order was taken, started or ended (the unit sends an energy line at once) */
  takeDrEvent(): boolean {
    const e = this.drEvent;
    this.drEvent = false;
    return e;
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
      sched = { slotS: inp.slotS, startUs: this.startUs, planning: true, exact: false, cost: 0, refused: 0, loads: [], horizon: inp.pricePerKWh.length };
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
        loads.push({ name: l.name, relay: l.relay, on: run.plannedOn(i, tS), nextS: next, unmet: why, slots: on, powerW: l.powerW });
      }
      sched = {
        slotS: inp.slotS,
        startUs: this.startUs,
        planning: false,
        exact: s.exact,
        cost: s.cost,
        refused: run.refused,
        loads: loads,
        horizon: inp.pricePerKWh.length,
      };
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
      dr: this.dr === undefined ? undefined : this.dr.st,
      drLast: this.drLast,
    };
  }

  /** the battery's capacity, kWh (for the PC link's status) */
  capacityKWh(): number {
    return this.spec.capacityKWh;
  }
}
