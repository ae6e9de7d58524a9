// Runs a scenario: a MeterNode on a SimBoard in virtual time, and a timeline of what
// happened (readings, injected faults, trips with their latency, relay moves).
import type { BoardDescription } from '../../boards/board';
import { SimBoard } from '../../hal/sim/board';
import { MeterNode } from '../../firmware/app/meter-node';
import type { Averages } from '../../firmware/metering/averager';
import type { TripEvent } from '../../firmware/protection/trip-log';
import type { Scenario } from './scenarios';

export type TimelineEvent =
  | {
      t: number;
      kind: 'reading';
      vrms: number;
      irms: number;
      p: number;
      pf: number;
      freqHz: number;
      tempC: number;
      gasPpm: number;
      gas: string;
      state: string;
      importWh: number;
    }
  | { t: number; kind: 'fault'; what: string }
  | { t: number; kind: 'event'; what: string }
  | { t: number; kind: 'trip'; reason: string; detail: string; state: string; afterFaultMs: number | null }
  | { t: number; kind: 'relay'; closed: boolean; source: string; afterFaultMs: number | null };

/** A trip record with its time on the timeline (seconds from t = 0) instead of board µs. */
export type TimelineTrip = Omit<TripEvent, 'tUs'> & { t: number };

/** Everything here is simulated, so the same seed gives the same result, byte for byte. */
export interface RunResult {
  scenario: string;
  board: string;
  seconds: number;
  /** boot time before t = 0, s: from power-on to the breaker's first close command */
  bootS: number;
  events: TimelineEvent[];
  finalState: string;
  trips: TimelineTrip[];
}

/** Instantaneous mains voltage and current through the CT (0 while the relay is open). */
export interface Waveform {
  /** timeline seconds */
  t: number[];
  v: number[];
  i: number[];
}

/** What to record besides the result: the waveform over [fromS, toS] of the timeline. */
export interface RunOptions {
  waveform?: { fromS: number; toS: number; rateHz: number };
}

/** The longest boot a scenario waits for the breaker to close before it starts anyway. */
export const MAX_BOOT_S = 30;

/**
 * Runs a scenario. t = 0 is the moment the breaker first closes (the boot delay differs
 * per board), so a fault "at 1 s" always hits one second into a closed breaker. The wall
 * time is returned beside the result, never inside it.
 */
