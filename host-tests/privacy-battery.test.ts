// The battery model never exceeds a limit, closes its energy balance to the watt-hour over
// a day, and refuses settings out of range naming the field and the range.
import test from 'ava';
import fc from 'fast-check';
import { Battery, checkBattery, defaultBattery } from '../firmware/privacy/battery';
import { ALGORITHMS, DEFAULT_CAP_W, makeHider } from '../firmware/privacy/hiding';
import { householdTrace } from '../tools/privacy/synth';

test('limits hold for any request sequence', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: -5000, max: 5000, noNaN: true }), fc.integer({ min: 1, max: 900 })), { maxLength: 300 }), (reqs) => {
      const spec = defaultBattery();
      const b = new Battery(spec);
      for (const [w, dt] of reqs) {
        const p = b.run(w, dt);
        if (p > spec.maxChargeKW * 1000 + 1e-9 || -p > spec.maxDischargeKW * 1000 + 1e-9) return false;
        if (b.soc() < spec.socMin - 1e-12 || b.soc() > spec.socMax + 1e-12) return false;
        if (Math.sign(p) !== 0 && Math.sign(p) !== Math.sign(w)) return false;
      }
      return true;
    }),
  );
  t.pass();
});

test('energy balance closes to the watt-hour over a day and the grid cap holds, every algorithm, 2 min and 1 s', (t) => {
  for (const step of [120, 1]) {
    const tr = householdTrace(step);
    for (const name of ALGORITHMS) {
      const h = makeHider(name, defaultBattery())!;
      let realWh = 0;
      let visWh = 0;
      for (let i = 1; i < tr.length; i++) {
        const dt = tr[i].t - tr[i - 1].t;
        const y = h.step(tr[i].watts, dt);
        t.true(y >= 0, `${name}: visible load went negative (export)`);
        // hiding never pushes the grid above the cap (below the protection's MaxPower)
        if (y > DEFAULT_CAP_W + 1e-6 && y > tr[i].watts + 1e-6) t.fail(`${name} @${tr[i].t}: visible ${y} W above the ${DEFAULT_CAP_W} W cap`);
        realWh += (tr[i].watts * dt) / 3600;
        visWh += (y * dt) / 3600;
      }
      const b = h.battery;
      const stored = b ? b.storedDeltaWh() + b.lossWh : 0;
      t.true(
        Math.abs(visWh - realWh - stored) < 1,
        `${name} @${step}s: grid ${visWh.toFixed(2)} Wh vs real + stored + losses ${(realWh + stored).toFixed(2)} Wh`,
      );
      if (b) t.true(b.lossWh > 0 && b.lossWh < 0.2 * realWh, `${name}: losses ${b.lossWh.toFixed(1)} Wh`);
    }
  }
});

test('round-trip efficiency: a full charge then a full discharge returns eta of the energy', (t) => {
  const spec = { ...defaultBattery(), socStart: 0.1 };
  const b = new Battery(spec);
  let inWh = 0;
  for (let i = 0; i < 200; i++) inWh += (b.run(1000, 60) * 60) / 3600;
  t.is(b.soc(), 0.9);
  let outWh = 0;
  for (let i = 0; i < 200; i++) outWh -= (b.run(-1000, 60) * 60) / 3600;
  t.true(Math.abs(b.soc() - 0.1) < 1e-12);
  t.true(Math.abs(outWh / inWh - 0.9) < 1e-9, `${outWh / inWh}`);
  t.true(Math.abs(b.cycles() - 1) < 1e-9);
});

test('settings out of range are refused with the field and the range', (t) => {
  t.is(checkBattery(defaultBattery()), '');
  t.is(checkBattery({ ...defaultBattery(), capacityKWh: 0 }), 'capacityKWh: 0 is out of range (0.01 .. 100 kWh)');
  t.is(checkBattery({ ...defaultBattery(), roundTripEff: 1.2 }), 'roundTripEff: 1.2 is out of range (0.5 .. 1)');
  t.is(checkBattery({ ...defaultBattery(), stepS: NaN }), 'stepS: NaN is out of range (1 .. 900 s)');
  t.is(checkBattery({ ...defaultBattery(), socStart: 0.95 }), 'socStart: 0.95 is out of range (socMin .. socMax = 0.1 .. 0.9)');
  t.throws(() => new Battery({ ...defaultBattery(), maxChargeKW: -1 }), { message: 'battery maxChargeKW: -1 is out of range (0.01 .. 50 kW)' });
});
