// The composition root on the virtual board: calibration, settings, resets, relay commands.
import test from 'ava';
import { nearRel } from './support/near';
import fc from 'fast-check';
import type { SimFault } from '../hal/sim/board';
import { bootNode } from '../tools/bench/common';
import { loadBoard } from '../boards/schema';

test('VoltageSet and CurrentSet correct a 3 % gain error to within 0.1 %', (t) => {
  const { sim, node } = bootNode({ seed: 5, frontend: { gainErr: { v: 0.03, i: -0.03 } }, mains: { irms: 10 } });
  let last = { vrms: 0, irms: 0 };
  node.options.onAverages = (a) => {
    last = { vrms: a.vrms, irms: a.irms };
  };
  sim.run(2.1e6);
  t.true(Math.abs(last.vrms / 230 - 1.03) < 0.003, `before ${last.vrms}`);
  t.is(node.calibrate('voltage', 230), '');
  t.is(node.calibrate('current', 10), 'current: no steady reading yet; wait 2 s with the load on');
  sim.run(2.1e6);
  t.is(node.calibrate('current', 10), '');
  sim.run(2.1e6); // a whole averaging window after the correction
  nearRel(t, last.vrms, 230, 0.001, 'Vrms after calibration');
  nearRel(t, last.irms, 10, 0.001, 'Irms after calibration');
  t.regex(node.calibrate('voltage', 500), /reference is 217 % of the reading; allowed 50..200 %/);
});

test('calibration refuses a load that is not steady', (t) => {
  const { sim, node } = bootNode({ seed: 4, mains: { irms: 10 } });
  sim.run(1.5e6);
  sim.mains.setLoad({ atUs: sim.now(), irms: 5 });
  sim.run(1e6);
  t.regex(node.calibrate('current', 5), /not steady/);
});

test('PowerSet solves the phase alignment at PF 0.5 and refuses at PF 1', (t) => {
  const board = loadBoard('esp32-devkitc-meter');
  const wrong = { ...board, calibration: { ...board.calibration!, phaseShift: 0 } };
  const { sim, node } = bootNode({ seed: 6, mains: { irms: 10, pfAngleDeg: 60 } }, {}, wrong);
  let p = 0;
  node.options.onAverages = (a) => {
    p = a.p;
  };
  sim.run(2.1e6);
  const truthP = sim.truth().p;
  t.true(Math.abs(p / truthP - 1) > 0.03, `uncorrected P off by ${(p / truthP - 1) * 100} %`);
  t.is(node.calibrate('power', truthP), '');
  t.true(Math.abs(node.meter.cal.phaseShift - 0.5) < 0.05, `phaseShift ${node.meter.cal.phaseShift}`);
  sim.run(2.1e6);
  t.true(Math.abs(p / truthP - 1) < 0.005, `corrected P ${p} vs ${truthP}`);

  const r = bootNode({ seed: 7, mains: { irms: 10, pfAngleDeg: 0 } });
  r.sim.run(2.1e6);
  t.regex(r.node.calibrate('power', 2300), /below 0.9/);
  t.is(r.node.calibrate('voltage', -5), 'voltage: reference must be > 0');
});

test('configure: a bad value names the field and range and changes nothing; a good one takes effect', (t) => {
  const { sim, node } = bootNode({ seed: 8 });
  const r = node.configure({ ocPeakA: 500 });
  t.false(r.ok);
  t.is(r.error, 'ocPeakA: 500 is outside 1..200 A');
  t.is(node.settings.ocPeakA, 45);
  t.true(node.configure({ ocPeakA: 30, olPickupA: 10 }).ok);
  sim.mains.setLoad({ atUs: sim.now() + 1000, irms: 25, pfAngleDeg: 0 }); // 35 A peak: above the new pickup
  sim.run(50e3);
  t.is(node.state(), 'tripped');
  t.is(node.trips()[0].reason, 'overcurrent');
});

