// `npm run sim -- --plot out.svg`: the waveform and trip timeline around a fault, as SVG.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../boards/schema';
import { escapeXml, niceTicks, svgPlot } from '../tools/plot/svg';
import { PLOT_RATE_HZ, plotScenario, waveformWindow } from '../tools/sim/plot';
import { runScenario } from '../tools/sim/run';
import { findScenario } from '../tools/sim/scenarios';

const board = loadBoard('esp32-devkitc-meter');

/** Every element closed in order (a small well-formedness check, no XML package needed). */
function wellFormed(svg: string): string {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    if (m[1] === '') stack.push(m[2]);
    else if (stack.pop() !== m[2]) return `</${m[2]}> closes the wrong element`;
  }
  return stack.length === 0 ? '' : `unclosed: ${stack.join(', ')}`;
}

test('niceTicks and escapeXml', (t) => {
  t.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  t.deepEqual(niceTicks(-60, 60, 6), [-60, -40, -20, 0, 20, 40, 60]);
  t.deepEqual(niceTicks(3, 3), [3]);
  t.is(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  const svg = svgPlot('t <x>', [{ title: 'p', xLabel: 'x', yLabel: 'y', series: [{ name: 's', color: '#000', x: [0, 1, 2], y: [0, NaN, 2] }] }]);
  t.is(wellFormed(svg), '');
  t.true(svg.includes('t &lt;x&gt;'));
  t.true(svg.includes('d="M70,'), 'a path that starts with a move');
  t.regex(svg, /M[\d.]+,[\d.]+M[\d.]+,[\d.]+/, 'a NaN breaks the line (a new move), not a jump to zero');
});

test('overcurrent: the plot shows the waveform around the fault, the trip and the relay, and does not change the run', (t) => {
  const sc = findScenario('overcurrent')!;
  const plain = runScenario(sc, board, 1).result;
  const p = plotScenario(sc, board, 1);
  t.deepEqual(p.result, plain, 'the same run, byte for byte');
  t.is(wellFormed(p.svg), '');
  for (const s of [
    'Mains voltage',
    'Current through the CT',
    'Trip timeline',
    'Main relay',
    'fault: load steps to 40 A',
    'TRIP overcurrent',
    'relay open command',
  ])
    t.true(p.svg.includes(s), s);
  const win = waveformWindow(plain);
  t.is(win.zeroIs, 'the fault onset');
  t.true(win.fromS < 1.0017 && win.toS > 1.0017 + 0.003, JSON.stringify(win));
});

test('the waveform: current flows before the fault, is 0 once the contacts open, and the voltage stays', (t) => {
  const sc = findScenario('overcurrent')!;
  const { result, waveform } = runScenario(sc, board, 1, { waveform: { fromS: 0.96, toS: 1.1, rateHz: PLOT_RATE_HZ } });
  const wf = waveform!;
  t.is(wf.t.length, Math.round(0.14 * PLOT_RATE_HZ) + 1);
  const before = wf.i.filter((_, k) => wf.t[k] < 1.0);
  const after = wf.i.filter((_, k) => wf.t[k] > 1.06);
  t.true(Math.max(...before.map(Math.abs)) > 6, 'about 7 A peak before the fault (5 A rms)');
  t.true(
    after.every((i) => i === 0),
    'no current after the relay opened',
  );
  t.true(Math.max(...wf.v.filter((_, k) => wf.t[k] > 1.06).map(Math.abs)) > 300, 'the supply is still there');
  t.is(result.finalState, 'tripped');
});

test('a slow fault (overload) centres the waveform on the trip', (t) => {
  const sc = findScenario('overload')!;
  const win = waveformWindow(runScenario(sc, board, 1).result);
  t.is(win.zeroIs, 'the trip');
  t.true(win.zeroS > 10, `trip at ${win.zeroS} s`);
});

test('sim --plot writes the file; refuses a network scenario and a name that is not .svg', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plot-'));
  const out = join(dir, 'short.svg');
  const r = spawnSync(process.execPath, ['--import=tsx', 'tools/sim.ts', '--scenario', 'short-circuit', '--plot', out, '--json'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.notThrows(() => JSON.parse(r.stdout), '--json still prints one object on stdout');
  t.regex(r.stderr, /plot written to/);
  const svg = readFileSync(out, 'utf8');
  t.is(wellFormed(svg), '');
  t.true(svg.includes('TRIP comparator'), 'the latch trip');
  const net = spawnSync(process.execPath, ['--import=tsx', 'tools/sim.ts', '--scenario', 'telemetry', '--plot', out], { encoding: 'utf8' });
  t.is(net.status, 2);
  t.regex(net.stderr, /network scenario/);
  const png = spawnSync(process.execPath, ['--import=tsx', 'tools/sim.ts', '--scenario', 'sag', '--plot', join(dir, 'x.png')], { encoding: 'utf8' });
  t.is(png.status, 2);
  t.regex(png.stderr, /ending in \.svg/);
});
