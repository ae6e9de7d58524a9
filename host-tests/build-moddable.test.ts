// The Moddable build (tools/build/moddable.ts): the generated app's manifest and modules,
// and the proof that those generated modules load and run in XS (xsnap) against the
// simulated board, trip on faults and stay closed on a normal load.
import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../boards/schema';
import { buildModdableWith, MAIN_JS, MICROSECONDS_MANIFEST, type ModdableManifest } from '../tools/build/moddable';
import { isSdkModule, topLevelSdkUse } from '../tools/build/moddable/modules';
import { bundleBuild, runXsProof } from '../tools/build/moddable/xs-proof';
import { checkAgainstModdableTypings } from '../tools/build/moddable/typings';
import { polledBoard } from '../hal/moddable/polled-board';
import { build } from '../tools/build';
import type { BuildResult } from '../tools/build/types';

const BOARD = 'esp32-devkitc-meter';
const dir = mkdtempSync(join(tmpdir(), 'build-moddable-test-'));
let built: Promise<BuildResult> | undefined;
function buildOnce(): Promise<BuildResult> {
  built ??= buildModdableWith(loadBoard(BOARD), dir, { mcconfig: false });
  return built;
}
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function manifestOf(outDir: string): ModdableManifest {
  return JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as ModdableManifest;
}

test('the manifest declares every generated module, and every import is declared or an SDK module', async (t) => {
  const r = await buildOnce();
  const m = manifestOf(dir);
  t.deepEqual(m.modules['*'], ['./main']);
  const declared = new Set(Object.keys(m.modules).filter((k) => k !== '*'));
  t.true(declared.has('firmware/app/meter-node'));
  t.true(declared.has('hal/moddable/device'));
  t.true(declared.has('hal/common/polled-adc'));
  t.true(declared.has('tweetnacl'));
  t.false(declared.has('boards/board'), 'a type-only file is not shipped');
  t.false(
    [...declared].some((k) => k.startsWith('hal/sim')),
    'the simulator is not in the app',
  );
  for (const [key, v] of Object.entries(m.modules)) {
    if (key === '*') continue;
    t.true(existsSync(join(dir, `${v}.js`)), `${key} -> ${v}.js exists`);
  }
  // every import in every generated file resolves through the manifest
  const importRe = /^\s*(?:import|export)\b[^'"]*?from\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm;
  let imports = 0;
  for (const f of r.files.filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(dir, f), 'utf8');
    for (const hit of code.matchAll(importRe)) {
      const spec = hit[1] ?? hit[2];
      imports++;
      t.true(declared.has(spec) || isSdkModule(spec), `${f} imports '${spec}'`);
      t.false(spec.startsWith('.'), `${f}: no relative specifier left ('${spec}')`);
    }
  }
  t.true(imports > 50, `${imports} imports checked`);
  t.deepEqual(
    m.preload.filter((p) => p !== 'main' && !declared.has(p)),
    [],
    'preload names declared modules',
  );
  t.true(m.include.includes('$(IO)/analog/manifest.json') && m.include.includes('$(IO)/digital/manifest.json'));
  t.true(m.include.includes('$(MODDABLE)/examples/manifest_base.json'));
  t.is(m.build.IO, '$(MODDABLE)/modules/io');
  // Time.microseconds: the SDK's module on esp32 (its C has no lin branch; lin brings a stand-in)
  t.deepEqual(m.platforms, { esp32: { include: [MICROSECONDS_MANIFEST] } });
});

test('config carries the board, main.js reads it, and bytes counts the JS written', async (t) => {
  const r = await buildOnce();
  const m = manifestOf(dir);
  t.deepEqual(m.config.board, loadBoard(BOARD));
  t.is(readFileSync(join(dir, 'main.js'), 'utf8'), MAIN_JS);
  t.regex(MAIN_JS, /import config from "mc\/config"/);
  const js = r.files.filter((f) => f.endsWith('.js'));
  t.is(
    r.bytes,
    js.reduce((n, f) => n + statSync(join(dir, f)).size, 0),
  );
  t.true(r.bytes > 50_000 && r.bytes < 400_000, `${r.bytes} bytes`);
  t.true(r.files.includes('manifest.json'));
  t.is(r.target, 'moddable');
  t.is(r.board, BOARD);
  // no mcconfig here: the notes give the exact command
  t.true(
    r.notes.some((n) => n.includes('mcconfig -d -m -p esp32 -t build')),
    r.notes.join('\n'),
  );
});

