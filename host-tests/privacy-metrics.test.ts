// The mutual-information estimator on cases with known answers, and the event counter.
import test from 'ava';
import { BIN_W, Correlation, EventCounter, MiEstimator } from '../tools/privacy/metrics';
import { mulberry32 } from '../tools/privacy/synth';

test('identical signals: MI = the binned entropy (uniform on 8 bins = 3 bits)', (t) => {
  const m = new MiEstimator();
  for (let i = 0; i < 8000; i++) {
    const w = (i % 8) * BIN_W + 10;
    m.add(w, w);
  }
  t.true(Math.abs(m.bits() - 3) < 1e-9);
  t.true(Math.abs(m.entropyX() - 3) < 1e-9);
});

test('a deterministic 2-to-1 function of X carries exactly 1 bit of a 2-bit X', (t) => {
  const m = new MiEstimator();
  for (let i = 0; i < 4000; i++) {
    const x = (i % 4) * BIN_W;
    m.add(x, x >= 2 * BIN_W ? 1000 : 0);
  }
  t.true(Math.abs(m.bits() - 1) < 1e-9);
});

test('independent signals: ~0 bits, within the stated bias', (t) => {
  const r = mulberry32(7);
  const m = new MiEstimator();
  for (let i = 0; i < 50000; i++) m.add(r() * 2000, r() * 2000);
  t.true(m.bits() < 2 * m.biasBits(), `${m.bits()} vs bias ${m.biasBits()}`);
  t.true(m.bits() < 0.02);
});

test('a constant visible load carries 0 bits and 0 correlation', (t) => {
  const r = mulberry32(9);
  const m = new MiEstimator();
  const c = new Correlation();
  for (let i = 0; i < 1000; i++) {
    const x = r() * 3000;
    m.add(x, 500);
    c.add(x, 500);
  }
  t.is(m.bits(), 0);
  t.is(c.value(), 0);
});

test('out-of-range values go to the edge bins, not lost', (t) => {
  const m = new MiEstimator();
  m.add(-50, 1e9);
  m.add(1e9, -50);
  t.is(m.n, 2);
  t.true(Math.abs(m.bits() - 1) < 1e-9);
});

test('events: a matched visible step is exposed, a masked or mis-sized one is not', (t) => {
  const e = new EventCounter();
  // [real, visible]
  const rows: [number, number][] = [
    [200, 200],
    [2200, 2200], // exposed (same step)
    [200, 200], // exposed
    [2200, 500], // masked
    [200, 500],
    [2200, 2500], // step 2000 vs 2000: exposed even with an offset
    [200, 1500], // step -2000 vs -1000: not exposed
    [250, 1500], // below the threshold: not a real event
  ];
  for (const [x, y] of rows) e.add(x, y);
  t.is(e.real, 6);
  t.is(e.exposed, 3);
});

test("the attacker's side: visible steps, and the share that copy a real step", (t) => {
  const e = new EventCounter();
  const rows: [number, number][] = [
    [200, 0],
    [200, 1100], // a visible step with no real one: not a copy
    [2300, 2200], // real +2100, visible +1100: not a copy
    [200, 0], // real -2100, visible -2200: a copy
    [1200, 1000], // real +1000, visible +1000: a copy
    [1200, 1000], // nothing moves
  ];
  for (const [x, y] of rows) e.add(x, y);
  t.is(e.visible, 4);
  t.is(e.copied, 2);
  t.is(e.real, 3);
  t.is(e.exposed, 2);
});
