// What survives a reboot or a power cut at any byte of any write.
import test from 'ava';
import { ENERGY_LOSS_MAX_WH, MeterNode } from '../firmware/app/meter-node';
import { NodeMemory } from '../firmware/app/memory';
import { SimBoard } from '../hal/sim/board';
import { PowerCut, SimStore } from '../hal/sim/store';
import { loadBoard } from '../boards/schema';
import { latchCutPoints } from '../tools/bench/security';

const board = loadBoard('esp32-devkitc-meter');

function boot(store: SimStore, seed = 1, startUs = 0) {
  // an offset error on both channels, so restored ADC offsets differ from mid-scale
  const sim = new SimBoard({ board, seed, store, startUs, frontend: { offsetErrVolts: { v: 0.02, i: -0.03 } } });
  const node = new MeterNode(sim.device, board, {});
  return { sim, node };
}

test('a latched trip, settings, calibration and energy survive a reboot', (t) => {
  const store = new SimStore();
  const a = boot(store);
  t.true(a.node.configure({ ovTripV: 270 }).ok);
  a.sim.run(5e6);
  a.node.meter.cal.vGain *= 1.01;
  a.node.memory.saveCal(a.node.meter.cal);
  a.sim.mains.setLoad({ atUs: a.sim.now() + 1000, irms: 40 });
  a.sim.run(0.1e6);
  t.is(a.node.state(), 'tripped');
  const wh = a.node.meter.energy.importWh;
  t.true(wh > 0);
  // saved at the trip, before the fault's own partial cycle closed (9 kW for <= 20 ms):
  // energy since the last save is what a power cut can take (documented limit)
  const lostMax = (9300 * 0.02) / 3600;
  // power off, power on
  const b = boot(store, 2, 10e6);
  t.deepEqual(b.node.restored, ['settings', 'latched tripped (overcurrent)', 'calibration', 'energy', '1 trip records']);
  const tr = b.node.trips();
  t.is(tr.length, 1);
  t.is(tr[0].reason, 'overcurrent');
  t.regex(tr[0].detail, /^peak \d/);
  t.true(Math.abs(tr[0].vrms - 232.3) < 1, JSON.stringify(tr[0])); // +1 % calibration above
  const expectI = 2048 - (0.03 / 3.1) * 4096; // 2008.4 codes
  t.true(Math.abs(b.node.meter.offI - expectI) < 1, `ADC offset from flash: ${b.node.meter.offI}`);
  t.is(b.node.settings.ovTripV, 270);
  b.sim.run(5e6);
  t.is(b.node.state(), 'tripped', 'no boot close over a latched trip');
  t.false(b.sim.relays.main.contactsClosed());
  t.true(b.node.meter.energy.importWh >= wh - lostMax, `${b.node.meter.energy.importWh} vs ${wh}`);
  t.is(b.node.reset(), 'ok');
  const c = boot(store, 3, 20e6);
  c.sim.run(3e6);
  t.is(c.node.state(), 'closed');
  c.sim.mains.sag({ atUs: c.sim.now() + 1000, depth: 0.5, durationUs: 1e6 });
  c.sim.run(1e6);
  const all = c.node.trips();
  t.deepEqual(
    all.map((e) => e.seq),
    [1, 2],
    'numbering continues after the stored records',
  );
});

test('power cut at every byte of a latch write: the node boots with the old or the new latch, never garbage', (t) => {
  const probe = new SimStore();
  const mem0 = new NodeMemory(probe);
  mem0.saveLatch('closed', '');
  const before = probe.bytesWritten;
  mem0.saveLatch('tripped', 'gas');
  const size = probe.bytesWritten - before;
  for (let cut = 0; cut <= size; cut++) {
    for (const fill of ['erased', 'old'] as const) {
      const store = new SimStore();
      const mem = new NodeMemory(store);
      mem.saveLatch('closed', '');
      mem.saveLatch('tripped', 'overcurrent');
      store.cutPowerAfterBytes(cut, fill);
      try {
        mem.saveLatch('tripped', 'gas');
        t.is(cut, size);
      } catch (e) {
        t.true(e instanceof PowerCut);
      }
      const got = new NodeMemory(store).loadLatch();
      t.truthy(got);
      const ok = (got!.state === 'tripped' && got!.reason === 'overcurrent') || (got!.state === 'tripped' && got!.reason === 'gas');
      t.true(ok, `cut ${cut}: ${JSON.stringify(got)}`);
    }
  }
});

