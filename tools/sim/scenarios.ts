// Named scenarios for `npm run sim -- --scenario <name>`. Each one boots a meter node
// on the virtual board, waits until the breaker has closed (t = 0 on the timeline), then
// injects its faults at times relative to that.
import type { ComparatorPath } from '../../hal/sim/comparator';
import type { SimBoard } from '../../hal/sim/board';

export interface ScenarioContext {
  board: SimBoard;
  /** absolute virtual time (µs) of timeline second s */
  at(s: number): number;
  /** say what was injected, for the timeline and latency figures */
  mark(s: number, what: string): void;
  /** an ordinary event on the timeline (not a fault: no latency is measured from it) */
  note(s: number, what: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  seconds: number;
  settings?: Record<string, number>;
  comparatorPath?: ComparatorPath;
  /** print a reading line every N seconds (default 1) */
  everyS?: number;
  inject(ctx: ScenarioContext): void;
}

const S = 1e6;

export const SCENARIOS: Scenario[] = [
  {
    name: 'household',
    description: 'ten minutes of an ordinary home: base load, a fridge cycling, a kettle, a washing machine; nothing trips',
    seconds: 600,
    everyS: 30,
    inject: (c) => {
      const appliances: Appliance[] = [{ name: 'base load', a: 0.9, pfDeg: 35, on: [[0, 600]] }];
      const fridge: [number, number][] = [];
      for (let k = 0; k < 5; k++) fridge.push([20 + k * 120, 80 + k * 120]);
      appliances.push({ name: 'fridge compressor', a: 0.7, pfDeg: 45, on: fridge });
      appliances.push({ name: 'kettle (2.4 kW)', a: 10.5, pfDeg: 0, on: [[200, 330]] });
      appliances.push({ name: 'washing machine heater + motor (2.1 kW)', a: 9.2, pfDeg: 15, on: [[400, 560]] });
      playAppliances(c, appliances, 600);
    },
  },
  {
    name: 'short-circuit',
    description: 'a 300 A prospective short circuit; the comparator latch opens the relays in hardware',
    seconds: 3,
    inject: (c) => {
      c.board.mains.shortCircuit({ atUs: c.at(1.0031), prospectiveA: 300 });
      c.mark(1.0031, 'short circuit, 300 A prospective');
    },
  },
  {
    name: 'short-during-long-task',
    description: 'the same short circuit while JS is busy for 3 s with a signature check (latch path)',
    seconds: 6,
    inject: (c) => {
      c.board.sched.at(c.at(0.5), () => c.board.sched.busy(3 * S));
      c.mark(0.5, 'long JS task starts (3 s, e.g. an Ed25519 verify)');
      c.board.mains.shortCircuit({ atUs: c.at(1.0031), prospectiveA: 300 });
      c.mark(1.0031, 'short circuit, 300 A prospective');
    },
  },
  {
    name: 'short-during-long-task-js-path',
    description: 'what goes wrong without the latch: the comparator callback waits for the long task',
    seconds: 6,
    comparatorPath: 'js',
    inject: (c) => {
      c.board.sched.at(c.at(0.5), () => c.board.sched.busy(3 * S));
      c.mark(0.5, 'long JS task starts (3 s)');
      c.board.mains.shortCircuit({ atUs: c.at(1.0031), prospectiveA: 300 });
      c.mark(1.0031, 'short circuit, 300 A prospective');
    },
  },
  {
    name: 'overcurrent',
    description: 'a 40 A fault (below the comparator) caught by the instantaneous sample-peak element',
    seconds: 3,
    inject: (c) => {
      c.board.mains.setLoad({ atUs: c.at(1.0017), irms: 40, pfAngleDeg: 10 });
      c.mark(1.0017, 'load steps to 40 A');
    },
  },
  {
    name: 'sag',
    description: 'supply sags to 150 V for 2 s: under-voltage trip, then reclose 30 s after recovery',
    seconds: 40,
    everyS: 2,
    inject: (c) => {
      c.board.mains.sag({ atUs: c.at(1.0043), depth: 150 / 230, durationUs: 2 * S });
      c.mark(1.0043, 'sag to 150 V for 2 s');
    },
  },
  {
    name: 'swell',
    description: 'supply swells to 280 V for 1 s: over-voltage trip, then reclose',
    seconds: 40,
    everyS: 2,
    inject: (c) => {
      c.board.mains.swell({ atUs: c.at(1.0043), factor: 280 / 230, durationUs: 1 * S });
      c.mark(1.0043, 'swell to 280 V for 1 s');
    },
  },
  {
    name: 'repeated-sags-lockout',
    description: 'three sags in ten minutes: the third locks out; only a local reset closes',
    seconds: 150,
    everyS: 5,
    settings: { recloseDelayMs: 10000 },
    inject: (c) => {
      for (let k = 0; k < 3; k++) {
        c.board.mains.sag({ atUs: c.at(2 + k * 40), depth: 0.6, durationUs: 1 * S });
        c.mark(2 + k * 40, `sag ${k + 1} to 138 V`);
      }
    },
  },
  {
    name: 'overload',
    description: 'load ramps from 10 A to 28 A (1.75 x Is): the very-inverse overload element times out after ~18 s',
    seconds: 30,
    everyS: 1,
    // the power limit would act first (6.4 kW > 4 kW for 10 s); lift it to show the curve
    settings: { maxPowerW: 25000 },
    inject: (c) => {
      c.board.mains.overloadRamp({ atUs: c.at(1), fromA: 10, toA: 28, rampUs: 2 * S });
      c.mark(1, 'overload ramp 10 A -> 28 A over 2 s');
    },
  },
  {
    name: 'overpower',
    description: 'a 5 kW load for 15 s against the 4 kW limit with a 10 s hold (Tasmota MaxPower style)',
    seconds: 20,
    inject: (c) => {
      c.board.mains.setLoad({ atUs: c.at(2), irms: 22, pfAngleDeg: 5 });
      c.mark(2, 'load steps to 22 A (5 kW)');
    },
  },
  {
    name: 'energy-cap',
    description: 'a daily cap of 20 Wh with a 2.3 kW load: trips after about 31 s',
    seconds: 45,
    everyS: 5,
    settings: { maxEnergyWhDay: 20 },
    inject: (c) => {
      c.board.mains.setLoad({ atUs: c.at(0), irms: 10, pfAngleDeg: 0 });
      c.mark(0, 'load 10 A; daily cap 20 Wh');
    },
  },
  {
    name: 'gas-leak',
    description: 'LPG rises to 5000 ppm over 20 s (after the MQ-6 warm-up): gas trip, latched',
    seconds: 240,
    everyS: 10,
    inject: (c) => {
      c.board.env.gasLeak({ atUs: c.at(200), ppm: 5000, rampUs: 20 * S });
      c.mark(200, 'LPG leak, ramp to 5000 ppm over 20 s');
    },
  },
  {
    name: 'overheating',
    description: 'room temperature climbs to 85 C over 60 s: over-temperature trip, latched',
    seconds: 80,
    everyS: 5,
    inject: (c) => {
      c.board.env.overheat({ atUs: c.at(5), toC: 85, rampUs: 60 * S });
      c.mark(5, 'temperature ramps to 85 C over 60 s');
    },
  },
  {
    name: 'ntc-open',
    description: 'the NTC wire breaks: fail-safe open',
    seconds: 8,
    inject: (c) => {
      c.board.frontend.sensorFault('ntc', 'open', c.at(2));
      c.mark(2, 'NTC open circuit');
    },
  },
  {
    name: 'gas-sensor-shorted',
    description: 'the MQ-6 output shorts to its supply: fail-safe open',
    seconds: 8,
    inject: (c) => {
      c.board.frontend.sensorFault('gas', 'shorted', c.at(2));
      c.mark(2, 'MQ-6 shorted');
    },
  },
  {
    name: 'current-sensor-stuck',
    description: 'the current channel freezes on one code: fail-safe open after 0.5 s',
    seconds: 4,
    inject: (c) => {
      c.board.frontend.sensorFault('i', 'stuck', c.at(1));
      c.mark(1, 'current channel stuck');
    },
  },
  {
    name: 'adc-nan',
    description: 'the ADC driver starts returning NaN: fail-safe open at the next cycle',
    seconds: 3,
    inject: (c) => {
      c.board.frontend.sensorFault('v', 'nan', c.at(1));
      c.mark(1, 'ADC driver returns NaN');
    },
  },
  {
    name: 'mains-loss',
    description: 'the supply fails for 5 s: under-voltage on free-running windows, reclose after return',
    seconds: 45,
    everyS: 5,
    inject: (c) => {
      c.board.mains.sag({ atUs: c.at(1.0043), depth: 0, durationUs: 5 * S });
      c.mark(1.0043, 'supply lost for 5 s');
    },
  },
];

interface Appliance {
  name: string;
  /** rms current, A, and its lag, degrees */
  a: number;
  pfDeg: number;
  /** on intervals, timeline seconds */
  on: [number, number][];
}

// The mains model carries one load: at each switching instant, set it to the phasor sum
// of every appliance that is on (so a fridge starting does not switch the kettle off).
function playAppliances(c: ScenarioContext, list: Appliance[], seconds: number): void {
  const times: number[] = [0];
  for (const ap of list) for (const [a, b] of ap.on) times.push(a, b);
  const uniq = [...new Set(times)].filter((t) => t < seconds).sort((x, y) => x - y);
  for (const t of uniq) {
    let re = 0;
    let im = 0;
    for (const ap of list) {
      if (!ap.on.some(([a, b]) => t >= a && t < b)) continue;
      re += ap.a * Math.cos((ap.pfDeg * Math.PI) / 180);
      im += ap.a * Math.sin((ap.pfDeg * Math.PI) / 180);
      if (ap.on.some(([a]) => a === t) && t > 0) c.note(t, `${ap.name} on`);
    }
    for (const ap of list) if (ap.on.some(([, b]) => b === t)) c.note(t, `${ap.name} off`);
    c.board.mains.setLoad({ atUs: c.at(t), irms: Math.hypot(re, im), pfAngleDeg: (Math.atan2(im, re) * 180) / Math.PI });
  }
}

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
