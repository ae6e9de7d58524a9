// npm run privacy -- --trace FILE.csv [--battery 1.5kWh,1kW] [--algo all|none|best-effort|nill|stepping|slot-levels] [--json] [--plot out.svg]
// Evaluates battery load hiding on a household trace: leakage (mutual information, exposed
// load events, correlation) and cost (energy overhead, battery cycles) per algorithm.
// See docs/PRIVACY.md for the estimator, the event definition and the algorithms.
import { createReadStream, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkBattery, defaultBattery, type BatterySpec } from '../firmware/privacy/battery';
import { ALGORITHMS, DEFAULT_CAP_W, OURS } from '../firmware/privacy/hiding';
import { Evaluation } from './privacy/evaluate';
import { readTrace, TraceError } from './privacy/csv';
import { plotSvg } from './privacy/plot';
import { householdTrace, traceCsv } from './privacy/synth';
import { seedRange, sweep } from './privacy/sweep';
import { isEntry } from './cli';

export const USAGE = `usage: npm run privacy -- --trace FILE.csv [options]

  --trace FILE.csv   load trace: header "time,watts", time in s or ISO 8601, watts >= 0
                     (mean power over the step ending at that time; steps 1 s .. 15 min,
                     irregular is fine, a gap over 1 h is an error). "-" reads stdin.
  --battery C,P      battery capacity and power limit, e.g. 1.5kWh,1kW (default), or
                     C,P,ETA with a round-trip efficiency (default 0.9)
  --algo NAME        all (default), none, best-effort, nill, stepping, ${OURS} (ours)
  --json             print one JSON object:
                     {"ours": "${OURS}", "algorithms": {"<name>": {"mi_bits", "events_per_day",
                     "correlation", "overhead_pct", "cycles"}, ...}}
  --plot out.svg     write real vs visible load and battery SoC over time
  --synth STEP       print the repo's synthetic household day at STEP seconds as a trace
                     CSV (STEP divides 86400) and exit
  --sweep N          seed sweep: the synthetic day for seeds 1..N at 2 min and at 1 s (1 .. 200);
                     prints, per baseline, the seeds where ours has the lower MI (--json: one object)
  --help             this text

exit status: 0 done, 1 the trace is bad (the error names the line), 2 bad options`;

class UsageError extends Error {}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const UNIT = /^([0-9]*\.?[0-9]+)\s*(kwh|wh|kw|w)?$/i;

/** "1.5kWh,1kW[,0.9]" to a battery spec on the default's other settings. */
export function parseBattery(s: string): BatterySpec {
  const parts = s.split(',');
  if (parts.length < 2 || parts.length > 3) throw new UsageError(`--battery "${s}": expected CAPACITY,POWER[,EFFICIENCY], e.g. 1.5kWh,1kW`);
  const cap = UNIT.exec(parts[0].trim());
  const pow = UNIT.exec(parts[1].trim());
  if (!cap || (cap[2] && !/^k?wh$/i.test(cap[2]))) throw new UsageError(`--battery capacity "${parts[0]}": expected a number in kWh (e.g. 1.5kWh)`);
  if (!pow || (pow[2] && !/^k?w$/i.test(pow[2]))) throw new UsageError(`--battery power "${parts[1]}": expected a number in kW (e.g. 1kW)`);
  const capKWh = Number(cap[1]) / (cap[2] && cap[2].toLowerCase() === 'wh' ? 1000 : 1);
  const powKW = Number(pow[1]) / (pow[2] && pow[2].toLowerCase() === 'w' ? 1000 : 1);
  const spec: BatterySpec = { ...defaultBattery(), capacityKWh: capKWh, maxChargeKW: powKW, maxDischargeKW: powKW };
  if (parts.length === 3) spec.roundTripEff = Number(parts[2].trim());
  const e = checkBattery(spec);
  if (e !== '') throw new UsageError(`--battery ${e}`);
  return spec;
}

