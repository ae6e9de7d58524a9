// Measures the figures behind tools/build/espruino/rate.ts (see its header):
//   npx tsx tools/build/espruino/measure-rate.ts [--board espruino-esp32-wroom] [--json] [--breakdown]
// XS computrons are deterministic, so the output is the same on every machine.
import { loadBoard } from '../../../boards/schema';
import type { Board } from '../../../boards/schema';
import { MainsMeter } from '../../../firmware/metering/mains-meter';
import { DEVKIT, DEVKIT_CAL, synth, truth, type Tone } from '../../../host-tests/support/signal';
import { XsWorker } from '../../engines/xsnap';
import { APP_ENTRY, boardForUpload, makeEspruinoScript } from '../espruino';
import { bundleForEspruino } from './bundle';
import { CPU_BUDGET, estimateRate, type RateEstimate } from './rate';
import { ESPRUINO_SHIM } from './shim';

/** Analog inputs for a 230 V / 8 A, 50 Hz load through the board's front end (0..1 of full scale). */
export function analogSetup(board: Board): string {
  const fe = board.frontend;
  if (fe === undefined) throw new Error(`frontend: board ${board.name} has none; the meter needs it`);
  const fs = board.adc.fullScaleVolts;
  const p = board.pins;
  return `(function () {
    var w = 2 * Math.PI * 50, fs = ${fs}, b = ${fe.biasVolts};
    function q(v) { return Math.round(v / fs * 4095) / 4095; }
    __espruino.setAnalog(${p.adcV}, function (s) { return q(b + 230 * Math.SQRT2 * ${fe.vAdcVoltsPerVolt} * Math.sin(w * s)); });
    __espruino.setAnalog(${p.adcI}, function (s) { return q(b + 8 * Math.SQRT2 * ${fe.iAdcVoltsPerAmp} * Math.sin(w * s - 0.3)); });
    __espruino.setAnalog(${p.ntc}, 0.52);
    __espruino.setAnalog(${p.gas}, 0.14);
  })();`;
}

/** The board at another polling rate, one 50 Hz cycle per block. */
export function atRate(board: Board, rateHz: number): Board {
  return { ...board, adc: { ...board.adc, rateHz, blockPairs: Math.max(1, Math.round(rateHz / 50)) } };
}

async function perSecond(setup: string[]): Promise<number> {
  const xs = await XsWorker.start({ name: 'espruino-rate', meteringLimit: 1e12 });
  try {
    for (const s of setup) await xs.evaluate(s);
    await xs.evaluate('__espruino.advanceMs(3000);'); // boot: breaker closes, offsets settle
    const one = await xs.evaluate('__espruino.advanceMs(1000);');
    const two = await xs.evaluate('__espruino.advanceMs(2000);');
    return two.compute - one.compute; // one second of virtual time; evaluation overhead cancels
  } finally {
    await xs.close();
  }
}

/** XS computrons per second of the built app at the board's rate, minus the shim's share. */
export async function appComputronsPerSecond(board: Board): Promise<number> {
  const art = await makeEspruinoScript(APP_ENTRY, { __ESPRUINO_BOARD__: JSON.stringify(boardForUpload(board)) });
  const analog = analogSetup(board);
  const p = board.pins;
  const app = await perSecond([ESPRUINO_SHIM, analog, art.code, '__espruino.emit("init");']);
  // the shim's share: the same timer period and native calls, no app
  const base = await perSecond([ESPRUINO_SHIM, analog,
    `setInterval(function () { getTime(); analogRead(${p.adcV}); analogRead(${p.adcI}); }, ${1000 / board.adc.rateHz});`]);
  return app - base;
}

/** XS computrons of one iteration of espruino.com/Performance's reference loop (with a counter). */
export async function referenceLoopComputrons(): Promise<number> {
  const xs = await XsWorker.start({ name: 'espruino-ref', meteringLimit: 1e12 });
  try {
    await xs.evaluate('var A0 = { set: function () {}, reset: function () {} };');
    const n = 100000;
    const loop = (k: number) => xs.evaluate(`(function () { var i = 0; while (i < ${k}) { A0.set(); A0.reset(); i++; } })();`);
    const c1 = await loop(n);
    const c2 = await loop(2 * n);
    return (c2.compute - c1.compute) / n;
  } finally {
    await xs.close();
  }
}