test('stored settings that fail validation are refused on load and the defaults stay', (t) => {
  const store = new SimStore();
  const mem = new NodeMemory(store);
  const s = { ...boot(new SimStore()).node.settings, uvTripV: 260 } as never;
  mem.saveSettings(s);
  const b = boot(store);
  t.is(b.node.settings.uvTripV, 184);
  t.regex(b.node.restored[0], /settings rejected \(uvTripV/);
});

test('a power-fail warning saves the energy registers: a cut right after loses nothing', (t) => {
  const store = new SimStore();
  const a = boot(store);
  a.sim.mains.setLoad({ atUs: a.sim.now(), irms: 10 });
  a.sim.run(50e6); // well inside the 60 s save interval
  const pf = a.sim.digitalPin(board.pins.powerFail);
  pf.set(0, 'supervisor');
  a.sim.run(1e3); // the callback runs on the JS thread
  const wh = a.node.meter.energy.importWh;
  const b = boot(store, 2, 60e6);
  t.true(Math.abs(b.node.meter.energy.importWh - wh) < 0.01, `${b.node.meter.energy.importWh} vs ${wh}`);
  // without the warning, what came since the last 10 Wh step is lost (at most
  // ENERGY_LOSS_MAX_WH; host-tests/energy-cut.test.ts cuts inside every write)
  const store2 = new SimStore();
  const c = boot(store2, 3);
  c.sim.mains.setLoad({ atUs: c.sim.now(), irms: 10 });
  c.sim.run(50e6);
  const d = boot(store2, 4, 60e6);
  const lost = c.node.meter.energy.importWh - d.node.meter.energy.importWh;
  t.true(lost > 0.1 && lost <= ENERGY_LOSS_MAX_WH, `the warning matters: ${lost} Wh lost without it`);
});

test('gasBootHold keeps the relays open after boot until the MQ-6 has warmed up', (t) => {
  const a = new SimBoard({ board, seed: 5 });
  const node = new MeterNode(a.device, board, { settings: { gasBootHold: 1 } });
  a.run(60e6);
  t.is(node.state(), 'reclosing');
  t.false(a.relays.main.contactsClosed());
  a.run(130e6); // heater warm-up 180 s (board)
  t.is(node.state(), 'closed');
});

test('a power cut at every byte of the latched-trip write never brings the node back closed onto the fault', (t) => {
  // both tear models, on a fresh node and on one tripped and reset before (bench figure
  // security.latch_cut_points_reclosed); with the old two-slot write this was 96 of 100
  const r = latchCutPoints();
  t.true(r.points >= 80, `${r.points} cut points`);
  t.is(r.reclosed, 0, r.detail.join('; '));
  t.log(`security.latch_cut_points_reclosed ${r.reclosed} of ${r.points}`);
});

test('a torn latch write boots latched (latch-cut); a local reset clears it', (t) => {
  const store = new SimStore();
  const a = boot(store);
  a.sim.run(4e6);
  store.cutPowerAfterBytes(3, 'erased');
  a.sim.mains.setLoad({ atUs: a.sim.now() + 1000, irms: 40 });
  t.throws(() => a.sim.run(0.1e6), { instanceOf: PowerCut });
  const b = boot(store, 2, 10e6);
  t.true(b.node.restored.includes('latched tripped (latch-cut)'), b.node.restored.join(', '));
  b.sim.run(3e6);
  t.is(b.node.state(), 'tripped');
  t.is(b.node.reset(), 'ok');
  t.is(boot(store, 3, 20e6).node.memory.loadLatch()?.state, 'closed');
});

test('time: a reboot keeps the wall clock and the daily register; a backward sync never resets it; a forward one waits for 23 h of running', (t) => {
  const store = new SimStore();
  const a = boot(store);
  const day0 = 20_000 * 86400e6;
  t.is(a.node.setLocalTime(day0 + 10 * 3600e6), ''); // 10:00 of day 20000
  a.sim.mains.setLoad({ atUs: a.sim.now(), irms: 10 });
  a.sim.run(61e6);
  const e = a.node.meter.energy;
  t.is(e.day, 20_000);
  const today = e.todayWh;
  t.true(today > 20);
  // backward by a day: clamped to 2 s, the register stays
  t.regex(a.node.setLocalTime(day0 - 86400e6), /^clamped/);
  a.sim.run(2e6);
  t.is(e.day, 20_000);
  t.true(e.todayWh >= today);
  // too soon after the last sync
  t.regex(a.node.setLocalTime(day0 + 11 * 3600e6), /^refused: one time sync per 60 s/);
  a.sim.run(60e6);
  // forward past midnight: the wall clock moves, the register's day does not turn yet
  t.is(a.node.setLocalTime(day0 + 86400e6 + 60e6), '');
  a.sim.run(2e6);
  t.is(e.day, 20_000, 'not reset by a time sync');
  t.true(a.node.clock.wallUs() > day0 + 86400e6);
  // a power cut (the 60 s save holds the clocks): the day and the register come back
  const saved = e.todayWh;
  const b = boot(store, 2, 200e6);
  b.sim.run(1e6);
  t.is(b.node.meter.energy.day, 20_000);
  // (what came after the last 60 s save is lost: the documented limit; a reset would be 0)
  t.true(b.node.meter.energy.todayWh >= saved - (2400 * 60) / 3600, `${b.node.meter.energy.todayWh} vs ${saved}`);
  t.true(b.node.clock.wallUs() >= day0 + 86400e6, 'the wall clock did not go back to boot time');
});
