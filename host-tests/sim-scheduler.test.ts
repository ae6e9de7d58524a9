import test from 'ava';
import fc from 'fast-check';
import { Prng } from '../hal/sim/prng';
import { Scheduler } from '../hal/sim/scheduler';

test('hardware events run in time order, ties in insertion order', (t) => {
  const s = new Scheduler();
  const log: string[] = [];
  s.at(30, () => log.push('c'));
  s.at(10, () => log.push('a1'));
  s.at(20, () => log.push('b'));
  s.at(10, () => log.push('a2'));
  s.runUntil(100);
  t.deepEqual(log, ['a1', 'a2', 'b', 'c']);
  t.is(s.now(), 100);
});

test('startUs sets the clock and past times run at once', (t) => {
  const s = new Scheduler({ startUs: 5000 });
  t.is(s.now(), 5000);
  let at = -1;
  s.at(10, () => (at = s.now()));
  s.runFor(1);
  t.is(at, 5000);
});

test('a JS callback runs at start + cost and the thread is FIFO', (t) => {
  const s = new Scheduler();
  const log: [string, number][] = [];
  s.js(100, () => log.push(['a', s.now()]), 50);
  s.js(110, () => log.push(['b', s.now()]), 30);
  s.js(105, () => log.push(['c', s.now()]), 10);
  s.runUntil(1000);
  // a starts 100 ends 150; c ready 105, b ready 110: c then b
  t.deepEqual(log, [
    ['a', 150],
    ['c', 160],
    ['b', 190],
  ]);
});

test('busy(): a JS callback waits for the long task, a hardware event does not', (t) => {
  const s = new Scheduler();
  let hw = -1;
  let js = -1;
  s.at(0, () => s.busy(2_000_000)); // a 2 s signature check from t = 0
  s.at(1000, () => {
    hw = s.now();
    s.js(s.now(), () => (js = s.now()), 50);
  });
  s.runUntil(3_000_000);
  t.is(hw, 1000);
  t.is(js, 2_000_050);
});

test('busy() called inside a JS callback starts when that callback ends', (t) => {
  const s = new Scheduler();
  let second = -1;
  s.js(0, () => s.busy(1000), 10);
  s.js(5, () => (second = s.now()), 10);
  s.runUntil(10_000);
  t.is(second, 10 + 1000 + 10);
  t.is(s.jsFreeAt(), 10_000);
});

test('jsFreeAt reflects queued work', (t) => {
  const s = new Scheduler();
  s.busy(500);
  t.is(s.jsFreeAt(), 500);
  s.runUntil(100);
  t.is(s.jsFreeAt(), 500);
  s.runUntil(600);
  t.is(s.jsFreeAt(), 600);
});

test('cancel removes hardware events and waiting JS callbacks', (t) => {
  const s = new Scheduler();
  const log: string[] = [];
  const a = s.at(10, () => log.push('a'));
  s.busy(100);
  const b = s.js(20, () => log.push('b'), 5);
  s.js(30, () => log.push('c'), 5);
  s.at(50, () => s.cancel(b)); // b is waiting for the thread by then
  s.cancel(a);
  s.runUntil(1000);
  t.deepEqual(log, ['c']);
  t.is(s.pending(), 0);
});

test('bad arguments are rejected with the field named', (t) => {
  const s = new Scheduler();
  t.throws(() => s.js(0, () => {}, -1), { message: /costUs/ });
  t.throws(() => s.busy(NaN), { message: /durationUs/ });
  t.throws(() => s.at(NaN, () => {}), { message: /tUs/ });
  t.throws(() => new Scheduler({ startUs: Infinity }), { message: /startUs/ });
});

test('runUntil from inside an event is refused', (t) => {
  const s = new Scheduler();
  let err: unknown;
  s.at(1, () => {
    try {
      s.runUntil(10);
    } catch (e) {
      err = e;
    }
  });
  s.runUntil(5);
  t.truthy(err);
});

test('property: any mix of hardware events runs sorted by (time, insertion)', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
      const s = new Scheduler();
      const ran: [number, number][] = [];
      times.forEach((tt, k) => s.at(tt, () => ran.push([s.now(), k])));
      s.runUntil(100);
      const expected = times.map((tt, k) => [tt, k] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      return JSON.stringify(ran) === JSON.stringify(expected);
    }),
  );
  t.pass();
});

test('property: JS callbacks never overlap and never start before they are ready', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ ready: fc.integer({ min: 0, max: 1000 }), cost: fc.integer({ min: 0, max: 100 }) }), { maxLength: 60 }),
      fc.integer({ min: 0, max: 500 }),
      (jobs, busyUs) => {
        const s = new Scheduler();
        s.busy(busyUs);
        const ends: { ready: number; cost: number; end: number }[] = [];
        for (const j of jobs) s.js(j.ready, () => ends.push({ ...j, end: s.now() }), j.cost);
        s.runUntil(1e9);
        let prevEnd = busyUs;
        for (const e of ends) {
          const start = e.end - e.cost;
          if (start < e.ready || start < prevEnd) return false;
          prevEnd = e.end;
        }
        return ends.length === jobs.length;
      },
    ),
  );
  t.pass();
});

test('prng: seeded, uniform in [0,1), gaussian moments', (t) => {
  const a = new Prng(42);
  const b = new Prng(42);
  const xs: number[] = [];
  for (let k = 0; k < 20000; k++) {
    const x = a.next();
    t.is(x, b.next());
    if (!(x >= 0 && x < 1)) t.fail(`out of range ${x}`);
    xs.push(x);
  }
  const mean = xs.reduce((p, x) => p + x, 0) / xs.length;
  t.true(Math.abs(mean - 0.5) < 0.01);
  const g = new Prng(7);
  let s1 = 0;
  let s2 = 0;
  const n = 40000;
  for (let k = 0; k < n; k++) {
    const z = g.gauss();
    s1 += z;
    s2 += z * z;
  }
  t.true(Math.abs(s1 / n) < 0.02);
  t.true(Math.abs(s2 / n - 1) < 0.03);
  t.not(new Prng(1).next(), new Prng(2).next());
  t.not(new Prng(1).fork('v').next(), new Prng(1).fork('i').next());
});
