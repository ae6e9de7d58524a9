import test from 'ava';
import fc from 'fast-check';
import { MainsModel } from '../hal/sim/mains';

/** Numerical rms / mean power over [t0, t0 + durUs) with fine steps. */
function integrate(m: MainsModel, t0: number, durUs: number, stepUs = 5) {
  let v2 = 0;
  let i2 = 0;
  let p = 0;
  let n = 0;
  for (let t = t0; t < t0 + durUs; t += stepUs) {
    const s = m.sample(t);
    v2 += s.v * s.v;
    i2 += s.i * s.i;
    p += s.v * s.i;
    n++;
  }
  return { vrms: Math.sqrt(v2 / n), irms: Math.sqrt(i2 / n), p: p / n };
}

test('defaults: 230 V, 50 Hz, 5 A in phase; waveform and truth agree', (t) => {
  const m = new MainsModel();
  const num = integrate(m, 0, 200_000);
  const tr = m.truth();
  t.is(tr.freqHz, 50);
  t.true(Math.abs(num.vrms - 230) < 0.01);
  t.true(Math.abs(num.irms - 5) < 0.001);
  t.true(Math.abs(num.p - 1150) < 0.1);
  t.true(Math.abs(tr.p - 1150) < 1e-9);
  t.true(Math.abs(tr.pf - 1) < 1e-12);
  // v(0) = 0 rising, peak at 5 ms
  t.true(Math.abs(m.sample(5000).v - 230 * Math.SQRT2) < 1e-9);
});

test('truth with lag and harmonics matches numerical integration', (t) => {
  const m = new MainsModel({ params: { pfAngleDeg: 36.87, v3: 0.03, v5: 0.02, i3: 0.3, i5: 0.1, v3Deg: 10, i3Deg: -40, v5Deg: 0, i5Deg: 70 } });
  const num = integrate(m, 0, 200_000, 2);
  const tr = m.truth(0);
  t.true(Math.abs(num.vrms - tr.vrms) / tr.vrms < 1e-4, `${num.vrms} vs ${tr.vrms}`);
  t.true(Math.abs(num.irms - tr.irms) / tr.irms < 1e-4, `${num.irms} vs ${tr.irms}`);
  t.true(Math.abs(num.p - tr.p) / tr.p < 1e-4, `${num.p} vs ${tr.p}`);
  t.true(tr.pf < 0.8 && tr.pf > 0.7);
});

test('phase stays continuous across a frequency change', (t) => {
  let now = 0;
  const m = new MainsModel({ clock: () => now });
  now = 12_345;
  const before = m.sample(now).v;
  m.freqHz = 51;
  t.is(m.freqHz, 51);
  const after = m.sample(now).v;
  t.true(Math.abs(after - before) < 1e-9);
  // next zero crossing period is now 1/51 s
  const z: number[] = [];
  let prev = m.sample(now).v;
  for (let tt = now + 1; tt < now + 100_000; tt += 1) {
    const v = m.sample(tt).v;
    if (prev < 0 && v >= 0) z.push(tt);
    prev = v;
  }
  t.true(Math.abs(z[2] - z[1] - 1e6 / 51) <= 2);
});

test('short circuit: in phase with V, starts from the voltage at onset, ends after duration', (t) => {
  const m = new MainsModel({ params: { irms: 0 } });
  m.shortCircuit({ atUs: 2500, prospectiveA: 1000, durationUs: 40_000 });
  t.is(m.sample(2499).i, 0);
  const at = m.sample(2500);
  t.true(Math.abs(at.i - (at.v / 230) * 1000) < 1e-9);
  t.true(Math.abs(at.i - 1000) < 1e-6); // 45 deg into the cycle: 1414*sin(45) = 1000, no ramp-up
  const num = integrate(m, 2500, 40_000, 2);
  t.true(Math.abs(num.irms - 1000) < 1);
  t.true(Math.abs(m.truth(10_000).irms - 1000) < 1e-6);
  t.is(m.sample(42_500).i, 0);
  t.true(m.peakCurrentBound(10_000) >= 1414);
  t.true(m.peakCurrentBound(50_000) < 1);
});

test('sag and swell scale the voltage for their window', (t) => {
  const m = new MainsModel();
  m.sag({ atUs: 100_000, depth: 0.5, durationUs: 100_000 });
  m.swell({ atUs: 300_000, factor: 1.2 });
  t.true(Math.abs(integrate(m, 0, 100_000).vrms - 230) < 0.05);
  t.true(Math.abs(integrate(m, 100_000, 100_000).vrms - 115) < 0.05);
  t.true(Math.abs(m.truth(150_000).vrms - 115) < 1e-9);
  t.true(Math.abs(integrate(m, 200_000, 100_000).vrms - 230) < 0.05);
  t.true(Math.abs(integrate(m, 300_000, 100_000).vrms - 276) < 0.05);
});

