// The built Espruino upload in the REAL interpreter (Espruino 2v29 for Linux,
// ../shared/tools/espruino-linux; tools/build/espruino/real.ts): app.js is written to
// Storage as `.bootcde` and the interpreter boots from flash as a board does at power-up.
// Stand-ins only for what the Linux port lacks (analogRead on the ESP32 ADC pins, GPIO
// 32..39, pin edges for setWatch). It must boot, meter, trip on a comparator edge, store
// the records, boot AGAIN from the same flash (restoring them), and trip on an
// over-current. The -esp32vars build measures the memory as an ESP32 build counts it.
// The sample clock is virtual (real.ts meterDriver: a loaded CI host misses 4 ms timer
// deadlines); everything else runs on the interpreter's own event loop.
// Skipped, with the reason in the title, where the binaries are missing.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../boards/schema';
import { boardForUpload, buildEspruino } from '../tools/build/espruino';
import { EspruinoFlash, espruinoMissing, meterDriver, STANDINS, type DriverStep } from '../tools/build/espruino/real';
import { ESPRUINO_VARS } from '../tools/build/espruino/rate';
import { testIf } from './support/needs';

const BOARD = 'espruino-esp32-wroom';
const board = loadBoard(BOARD);
const tmp = mkdtempSync(join(tmpdir(), 'espruino-real-test-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

let appCode: Promise<string> | undefined;
/** app.js exactly as `npm run build -- --target espruino` writes it */
function app(): Promise<string> {
  if (appCode === undefined) appCode = buildEspruino(board, join(tmp, BOARD)).then((r) => readFileSync(join(r.outDir, 'app.js'), 'utf8'));
  return appCode;
}

interface Snap {
  name: string;
  t: number;
  relay: number;
  state?: string;
  vrms?: number;
  irms?: number;
  trips?: string[];
  restored?: string[];
  overruns?: number;
  mem: { usage: number; total: number };
  avg?: { vrms: number; irms: number; p: number; f: number; cycles: number };
}
interface Result {
  phases: Snap[];
  errors: string[];
  opens?: number[][];
  faultAt?: number;
  reset?: string;
}

const driver = (steps: DriverStep[]) => meterDriver(boardForUpload(board), steps);
const near = (x: number | undefined, want: number, tol: number) => x !== undefined && Math.abs(x - want) <= want * tol;
const phase = (r: Result, name: string): Snap => {
  const p = r.phases.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no phase ${name} in ${JSON.stringify(r).slice(0, 500)}`);
  return p;
};

const realTest = testIf(espruinoMissing('linux'));
const esp32varsTest = testIf(espruinoMissing('esp32vars'));

realTest(
  'real Espruino: boots from Storage, meters, trips on a comparator edge; boots again after the records were stored and trips on over-current',
  async (t) => {
    const flash = new EspruinoFlash('linux');
    try {
      // ---- first power-up: a fresh flash with the upload ----
      await flash.write({
        '.boot0': STANDINS,
        '.bootcde': await app(),
        '.boot1': driver([
          { at: 3.6, js: 'snap("metering")' },
          { at: 3.7, js: 'R.faultAt = getTime(); S.edge(P.comparator, 1); snap("edge")' },
          { at: 4.0, js: 'snap("after")' },
        ]),
      });
      const one = (await flash.boot(60000)).result as unknown as Result | undefined;
      t.truthy(one, 'the first boot wrote its result');
      if (one === undefined) return;
      t.deepEqual(one.errors, [], 'no uncaught error in the interpreter');
      const m = phase(one, 'metering');
      t.log(
        `boot 1 at ${m.t.toFixed(1)} s: ${m.state}, 1 s average ${m.avg?.vrms.toFixed(1)} V ${m.avg?.irms.toFixed(2)} A ${m.avg?.f.toFixed(2)} Hz, overruns ${m.overruns}, ${m.mem.usage} vars`,
      );
      t.is(m.state, 'closed', 'the breaker closed after boot on healthy mains');
      t.is(m.relay, 1, 'relay energised');
      t.true(near(m.avg?.vrms, 230, 0.02), `Vrms ${m.avg?.vrms}`);
      t.true(near(m.avg?.irms, 8, 0.03), `Irms ${m.avg?.irms}`);
      t.true(near(m.avg?.f, 50, 0.01), `f ${m.avg?.f}`);
      const e = phase(one, 'edge');
      t.is(e.relay, 0, 'the comparator edge opened the relay inside the watch callback');
      t.deepEqual(e.trips, ['comparator']);
      t.not(e.state, 'closed');

      // ---- second power-up: the same flash, now holding the latch and the trip record ----
      await flash.write({
        '.boot1': driver([
          { at: 0.3, js: 'snap("restored")' },
          { at: 0.4, js: 'S.edge(P.comparator, 0); R.reset = n.reset();' },
          { at: 3.6, js: 'snap("metering")' },
          { at: 3.7, js: 'R.faultAt = getTime(); S.irms = 40;' },
          { at: 4.3, js: 'snap("overcurrent"); R.opens = S.writes.filter(function (w) { return w[1] === P.relayMain && w[2] === 0 && w[0] >= R.faultAt; });' },
        ]),
      });
      const two = (await flash.boot(60000)).result as unknown as Result | undefined;
      t.truthy(two, 'the second boot wrote its result (it failed here when the store used ArrayBuffer.slice)');
      if (two === undefined) return;
      t.deepEqual(two.errors, []);
      const r = phase(two, 'restored');
      t.log(`boot 2 restored: ${JSON.stringify(r.restored)}; reset: ${two.reset}`);
      t.true(
        (r.restored ?? []).some((x) => /^latched tripped \(comparator\)$/.test(x)),
        JSON.stringify(r.restored),
      );
      t.true(
        (r.restored ?? []).some((x) => /^1 trip records$/.test(x)),
        JSON.stringify(r.restored),
      );
      t.deepEqual(r.trips, ['comparator'], 'the trip log came back from flash');
      t.is(r.relay, 0, 'a latched trip keeps the relay open through the power cut');
      const m2 = phase(two, 'metering');
      t.is(m2.state, 'closed', 'closed after the local reset');
      t.true(near(m2.avg?.vrms, 230, 0.02) && near(m2.avg?.irms, 8, 0.03), JSON.stringify(m2.avg));
      const oc = phase(two, 'overcurrent');
      t.is(oc.relay, 0);
      t.deepEqual(oc.trips, ['comparator', 'overcurrent']);
      const opens = two.opens ?? [];
      t.true(opens.length > 0, 'the relay was written open after the step');
      if (opens.length > 0 && two.faultAt !== undefined) {
        const ms = (opens[0][0] - two.faultAt) * 1000;
        t.log(`over-current: relay open ${ms.toFixed(1)} ms after the 40 A step (sampled time, 250 Hz polling, 5-pair blocks)`);
        // the peak element confirms inside the next block: one block (20 ms) plus a sample at most
        t.true(ms > 0 && ms <= 24, `${ms} ms`);
      }
    } finally {
      flash.close();
    }
  },
);

esp32varsTest('real Espruino (ESP32 variable format): the booted app uses the variables the board file and docs state', async (t) => {
  const flash = new EspruinoFlash('esp32vars');
  try {
    await flash.write({
      '.boot0': STANDINS,
      '.bootcde': await app(),
      '.boot1': driver([
        { at: 1, js: 'snap("booted")' },
        { at: 3.6, js: 'snap("metering")' },
      ]),
    });
    const r = (await flash.boot(60000)).result as unknown as Result | undefined;
    t.truthy(r);
    if (r === undefined) return;
    t.deepEqual(r.errors, []);
    const m = phase(r, 'metering');
    t.log(
      `espruino.vars_used = ${m.mem.usage} of ${m.mem.total} (14-byte variables: ${Math.round((m.mem.usage * 14) / 1024)} kB), after boot ${phase(r, 'booted').mem.usage}`,
    );
    t.is(m.mem.total, 16383, 'the 16383-variable ESP32 format');
    t.is(m.state, 'closed');
    // the recorded figure (rate.ts ESPRUINO_VARS, docs, board notes) within 10 %
    t.true(
      Math.abs(m.mem.usage - ESPRUINO_VARS.used) <= ESPRUINO_VARS.used * 0.1,
      `measured ${m.mem.usage}, recorded ${ESPRUINO_VARS.used}: update rate.ts, the board notes and docs/BUILD-ESPRUINO.md`,
    );
  } finally {
    flash.close();
  }
});
