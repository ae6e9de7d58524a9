// Energy never goes backwards by more than the stated bound, and when it goes back the
// control unit says so (issue 11).
import test from 'ava';
import { ENERGY_LOSS_MAX_WH, ENERGY_STEP_WH, MeterNode } from '../firmware/app/meter-node';
import { AnomalyDetector, MARK_STEP_WH, defaultAnomalyOptions } from '../firmware/control/anomaly';
import { newTelemetryReading } from '../firmware/link/telemetry';
import { RECORD } from '../firmware/store/keys';
import { SimBoard } from '../hal/sim/board';
import { PowerCut, SimStore } from '../hal/sim/store';
import type { TearFill } from '../hal/sim/store';
import { loadBoard } from '../boards/schema';
import { Net } from '../tools/sim/net-scenarios';

const board = loadBoard('esp32-devkitc-meter');

/** A flash that cuts the power inside the n-th write of the energy record (n from 1). */
class CutAtEnergyWrite extends SimStore {
  energyWrites = 0;
  cut = false;
  constructor(
    private readonly at: number,
    private readonly bytes: number,
    private readonly fill: TearFill,
  ) {
    super();
  }
  override write(key: string, value: Uint8Array): void {
    if (key.indexOf(RECORD.energy + '.') === 0 && ++this.energyWrites === this.at) {
      this.cut = true;
      this.cutPowerAfterBytes(this.bytes, this.fill);
    }
    super.write(key, value);
  }
}

function boot(store: SimStore, seed: number, startUs = 0) {
  const sim = new SimBoard({ board, seed, store, startUs });
  return { sim, node: new MeterNode(sim.device, board, {}) };
}

/** 150 s at 10 A (2.3 kW, ~96 Wh): steps and minute saves both write the record */
function drive(a: ReturnType<typeof boot>): void {
  a.sim.mains.setLoad({ atUs: a.sim.now(), irms: 10 });
  try {
    a.sim.run(150e6);
  } catch (e) {
    if (!(e instanceof PowerCut)) throw e;
  }
}

test('a power cut inside every write of the energy record loses at most ENERGY_LOSS_MAX_WH, and never adds', (t) => {
  // how many energy writes a run without a cut makes
  const probe = new CutAtEnergyWrite(-1, 0, 'erased');
  const run = boot(probe, 1);
  drive(run);
  const writes = probe.energyWrites;
  t.true(writes >= Math.floor(run.node.meter.energy.importWh / ENERGY_STEP_WH), `${writes} energy writes in the run`);
  let worst = 0;
  let points = 0;
  for (let n = 1; n <= writes; n++) {
    // a cut before the first byte, inside the header, and one byte short of the end
    for (const bytes of [0, 5, 83]) {
      for (const fill of ['erased', 'old'] as const) {
        const store = new CutAtEnergyWrite(n, bytes, fill);
        const a = boot(store, 1);
        drive(a);
        t.true(store.cut, `write ${n} was reached`);
        const truth = a.node.meter.energy.importWh;
        const b = boot(store, 2, a.sim.now() + 1e6);
        const got = b.node.meter.energy.importWh;
        const lost = truth - got;
        t.true(lost >= 0, `write ${n}, ${bytes} B, ${fill}: restored ${got} Wh above the truth ${truth}`);
        t.true(lost <= ENERGY_LOSS_MAX_WH, `write ${n}, ${bytes} B, ${fill}: lost ${lost.toFixed(3)} Wh > ${ENERGY_LOSS_MAX_WH}`);
        if (lost > worst) worst = lost;
        points++;
      }
    }
  }
  t.log(`energy.cut_loss_max_wh ${worst.toFixed(3)} over ${points} cut points (bound ${ENERGY_LOSS_MAX_WH})`);
});

