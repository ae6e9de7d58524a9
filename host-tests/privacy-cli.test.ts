// npm run privacy: the --json shape, flags, the plot, and a bad trace named by its line.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run, parseBattery } from '../tools/privacy';
import { householdTrace, traceCsv } from '../tools/privacy/synth';

const dir = mkdtempSync(join(tmpdir(), 'privacy-cli-'));
const day120 = join(dir, 'day120.csv');
writeFileSync(day120, traceCsv(householdTrace(120)));
const day1 = join(dir, 'day1.csv');
writeFileSync(day1, traceCsv(householdTrace(1)));

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const FIELDS = ['mi_bits', 'events_per_day', 'correlation', 'overhead_pct', 'cycles'];

for (const f of [day120, day1]) {
  test(`--json prints one object of the stated shape (${f.endsWith('1.csv') ? '1 s' : '2 min'} day)`, async (t) => {
    const r = await cli(['--trace', f, '--json']);
    t.is(r.code, 0, r.err);
    t.is(r.out.split('\n').length, 1);
    const o = JSON.parse(r.out);
    t.deepEqual(Object.keys(o), ['ours', 'algorithms']);
    t.is(o.ours, 'slot-levels');
    t.deepEqual(Object.keys(o.algorithms), ['none', 'best-effort', 'nill', 'stepping', 'slot-levels']);
    for (const a of Object.values(o.algorithms) as Record<string, number>[]) {
      t.deepEqual(Object.keys(a), FIELDS);
      for (const k of FIELDS) t.true(Number.isFinite(a[k]));
    }
    t.is(o.algorithms.none.correlation, 1);
    t.is(o.algorithms.none.overhead_pct, 0);
  });
}

test('--algo picks one algorithm (plus none for reference); --battery changes the result', async (t) => {
  const r = await cli(['--trace', day120, '--json', '--algo', 'nill', '--battery', '3kWh,2kW']);
  t.is(r.code, 0, r.err);
  const o = JSON.parse(r.out);
  t.deepEqual(Object.keys(o.algorithms), ['none', 'nill']);
  const d = JSON.parse((await cli(['--trace', day120, '--json', '--algo', 'nill'])).out);
  t.not(o.algorithms.nill.mi_bits, d.algorithms.nill.mi_bits);
});

test('--plot writes an SVG with real, visible and SoC series', async (t) => {
  const svg = join(dir, 'p.svg');
  const r = await cli(['--trace', day120, '--plot', svg]);
  t.is(r.code, 0, r.err);
  const s = readFileSync(svg, 'utf8');
  t.true(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  t.is((s.match(/<polyline/g) ?? []).length, 1 + 2 * 4); // real + (visible, SoC) x 4 batteries
  t.true(s.includes('slot-levels (visible)'));
  t.true(s.trimEnd().endsWith('</svg>'));
});

test('--help prints usage on stdout and exits 0; a bad flag is one line and exit 2', async (t) => {
  const h = await cli(['--help']);
  t.is(h.code, 0);
  t.true(h.out.startsWith('usage: npm run privacy'));
  for (const args of [
    ['--bogus'],
    ['--trace'],
    ['--trace', day120, '--algo', 'magic'],
    ['--trace', day120, '--battery', '1.5kWh'],
    ['--trace', day120, '--battery', '0kWh,1kW'],
    [],
  ]) {
    const r = await cli(args);
    t.is(r.code, 2, args.join(' '));
    t.is(r.err.split('\n').length, 1);
    t.is(r.out, '');
  }
  t.is((await cli(['--trace', day120, '--battery', '200kWh,1kW'])).err, 'privacy: --battery capacityKWh: 200 is out of range (0.01 .. 100 kWh)');
});

test('parseBattery reads units', (t) => {
  const s = parseBattery('1500Wh,500W,0.85');
  t.is(s.capacityKWh, 1.5);
  t.is(s.maxChargeKW, 0.5);
  t.is(s.maxDischargeKW, 0.5);
  t.is(s.roundTripEff, 0.85);
  t.throws(() => parseBattery('1.5kW,1kW'), { message: /capacity "1.5kW"/ });
  t.throws(() => parseBattery('1.5kWh,1kW,1.5'), { message: /roundTripEff: 1.5 is out of range \(0.5 .. 1\)/ });
});

test('a bad trace exits 1 naming the file and line', async (t) => {
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'time,watts\n0,100\n60,abc\n');
  const r = await cli(['--trace', bad]);
  t.is(r.code, 1);
  t.is(r.err, `privacy: ${bad}:3: watts "abc" is not a number`);
  const missing = await cli(['--trace', join(dir, 'nope.csv')]);
  t.is(missing.code, 1);
  t.regex(missing.err, /ENOENT/);
});

test('npm run privacy is wired (tsx tools/privacy.ts)', (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync('npm', ['run', '-s', 'privacy', '--', '--trace', day120, '--json', '--algo', 'stepping'], { cwd: root, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(Object.keys(JSON.parse(r.stdout).algorithms), ['none', 'stepping']);
});
