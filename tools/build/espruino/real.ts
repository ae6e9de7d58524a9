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
// moves the REPL (and print) to LoopbackA.
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
  return existsSync(b) ? undefined : `the real Espruino interpreter is not here: ${b} is missing (see /work/shared/tools/README.md; set ESPRUINO_LINUX_DIR to its folder)`;
}

/**
 * Stand-ins for the board APIs the Linux port lacks, as `.boot0` source. Test hooks on
 * `__standin`: `analog[pin] = fn(tSeconds) -> 0..1` (ESP32 analogRead returns 0..1; the
 * stand-in quantises to 12 bits), `edge(pin, level)` (fires the watches on that pin as
 * the GPIO interrupt would, from the event loop), `writes` (every digitalWrite: [t, pin,
 * level]) and `level(pin)`.
 */
export const STANDINS = `(function () {
  var S = { analog: {}, levels: {}, watches: {}, nextWatch: 1, writes: [] };
  global.__standin = S;
  var aR = analogRead, dW = digitalWrite, dR = digitalRead, pM = pinMode;
  var linuxPin = function (p) { return p >= 0 && p < 32; };
  global.analogRead = function (p) {
    var f = S.analog[p];
    if (f === undefined) return linuxPin(p) ? aR(p) : 0;
    var v = Math.round(f(getTime()) * 4095) / 4095;
    return v < 0 ? 0 : v > 1 ? 1 : v;
  };
  global.digitalWrite = function (p, v) {
    S.writes.push([getTime(), p, v ? 1 : 0]);
    S.levels[p] = v ? 1 : 0;
    if (linuxPin(p)) dW(p, v);
  };
  global.digitalRead = function (p) {
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

  private run(args: string[], timeoutMs: number): Promise<EspruinoRun> {
    const out = join(this.dir, 'result.json');
    rmSync(out, { force: true });
    return new Promise((done) => {
      const p = execFile(espruinoBinary(this.build), args, { cwd: this.dir, timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: 'SIGKILL' }, (err, stdout) => {
        let result: Record<string, unknown> | undefined;
        if (existsSync(out)) result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
        done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout: String(stdout), result });
      });
      p.stdin?.end(); // stdin at EOF: the REPL reads nothing
    });
  }

  /** Writes files into Storage (name -> content), as `espruino --storage name:file` would. */
  async write(files: Record<string, string>): Promise<void> {
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
  boot(timeoutMs: number): Promise<EspruinoRun> {
    return this.run([], timeoutMs);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A driver step: run `js` (in the driver's scope: S, P, R, snap(name), n = meterNode) `at` seconds after init. */
export interface DriverStep {
  at: number;
  js: string;
}

interface DriverBoard {
  name: string;
  pins: Record<string, number | undefined>;
  adc: { fullScaleVolts: number };
  frontend?: { vAdcVoltsPerVolt: number; iAdcVoltsPerAmp: number; biasVolts: number };
}

/**
 * `.boot1`: a 230 V / `irms` A, 50 Hz load through the board's front end on the analog
 * stand-ins (current lagging by 0.3 rad; `S.irms` changes it), then the steps, then
 * result.json and quit(). Each `snap(name)` records the node's state, reading, relay
 * level, trips, process.memory() and the process CPU time (utime+stime ticks, /proc).
 * Uncaught errors are recorded (process 'uncaughtException'), so a test sees them.
 */
export function meterDriver(board: DriverBoard, steps: DriverStep[], irms = 8): string {
  const fe = board.frontend;
  if (fe === undefined) throw new Error(`frontend: board ${board.name} has none; the meter needs it`);
  const p = board.pins;
  const end = steps.reduce((m, s) => Math.max(m, s.at), 0);
  return `(function () {
  var S = __standin, P = ${JSON.stringify(p)}, R = { phases: [], errors: [] }, t0 = 0, n;
  var w = 2 * Math.PI * 50, fs = ${board.adc.fullScaleVolts}, b = ${fe.biasVolts};
  S.irms = ${irms};
  S.vrms = 230;
  S.analog[P.adcV] = function (t) { return (b + S.vrms * Math.SQRT2 * ${fe.vAdcVoltsPerVolt} * Math.sin(w * t)) / fs; };
  S.analog[P.adcI] = function (t) { return (b + S.irms * Math.SQRT2 * ${fe.iAdcVoltsPerAmp} * Math.sin(w * t - 0.3)) / fs; };
  S.analog[P.ntc] = function () { return 0.52; };
  S.analog[P.gas] = function () { return 0.14; };
  process.on('uncaughtException', function (e) { R.errors.push(String(e) + (e && e.stack ? ' ' + e.stack : '')); });
  function cpu() { var f = require("fs").readFileSync("/proc/self/stat").split(" "); return +f[13] + +f[14]; }
  function snap(name) {
    var s = { name: name, t: getTime() - t0, cpu: cpu(), relay: S.level(P.relayMain), mem: process.memory() };
    n = global.meterNode;
    if (n !== undefined) {
      var r = n.meter.reading;
      s.state = n.state(); s.vrms = r.vrms; s.irms = r.irms; s.p = r.p; s.f = r.freqHz;
      s.trips = n.trips().map(function (e) { return e.reason; });
      s.restored = n.restored;
      s.overruns = n.core.sampler.overruns;
    }
    R.phases.push(s);
    return s;
  }
  function step(k, js) {
    return function () {
      n = global.meterNode;
      try { eval(js); } catch (e) { R.errors.push('step ' + k + ': ' + e); }
    };
  }
  E.on('init', function () {
    t0 = getTime();
    R.board = ${JSON.stringify(board.name)};
    ${steps.map((s, k) => `setTimeout(step(${k}, ${JSON.stringify(s.js)}), ${Math.round(s.at * 1000)});`).join('\n    ')}
    setTimeout(function () { R.wallS = getTime() - t0; require("fs").writeFileSync("result.json", JSON.stringify(R)); quit(); }, ${Math.round(end * 1000) + 50});
  });
})();
`;
}
