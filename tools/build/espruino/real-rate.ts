// The sample rate Espruino sustains, from timing in the REAL interpreter (Espruino 2v29
// for Linux, tools/build/espruino/real.ts), as ratios against a reference loop whose
// speed on a board is published:
//
//   espruino.com/Performance: "On the Espruino board a simple loop will create roughly a
//   4kHz square wave (so 4000 iterations of the loop per second)":
//   `while (1) {A0.set();A0.reset();}` on the original Espruino board (STM32F103, 72 MHz).
//
// On the host, CPU time (utime+stime from /proc/self/stat, 10 ms ticks) is measured for:
//   - the built app.js at two polling rates, over a 4 s window after boot;
//   - a baseline making the same timer callbacks and analogRead calls (the stand-in's
//     signal synthesis is not the app's work), subtracted;
//   - the reference loop, as the marginal cost of one `D5.set();D5.reset();` pair (a loop
//     with 1 and with 5 pairs per iteration, so the counter of the host loop cancels).
// The app's cost in reference iterations (per pair, and per second for the per-cycle
// work) is a ratio of two timings in the same interpreter on the same CPU, so it carries
// to the board as long as the two scale alike. The board's iteration rate is the
// published 4 kHz scaled by clock (72 MHz -> 160 MHz for Espruino's ESP32 build,
// boards/ESP32.py; 240 MHz at most): an assumption, named in docs/BUILD-ESPRUINO.md.
//
// The app runs from RAM here (loaded as a script), not from Storage: the Linux port's
// flash is a file read through fread on every access, about ten times slower than RAM,
// while the ESP32 memory-maps its js_code partition. `npx tsx tools/build/espruino/real-rate.ts`
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Board } from '../../../boards/schema';
import { loadBoard } from '../../../boards/schema';
import { APP_ENTRY, boardForUpload, makeEspruinoScript } from '../espruino';
import { atRate } from './measure-rate';
import { espruinoBinary, espruinoMissing, meterDriver, STANDINS } from './real';
import { ESP32_MHZ, REFERENCE_LOOP_HZ, REFERENCE_MHZ } from './rate';
import { isEntry } from '../../cli';

const TICKS_PER_S = 100; // Linux USER_HZ (sysconf(_SC_CLK_TCK)) for /proc/<pid>/stat

