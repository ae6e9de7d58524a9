// The Moddable build against the REAL Moddable SDK tools (../shared/moddable-sdk, or
// $MODDABLE; README-SHARED.md there), not our stand-ins:
//   1. mcconfig -d -m -p esp32 resolves the manifest of the plain and the --native build and
//      writes the makefile; make then stops at "$IDF_PATH not set" (no ESP-IDF here);
//   2. every xsc rule of those makefiles is run with the real xsc;
//   3. the app is linked for `lin` (real XS, timer, time, preference, Serial on a pty) with
//      stand-ins only for what lin lacks (analog, digital, spi, microseconds:
//      tools/build/moddable/lin/), run headless in mcsim, and must boot, meter, answer Help
//      on the console whole, and trip on an over-current.
// Where the SDK or a tool is missing each test is skipped, visibly, with the reason in its title.
import test, { type ExecutionContext, type Implementation } from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../boards/schema';
import { buildModdableWith, runMcconfig } from '../tools/build/moddable';
import { compileWithXsc, findSdk, resolveWithMcconfig, sdkEnv, type Sdk } from '../tools/build/moddable/sdk-check';
import { writeLinManifest } from '../tools/build/moddable/lin';
import { findMcSo, runLinApp, type LinRun } from '../tools/build/moddable/lin-run';

const found = findSdk();
const sdk: Sdk | undefined = typeof found === 'string' ? undefined : found;
const noSdk = typeof found === 'string' ? found : '';

function has(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
}
/** what the lin link and run need (Debian: build-essential, pkg-config, libgtk-3-dev, xvfb, python3) */
function linMissing(): string {
  if (noSdk !== '') return noSdk;
  if (!has('gcc', ['--version'])) return 'gcc is not on PATH (Debian build-essential)';
  if (!has('pkg-config', ['--exists', 'gtk+-3.0'])) return 'GTK 3 development files not found by pkg-config (Debian pkg-config, libgtk-3-dev)';
  if (!has('xvfb-run', ['--help'])) return 'xvfb-run is not on PATH (Debian xvfb)';
  if (!has('python3', ['--version'])) return 'python3 is not on PATH (the console pty bridge)';
  return '';
}

/**
 * A test that runs only when `missing` is '' and is skipped with the reason in its title
 * otherwise. `serial`: the lin run is on wall-clock timers (mcsim), so it runs first and
 * alone (ava runs serial tests before the concurrent ones), after the main phase of npm
 * test (ava.wallclock.config.mjs), with no compile beside it to make its ticks late.
 */
function when(missing: string, serial = false): (title: string, fn: Implementation<[]>) => void {
  if (missing === '') return (title, fn) => (serial ? test.serial(title, fn) : test(title, fn));
  return (title, fn) => test.skip(`${title} [SKIPPED: ${missing}]`, fn);
}

const cleanup: string[] = [];
test.after.always(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

for (const native of [false, true]) {
  const kind = native ? '--native' : 'plain';
  when(noSdk)(`real mcconfig resolves the ${kind} manifest for esp32 and the real xsc compiles every module`, async (t) => {
    const m = await resolveWithMcconfig(sdk!, native);
    cleanup.push(m.outDir);
    t.is(m.run.stage, 'makefile', m.run.note);
    t.regex(m.run.note, /\$IDF_PATH not set/);
    const x = compileWithXsc(sdk!, m.run.makefile, m.outDir);
    t.deepEqual(x.failures, []);
    // main + the 35 TypeScript modules + tweetnacl (+ the two native classes)
    t.true(x.ours >= (native ? 40 : 37), `${x.ours} of our modules compiled`);
    t.true(x.compiled > x.ours, `${x.compiled} modules in all (with the SDK's)`);
    t.log(`${kind}: mcconfig wrote ${m.run.makefile}; xsc compiled ${x.compiled} modules (${x.ours} ours)`);
  });
}

when(noSdk)('real mcconfig: a generated module that is missing fails the build, naming it (the check can fail)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moddable-sdk-bad-'));
  cleanup.push(dir);
  await buildModdableWith(loadBoard('esp32-devkitc-meter'), dir, { mcconfig: false });
  rmSync(join(dir, 'modules/firmware/app/meter-node.js'));
  // mcconfig itself only warns ("no modules match") and goes on to the make stage
  const args = ['-d', '-m', '-p', 'esp32', '-t', 'build', '-o', 'mc', 'manifest.json'];
  t.throws(() => runMcconfig(join(sdk!.bin, 'mcconfig'), args, dir, sdk!.root), { message: /no modules match: .*modules\/firmware\/app\/meter-node/ });
});

