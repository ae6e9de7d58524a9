// The real Espruino interpreter on the host: Espruino 2v29 built for Linux
// (../shared/tools/espruino-linux, see its README.md), with Storage on a file-backed
// flash (espruino.flash in the working folder). An upload is put in Storage as the board
// would have it (`.bootcde`), and the interpreter is started with no script, so it boots
// from flash exactly like a board at power-up: `.boot0`, `.boot1`, then `.bootcde`, then
// the `init` handlers.
//
// What the Linux port lacks gets a stand-in, in `.boot0` (STANDINS): analogRead on the
// ESP32 ADC pins (the Linux port has no ADC), GPIO 32..39 (its fake GPIO has pins 0..31)
// and pin edges for setWatch (its fake GPIO never changes an input, so a watch never
// fires). Everything else is the real interpreter: parser, scoping, typed arrays, E,
// Storage, timers, JSON, memory accounting. A test driver goes in `.boot1`; it reports
// through a file (`result.json`, written with the Linux port's fs module), because the app
// moves the REPL (and print) to LoopbackA. The per-sample stand-ins are marked "ram" like
// the app's own per-sample path: the Linux port's flash is a file read on every access
// (the ESP32 memory-maps its flash), and the stand-ins must not cost more than the app.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/tools next to the repository, or $ESPRUINO_LINUX_DIR. */
export const ESPRUINO_TOOLS_DIR = process.env.ESPRUINO_LINUX_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'tools');

/**
 * `linux`: resizable variables (as many as the host gives). `esp32vars`: the same sources
 * with 16383 fixed 14-byte variables, the format of Espruino's boards/ESP32.py, so
 * process.memory() counts variables as an ESP32 build does.
 */
export type EspruinoBuild = 'linux' | 'esp32vars';

export function espruinoBinary(build: EspruinoBuild): string {
  return join(ESPRUINO_TOOLS_DIR, build === 'linux' ? 'espruino-linux' : 'espruino-linux-esp32vars');
}

/** Why the real interpreter cannot run here, or undefined when it can. */
export function espruinoMissing(build: EspruinoBuild = 'linux'): string | undefined {
  const b = espruinoBinary(build);
  return existsSync(b)
    ? undefined
    : `the real Espruino interpreter is not here: ${b} is missing (see /work/shared/tools/README.md; set ESPRUINO_LINUX_DIR to its folder)`;
}

/**
 * Stand-ins for the board APIs the Linux port lacks, as `.boot0` source. Test hooks on
 * `__standin`: `analog[pin] = fn(tSeconds) -> 0..1` (ESP32 analogRead returns 0..1; the
 * stand-in quantises to 12 bits), `edge(pin, level)` (fires the watches on that pin as
 * the GPIO interrupt would, from the event loop), `writes` (every digitalWrite: [t, pin,
 * level]), `level(pin)` and `onWrite[pin] = fn(level)` (a chip model's input, e.g. the nRF24's CE).
 */
export const STANDINS = `(function () {
  var S = { analog: {}, levels: {}, watches: {}, nextWatch: 1, writes: [], onWrite: {} };
  global.__standin = S;
  var aR = analogRead, dW = digitalWrite, dR = digitalRead, pM = pinMode;
  var linuxPin = function (p) { return p >= 0 && p < 32; };
  global.analogRead = function (p) {
    "ram";
    var f = S.analog[p];
    if (f === undefined) return linuxPin(p) ? aR(p) : 0;
    var v = Math.round(f(getTime()) * 4095) / 4095;
    return v < 0 ? 0 : v > 1 ? 1 : v;
  };
  global.digitalWrite = function (p, v) {
    "ram";
    S.writes.push([getTime(), p, v ? 1 : 0]);
    S.levels[p] = v ? 1 : 0;
    if (linuxPin(p)) dW(p, v);
    var h = S.onWrite[p];
    if (h !== undefined) h(v ? 1 : 0);
  };
  global.digitalRead = function (p) {
    "ram";
    if (S.levels[p] !== undefined) return S.levels[p];
    return linuxPin(p) ? dR(p) : 0;
  };
  global.pinMode = function (p, m) { if (linuxPin(p)) pM(p, m); };
  global.setWatch = function (cb, p, o) {
    var id = S.nextWatch++;
    S.watches[id] = { cb: cb, pin: p, edge: o.edge };
    return id;
  };
  global.clearWatch = function (id) { delete S.watches[id]; };
  S.level = function (p) { return S.levels[p] === undefined ? -1 : S.levels[p]; };
  S.edge = function (p, v) {
    var old = S.levels[p] ? 1 : 0;
    S.levels[p] = v ? 1 : 0;
    if (old === S.levels[p]) return 0;
    var n = 0;
    for (var id in S.watches) {
      var w = S.watches[id];
      if (w.pin !== p) continue;
      if (w.edge === 'both' || (w.edge === 'rising' && v) || (w.edge === 'falling' && !v)) { n++; w.cb({ state: !!v, time: getTime() }); }
    }
    return n;
  };
})();
`;