test('XS: the generated app boots, closes, meters a normal load and does not trip', async (t) => {
  await buildOnce();
  const { bundle, results } = await runXsProof(dir, [{ fault: 'none', loadA: 10, afterMs: 2000 }]);
  t.true(bundle.inputs.includes('main.js'));
  t.true(bundle.inputs.includes('modules/firmware/app/meter-node.js'));
  const r = results[0];
  t.true(r.closedAtBoot);
  t.is(r.state, 'closed');
  t.deepEqual(r.trips, []);
  t.is(r.relayPin, 1);
  t.true(Math.abs(r.vrms / 230 - 1) < 0.01, `Vrms ${r.vrms}`);
  t.true(Math.abs(r.irms / 10 - 1) < 0.01, `Irms ${r.irms}`);
  t.true(Math.abs(r.sampleHz - 1000) < 5, `polled at ${r.sampleHz} Hz`);
  t.true(r.log.includes('adc: 4000 Hz requested, polling at 1000 Hz in blocks of 2'), r.log.join('\n'));
});

test('XS: the generated app trips on a short circuit, an over-current and a sag', async (t) => {
  await buildOnce();
  const { results } = await runXsProof(dir, [
    { fault: 'shortCircuit', afterMs: 100 },
    { fault: 'overcurrent', afterMs: 100 },
    { fault: 'sag', afterMs: 400 },
  ]);
  const [sc, oc, sag] = results;
  for (const r of results) {
    t.true(r.closedAtBoot, `${r.fault}: closed at boot`);
    t.is(r.relayPin, 0, `${r.fault}: relay pin low`);
    t.false(r.contactsClosed, `${r.fault}: contacts open`);
    t.true(
      r.log.some((l) => l.startsWith('trip 1 ')),
      `${r.fault}: trip logged through trace()`,
    );
  }
  t.deepEqual(sc.trips, [{ reason: 'comparator', state: 'tripped' }]);
  t.is(sc.openSource, 'latch');
  t.true(sc.openLatencyUs! <= 500, `latch ${sc.openLatencyUs} µs`);
  // the polled ADC path: JS sees the over-current within a few 1 ms samples
  t.deepEqual(oc.trips, [{ reason: 'overcurrent', state: 'tripped' }]);
  t.is(oc.openSource, 'js');
  t.true(oc.openLatencyUs! < 10_000, `over-current ${oc.openLatencyUs} µs`);
  t.is(sag.trips[0].reason, 'undervoltage');
  t.true(sag.openLatencyUs! >= 200_000 && sag.openLatencyUs! < 250_000, `under-voltage ${sag.openLatencyUs} µs (200 ms pickup)`);
});