test('after a short circuit: latched, remote on refused, local reset re-arms the latch and closes', (t) => {
  const { sim, node } = bootNode({ seed: 9 });
  const t0 = sim.now() + 3300;
  sim.mains.shortCircuit({ atUs: t0, prospectiveA: 300, durationUs: 30e3 });
  sim.run(100e3);
  t.is(node.state(), 'tripped');
  t.false(sim.relays.main.contactsClosed());
  t.regex(node.relay(true), /refused: tripped \(comparator\)/);
  sim.run(1e6);
  t.false(sim.relays.main.contactsClosed(), 'never recloses by itself');
  t.is(node.reset(), 'ok');
  sim.run(50e3);
  t.true(sim.relays.main.contactsClosed());
  t.is(node.state(), 'closed');
});

test('gas trip: reset refused while gas is present, accepted once it has cleared', (t) => {
  const { sim, node } = bootNode({ seed: 10, startUs: 0 });
  sim.run(200e6); // past the MQ-6 warm-up
  sim.env.gasLeak({ atUs: sim.now(), ppm: 4000, rampUs: 1e6 });
  sim.run(40e6);
  t.is(node.state(), 'tripped');
  t.regex(node.reset(), /refused: gas still present/);
  sim.env.gasLeak({ atUs: sim.now(), ppm: 5, rampUs: 1e6 });
  sim.run(60e6);
  t.is(node.reset(), 'ok');
  t.is(node.state(), 'closed');
});

test('fail-safe: a dead NTC opens the relays; reset is refused until the sensor is back', (t) => {
  const { sim, node } = bootNode({ seed: 11 });
  sim.frontend.sensorFault('ntc', 'shorted', sim.now() + 1000);
  sim.run(3e6);
  t.is(node.state(), 'failsafe');
  t.regex(node.reset(), /refused: sensor still present/);
  sim.frontend.clearSensorFault('ntc', sim.now());
  sim.run(2.5e6);
  t.is(node.reset(), 'ok');
});

test('manual off and on by command; energy registers follow the truth', (t) => {
  const { sim, node } = bootNode({ seed: 12, mains: { irms: 10, pfAngleDeg: 30 } });
  const e0 = node.meter.energy.importWh;
  sim.run(10e6);
  const expected = (sim.truth().p * 10) / 3600;
  t.true(Math.abs((node.meter.energy.importWh - e0) / expected - 1) < 0.005);
  t.is(node.relay(false), 'ok');
  t.is(node.state(), 'open');
  sim.run(0.1e6);
  t.false(sim.relays.main.contactsClosed());
  t.is(node.relay(true), 'ok');
  sim.run(0.1e6);
  t.true(sim.relays.main.contactsClosed());
});

const FAULTS: fc.Arbitrary<(t: number) => SimFault> = fc.oneof(
  fc.double({ min: 100, max: 400, noNaN: true }).map((a) => (t: number) => ({ kind: 'shortCircuit', atUs: t, prospectiveA: a }) as SimFault),
  fc.double({ min: 0, max: 0.75, noNaN: true }).map((d) => (t: number) => ({ kind: 'sag', atUs: t, depth: d }) as SimFault),
  fc.double({ min: 1.16, max: 1.3, noNaN: true }).map((f) => (t: number) => ({ kind: 'swell', atUs: t, factor: f }) as SimFault),
  fc.double({ min: 33, max: 45, noNaN: true }).map((i) => (t: number) => ({ kind: 'loadStep', atUs: t, irms: i }) as SimFault),
  fc.constantFrom('v', 'i').map((ch) => (t: number) => ({ kind: 'sensor', atUs: t, channel: ch, fault: 'nan' }) as SimFault),
);

test('property: whatever the fault and its phase, a trip leaves the relay coil de-energised', (t) => {
  fc.assert(
    fc.property(FAULTS, fc.integer({ min: 0, max: 19999 }), (mk, phaseUs) => {
      const { sim, node } = bootNode({ seed: phaseUs, settings: { uvPickupMs: 0, ovPickupMs: 0 } });
      sim.inject(mk(sim.now() + 10000 + phaseUs));
      sim.run(0.6e6);
      const trips = node.trips();
      if (trips.length === 0) return false;
      return !sim.relays.main.energised && node.state() !== 'closed';
    }),
    { numRuns: 20 },
  );
  t.pass();
});