export interface EspruinoRun {
  /** exit code (null on a timeout kill) */
  code: number | null;
  stdout: string;
  /** what the driver wrote to result.json, or undefined when it did not */
  result: Record<string, unknown> | undefined;
}

/** One flash (a working folder with espruino.flash), booted as often as needed. */
export class EspruinoFlash {
  readonly dir: string;
  constructor(readonly build: EspruinoBuild = 'linux') {
    this.dir = mkdtempSync(join(tmpdir(), 'espruino-flash-'));
  }

  private run(args: string[], timeoutMs: number, stopOnResult = false): Promise<EspruinoRun> {
    const out = join(this.dir, 'result.json');
    rmSync(out, { force: true });
    return new Promise((done) => {
      let poll: ReturnType<typeof setInterval> | undefined;
      const p = execFile(espruinoBinary(this.build), args, { cwd: this.dir, timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: 'SIGKILL' }, (err, stdout) => {
        if (poll !== undefined) clearInterval(poll);
        let result: Record<string, unknown> | undefined;
        if (existsSync(out)) result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
        done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout: String(stdout), result });
      });
      p.stdin?.end(); // stdin at EOF: the REPL reads nothing
      // the link proof's interpreter does not always leave after quit() (it stays busy with
      // the app's timers); once the driver has written its result, this child is stopped
      if (stopOnResult) {
        poll = setInterval(() => {
          if (existsSync(out) && p.exitCode === null) {
            clearInterval(poll);
            poll = undefined;
            setTimeout(() => p.kill('SIGKILL'), 500);
          }
        }, 200);
      }
    });
  }

  /** Writes files into Storage (name -> content), as `espruino --storage name:file` would. */
  async write(files: Record<string, string | Uint8Array>): Promise<void> {
    const lines: string[] = ['var S = require("Storage"), fs = require("fs");'];
    let k = 0;
    for (const name of Object.keys(files)) {
      const f = `in${k++}.js`;
      writeFileSync(join(this.dir, f), files[name]);
      lines.push(`if (!S.write(${JSON.stringify(name)}, fs.readFileSync(${JSON.stringify(f)}))) throw new Error("Storage.write failed: ${name}");`);
    }
    lines.push('require("fs").writeFileSync("result.json", JSON.stringify({ files: S.list() }));', 'quit();');
    writeFileSync(join(this.dir, 'setup.js'), lines.join('\n'));
    const r = await this.run(['setup.js'], 60000);
    const got = r.result?.files as string[] | undefined;
    for (const name of Object.keys(files)) {
      if (got === undefined || !got.includes(name)) throw new Error(`Storage write of ${name} failed:\n${r.stdout.slice(-2000)}`);
    }
  }

  /** Power-up: the interpreter with no script boots from the flash. */
  boot(timeoutMs: number, stopOnResult = false): Promise<EspruinoRun> {
    return this.run([], timeoutMs, stopOnResult);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A driver step: run `js` (in the driver's scope: S, P, R, snap(name), n = meterNode) at `at` s of sampled time. */
export interface DriverStep {
  at: number;
  js: string;
}

interface DriverBoard {
  name: string;
  pins: Record<string, number | undefined>;
  adc: { fullScaleVolts: number; rateHz: number; blockPairs: number };
  frontend?: { vAdcVoltsPerVolt: number; iAdcVoltsPerAmp: number; biasVolts: number };
}

/**
 * `.boot1`: the test driver. A 230 V / `irms` A, 50 Hz load through the board's front end
 * on the analog stand-ins (current lagging by 0.3 rad; `S.irms`, `S.vrms` change it).
 *
 * Time: the host is no real-time system (a shared CI machine misses 4 ms timer deadlines
 * by tens of ms, which the app rightly counts as ADC overruns), so the sample clock is
 * virtual, as everywhere else in the project's tests: getTime() returns the sampled time
 * (tick k of the ADC at k / rateHz s). The app boots on its own `init` handler and starts
 * its sampler on a real setInterval; the driver then stops that interval and calls the
 * sampler's tick itself, one block per event-loop turn (setTimeout 0), so setWatch
 * callbacks, the app's other timers and the console still interleave as on the board.
 * The steps run at their sampled time; then result.json and quit(). With `drive: false`
 * only the signal, the stand-ins' hooks and snap() are set up (real-rate.ts drives).
 * Each `snap(name)` records the node's state, last-cycle reading, 1 s averages, relay
 * level, trips, restored records and process.memory(). Uncaught errors are recorded
 * (process 'uncaughtException'), so a test sees them.
 */
export function meterDriver(board: DriverBoard, steps: DriverStep[], o: { irms?: number; drive?: boolean; perBlock?: string } = {}): string {
  const irms = o.irms ?? 8;
  const fe = board.frontend;
  if (fe === undefined) throw new Error(`frontend: board ${board.name} has none; the meter needs it`);
  const p = board.pins;
  const sorted = [...steps].sort((x, y) => x.at - y.at);
  const end = sorted.reduce((m, s) => Math.max(m, s.at), 0);
  return `(function () {
  var S = __standin, P = ${JSON.stringify(p)}, R = { phases: [], errors: [] }, n;
  var w = 2 * Math.PI * 50, fs = ${board.adc.fullScaleVolts}, b = ${fe.biasVolts}, rate = ${board.adc.rateHz}, block = ${board.adc.blockPairs};
  var vk = 0;
  if (${o.drive !== false}) global.getTime = function () { "ram"; return vk / rate; };
  S.irms = ${irms};
  S.vrms = 230;
  S.analog[P.adcV] = function (t) { "ram"; return (b + S.vrms * Math.SQRT2 * ${fe.vAdcVoltsPerVolt} * Math.sin(w * t)) / fs; };
  S.analog[P.adcI] = function (t) { "ram"; return (b + S.irms * Math.SQRT2 * ${fe.iAdcVoltsPerAmp} * Math.sin(w * t - 0.3)) / fs; };
  S.analog[P.ntc] = function () { return 0.52; };
  S.analog[P.gas] = function () { return 0.14; };
  process.on('uncaughtException', function (e) { R.errors.push(String(e) + (e && e.stack ? ' ' + e.stack : '')); });
  function snap(name) {
    var s = { name: name, t: getTime(), relay: S.level(P.relayMain), mem: process.memory() };
    n = global.meterNode;
    if (n !== undefined) {
      var r = n.meter.reading;
      s.state = n.state(); s.vrms = r.vrms; s.irms = r.irms; s.p = r.p; s.f = r.freqHz;
      s.trips = n.trips().map(function (e) { return e.reason; });
      s.restored = n.restored;
      s.overruns = n.core.sampler.overruns;
      var a = n.averager.out;
      s.avg = { vrms: a.vrms, irms: a.irms, p: a.p, f: a.freqHz, cycles: a.cycles };
    }
    R.phases.push(s);
    return s;
  }
  var steps = ${JSON.stringify(sorted)}, next = 0;
  function finish() { require("fs").writeFileSync("result.json", JSON.stringify(R)); quit(); }
  function run(ad) {
    for (var k = 0; k < block; k++) { vk++; ad.tick(); }
    ${o.perBlock ?? ''}
    while (next < steps.length && steps[next].at * rate <= vk) {
      n = global.meterNode;
      try { eval(steps[next].js); } catch (e) { R.errors.push('step ' + next + ': ' + e); }
      next++;
    }
    if (vk >= ${end} * rate) finish(); else setTimeout(function () { run(ad); }, 0);
  }
  if (${o.drive !== false}) E.on('init', function () {
    // after the app's own init handler (registered later, by .bootcde)
    setTimeout(start, 0);
  });
  function start() {
    R.board = ${JSON.stringify(board.name)};
    n = global.meterNode;
    if (n === undefined) { R.errors.push('no meterNode after init'); finish(); return; }
    var ad = n.core.sampler;
    ad.stop();
    run(ad);
  }
})();
`;
}

/**
 * tools/engines/plain.ts's wire format, in Espruino (no JSON reviver needed): numbers that
 * are not safe integers travel as {"$f64": IEEE-754 hex}, non-finite ones as
 * {"$nonFinite": "NaN"}, so a parity check compares arithmetic, not number printing.
 * Defines `__plainDecode(value)` and `__plainEncode(value)` (walk and convert in place / copy).
 * Long arrays of plain numbers decode to Float64Array (see there).
 */
export const PLAIN_ESPRUINO = `
var __plainDecode, __plainEncode;
(function () {
  var dv = new DataView(new ArrayBuffer(8));
  var hexOf = function (v) {
    dv.setFloat64(0, v);
    var h = '';
    for (var k = 0; k < 8; k++) { var b = dv.getUint8(k); h += (b < 16 ? '0' : '') + b.toString(16); }
    return h;
  };
  var ofHex = function (h) {
    for (var k = 0; k < 8; k++) dv.setUint8(k, parseInt(h.substr(k * 2, 2), 16));
    return dv.getFloat64(0);
  };
  __plainDecode = function (v) {
    if (v === null || typeof v !== 'object') return v;
    if (!Array.isArray(v)) {
      var ks = Object.keys(v);
      if (ks.length === 1 && ks[0] === '$f64') return ofHex(v.$f64);
      if (ks.length === 1 && ks[0] === '$nonFinite') return Number(v.$nonFinite);
    }
    if (Array.isArray(v)) {
      // a long array of numbers (the vectors' ADC codes) becomes a Float64Array, which
      // indexes in O(1) (an Espruino array is a linked list: v[i] is O(n)); the harness reads
      // it by index and length only, so the core sees the same numbers. The vectors' arrays
      // are homogeneous, so the first element tells.
      if (v.length > 256 && typeof v[0] === 'number') return new Float64Array(v);
      // forEach, not v[i], for the same reason
      v.forEach(function (x, i) { if (x !== null && typeof x === 'object') v[i] = __plainDecode(x); });
      return v;
    }
    for (var k in v) v[k] = __plainDecode(v[k]);
    return v;
  };
  __plainEncode = function (v) {
    if (typeof v === 'number') {
      if (!isFinite(v)) return { $nonFinite: String(v) };
      if (!(Math.floor(v) === v && Math.abs(v) <= 9007199254740991)) return { $f64: hexOf(v) };
      return v;
    }
    if (v === null || typeof v !== 'object') return v;
    var o = Array.isArray(v) ? [] : {};
    for (var k in v) o[k] = __plainEncode(v[k]);
    return o;
  };
})();
`;

/** Runs the built parity script's runVectors(input) in the real interpreter (from RAM); returns its output. */
export async function runParityInEspruino(parityCode: string, inputPlain: string, timeoutMs = 300000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'espruino-parity-'));
  try {
    writeFileSync(join(dir, 'vectors.json'), inputPlain);
    // pretokenised (E.setFlags): the same semantics, about twice as fast as lexing the source on every call
    writeFileSync(
      join(dir, 'run.js'),
      `E.setFlags({ pretokenise: 1 });
${PLAIN_ESPRUINO}
${parityCode}
var __in = __plainDecode(JSON.parse(require("fs").readFileSync("vectors.json")));
var __out = global.__espruinoParity.runVectors(__in);
require("fs").writeFileSync("result.json", JSON.stringify(__plainEncode(__out)));
quit();
`,
    );
    const stdout = await new Promise<string>((done) => {
      const p = execFile(espruinoBinary('linux'), ['run.js'], { cwd: dir, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (_e, out) =>
        done(String(out)),
      );
      p.stdin?.end();
    });
    const out = join(dir, 'result.json');
    if (!existsSync(out)) throw new Error(`runVectors gave no result in espruino-linux:\n${stdout.slice(-2000)}`);
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