test('overload ramp then a load step that ends it', (t) => {
  const m = new MainsModel();
  m.overloadRamp({ atUs: 1e6, fromA: 5, toA: 25, rampUs: 2e6 });
  m.setLoad({ atUs: 5e6, irms: 3, pfAngleDeg: 20 });
  t.true(Math.abs(m.truth(0.5e6).irms - 5) < 1e-9);
  t.true(Math.abs(m.truth(2e6).irms - 15) < 1e-9);
  t.true(Math.abs(m.truth(4e6).irms - 25) < 1e-9);
  t.true(Math.abs(integrate(m, 4e6, 100_000).irms - 25) < 0.01);
  t.true(Math.abs(m.truth(6e6).irms - 3) < 1e-9);
  t.true(Math.abs(m.truth(6e6).pf - Math.cos((20 * Math.PI) / 180)) < 1e-9);
  t.is(m.nextChangeUs(0), 1e6);
  t.is(m.nextChangeUs(1e6), 1e6 + 1000); // re-checked each ms during the ramp
});

test('onChange fires for setters and faults', (t) => {
  const m = new MainsModel();
  let n = 0;
  m.onChange(() => n++);
  m.irms = 7;
  m.sag({ atUs: 10, depth: 0.8 });
  m.setLoad({ atUs: 20, irms: 1 });
  t.is(n, 3);
});

test('bad parameters are rejected with the field and range named', (t) => {
  const m = new MainsModel();
  t.throws(() => (m.freqHz = 0), { message: /mains\.freqHz must be in \[1, 1000\]/ });
  t.throws(() => (m.pfAngleDeg = 120), { message: /pfAngleDeg/ });
  t.throws(() => m.sag({ atUs: 0, depth: 1.5 }), { message: /sag\.depth/ });
  t.throws(() => m.shortCircuit({ atUs: 0, prospectiveA: -1 }), { message: /prospectiveA/ });
  t.throws(() => m.swell({ atUs: 0, factor: 1.1, durationUs: 0 }), { message: /swell\.durationUs/ });
  t.throws(() => new MainsModel({ params: { v3: 2 } }), { message: /mains\.v3/ });
});

test('property: peakCurrentBound bounds |i| for any load, harmonics and faults', (t) => {
  fc.assert(
    fc.property(
      fc.record({
        irms: fc.double({ min: 0, max: 100, noNaN: true }),
        pf: fc.double({ min: -90, max: 90, noNaN: true }),
        i3: fc.double({ min: 0, max: 1, noNaN: true }),
        i5: fc.double({ min: 0, max: 1, noNaN: true }),
        v3: fc.double({ min: 0, max: 0.2, noNaN: true }),
        sc: fc.double({ min: 0, max: 5000, noNaN: true }),
        swell: fc.double({ min: 1, max: 2, noNaN: true }),
      }),
      fc.array(fc.double({ min: 0, max: 100_000, noNaN: true }), { minLength: 1, maxLength: 30 }),
      (p, ts) => {
        const m = new MainsModel({ params: { irms: p.irms, pfAngleDeg: p.pf, i3: p.i3, i5: p.i5, v3: p.v3 } });
        m.shortCircuit({ atUs: 30_000, prospectiveA: p.sc });
        m.swell({ atUs: 20_000, factor: p.swell });
        for (const tt of ts.sort((a, b) => a - b)) {
          if (Math.abs(m.sampleI(tt)) > m.peakCurrentBound(tt) * (1 + 1e-12) + 1e-9) return false;
        }
        return true;
      },
    ),
  );
  t.pass();
});

test('ended faults stop acting and are pruned; the log keeps them; load steps apply in order', (t) => {
  const m = new MainsModel();
  m.sag({ atUs: 1000, depth: 0.5, durationUs: 1000 });
  for (let k = 1; k <= 500; k++) m.setLoad({ atUs: k * 10_000, irms: k % 7 });
  t.true(Math.abs(m.sample(1500).v) <= 0.5 * 230 * Math.SQRT2 + 1e-9);
  for (let k = 1; k <= 500; k++) {
    const tt = k * 10_000 + 5000;
    m.sampleI(tt);
    t.is(m.truth(tt).irms, k % 7);
  }
  t.true(Math.abs(m.truth(6e6).vrms - 230) < 1e-9);
  t.is(m.faultLog.length, 1);
  t.is(m.nextChangeUs(6e6), Infinity);
});