test('a node that reboots with no warning: the control unit raises energy-back', (t) => {
  const net = new Net({ seed: 7, nodes: 2 });
  net.run(30); // ~9 Wh at the scenario's 5 A: below the first 10 Wh step, nothing saved
  const before = net.cu.node(1)!.lastReading!.energyWh;
  t.true(before >= 6, `${before} Wh before the reboot`);
  t.is(net.alarms('energy-back').length, 0, 'nothing before the reboot');
  net.rebootNode(1);
  net.run(25);
  const back = net.alarms('energy-back');
  t.deepEqual(
    back.map((a) => a.nodeId),
    [1],
  );
  t.regex(back[0].detail, new RegExp(`import register went back from ${before} to \\d+ Wh`));
  t.is(net.alarms('range').length, 0, 'a step back is its own alarm, not a range alarm');
  // node 2 never went back
  t.is(back.filter((a) => a.nodeId === 2).length, 0);
});

test('after the steps, a reboot with no warning loses less than ENERGY_LOSS_MAX_WH', (t) => {
  const net = new Net({ seed: 8, nodes: 1 });
  net.run(65);
  const truth = net.nodeOf(1).node.meter.energy.importWh;
  t.true(truth > 2 * ENERGY_STEP_WH, `${truth} Wh`);
  const b = net.rebootNode(1);
  t.true(truth - b.node.meter.energy.importWh <= ENERGY_LOSS_MAX_WH, `${b.node.meter.energy.importWh} Wh after the reboot, ${truth} before`);
});

test('energy-back: once per step back; with a store the mark outlives the control unit reboot', (t) => {
  const store = new SimStore();
  const o = { ...defaultAnomalyOptions(10), holdUs: 1e6 };
  const a = new AnomalyDetector(o, store);
  const r = newTelemetryReading();
  r.vrms = 230;
  r.irms = 5;
  r.p = 1100;
  r.tempC = 25;
  const feed = (d: AnomalyDetector, wh: number, tUs: number) => {
    r.energyWh = wh;
    d.onReading(1, r, tUs);
  };
  feed(a, 500, 1e6);
  feed(a, 499.5 as number, 2e6); // rounding
  feed(a, 499, 3e6); // 1 Wh: the slack of whole-Wh telemetry
  t.is(a.alarms.length, 0);
  feed(a, 500 + MARK_STEP_WH, 4e6); // saved: it rose a step
  feed(a, 520 + MARK_STEP_WH, 5e6); // not saved: within the step
  // the control unit reboots on the same flash
  const b = new AnomalyDetector(o, store);
  feed(b, 530 + MARK_STEP_WH, 6e6);
  t.is(b.alarms.length, 0, 'still above the saved mark');
  feed(b, 400, 7e6);
  t.deepEqual(
    b.alarms.map((x) => x.kind),
    ['energy-back'],
  );
  t.regex(b.alarms[0].detail, new RegExp(`from ${530 + MARK_STEP_WH} to 400 Wh`));
  // the lower value is the new mark: climbing again from it raises nothing more
  feed(b, 410, 9e6);
  feed(b, 420, 11e6);
  t.is(b.alarms.length, 1, 'one alarm per step back');
  // and a second reboot remembers the step back (the mark was saved with it)
  const c = new AnomalyDetector(o, store);
  feed(c, 300, 12e6);
  t.is(c.alarms.length, 1, 'a second step back after the reboot');
  // without a store the mark is lost with the unit: the documented limit
  const d = new AnomalyDetector(o);
  feed(d, 100, 13e6);
  t.is(d.alarms.length, 0);
});

test('energy-back never throws on a missing register (NaN) and does not save one', (t) => {
  const store = new SimStore();
  const a = new AnomalyDetector(defaultAnomalyOptions(10), store);
  const r = newTelemetryReading();
  r.energyWh = NaN;
  a.onReading(1, r, 1e6);
  t.is(a.alarms.length, 0);
  t.is(store.keys().filter((k) => k.startsWith('cu.wh.')).length, 0);
});