/** one lin build and mcsim run, shared by the two lin tests */
let linRun: Promise<LinRun> | undefined;
function linOnce(t: ExecutionContext): Promise<LinRun> {
  linRun ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moddable-lin-'));
    cleanup.push(dir);
    const board = loadBoard('esp32-devkitc-meter');
    await buildModdableWith(board, dir, { mcconfig: false });
    const tty = join(dir, 'console-tty');
    // 'virtual': the stand-in ADC samples on the 1 ms grid PolledAdc assumes and the app's
    // Time.microseconds follows it, so a loaded host cannot make ticks "late" (docs/BUILD-MODDABLE.md,
    // "The lin run"; late ticks are tested in simulated time); the load steps to 40 A 7 s after the close
    writeLinManifest(dir, board, { serialDevice: tty, loadA: 10, faultA: 40, faultAfterCloseMs: 7000, clock: 'virtual' });
    mkdirSync(join(dir, 'lin-out'));
    const link = spawnSync(join(sdk!.bin, 'mcconfig'), ['-d', '-m', '-p', 'lin', '-o', 'lin-out', 'manifest-lin.json'], {
      cwd: dir,
      encoding: 'utf8',
      env: sdkEnv(sdk!),
      maxBuffer: 64 << 20,
    });
    if (link.status !== 0) throw new Error(`mcconfig -p lin failed:\n${`${link.stdout}${link.stderr}`.slice(-2000)}`);
    const mcSo = findMcSo(join(dir, 'lin-out'));
    if (mcSo === '') throw new Error('mcconfig -p lin wrote no mc.so');
    return runLinApp({ moddable: sdk!.root, mcSo, tty, relayPin: board.pins.relayMain, settleMs: 1500, timeoutMs: 90_000 });
  })();
  t.timeout(300_000);
  return linRun;
}

when(linMissing(), true)('lin: the app links with the real SDK, boots in mcsim, and its console answers Help whole (no "output full")', async (t) => {
  const run = await linOnce(t);
  t.log(run.trace.join('\n'));
  t.true(run.booted, 'meter node up');
  t.false(
    run.trace.some((l) => /output full|would overflow|not opened/.test(l)),
    'the console opened and never overflowed',
  );
  // the only exceptions are caught ones: the SDK's (lin preference.js deletes a file that is
  // not there yet) and, once, noble's as it loads at boot (probeRandomBytes asks for
  // crypto.getRandomValues, which XS lacks, and catches the throw; the verify needs no RNG)
  const nobleAt = run.trace.findIndex((l) => /Exception/.test(l) && /modules\/noble-curves\.js/.test(l));
  t.true(nobleAt < 0 || nobleAt < run.trace.findIndex((l) => l.startsWith('meter node up')), 'noble throws only while it loads');
  t.deepEqual(
    run.trace.filter((l, i) => /Exception/.test(l) && !/preference\/lin\/preference\.js/.test(l) && i !== nobleAt),
    [],
  );
  t.true(run.closed, 'the main relay closed (the console is asked after that)');
  const help = run.replies.Help ?? '';
  t.regex(help, /^\{"Help":\{.*\}\}\r\n$/s, 'Help is one whole JSON line');
  const names = Object.keys((JSON.parse(help) as { Help: Record<string, string> }).Help);
  t.true(names.includes('Status') && names.includes('Readings') && names.includes('CurrentPeak'));
  t.true(help.length > 128, `Help is ${help.length} bytes: more than the ESP32's 128-byte TX FIFO`);
});

when(linMissing(), true)('lin: in mcsim the app meters 230 V / 10 A, stays closed, then trips on a 40 A over-current', async (t) => {
  const run = await linOnce(t);
  const early = run.trace.findIndex((l) => l.startsWith('trip 1 '));
  const closedAt = run.trace.findIndex((l) => l === 'lin digital: pin 26 -> 1');
  // a trip before the relay ever closed is the metering misreading the polled samples
  // (docs/BUILD-MODDABLE.md, "The lin run": late timer ticks, gaps between blocks)
  t.true(closedAt >= 0 && (early < 0 || early > closedAt), `no trip before the close: ${run.trace.join(' | ')}`);
  const status = JSON.parse(run.replies.Status ?? '{}') as { Status?: { Breaker: string } };
  t.is(status.Status?.Breaker, 'closed', run.replies.Status);
  const readings = JSON.parse(run.replies.Readings ?? '{}') as { Readings?: { Voltage: number; Current: number } };
  t.true(Math.abs((readings.Readings?.Voltage ?? 0) / 230 - 1) < 0.02, run.replies.Readings);
  t.true(Math.abs((readings.Readings?.Current ?? 0) / 10 - 1) < 0.02, run.replies.Readings);
  t.true(run.tripped, 'trip 1 logged');
  t.true(
    run.trace.some((l) => /^trip 1 overcurrent -> tripped/.test(l)),
    'an over-current trip',
  );
  const tripAt = run.trace.findIndex((l) => l.startsWith('trip 1 '));
  const opened = run.trace.findIndex((l) => l === 'lin digital: pin 26 -> 0');
  t.true(opened >= 0 && opened < tripAt, 'the main relay (GPIO 26) was driven low for the trip');
  const after = JSON.parse(run.replies.StatusAfterTrip ?? '{}') as { Status?: { Breaker: string; Reason: string } };
  t.is(after.Status?.Breaker, 'tripped');
  t.is(after.Status?.Reason, 'overcurrent');
});
