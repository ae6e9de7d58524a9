// Small things a newcomer tripped over (issue 11): flag names, forgery-flood's result line,
// the trip record while the MQ-6 warms, the native build's own folder, near().
import test from 'ava';
import { resolve } from 'node:path';
import { MeterNode } from '../firmware/app/meter-node';
import { SimBoard } from '../hal/sim/board';
import { SimStore } from '../hal/sim/store';
import { loadBoard } from '../boards/schema';
import { flagNames } from '../tools/sim/flags';
import { NET_SCENARIOS } from '../tools/sim/net-scenarios';
import { buildDir } from '../tools/build';
import { FlashError, planFlash } from '../tools/flash';
import { near, nearRel } from './support/near';

test('telemetry flags by name: 0x41 is closed with the gas sensor not ok (warming)', (t) => {
  t.is(flagNames(0x41), 'closed, gas-sensor-not-ok');
  t.is(flagNames(0), 'none');
  t.is(flagNames(0x8002), 'open-by-protection, 0x8000');
});

test('forgery-flood states its key result in the text: legitimate delivery %', (t) => {
  const r = NET_SCENARIOS.find((s) => s.name === 'forgery-flood')!.run();
  const last = r.timeline[r.timeline.length - 1];
  t.regex(
    last,
    /^result: legitimate telemetry delivered (\d+(\.\d)?) % \((\d+) of (\d+), (\d+) refused under the flood's tag budget\); forged frames accepted 0, /,
  );
  t.true(last.includes(`${(r.json as { legit_delivery_pct: number }).legit_delivery_pct} %`), last);
  const tele = NET_SCENARIOS.find((s) => s.name === 'telemetry')!.run();
  t.true(
    tele.timeline.some((l) => /reading #\d+: .* \(closed, gas-sensor-not-ok\)$/.test(l)),
    'flags by name in the readings',
  );
  t.false(tele.timeline.some((l) => /flags 0x/.test(l)));
});

test('a trip while the MQ-6 warms records no ppm but "warming", also after a reboot; once warm, the ppm', (t) => {
  const board = loadBoard('esp32-devkitc-meter');
  const store = new SimStore();
  const sim = new SimBoard({ board, seed: 3, store });
  const node = new MeterNode(sim.device, board, {});
  sim.run(4e6);
  sim.mains.setLoad({ atUs: sim.now() + 1000, irms: 40 });
  sim.run(0.2e6);
  const [e] = node.trips();
  t.is(e.gas, 'warming');
  t.true(Number.isNaN(e.gasPpm));
  t.is(node.consoleTarget.trips()[0].Gas, 'warming');
  const sim2 = new SimBoard({ board, seed: 4, store, startUs: 10e6 });
  const node2 = new MeterNode(sim2.device, board, {});
  t.is(node2.trips()[0].gas, 'warming', 'kept across a reboot');
  t.true(Number.isNaN(node2.trips()[0].gasPpm));
  // warm (180 s), reset, trip again: now the ppm is known
  sim2.mains.setLoad({ atUs: sim2.now(), irms: 5 });
  sim2.run(200e6);
  t.is(node2.reset(), 'ok');
  sim2.run(1e6);
  sim2.mains.setLoad({ atUs: sim2.now() + 1000, irms: 40 });
  sim2.run(0.2e6);
  const last = node2.trips()[node2.trips().length - 1];
  t.is(last.gas, 'ok');
  t.true(last.gasPpm >= 0 && last.gasPpm < 200, `${last.gasPpm} ppm`);
  t.is(typeof node2.consoleTarget.trips()[1].Gas, 'number');
});

test('build --native has its own folder, and flash takes the one it is asked for', (t) => {
  t.is(buildDir('build', 'moddable', 'esp32-devkitc-meter'), resolve('build/moddable/esp32-devkitc-meter'));
  t.is(buildDir('build', 'moddable', 'esp32-devkitc-meter', true), resolve('build/moddable-native/esp32-devkitc-meter'));
  const polled = planFlash({ board: 'esp32-devkitc-meter', port: '/dev/null', buildDir: 'build' }).steps[0];
  const native = planFlash({ board: 'esp32-devkitc-meter', port: '/dev/null', buildDir: 'build', native: true }).steps[0];
  t.is(polled.inputs[0].file, resolve('build/moddable/esp32-devkitc-meter/manifest.json'));
  t.is(native.inputs[0].file, resolve('build/moddable-native/esp32-devkitc-meter/manifest.json'));
  t.regex(native.inputs[0].hint, /--native$/);
  t.throws(() => planFlash({ board: 'espruino-esp32-wroom', port: '/dev/null', buildDir: 'build', native: true }), {
    instanceOf: FlashError,
    message: /only a moddable board/,
  });
});

test('near() and nearRel() pass within the tolerance and, when they fail, print both values', async (t) => {
  near(t, 1.0004, 1, 1e-3, 'close');
  nearRel(t, 231, 230, 0.005, 'relative');
  // an attempt's outcome, discarded before the test's own assertions
  const attempt = async (fn: Parameters<typeof t.try>[0]) => {
    const r = await t.try(fn);
    const out = { passed: r.passed, message: r.errors.length > 0 ? r.errors[0].message : '' };
    r.discard();
    return out;
  };
  const bad = await attempt((tt) => near(tt, 1.2, 1, 0.1, 'Irms'));
  t.false(bad.passed);
  t.regex(bad.message, /^Irms: 1\.2 is not within 0\.1 of 1 \(off by 0\.19/);
  t.false((await attempt((tt) => near(tt, NaN, 1, 1e9, 'NaN'))).passed, 'NaN is never near');
  t.regex((await attempt((tt) => nearRel(tt, 240, 230, 0.01, 'Vrms'))).message, /^Vrms: 240 is not within 1 % of 230 \(off by 4\.35 %\)/);
});
