// Lost blocks on the polled ADC (timer ticks late behind a GC pass, a flash write or a long
// console reply): the cycle that spans a gap is dropped, not reported, so the node still
// closes and reads right. Before, a gap cycle read ~150 V and the breaker never closed with
// 10 ms stalls every 250 ms (tools/build/moddable/polled-gap-study.ts).
import test from 'ava';
import { gapRun } from '../tools/build/moddable/polled-gap-study';
import { MainsMeter } from '../firmware/metering/mains-meter';
import type { CycleReading } from '../firmware/metering/readings';
import { CYCLE_GAP } from '../firmware/metering/readings';

for (const gapMs of [3, 10, 50]) {
  test(`polled ADC with ${gapMs} ms JS stalls every 250 ms: the node closes and reads 230 V / 10 A`, (t) => {
    const r = gapRun(gapMs);
    t.is(r.state, 'closed', JSON.stringify(r));
    t.deepEqual(r.trips, []);
    t.true(Math.abs(r.vrms / 230 - 1) < 0.005, `vrms ${r.vrms}`);
    t.true(Math.abs(r.irms / 10 - 1) < 0.005, `irms ${r.irms}`);
  });
}

test('a cycle that spans lost samples is never reported; the half-cycle window waits for fresh samples', (t) => {
  const rate = 4000;
  const cycles: CycleReading[] = [];
  const halves: number[] = [];
  const m = new MainsMeter(
    { rateHz: rate, bits: 12, blockPairs: 8, cal: { vGain: 0.25, iGain: 0.02, phaseShift: 0 }, hystCodes: 20, minHz: 40, maxHz: 70 },
    { onCycle: (r) => cycles.push({ ...r }), onHalfCycle: (v) => halves.push(v), onPeak: () => {} },
  );
  const b: number[] = [];
  const block = (k0: number) => {
    b.length = 0;
    for (let k = k0; k < k0 + 8; k++) {
      const ph = (2 * Math.PI * 50 * k) / rate;
      b.push(2048 + Math.round(230 * Math.SQRT2 * 4 * Math.sin(ph)), 2048 + Math.round(250 * Math.sin(ph)));
    }
    m.processBlock(b, 8, (k0 * 1e6) / rate);
  };
  let k = 0;
  for (; k < 2000; k += 8) block(k);
  const before = cycles.length;
  k += 37 * 8; // 74 ms of blocks lost, at an odd phase
  const halvesAtGap = halves.length;
  for (; k < 4000; k += 8) block(k);
  const after = cycles.slice(before);
  t.true(after.length > 10);
  for (const c of after) {
    t.true(Math.abs(c.vrms / 230 - 1) < 0.01, `a cycle after the gap read ${c.vrms} V (flags ${c.flags})`);
    t.true(Math.abs(c.durationS - 0.02) < 0.0005, `duration ${c.durationS}`);
  }
  t.true((after[0].flags & CYCLE_GAP) !== 0, 'the first cycle after the gap carries the gap flag');
  for (const v of halves.slice(halvesAtGap)) t.true(Math.abs(v / 230 - 1) < 0.02, `half-cycle window read ${v} V after the gap`);
});
