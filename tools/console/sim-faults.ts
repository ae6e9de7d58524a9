// The `Sim` command of `--port sim`: inject a fault into the virtual board by hand, so that
// Trips, LockoutReset and a refused `Relay ON` can be tried at the console. It lives here,
// in the host tool, and is answered before the line reaches the node's UART: no board
// build has it (firmware/ cannot import tools/: tools/lint-imports.ts).
//   Sim                    the list below
//   Sim Short [A]          a bolted short, 300 A prospective, for 0.5 s (comparator latch)
//   Sim Overcurrent [A]    the load steps to 40 A and stays (sample-peak element)
//   Sim Sag [V] [s]        supply sags to 150 V for 2 s (under-voltage; recloses)
//   Sim Swell [V] [s]      supply swells to 280 V for 1 s (over-voltage; recloses)
//   Sim Gas [ppm]          LPG ramps to 5000 ppm over 5 s (gas trip, latched)
//   Sim Heat [C]           room ramps to 85 C over 10 s (over-temperature trip, latched)
//   Sim Load <A>           an ordinary load, 0..100 A (ends Overcurrent)
//   Sim Clear              load 5 A, LPG 5 ppm, 24 C: the fault is gone, a reset may close
// The values are the named scenarios' (tools/sim/scenarios.ts).
import type { SimBoard } from '../../hal/sim/board';
import { parseNumber, splitCall, valueAfterName } from '../../firmware/console/parser';

type Reply = Record<string, unknown>;

interface SimFault {
  name: string;
  about: string;
  /** defaults of the numeric arguments, and their ranges */
  args: { name: string; def: number; min: number; max: number; unit: string }[];
  run(b: SimBoard, a: number[]): string;
}

const S = 1e6;
/** a fault starts a cycle from now (the node sees it on its next ADC block) */
const soon = (b: SimBoard) => b.now() + 1000;

export const SIM_FAULTS: SimFault[] = [
  {
    name: 'Short',
    about: 'a bolted short circuit for 0.5 s: the comparator latch opens the relays (Trips, LockoutReset)',
    args: [{ name: 'prospective', def: 300, min: 50, max: 10000, unit: 'A' }],
    run: (b, [a]) => (b.mains.shortCircuit({ atUs: soon(b), prospectiveA: a, durationUs: 0.5 * S }), `short circuit, ${a} A prospective, 0.5 s`),
  },
  {
    name: 'Overcurrent',
    about: 'the load steps to 40 A and stays until Sim Clear: instantaneous over-current trip',
    args: [{ name: 'current', def: 40, min: 1, max: 100, unit: 'A' }],
    run: (b, [a]) => (b.mains.setLoad({ atUs: soon(b), irms: a, pfAngleDeg: 10 }), `load steps to ${a} A`),
  },
  {
    name: 'Sag',
    about: 'the supply sags to 150 V for 2 s: under-voltage trip, reclose after RecloseDelay',
    args: [
      { name: 'voltage', def: 150, min: 0, max: 229, unit: 'V' },
      { name: 'duration', def: 2, min: 0.02, max: 600, unit: 's' },
    ],
    run: (b, [v, s]) => (b.mains.sag({ atUs: soon(b), depth: v / 230, durationUs: s * S }), `sag to ${v} V for ${s} s`),
  },
  {
    name: 'Swell',
    about: 'the supply swells to 280 V for 1 s: over-voltage trip, reclose after RecloseDelay',
    args: [
      { name: 'voltage', def: 280, min: 231, max: 690, unit: 'V' },
      { name: 'duration', def: 1, min: 0.02, max: 600, unit: 's' },
    ],
    run: (b, [v, s]) => (b.mains.swell({ atUs: soon(b), factor: v / 230, durationUs: s * S }), `swell to ${v} V for ${s} s`),
  },
  {
    name: 'Gas',
    about: 'LPG ramps to 5000 ppm over 5 s: gas trip, latched (the MQ-6 reads only once warm, 180 s after boot)',
    args: [{ name: 'concentration', def: 5000, min: 0, max: 100000, unit: 'ppm' }],
    run: (b, [p]) => (b.env.gasLeak({ atUs: soon(b), ppm: p, rampUs: 5 * S }), `LPG ramps to ${p} ppm over 5 s`),
  },
  {
    name: 'Heat',
    about: 'the room ramps to 85 C over 10 s: over-temperature trip, latched',
    args: [{ name: 'temperature', def: 85, min: -40, max: 150, unit: 'C' }],
    run: (b, [c]) => (b.env.overheat({ atUs: soon(b), toC: c, rampUs: 10 * S }), `room ramps to ${c} C over 10 s`),
  },
  {
    name: 'Load',
    about: 'an ordinary load in A (ends an Overcurrent)',
    args: [{ name: 'current', def: 5, min: 0, max: 100, unit: 'A' }],
    run: (b, [a]) => (b.mains.setLoad({ atUs: soon(b), irms: a, pfAngleDeg: 10 }), `load ${a} A`),
  },
  {
    name: 'Clear',
    about: 'back to normal: load 5 A, LPG 5 ppm, 24 C; then LockoutReset and Relay ON close',
    args: [],
    run: (b) => {
      b.mains.setLoad({ atUs: soon(b), irms: 5, pfAngleDeg: 10 });
      b.env.gasLeak({ atUs: soon(b), ppm: 5, rampUs: 0 });
      b.env.overheat({ atUs: soon(b), toC: 24, rampUs: 0 });
      return 'load 5 A, LPG 5 ppm, 24 C';
    },
  },
];

/** true when a console command (one of a line's) is the simulator's `Sim` */
export function isSimCommand(command: string): boolean {
  return splitCall(command).name.toLowerCase() === 'sim';
}

function fail(error: string, extra: Reply): Reply {
  return { Command: 'Sim', Error: error, ...extra };
}

/** Run one `Sim ...` command against the board; the reply has the console's shapes. */
export function runSimCommand(board: SimBoard, command: string): Reply {
  const value = valueAfterName(splitCall(command));
  if (value === '') {
    const list: Record<string, string> = {};
    for (const f of SIM_FAULTS) list[`Sim ${f.name}${f.args.map((a) => ` [${a.name} ${a.min}..${a.max} ${a.unit}]`).join('')}`] = f.about;
    return { Sim: list };
  }
  const words = value.split(/\s+/);
  const f = SIM_FAULTS.find((x) => x.name.toLowerCase() === words[0].toLowerCase());
  if (f === undefined) return fail('unknown fault', { Got: words[0], Allowed: SIM_FAULTS.map((x) => x.name) });
  if (words.length - 1 > f.args.length) return fail('too many values', { Got: words.slice(1).join(' '), Allowed: f.args.map((a) => a.name) });
  const got: number[] = [];
  for (let k = 0; k < f.args.length; k++) {
    const a = f.args[k];
    if (k + 1 >= words.length) {
      got.push(a.def);
      continue;
    }
    const v = parseNumber(words[k + 1]);
    if (v === undefined || v < a.min || v > a.max) return fail(`${a.name} out of range`, { Got: words[k + 1], Min: a.min, Max: a.max, Unit: a.unit });
    got.push(v);
  }
  return { Sim: { Injected: f.run(board, got), AtS: Math.round(board.now() / 1e3) / 1e3 } };
}
