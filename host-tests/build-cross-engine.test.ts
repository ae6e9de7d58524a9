// Two engines, two processes (issue 7 item 2): the BUILT Espruino meter node in the real
// Espruino interpreter and the BUILT Moddable control unit in XS (xsnap-worker), each over its
// own simulated device and nRF24L01+ chip model, carried frame by frame in lock-step virtual
// time by tools/build/cross/cross-engine.ts. The node's sealed telemetry and its trip event are
// opened by the unit and shown on its PC link; a disconnect signed by the authority goes in on
// the PC link, over the air, and the node verifies it, obeys and acks; a replayed and a forged
// frame are refused. Skipped, with the reason in the title, when either engine is missing.
import { crossEngineMissing, runCrossEngineProof } from '../tools/build/cross/cross-engine';
import { testIf } from './support/needs';

const crossTest = testIf(crossEngineMissing());

crossTest('Espruino node -> XS control unit: telemetry and a trip event opened, a signed disconnect obeyed, replay and forgery refused', async (t) => {
  // the node verifies the authority's Ed25519 signature with tweetnacl in the interpreter: minutes on a busy host
  t.timeout(1500000);
  const r = await runCrossEngineProof({ stepTimeoutMs: 1200000 });
  t.log(
    `virtual ${r.cost.virtualS.toFixed(2)} s in ${r.cost.wallS.toFixed(0)} s wall (the verify step ${r.cost.longestNodeStepS.toFixed(0)} s); ` +
      `${r.cost.roundTrips.node} + ${r.cost.roundTrips.unit} round trips; unit ${r.cost.unitComputrons} computrons; ` +
      `Espruino ${r.cost.espruinoVars.usage} of ${r.cost.espruinoVars.total} vars (stand-ins ${r.cost.espruinoVars.standins})`,
  );
  t.deepEqual(r.errors, []);
  t.is(r.linkStatus, 'link on: node 1, key epoch 0, nRF24 channel 76');
  // the lock-step's own check: no frame reached a side after its end time
  t.deepEqual(r.late, { node: 0, unit: 0 });
  t.truthy(r.reading, 'the unit opened a telemetry frame and printed the reading');
  t.is(r.reading!.node, 1);
  t.true(Math.abs(r.reading!.vrms - 230) < 2 && Math.abs(r.reading!.irms - 10) < 0.2, JSON.stringify(r.reading));
  t.truthy(r.trip, 'the trip event reached the PC link');
  t.is(r.trip!.state, 'tripped');
  t.is(r.trip!.reason, 'comparator');
  t.true(r.trip!.latencyMs >= 0 && r.trip!.latencyMs < 50, `trip on the PC link ${r.trip!.latencyMs} ms after the fault`);
  t.is(r.disconnect.ack, '1:done', 'the node verified, obeyed and acked the signed disconnect');
  t.is(r.disconnect.relayPin, 0, 'the relay pin is written open');
  t.true(r.delivered);
  // the attacker's two frames: nothing printed, both refused by the unit's link
  t.is(r.attacks.replayed, 1);
  t.is(r.attacks.forged, 1);
  t.is(r.attacks.readingsAfter, 0, 'no reading from the replayed or the forged frame');
  t.truthy(r.attacks.refusals);
  t.is(r.attacks.refusals!.total - r.attacks.refusalsBefore, 2, JSON.stringify(r.attacks.refusals));
  // the replay by its counter (no crypto spent), the forgery by its tag
  t.is(r.attacks.refusals!.byReason['air.replay'], 1, JSON.stringify(r.attacks.refusals));
  t.is(r.attacks.refusals!.byReason['air.tag'], 1, JSON.stringify(r.attacks.refusals));
  // Enhanced ShockBurst worked across the engines: every packet acked, none lost
  const air = r.air as { node: { lost: number; acked: number; transmitted: number }; unit: { lost: number; acked: number } };
  t.is(air.node.lost + air.unit.lost, 0, JSON.stringify(r.air));
  t.true(air.node.acked >= 3 && air.unit.acked >= 1, JSON.stringify(r.air));
});
