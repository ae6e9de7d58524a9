// History in SQLite: downsampling at 1 s / 1 min / 15 min, bounded retention, events, and
// a writer killed with SIGKILL mid-write loses no committed row and leaves a sound file.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENERGY_RETENTION_S, History, RETENTION_S } from '../tools/gateway/history';
import type { EnergyMsg, ReadingMsg } from '../tools/gateway/lines';

const reading = (node: number, V: number | null, E: number): ReadingMsg => ({
  type: 'reading',
  node,
  t: 0,
  ctr: 0,
  V,
  I: 1,
  P: 230,
  E,
  PF: 1,
  T: 20,
  gas: null,
  flags: 1,
  relay: 'closed',
});

const energy = (realW: number, visibleW: number, soc: number | null): EnergyMsg => ({
  type: 'energy',
  ev: 1,
  t: 0,
  realW,
  visibleW,
  batteryW: visibleW - realW,
  soc,
  owner: 'privacy',
  algo: 'slot-levels',
  realWh: 0,
  visibleWh: 0,
  sched: null,
});

test('energy history: real vs visible load per line, averaged per bucket for a long span, kept 35 days', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hist-'));
  const h = new History(join(dir, 'h.db'));
  try {
    const t0 = 1_800_000_000 * 1000;
    // a line every 10 s for an hour: real load steps 1000 / 3000 W, the visible load stays at 2000 W
    for (let k = 0; k < 360; k++) h.energy(energy(k % 2 === 0 ? 1000 : 3000, 2000, k % 2 === 0 ? 0.5 : null), t0 + k * 10_000);
    const fine = h.energySeries(t0 / 1000, t0 / 1000 + 3600);
    t.is(fine.bucketS, 2);
    t.is(fine.ts.length, 360);
    t.deepEqual(fine.real.slice(0, 2), [1000, 3000]);
    t.deepEqual(fine.battery.slice(0, 2), [1000, -1000]);
    t.deepEqual(fine.soc.slice(0, 2), [50, null], 'SoC in %, a missing value stays missing');
    // a day's chart: 44 s buckets, averages of the lines in each
    const day = h.energySeries(t0 / 1000, t0 / 1000 + 86400);
    t.is(day.bucketS, 44);
    t.true(day.ts.length < 100);
    t.true(day.visible.every((v) => v === 2000));
    // (the first and last bucket, cut by the span's ends, may hold a single line)
    t.true(day.real.filter((v) => v !== null && v > 1000 && v < 3000).length >= day.ts.length - 2, 'buckets of both steps average between them');
    h.prune(t0 + (ENERGY_RETENTION_S + 7200) * 1000);
    t.is(h.energySeries(t0 / 1000, t0 / 1000 + 3600).ts.length, 0);
  } finally {
    h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('downsampling: averages per bucket, a missing value is not a zero, the chart picks its resolution', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hist-'));
  const h = new History(join(dir, 'h.db'));
  try {
    const t0 = 1_800_000_000 * 1000; // a 15 min boundary
    for (let k = 0; k < 120; k++) h.reading(reading(1, k % 2 === 0 ? 220 : 240, k), t0 + k * 1000);
    h.reading(reading(1, null, 120), t0 + 120_000);
    t.is(h.count(1), 121);
    t.is(h.count(60), 3);
    t.is(h.count(900), 1);
    const m = h.series(1, t0 / 1000, t0 / 1000 + 86400);
    t.is(m.res, 60);
    t.deepEqual(m.v, [230, 230, null]);
    t.deepEqual(m.e, [59, 119, 120]);
    const s = h.series(1, t0 / 1000, t0 / 1000 + 600);
    t.is(s.res, 1);
    t.is(s.ts.length, 121);
    t.is(History.resolutionFor(30 * 86400), 900);
    h.trip({ type: 'trip', node: 1, t: 0, seq: 1, state: 'tripped', reason: 'comparator' }, t0);
    h.alarm({ type: 'alarm', node: 2, t: 0, kind: 'flood', detail: 'x' }, t0);
    h.access({ type: 'access', t: 0, seq: 1, kind: 'guest-pass', who: 'guest', detail: 'used' }, t0);
    t.like(h.events('trips')[0], { node: 1, reason: 'comparator' });
    t.is(h.events('alarms').length, 1);
    t.is(h.events('access').length, 1);
    // retention: a week later the 1 s rows are gone, the 1 min and 15 min rows stay
    h.prune(t0 + (RETENTION_S[1] + 3600) * 1000);
    t.is(h.count(1), 0);
    t.is(h.count(60), 3);
    t.is(h.count(900), 1);
    t.is(h.db.pragma('journal_mode', { simple: true }) as string, 'wal');
  } finally {
    h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kill -9 mid-write: every committed reading is in the file, and the file passes integrity_check', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hist-'));
  const file = join(dir, 'h.db');
  try {
    const child = spawn(process.execPath, ['--import=tsx', 'tools/gateway/history-crash-child.ts', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastCommitted = 0;
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the writer did not get going'));
      }, 30_000);
      child.stdout!.on('data', (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) lastCommitted = Number(l);
        // kill it while it writes: after a few thousand rows, at a moment it did not choose
        if (lastCommitted >= 3000 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          clearTimeout(timer);
        }
      });
      child.on('exit', () => resolve());
    });
    t.true(lastCommitted >= 3000);
    const h = new History(file);
    try {
      t.is(h.db.pragma('integrity_check', { simple: true }), 'ok');
      const max = h.db.prepare('SELECT max(e) AS m, count(*) AS c FROM readings WHERE res = 1').get() as { m: number; c: number };
      t.true(max.m >= lastCommitted, `last committed ${lastCommitted}, in the file ${max.m}`);
      t.is(max.c, max.m, 'no gap: every reading up to the last one is there');
      t.log(`killed after ${lastCommitted} reported commits; ${max.m} rows survived`);
    } finally {
      h.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
