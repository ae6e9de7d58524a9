// The leakage floor (tools/privacy/bound.ts) on cases with known answers, and against every
// algorithm: a certified lower bound that some algorithm beat would be a wrong bound.
import test from 'ava';
import { defaultBattery } from '../firmware/privacy/battery';
import { ALGORITHMS, DEFAULT_CAP_W, OURS } from '../firmware/privacy/hiding';
import { miLowerBound } from '../tools/privacy/bound';
import { Evaluation } from '../tools/privacy/evaluate';
import { BIN_W, MiEstimator } from '../tools/privacy/metrics';
import { householdTrace, mulberry32 } from '../tools/privacy/synth';

test('no battery power (below a bin): the floor is the binned entropy of the load (8 equal bins = 3 bits)', (t) => {
  const xs: number[] = [];
  for (let i = 0; i < 8000; i++) xs.push((i % 8) * BIN_W + 10);
  const b = miLowerBound(xs, 50, DEFAULT_CAP_W, 0);
  t.true(Math.abs(b.bits - 3) < 1e-6, `${b.bits}`);
});

test('a load that swings less than the battery covers: the floor is 0 (a constant visible load would do)', (t) => {
  const r = mulberry32(3);
  const xs: number[] = [];
  for (let i = 0; i < 5000; i++) xs.push(100 + r() * 800);
  const b = miLowerBound(xs, 1000, DEFAULT_CAP_W, 20);
  t.true(b.bits < 0.01, `${b.bits}`);
});

test('two loads further apart than twice the battery power: the floor is their entropy (1 bit)', (t) => {
  const xs: number[] = [];
  for (let i = 0; i < 4000; i++) xs.push(i % 2 === 0 ? 100 : 3500);
  const b = miLowerBound(xs, 1000, 16000, 50);
  t.true(Math.abs(b.bits - 1) < 1e-3, `${b.bits}`);
});

for (const step of [120, 1]) {
  test(`repo day at ${step} s: every algorithm's MI is at or above the floor, and ours is the closest`, (t) => {
    const ev = new Evaluation(ALGORITHMS, defaultBattery());
    for (const r of householdTrace(step)) ev.add(r.t, r.watts);
    const res = ev.results();
    const f = ev.floor(DEFAULT_CAP_W);
    t.log(`floor ${f.bits.toFixed(4)} bits (relaxed optimum ${f.relaxed_bits.toFixed(4)}, visible ${JSON.stringify(f.q)})`);
    t.true(f.bits > 0.2 && f.bits <= f.relaxed_bits + 1e-9);
    for (const n of ALGORITHMS) t.true(res[n].mi_bits >= f.bits, `${n} ${res[n].mi_bits} < floor ${f.bits}`);
    for (const n of ALGORITHMS) if (n !== OURS) t.true(res[OURS].mi_bits < res[n].mi_bits, n);
  });
}

test('the floor bounds the estimator itself: a random channel inside the battery limits never gets below it', (t) => {
  // visible = real + a random battery power within +-P, mean-neutral: MI by the estimator >= floor
  const r = mulberry32(11);
  const xs = householdTrace(120)
    .slice(1)
    .map((row) => row.watts);
  const f = miLowerBound(xs, 1000, DEFAULT_CAP_W, 0.1 * (xs.reduce((a, b) => a + b, 0) / xs.length));
  for (let k = 0; k < 20; k++) {
    const m = new MiEstimator();
    for (const x of xs) {
      let y = x + (r() * 2 - 1) * 1000;
      if (y < 0) y = 0;
      if (y > DEFAULT_CAP_W) y = Math.max(DEFAULT_CAP_W, x - 1000);
      m.add(x, y);
    }
    t.true(m.bits() >= f.bits, `${m.bits()} < ${f.bits}`);
  }
});