function runScript(code: string, timeoutMs = 60000): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'espruino-rate-'));
  writeFileSync(join(dir, 'run.js'), code);
  return new Promise((done, fail) => {
    const p = execFile(espruinoBinary('linux'), ['run.js'], { cwd: dir, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout) => {
      try {
        done(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Record<string, unknown>);
      } catch {
        fail(new Error(`espruino-linux gave no result (${err ? err.message : 'exit 0'}):\n${String(stdout).slice(-1500)}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    p.stdin?.end();
  });
}

const CPU_FN = 'function cpu() { var f = require("fs").readFileSync("/proc/self/stat").split(" "); return +f[13] + +f[14]; }';

/**
 * Host CPU seconds for `pairs` polling ticks of the booted app at `rateHz`, on a virtual
 * clock: the app boots (its own timers), its sampler is stopped, and its tick runs in a
 * loop with getTime() returning tick k / rateHz, so the meter sees a 50 Hz signal at the
 * right rate whatever the host speed, with no timer jitter and no overruns. With `app`
 * undefined, the baseline: the same loop calling getTime() and the two stand-in
 * analogReads (what the stand-ins cost, not the app).
 */
/**
 * The reference loop in the same process (same CPU state as the app it is compared
 * with): host CPU seconds of one `D5.set();D5.reset();`, marginal (loops of 1 and 5 pairs).
 */
const REF_FN = `function refLoop() {
  var i = 0, c = cpu();
  while (i < 300000) { D5.set();D5.reset(); i++; }
  var one = (cpu() - c) / 300000;
  i = 0; c = cpu();
  while (i < 100000) { D5.set();D5.reset();D5.set();D5.reset();D5.set();D5.reset();D5.set();D5.reset();D5.set();D5.reset(); i++; }
  var five = (cpu() - c) / 100000;
  return (five - one) / 4 / ${TICKS_PER_S};
}`;

async function cpuForTicks(
  board: Board,
  app: string | undefined,
  rateHz: number,
  pairs: number,
): Promise<{ iterations: number; refS: number; vrms: number; irms: number; state: string; overruns: number }> {
  const p = board.pins;
  const warm = rateHz * 3; // 3 s of signal: offsets settle, the breaker closes
  const tick =
    app !== undefined
      ? 'var ad = global.meterNode.core.sampler; ad.stop(); var tick = function () { ad.tick(); };'
      : `var tick = function () { getTime(); analogRead(${p.adcV}); analogRead(${p.adcI}); };`;
  const code = `${STANDINS}
${meterDriver(boardForUpload(board), [], { drive: false })}
${app ?? ''}
${CPU_FN}
${REF_FN}
var vk = 0, realGetTime = getTime;
global.getTime = function () { return vk / ${rateHz}; };
var bootErr = [];
process.on('uncaughtException', function (e) { bootErr.push(String(e) + ' ' + e.stack); });
// init handlers run in registration order, after this script: the app's boot comes first
E.on("init", function () {
if (global.meterNode === undefined) { require("fs").writeFileSync("result.json", JSON.stringify({ bootErr: bootErr })); quit(); }
${tick}
for (; vk < ${warm}; vk++) tick();
var c0 = cpu();
for (; vk < ${warm + pairs}; vk++) tick();
var c1 = cpu();
var m = global.meterNode, res = { ticks: c1 - c0, ref: refLoop() };
if (m !== undefined) { res.vrms = m.meter.reading.vrms; res.irms = m.meter.reading.irms; res.state = m.state(); res.overruns = m.core.sampler.overruns; }
require("fs").writeFileSync("result.json", JSON.stringify(res)); quit();
});
E.emit("init");
`;
  const r = (await runScript(code, 180000)) as { ticks: number; ref: number; vrms: number; irms: number; state: string; overruns: number; bootErr?: string[] };
  if (r.bootErr !== undefined) throw new Error(`the app did not boot in espruino-linux: ${r.bootErr.join('; ')}`);
  return { iterations: r.ticks / TICKS_PER_S / r.ref, refS: r.ref, vrms: r.vrms, irms: r.irms, state: r.state, overruns: r.overruns };
}

export interface RealRate {
  board: string;
  /** host CPU µs per reference iteration, as measured in each run (app and baseline at each rate) */
  hostRefIterationUs: number[];
  rates: number[];
  /** reference iterations per second of signal at each rate (stand-ins removed) */
  iterationsPerSignalSecond: number[];
  /** the app really metered during the measurement (readings after 3 s + the window), and the stand-ins' cost */
  checks: { rateHz: number; vrms: number; irms: number; state: string; overruns: number; baselineIterationsPerPair: number }[];
  /** the app's cost in reference-loop iterations: per V+I pair, and per second (per-cycle work) */
  iterationsPerPair: number;
  iterationsPerSecond: number;
  /** reference iterations per second on the ESP32 (4 kHz at 72 MHz, scaled by clock) */
  boardIterationsPerS: { at160: number; at240: number };
  /** pairs per second at 100 % CPU */
  pairsPerSMax: { at160: number; at240: number };
  /** CPU share on the board at a rate */
  cpuAt(rateHz: number): { at160: number; at240: number };
}

/** Measures the built app's cost in the real interpreter; throws when the binary is missing. */
export async function measureRealRate(board: Board, rates: number[] = [250, 1000]): Promise<RealRate> {
  const missing = espruinoMissing('linux');
  if (missing !== undefined) throw new Error(missing);
  const pairs = 12000;
  const perSecond: number[] = [];
  const refs: number[] = [];
  const checks: RealRate['checks'] = [];
  for (const r of rates) {
    const b = atRate(board, r);
    const art = await makeEspruinoScript(APP_ENTRY, { __ESPRUINO_BOARD__: JSON.stringify(boardForUpload(b)) });
    const app = await cpuForTicks(b, art.code, r, pairs);
    const base = await cpuForTicks(b, undefined, r, pairs);
    // reference iterations per second of signal at this rate, the stand-ins' share removed
    perSecond.push(((app.iterations - base.iterations) / pairs) * r);
    refs.push(app.refS, base.refS);
    checks.push({ rateHz: r, vrms: app.vrms, irms: app.irms, state: app.state, overruns: app.overruns, baselineIterationsPerPair: base.iterations / pairs });
  }
  const iterationsPerPair = (perSecond[1] - perSecond[0]) / (rates[1] - rates[0]);
  const iterationsPerSecond = Math.max(0, perSecond[0] - iterationsPerPair * rates[0]);
  const at = (mhz: number) => REFERENCE_LOOP_HZ * (mhz / REFERENCE_MHZ);
  const boardIterationsPerS = { at160: at(ESP32_MHZ.low), at240: at(ESP32_MHZ.high) };
  const max = (ips: number) => Math.max(0, (ips - iterationsPerSecond) / iterationsPerPair);
  return {
    board: board.name,
    hostRefIterationUs: refs.map((x) => x * 1e6),
    rates,
    iterationsPerSignalSecond: perSecond,
    checks,
    iterationsPerPair,
    iterationsPerSecond,
    boardIterationsPerS,
    pairsPerSMax: { at160: max(boardIterationsPerS.at160), at240: max(boardIterationsPerS.at240) },
    cpuAt: (rateHz) => {
      const it = iterationsPerPair * rateHz + iterationsPerSecond;
      return { at160: it / boardIterationsPerS.at160, at240: it / boardIterationsPerS.at240 };
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const k = argv.indexOf('--board');
  const board = loadBoard(k >= 0 ? argv[k + 1] : 'espruino-esp32-wroom');
  const m = await measureRealRate(board);
  if (argv.includes('--json')) {
    const { cpuAt, ...rest } = m;
    console.log(JSON.stringify({ ...rest, cpu: [100, 150, 200, 250].map((r) => ({ rateHz: r, ...cpuAt(r) })) }));
    return;
  }
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  console.log(`board ${m.board}: the built app.js in the real Espruino 2v29 (Linux), CPU time from /proc`);
  console.log(`host reference iteration (A0.set();A0.reset();), per run: ${m.hostRefIterationUs.map((x) => x.toFixed(3)).join(' / ')} us`);
  for (const c of m.checks)
    console.log(
      `  at ${c.rateHz} Hz: Vrms ${c.vrms.toFixed(2)} Irms ${c.irms.toFixed(3)} ${c.state}, overruns ${c.overruns}; stand-ins ${c.baselineIterationsPerPair.toFixed(1)} iterations/pair (removed)`,
    );
  console.log(`reference iterations per second of signal: ${m.iterationsPerSignalSecond.map((x) => x.toFixed(0)).join(' / ')} at ${m.rates.join(' / ')} Hz`);
  console.log(`app cost: ${m.iterationsPerPair.toFixed(1)} reference iterations per V+I pair + ${m.iterationsPerSecond.toFixed(0)} per second`);
  console.log(
    `board: ${m.boardIterationsPerS.at160.toFixed(0)} .. ${m.boardIterationsPerS.at240.toFixed(0)} iterations/s (4 kHz at 72 MHz scaled to 160 .. 240 MHz)`,
  );
  console.log(`pairs/s at 100 % CPU: ${m.pairsPerSMax.at160.toFixed(0)} at 160 MHz, ${m.pairsPerSMax.at240.toFixed(0)} at 240 MHz`);
  for (const r of [100, 150, 200, 250]) console.log(`  ${r} Hz: CPU ${pct(m.cpuAt(r).at160)} at 160 MHz, ${pct(m.cpuAt(r).at240)} at 240 MHz`);
}

if (isEntry(import.meta.url)) void main(process.argv.slice(2));