export interface Breakdown {
  /** MainsMeter.processBlock per pair, with one cycle close per block, at 1000 and 250 Hz */
  meterPerPair: { at1000: number; at250: number };
  /** split of the above: per sample, and per cycle close */
  meterPerSample: number;
  meterPerCycle: number;
  /** the PolledAdc tick per pair, minus the shim's share */
  pollPerPair: number;
}

/** Where a pair's cost goes (XS computrons), from breakdown-entry.ts built like the app. */
export async function measureBreakdown(board: Board): Promise<Breakdown> {
  const code = (await bundleForEspruino({ entry: 'tools/build/espruino/breakdown-entry.ts', fileName: 'breakdown.js' })).code;
  const p = board.pins;
  const xs = await XsWorker.start({ name: 'espruino-breakdown', meteringLimit: 1e12 });
  const per: number[] = [];
  try {
    await xs.evaluate(ESPRUINO_SHIM);
    await xs.evaluate(code);
    for (const [rate, pairs] of [[1000, 20], [250, 5]]) {
      const a = await xs.evaluate(`__breakdown.meterOnly(${rate}, ${pairs}, 500);`);
      const b = await xs.evaluate(`__breakdown.meterOnly(${rate}, ${pairs}, 1000);`);
      per.push((b.compute - a.compute) / (500 * pairs));
    }
  } finally {
    await xs.close();
  }
  // per pair = sample + cycle / pairsPerCycle, with 20 and 5 pairs per cycle
  const meterPerCycle = (per[1] - per[0]) / (1 / 5 - 1 / 20);
  const meterPerSample = per[0] - meterPerCycle / 20;
  const analog = `__espruino.setAnalog(${p.adcV}, 0.5); __espruino.setAnalog(${p.adcI}, 0.4);`;
  const poll = await perSecond([ESPRUINO_SHIM, code, analog, `__breakdown.pollOnly(${p.adcV}, ${p.adcI}, 1000, 20);`]);
  const base = await perSecond([ESPRUINO_SHIM, analog, `setInterval(function () { getTime(); analogRead(${p.adcV}); analogRead(${p.adcI}); }, 1);`]);
  return { meterPerPair: { at1000: per[0], at250: per[1] }, meterPerSample, meterPerCycle, pollPerPair: (poll - base) / 1000 };
}

export interface RateMeasurement extends Omit<RateEstimate, 'cpuAt'> {
  board: string;
  /** the two rates measured, and the app's computrons per second at each */
  rates: number[];
  computronsPerSecond: number[];
  /** CPU share (160 / 240 MHz) at each candidate rate */
  cpu: { rateHz: number; at160: number; at240: number }[];
  /** worst 1 s-average metering errors at each rate, % (Vrms, Irms of the reading; P of S) */
  accuracy: { rateHz: number; vrmsPct: number; irmsPct: number; pPctOfS: number }[];
}

const TONES: Tone[] = [
  { vrms: 230, irms: 8, freqHz: 50, pfDeg: 25 },
  { vrms: 230, irms: 8, freqHz: 50, pfDeg: 25, v3: 0.03, i3: 0.12, i5: 0.06 },
  { vrms: 230, irms: 8, freqHz: 49.5, pfDeg: -40, i3: 0.12 },
  { vrms: 230, irms: 16, freqHz: 50.5, pfDeg: 60 },
];