export function runScenario(
  sc: Scenario,
  board: BoardDescription,
  seed = 1,
  opts: RunOptions = {},
): { result: RunResult; wallMs: number; waveform?: Waveform } {
  const wall0 = performance.now();
  const sim = new SimBoard({ board, seed, comparatorPath: sc.comparatorPath });
  const tBoot = sim.now();
  let t0 = tBoot + MAX_BOOT_S * 1e6;
  const rel = (tUs: number) => (tUs - t0) / 1e6;
  const events: TimelineEvent[] = [];
  const faults: number[] = [];
  const lastFault = (tUs: number): number | null => {
    let best: number | null = null;
    for (const f of faults) if (f <= tUs) best = f;
    return best === null ? null : Math.round((tUs - best) / 10) / 100;
  };
  const every = sc.everyS ?? 1;
  let nextPrint = 0;
  let node: MeterNode | undefined;
  node = new MeterNode(sim.device, board, {
    settings: sc.settings,
    onTrip: (e) => events.push({ t: rel(e.tUs), kind: 'trip', reason: e.reason, detail: e.detail, state: e.state, afterFaultMs: lastFault(e.tUs) }),
    onAverages: (a: Averages) => {
      const t = rel(a.tUs);
      if (t < nextPrint - 1e-6 || node === undefined) return;
      nextPrint = Math.floor(t / every + 1e-9) * every + every;
      events.push({
        t,
        kind: 'reading',
        vrms: a.vrms,
        irms: a.irms,
        p: a.p,
        pf: a.pf,
        freqHz: a.freqHz,
        tempC: node.ntc.celsius,
        gasPpm: node.gas.ppm,
        gas: node.gas.status,
        state: node.state(),
        importWh: node.meter.energy.importWh,
      });
    },
  });
  // boot: run until the node commands the main relay closed (t = 0)
  let lastCmd = sim.relays.main.commands.length;
  for (let t = sim.now(); t < tBoot + MAX_BOOT_S * 1e6; t += 10000) {
    sim.runUntil(t + 10000);
    const close = sim.relays.main.commands.find((c) => c.energised);
    if (close !== undefined) {
      t0 = close.tUs;
      break;
    }
  }
  const ctx = {
    board: sim,
    at: (s: number) => t0 + s * 1e6,
    mark: (s: number, what: string) => {
      faults.push(t0 + s * 1e6);
      faults.sort((a, b) => a - b);
      events.push({ t: s, kind: 'fault', what });
    },
    note: (s: number, what: string) => {
      events.push({ t: s, kind: 'event', what });
    },
  };
  sc.inject(ctx);
  // the waveform: hardware events on the simulator (no JS-thread time), read at their instant
  let waveform: Waveform | undefined;
  const w = opts.waveform;
  if (w !== undefined) {
    const wf: Waveform = { t: [], v: [], i: [] };
    const n = Math.round((w.toS - w.fromS) * w.rateHz);
    for (let k = 0; k <= n; k++) {
      const s = w.fromS + k / w.rateHz;
      const tUs = t0 + s * 1e6;
      if (tUs < sim.now()) continue;
      sim.sched.at(tUs, () => {
        wf.t.push(s);
        wf.v.push(sim.voltsAt(tUs));
        wf.i.push(sim.ampsAt(tUs));
      });
    }
    waveform = wf;
  }
  const end = t0 + sc.seconds * 1e6;
  // step in 10 ms slices so relay commands land in order on the timeline
  for (let t = sim.now(); t < end; t = Math.min(end, t + 10000)) {
    sim.runUntil(Math.min(end, t + 10000));
    const cmds = sim.relays.main.commands;
    for (; lastCmd < cmds.length; lastCmd++) {
      const c = cmds[lastCmd];
      events.push({ t: rel(c.tUs), kind: 'relay', closed: c.energised, source: c.source, afterFaultMs: c.energised ? null : lastFault(c.tUs) });
    }
  }
  events.sort((a, b) => a.t - b.t);
  const bootS = Math.round((t0 - tBoot) / 1e3) / 1e3;
  const trips = node.trips().map(({ tUs, ...rest }) => ({ ...rest, t: rel(tUs) }));
  const result = { scenario: sc.name, board: board.name, seconds: sc.seconds, bootS, events, finalState: node.state(), trips };
  return { result, wallMs: performance.now() - wall0, waveform };
}

function f(x: number, w: number, d: number): string {
  return (Number.isFinite(x) ? x.toFixed(d) : '--').padStart(w);
}

export function formatTimeline(r: RunResult, wallMs?: number): string {
  const out: string[] = [];
  const simS = r.seconds + r.bootS;
  const speed = wallMs === undefined ? '' : ` in ${(wallMs / 1000).toFixed(2)} s (${((simS * 1000) / wallMs).toFixed(0)}x real time)`;
  out.push(`scenario ${r.scenario} on ${r.board}: ${r.bootS.toFixed(2)} s boot + ${r.seconds} s simulated${speed}`);
  out.push("t = 0 is the breaker's first close; trips and relay moves show their latency after the fault");
  out.push('       t s    Vrms    Irms       P W     PF      f Hz   T C     LPG ppm  breaker');
  for (const e of r.events) {
    const t = f(e.t, 10, 4);
    if (e.kind === 'reading') {
      const gas = e.gas === 'ok' ? f(e.gasPpm, 11, 0) : e.gas.padStart(11);
      out.push(`${t} ${f(e.vrms, 7, 1)} ${f(e.irms, 7, 2)} ${f(e.p, 9, 1)} ${f(e.pf, 6, 3)} ${f(e.freqHz, 8, 3)} ${f(e.tempC, 5, 1)} ${gas}  ${e.state}`);
    } else if (e.kind === 'fault') out.push(`${t}  >> FAULT   ${e.what}`);
    else if (e.kind === 'event') out.push(`${t}  .. EVENT   ${e.what}`);
    else if (e.kind === 'trip') {
      const lat = e.afterFaultMs === null ? '' : `, ${e.afterFaultMs.toFixed(2)} ms after the fault`;
      out.push(`${t}  !! TRIP    ${e.reason} (${e.detail})${lat} -> ${e.state}`);
    } else {
      const lat = e.afterFaultMs === null || e.closed ? '' : `, ${e.afterFaultMs.toFixed(2)} ms after the fault`;
      out.push(`${t}  -- RELAY   ${e.closed ? 'close' : 'open'} command (${e.source})${lat}`);
    }
  }
  out.push(`final breaker state: ${r.finalState}`);
  return out.join('\n');
}