export async function run(argv: string[], io: Io): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        trace: { type: 'string' },
        battery: { type: 'string' },
        algo: { type: 'string', default: 'all' },
        json: { type: 'boolean', default: false },
        plot: { type: 'string' },
        synth: { type: 'string' },
        sweep: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    io.err(`privacy: ${(e as Error).message.split('\n')[0]} (--help for usage)`);
    return 2;
  }
  if (v.help) {
    io.out(USAGE);
    return 0;
  }
  let spec: BatterySpec;
  let names: string[];
  try {
    if (v.synth !== undefined) {
      const step = Number(v.synth);
      if (!Number.isInteger(step) || step < 1 || step > 900 || 86400 % step !== 0)
        throw new UsageError(`--synth ${v.synth}: expected a step in s, 1 .. 900, dividing 86400`);
      io.out(traceCsv(householdTrace(step)).trimEnd());
      return 0;
    }
    spec = v.battery !== undefined ? parseBattery(v.battery) : defaultBattery();
    if (v.sweep !== undefined) {
      const n = Number(v.sweep);
      if (!Number.isInteger(n) || n < 1 || n > 200) throw new UsageError(`--sweep ${v.sweep}: expected a number of seeds, 1 .. 200`);
      runSweep(spec, n, v.json === true, io);
      return 0;
    }
    if (v.trace === undefined) throw new UsageError('--trace FILE.csv is required');
    if (v.algo === 'all') names = ALGORITHMS.slice();
    else if (ALGORITHMS.includes(v.algo!)) names = v.algo === 'none' ? ['none'] : ['none', v.algo!];
    else throw new UsageError(`--algo ${v.algo}: expected all, ${ALGORITHMS.join(', ')}`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`privacy: ${e.message}`);
    return 2;
  }
  const ev = new Evaluation(names, spec);
  const file = v.trace;
  try {
    const src = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 16 });
    for await (const r of readTrace(src)) ev.add(r.t, r.watts);
  } catch (e) {
    if (e instanceof TraceError) io.err(`privacy: ${file}:${e.line}: ${e.what}`);
    else io.err(`privacy: ${file}: ${(e as Error).message}`);
    return 1;
  }
  const res = ev.results();
  if (v.plot !== undefined) {
    const title = `${file}: real vs visible load, battery ${spec.capacityKWh} kWh / ${spec.maxChargeKW} kW`;
    writeFileSync(v.plot, plotSvg(ev.plot, names, title));
  }
  if (v.json) {
    const algorithms: Record<string, object> = {};
    for (const n of names) {
      const r = res[n];
      algorithms[n] = { mi_bits: r.mi_bits, events_per_day: r.events_per_day, correlation: r.correlation, overhead_pct: r.overhead_pct, cycles: r.cycles };
    }
    io.out(JSON.stringify({ ours: OURS, algorithms }));
    return 0;
  }
  const days = ev.durationS() / 86400;
  io.out(`trace ${file}: ${(days * 24).toFixed(2)} h; battery ${spec.capacityKWh} kWh, ${spec.maxChargeKW} kW, round trip ${spec.roundTripEff}`);
  io.out('algorithm      MI bits (bias)     events/day  correlation  overhead %  cycles  levels  saturated %  edges/day  copies %');
  for (const n of names) {
    const r = res[n];
    const nm = n === OURS ? `${n}*` : n;
    io.out(
      `${nm.padEnd(14)} ${r.mi_bits.toFixed(3).padStart(7)} (${r.mi_bias_bits.toFixed(3)})  ${String(r.events_per_day).padStart(12)}  ${r.correlation.toFixed(3).padStart(11)}  ${r.overhead_pct.toFixed(2).padStart(10)}  ${r.cycles.toFixed(2).padStart(6)}  ${String(r.visible_levels).padStart(6)}  ${r.saturated_pct.toFixed(1).padStart(11)}  ${r.visible_edges_per_day.toFixed(0).padStart(9)}  ${r.edge_precision_pct.toFixed(1).padStart(8)}`,
    );
  }
  io.out(`* ours. MI: plug-in, 100 W bins on 0-16 kW (docs/PRIVACY.md). ${v.plot !== undefined ? `plot: ${v.plot}` : ''}`.trimEnd());
  if (names.length > 1) {
    const f = ev.floor(DEFAULT_CAP_W);
    io.out(
      `floor: no algorithm with this battery's ${Math.max(spec.maxChargeKW, spec.maxDischargeKW)} kW, of any capacity, gets below ${f.bits.toFixed(3)} bits MI on this trace (tools/privacy/bound.ts)`,
    );
  }
  return 0;
}

function runSweep(spec: BatterySpec, n: number, json: boolean, io: Io): void {
  const res = [120, 1].map((step) => sweep(spec, step, seedRange(n), true));
  if (json) {
    io.out(JSON.stringify({ ours: OURS, battery: spec, sweeps: res }));
    return;
  }
  io.out(`seed sweep: synthetic days, seeds 1..${n}; battery ${spec.capacityKWh} kWh, ${spec.maxChargeKW} kW, round trip ${spec.roundTripEff}; ours = ${OURS}`);
  for (const r of res) {
    const parts = Object.keys(r.ours_lower_mi).map((b) => `${b} ${r.ours_lower_mi[b]}/${n}`);
    const evs = Object.keys(r.ours_fewer_or_equal_events).map((b) => `${b} ${r.ours_fewer_or_equal_events[b]}/${n}`);
    const mean = (a: number[]) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(3);
    io.out(`step ${r.step_s} s: ours lower MI than ${parts.join(', ')}; than all at once ${r.ours_lower_mi_than_all}/${n}`);
    io.out(
      `  mean MI bits: ${ALGORITHMS.map((a) => `${a} ${mean(r.mi_bits[a])}`).join(', ')}; floor ${mean(r.floor_bits ?? [])}; ours' overhead <= ${r.ours_max_overhead_pct} %`,
    );
    io.out(`  ours exposes no more events than: ${evs.join(', ')}`);
  }
}

if (isEntry(import.meta.url)) {
  run(process.argv.slice(2), { out: (s) => console.log(s), err: (s) => console.error(s) }).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`privacy: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