/** The core's metering error at a polling rate (the same MainsMeter the bundle carries). */
export function meteringError(rateHz: number): { vrmsPct: number; irmsPct: number; pPctOfS: number } {
  let wv = 0, wi = 0, wp = 0;
  for (const tone of TONES) {
    const blockPairs = Math.max(1, Math.round(rateHz / 50));
    const o = { ...DEVKIT, rateHz, blockPairs, skewUs: 0 };
    let sv = 0, si = 0, sp = 0, dur = 0, cycles = 0;
    const m = new MainsMeter(
      { rateHz, bits: 12, blockPairs, cal: { vGain: DEVKIT_CAL.vGain, iGain: DEVKIT_CAL.iGain, phaseShift: 0 }, hystCodes: 10 / DEVKIT_CAL.vGain, minHz: 40, maxHz: 70 },
      {
        onCycle: (r) => {
          if (++cycles <= 10) return; // offsets settle
          sv += r.vrms * r.durationS; si += r.irms * r.durationS; sp += r.p * r.durationS; dur += r.durationS;
        },
        onHalfCycle: () => undefined,
        onPeak: () => undefined,
      },
    );
    let t = 0;
    for (const b of synth([{ tone, seconds: 3 }], o)) {
      if (b.length !== blockPairs * 2) continue;
      m.processBlock(b, blockPairs, t);
      t += (blockPairs * 1e6) / rateHz;
    }
    const tr = truth(tone);
    wv = Math.max(wv, Math.abs(sv / dur / tr.vrms - 1) * 100);
    wi = Math.max(wi, Math.abs(si / dur / tr.irms - 1) * 100);
    wp = Math.max(wp, (Math.abs(sp / dur - tr.p) / (tr.vrms * tr.irms)) * 100);
  }
  return { vrmsPct: wv, irmsPct: wi, pPctOfS: wp };
}

export async function measureRate(board: Board): Promise<RateMeasurement> {
  const rates = [250, 1000];
  const cps: number[] = [];
  for (const r of rates) cps.push(await appComputronsPerSecond(atRate(board, r)));
  const perPair = (cps[1] - cps[0]) / (rates[1] - rates[0]);
  const fixed = cps[0] - perPair * rates[0];
  const ref = await referenceLoopComputrons();
  const e = estimateRate(ref, perPair, fixed);
  const list = [1000, 500, 400, 250, 200];
  const { cpuAt, ...rest } = e;
  return {
    board: board.name, rates, computronsPerSecond: cps, ...rest,
    cpu: list.map((r) => ({ rateHz: r, ...cpuAt(r) })),
    accuracy: list.map((r) => ({ rateHz: r, ...meteringError(r) })),
  };
}

async function main(argv: string[]): Promise<void> {
  const k = argv.indexOf('--board');
  const board = loadBoard(k >= 0 ? argv[k + 1] : 'espruino-esp32-wroom');
  const m = await measureRate(board);
  if (argv.includes('--json')) {
    console.log(JSON.stringify(m));
    return;
  }
  const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;
  console.log(`board ${m.board}: the built app.js in XS with the Espruino shim`);
  console.log(`reference loop (espruino.com/Performance: 4 kHz on a 72 MHz STM32F103): ${m.referenceLoopComputrons} computrons/iteration`);
  console.log(`  -> ${m.usPerComputron.at160.toFixed(2)} us per computron on ESP32 Espruino at 160 MHz, ${m.usPerComputron.at240.toFixed(2)} at 240 MHz`);
  console.log(`app cost: ${m.perPairComputrons.toFixed(1)} computrons per V+I pair + ${m.perSecondComputrons.toFixed(0)} per second (per-cycle work)`);
  console.log(`sustainable at 100 % CPU: ${m.sustainHz.at160.toFixed(0)} .. ${m.sustainHz.at240.toFixed(0)} pairs/s`);
  console.log('rate Hz | CPU 160 MHz | CPU 240 MHz | Vrms err | Irms err | P err (of S)');
  for (let i = 0; i < m.cpu.length; i++) {
    const c = m.cpu[i];
    const a = m.accuracy[i];
    console.log(`${String(c.rateHz).padStart(7)} | ${pct(c.at160).padStart(11)} | ${pct(c.at240).padStart(11)} | ${a.vrmsPct.toFixed(3).padStart(7)}% | ${a.irmsPct.toFixed(3).padStart(7)}% | ${a.pPctOfS.toFixed(3).padStart(7)}%`);
  }
  console.log(`recommended adc.rateHz: ${m.recommendedHz} (CPU budget ${pct(CPU_BUDGET)} at 160 MHz)`);
  if (argv.includes('--breakdown')) {
    const b = await measureBreakdown(board);
    console.log(`breakdown: PolledAdc tick ${b.pollPerPair.toFixed(0)} computrons/pair; MainsMeter ${b.meterPerSample.toFixed(0)}/sample + ${b.meterPerCycle.toFixed(0)}/cycle close`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main(process.argv.slice(2));