test('a module missing from the manifest fails the XS bundle, naming it', async (t) => {
  await buildOnce();
  const broken = mkdtempSync(join(tmpdir(), 'build-moddable-broken-'));
  try {
    cpSync(dir, broken, { recursive: true });
    const m = manifestOf(broken);
    delete m.modules['hal/common/polled-adc'];
    writeFileSync(join(broken, 'manifest.json'), JSON.stringify(m));
    await t.throwsAsync(bundleBuild(broken), { message: /'hal\/common\/polled-adc' \(imported by .*device\.js\) is not declared in manifest\.json "modules"/ });
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});

test('bad boards give a clear error', async (t) => {
  await t.throwsAsync(build('moddable', 'no-such-board', dir), { message: /^board 'no-such-board' not found; known boards: .*esp32-devkitc-meter/ });
  await t.throwsAsync(buildModdableWith(loadBoard('espruino-esp32-wroom'), dir, { mcconfig: false }), {
    message: 'board espruino-esp32-wroom: target is "espruino", not "moddable"; build it with --target espruino',
  });
  // a control board builds the control unit's app (host-tests/build-control-unit.test.ts), never the meter node
  const cu = await buildModdableWith(loadBoard('moddable-two'), join(dir, 'control'), { mcconfig: false });
  t.true(cu.files.includes('modules/targets/control-unit/main.js') && !cu.files.includes('modules/firmware/app/meter-node.js'));
});

test('preload analysis: a top-level native call blocks preload; one inside a function does not', (t) => {
  t.is(topLevelSdkUse('import Digital from "embedded:io/digital";\nexport function f() { new Digital({ pin: 1 }); }'), '');
  t.is(topLevelSdkUse('import D from "embedded:io/digital";\nconst x = { m: D.Output };'), '', 'reading a constant is fine');
  t.regex(topLevelSdkUse('import Digital from "embedded:io/digital";\nDigital.write(1, 0);'), /line 2 calls Digital\.write at load time/);
  t.regex(topLevelSdkUse('import Timer from "timer";\nclass A { static t = Timer.set(() => {}, 1); }'), /calls Timer\.set/);
});

test('polledBoard caps the rate at 1 kHz and keeps the block duration', (t) => {
  const b = loadBoard(BOARD);
  const p = polledBoard(b);
  t.deepEqual(p.adc, { ...b.adc, rateHz: 1000, blockPairs: 2, skewUs: 125 });
  t.is(b.adc.rateHz, 4000, 'the board itself is unchanged');
  t.is(p.pins, b.pins);
  const slow = { ...b, adc: { ...b.adc, rateHz: 1000, blockPairs: 20 } };
  t.is(polledBoard(slow), slow);
  const tiny = polledBoard({ ...b, adc: { ...b.adc, rateHz: 20000, blockPairs: 1, skewUs: 40 } });
  t.is(tiny.adc.blockPairs, 1, 'at least one pair');
});

test('hal/moddable and the app entry type-check against the SDK typings (@moddable/typings)', (t) => {
  t.deepEqual(checkAgainstModdableTypings(), []);
});

test('XS, debug build: xsbug holds UART0, the console reports it and the node still boots, closes and trips', async (t) => {
  await buildOnce();
  const { results } = await runXsProof(dir, [
    { fault: 'none', debugBuild: true, afterMs: 500 },
    { fault: 'overcurrent', debugBuild: true, afterMs: 100 },
  ]);
  const [normal, oc] = results;
  t.true(normal.closedAtBoot);
  t.is(normal.state, 'closed');
  t.true(
    normal.log.some((l) => /^console: UART0 not opened \(Error: in use\); a debug build gives UART0 and GPIO 1\/3 to xsbug/.test(l)),
    normal.log.join('\n'),
  );
  t.true(normal.log.some((l) => l.startsWith('meter node up')));
  t.deepEqual(oc.trips, [{ reason: 'overcurrent', state: 'tripped' }]);
  t.false(oc.contactsClosed);
});

test('XS, release build: Help and Keys come out whole through the 128-byte TX FIFO, no "output full"', async (t) => {
  await buildOnce();
  const { results } = await runXsProof(dir, [{ fault: 'none', afterMs: 10, console: ['Help', 'Keys', 'Status'] }]);
  const r = results[0];
  t.is(r.outputFull, 0);
  const lines = r.consoleOut.split('\r\n');
  t.is(lines.pop(), '', 'every reply ends in CR LF');
  t.is(lines.length, 3, r.consoleOut);
  const [help, keys, status] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(typeof help.Help === 'object' && 'CurrentPeak' in (help.Help as Record<string, string>));
  t.true(lines[0].length > 128, `Help is ${lines[0].length} bytes`);
  t.deepEqual(Object.keys(keys), ['Keys']);
  t.is((status.Status as { Breaker: string }).Breaker, 'closed');
});
