// The control unit's `energy` line (docs/PC-LINK.md) as the gateway publishes it (MQTT
// tele/<home>-cu/ENERGY and stat/<home>-cu/PLAN, tools/gateway/topics.ts) and the dashboard
// shows it: one mapping for both, so the page and Home Assistant never disagree.
//
// Times: the line carries the unit's clock (µs since its boot); a plan's slot is placed on
// the gateway's wall clock through the line itself (wall at arrival - (t - start)), to the
// minute, so a plan that did not change publishes the same payload again (stat/ is on change).
import type { EnergyMsg, PlanMsg } from './lines';

/** The utility's demand-response order as the home sees it (stat/<home>-cu/DR, on change). */
export interface DrPayload {
  /** an order is held (pending or active) */
  Held: boolean;
  /** t0 has come: the order's claims are made */
  Active?: boolean;
  Order?: number;
  Kind?: string;
  LimitW?: number;
  Relays?: number[];
  Start?: string;
  End?: string;
  /** claims the household policy refused it (a relay protection holds, the rate limit) */
  Refused?: number;
  /** the last order that let go: '<id> ended' | '<id> cancelled' | '<id> replaced' */
  Last: string;
}

/** The `energy` line's demand-response fields on the gateway's wall clock (to the second). */
export function drPayload(m: EnergyMsg, wall: Date): DrPayload {
  const d = m.dr;
  const last = m.drLast ?? '';
  if (d === undefined || d === null) return { Held: false, Last: last };
  const at = (unitUs: number): string => new Date(Math.round((wall.getTime() - (m.t - unitUs) / 1000) / 1000) * 1000).toISOString();
  return {
    Held: true,
    Active: d.active,
    Order: d.id,
    Kind: d.kind,
    LimitW: d.limitW,
    Relays: d.relays,
    Start: at(d.start),
    End: at(d.end),
    Refused: d.refused,
    Last: last,
  };
}

export interface EnergyPayload {
  Time: string;
  /** the household's load, W: the sum of the nodes' import power */
  Real: number | null;
  /** what the utility's meter sees after the battery, W */
  Visible: number | null;
  /** battery power at the grid side, W, + charge */
  Battery: number | null;
  /** state of charge, %, 0.1 (the battery model's until an inverter has a hal/ interface) */
  SoC: number | null;
  /** who drives the battery (the household policy's rank): safety, utility, user, savings, privacy, or idle */
  Owner: string;
  Algorithm: string;
  RealWh: number | null;
  VisibleWh: number | null;
}

export interface PlanLoad {
  Name: string;
  Relay: string;
  On: boolean;
  Next: string | null;
  Unmet: string;
  /** the whole plan of this load: when it runs, on the wall clock (from the unit's `plan` lines) */
  Slots?: { From: string; To: string }[];
  PowerW?: number | null;
}
export interface PlanPayload {
  Planned: boolean;
  /** the exact planner is still at work (one slice per unit tick) */
  Planning?: boolean;
  Start?: string;
  SlotS?: number;
  Exact?: boolean;
  /** the plan's cost in the tariff's currency */
  Cost?: number | null;
  /** switches the household policy refused the scheduler (a higher rank held the relay) */
  Refused?: number;
  Loads?: PlanLoad[];
}

const MINUTE_MS = 60_000;

export function energyPayload(m: EnergyMsg, wall: Date): EnergyPayload {
  return {
    Time: wall.toISOString(),
    Real: m.realW,
    Visible: m.visibleW,
    Battery: m.batteryW,
    SoC: m.soc === null ? null : Math.round(m.soc * 1000) / 10,
    Owner: m.owner === '' ? 'idle' : m.owner,
    Algorithm: m.algo,
    RealWh: m.realWh,
    VisibleWh: m.visibleWh,
  };
}

/** One pairing of the unit's clock with the gateway's wall clock (unit µs, wall ms). */
export interface ClockAnchor {
  unitUs: number;
  wallMs: number;
}

/**
 * The plan on the gateway's wall clock. `anchor` pairs the two clocks once per plan (the
 * caller keeps it while the plan's start is the same): pairing them afresh on every line
 * moved the times whenever the unit's clock ran at another pace than the wall (a simulated
 * home at --speed N, a late line), and a plan that did not change was published again.
 */
/** The slots set in a `plan` line's bitmap, as [first, end) runs. */
export function slotRuns(on: string, slots: number): [number, number][] {
  const runs: [number, number][] = [];
  let from = -1;
  for (let q = 0; q <= slots; q++) {
    const set = q < slots && (parseInt(on.charAt(q >> 2), 16) & (8 >> (q & 3))) !== 0;
    if (set && from < 0) from = q;
    if (!set && from >= 0) {
      runs.push([from, q]);
      from = -1;
    }
  }
  return runs;
}

/** The plan lines of one plan, when all of them are in (keyed by the plan's start on the unit's clock). */
export class PlanLines {
  private start = -1;
  private lines: (PlanMsg | undefined)[] = [];

  add(m: PlanMsg): void {
    if (m.start !== this.start || this.lines.length !== m.of) {
      this.start = m.start;
      this.lines = new Array<PlanMsg | undefined>(m.of).fill(undefined);
    }
    this.lines[m.load] = m;
  }

  /** every load's line for the plan that starts at `start`, or undefined */
  complete(start: number, loads: number): PlanMsg[] | undefined {
    if (start !== this.start || this.lines.length !== loads) return undefined;
    for (const l of this.lines) if (l === undefined) return undefined;
    return this.lines as PlanMsg[];
  }
}

export function planPayload(m: EnergyMsg, wall: Date, anchor: ClockAnchor = { unitUs: m.t, wallMs: wall.getTime() }, whole?: PlanMsg[]): PlanPayload {
  const s = m.sched;
  if (s === null) return { Planned: false };
  // the unit's µs -> the gateway's wall clock, to the minute
  const at = (unitUs: number): string => new Date(Math.round((anchor.wallMs - (anchor.unitUs - unitUs) / 1000) / MINUTE_MS) * MINUTE_MS).toISOString();
  return {
    Planned: true,
    Planning: (s as { planning?: unknown }).planning === true,
    Start: at(s.start),
    SlotS: s.slotS,
    Exact: s.exact,
    Cost: s.cost,
    Refused: s.refused,
    Loads: s.loads.map((l, i) => {
      const p: PlanLoad = { Name: l[0], Relay: l[1], On: l[2], Next: l[3] === null || l[3] < 0 ? null : at(s.start + l[3] * 1e6), Unmet: l[4] };
      const w = whole?.[i];
      if (w !== undefined) {
        p.Slots = slotRuns(w.on, w.slots).map(([a, b]) => ({ From: at(s.start + a * w.slotS * 1e6), To: at(s.start + b * w.slotS * 1e6) }));
        p.PowerW = w.powerW;
      }
      return p;
    }),
  };
}
