// One control unit and three meter nodes on the simulated air (tools/sim/net-scenarios.ts):
// telemetry, trip events, commands applied in the nodes, key rotation with the local
// confirmation, silence alarms, the console's view of the link.
import test from 'ava';
import { Net, PROVISIONED_AT_S } from '../tools/sim/net-scenarios';
import { CMD_TIME_SYNC, encodeCommand, newCommand } from '../firmware/link/command';
import { MSG_TELEMETRY, readHeader } from '../firmware/link/frame';
import { FLAG_CLOSED, FLAG_SAFETY_OPEN } from '../firmware/app/node-link';
import type { Forward } from '../firmware/app/control-unit';
import nacl from 'tweetnacl';

const S = 1e6;

function readingsOf(net: Net, id: number) {
  return net.forwards.filter((f): f is Extract<Forward, { kind: 'reading' }> => f.kind === 'reading' && f.nodeId === id);
}

function acksOf(net: Net, id: number) {
  return net.forwards.filter((f): f is Extract<Forward, { kind: 'ack' }> => f.kind === 'ack' && f.nodeId === id).map((f) => f.ack);
}

test('telemetry flows from three nodes: one frame per interval, values and counters as sent', (t) => {
  const net = new Net({ seed: 11, nodes: 3, reportEveryS: 5 });
  const t0 = net.now();
  net.nodeOf(2).sim.mains.setLoad({ atUs: t0 + 2 * S, irms: 9.5, pfAngleDeg: 10 });
  net.run(60);
  for (const n of net.nodes) {
    const rs = readingsOf(net, n.id);
    // 60 s / 5 s, give or take the boot stagger
    t.true(rs.length >= 11 && rs.length <= 13, `node ${n.id}: ${rs.length} readings`);
    t.is(rs.length, n.link.stats.telemetry, 'every telemetry frame sent arrived once');
    for (let i = 1; i < rs.length; i++) t.true(rs[i].counter > rs[i - 1].counter);
    const lastFrame = rs[rs.length - 1];
    const last = lastFrame.reading;
    t.true(Math.abs(last.vrms - 230) < 1, `Vrms ${last.vrms}`);
    t.is(last.flags & FLAG_CLOSED, FLAG_CLOSED);
    // what arrived is what the node measured, to the frame's resolution, plus what the
    // node has metered since that frame was sent (up to a report interval at ~2 kW)
    const sinceWh = (last.p * (net.now() - lastFrame.tUs)) / 3.6e9;
    t.true(Math.abs(last.energyWh - Math.round(n.node.meter.energy.importWh)) <= 2 + sinceWh);
  }
  const n2 = readingsOf(net, 2);
  t.true(Math.abs(n2[n2.length - 1].reading.irms - 9.5) < 0.05);
  t.true(Math.abs(readingsOf(net, 1)[3].reading.irms - 9.5) > 1, 'node 1 did not see node 2 load');
  t.is(net.cu.log.total, 0, 'no security events in normal running');
  t.deepEqual(net.alarms(), []);
  // every frame on the air is one 30-byte nRF24 payload
  const up = net.uplinks(1, MSG_TELEMETRY);
  t.true(up.length > 0 && up.every((f) => f.length === 30 && readHeader(f).type === MSG_TELEMETRY));
  // the console's Link command reports the link
  const st = net.nodeOf(1).node.consoleTarget.linkStatus();
  t.is(st.NodeId, 1);
  t.is(st.TelemetrySent, readingsOf(net, 1).length);
  t.is(st.SecurityEvents, 0);
});

test('a trip reaches the control unit at once; a remote reconnect after it is refused; a signed disconnect/reconnect works otherwise', (t) => {
  const net = new Net({ seed: 12, nodes: 2, reportEveryS: 10 });
  net.run(1);
  const n1 = net.nodeOf(1);
  const tf = net.now() + 0.5 * S;
  n1.sim.mains.shortCircuit({ atUs: tf, prospectiveA: 300 });
  net.run(1);
  t.is(n1.node.state(), 'tripped');
  const trip = net.forwards.find((f) => f.kind === 'event' && f.nodeId === 1 && f.event.kind === 'trip');
  t.truthy(trip, 'trip event forwarded');
  if (trip === undefined || trip.kind !== 'event' || trip.event.kind !== 'trip') return;
  t.true(trip.tUs - tf < 50e3, `trip event ${(trip.tUs - tf) / 1e3} ms after the fault`);
  t.is(trip.event.state, 'tripped');
  t.truthy(trip.event.reason.length > 0);
  t.deepEqual(
    net.cu.node(1)?.trips.map((x) => x.state),
    ['tripped'],
  );
  // a properly signed reconnect: refused (only a reset on the spot closes a tripped relay)
  net.headEndSend(1, net.reconnect(1));
  net.run(1);
  t.deepEqual(
    acksOf(net, 1).map((a) => `${a.code}:${a.result}:${a.reason}`),
    ['2:refused:safety'],
  );
  t.is(n1.node.state(), 'tripped');
  t.false(n1.sim.relays.main.contactsClosed());
  net.run(10);
  const r = readingsOf(net, 1);
  t.is(r[r.length - 1].reading.flags & FLAG_SAFETY_OPEN, FLAG_SAFETY_OPEN, 'telemetry flags show the safety trip');
  // node 2: a signed disconnect opens, a signed reconnect closes (no trip involved)
  const n2 = net.nodeOf(2);
  net.headEndSend(2, net.disconnect(2));
  net.run(1);
  t.is(n2.node.state(), 'open');
  t.false(n2.sim.relays.main.contactsClosed());
  net.headEndSend(2, net.reconnect(2));
  net.run(1);
  t.is(n2.node.state(), 'closed');
  t.true(n2.sim.relays.main.contactsClosed());
  t.deepEqual(
    acksOf(net, 2).map((a) => `${a.code}:${a.result}`),
    ['1:done', '2:done'],
  );
});

test('a remote reconnect is refused while the node waits to reclose after a voltage trip', (t) => {
  const net = new Net({ seed: 13, nodes: 1 });
  net.run(1);
  const n = net.nodeOf(1);
  n.sim.mains.sag({ atUs: net.now() + 0.2 * S, depth: 150 / 230, durationUs: 2 * S });
  net.run(3);
  t.is(n.node.state(), 'reclosing');
  net.headEndSend(1, net.reconnect(1));
  net.run(1);
  t.deepEqual(
    acksOf(net, 1).map((a) => `${a.result}:${a.reason}`),
    ['refused:safety'],
  );
  t.is(n.node.state(), 'reclosing');
  t.is(n.link.rejects['cmd.safety'], 1);
});

test('limits: applied with range checks through the settings table; unsigned time sync moves the day clock', (t) => {
  const net = new Net({ seed: 14, nodes: 1 });
  net.run(1);
  const n = net.nodeOf(1);
  net.headEndSend(1, net.setLimit(1, 4, 5000)); // maxPowerW
  net.run(0.5);
  t.is(n.node.settings.maxPowerW, 5000);
  net.headEndSend(1, net.setLimit(1, 4, 50000)); // beyond 25 kW
  net.run(0.5);
  t.is(n.node.settings.maxPowerW, 5000, 'out of range: unchanged');
  t.regex(n.link.lastError, /maxPowerW/);
  net.headEndSend(1, net.setLimit(1, 99, 1));
  net.run(0.5);
  t.deepEqual(
    acksOf(net, 1).map((a) => `${a.result}:${a.reason}`),
    ['done:', 'failed:limit-range', 'failed:limit-id'],
  );
  const ts = newCommand(CMD_TIME_SYNC, 1, 0);
  ts.unixS = PROVISIONED_AT_S + 1800; // the same day, half an hour on
  ts.ms = 250;
  net.headEndSend(1, encodeCommand(ts, undefined));
  net.run(0.5);
  const wall = n.node.clock.wallUs();
  t.true(Math.abs(wall - ((PROVISIONED_AT_S + 1800) * 1e6 + 250e3 + 0.5 * S)) < 0.1 * S);
  // within the day the accounting clock follows the wall clock
  t.true(Math.abs(n.node.device.clock.now() + n.node.meter.dayOffsetUs - wall) < 1e3);
  // a day forward moves the wall clock but does not turn the day of a register that has run < 23 h
  const day = n.node.meter.energy.day;
  net.run(61);
  t.true(n.node.meter.energy.todayWh > 0);
  const fwd = newCommand(CMD_TIME_SYNC, 1, 0);
  fwd.unixS = PROVISIONED_AT_S + 1800 + 86400;
  net.headEndSend(1, encodeCommand(fwd, undefined));
  net.run(2);
  t.true(n.node.clock.wallUs() > (PROVISIONED_AT_S + 86400) * 1e6);
  t.is(n.node.meter.energy.day, day, 'the daily register was not reset by the time sync');
  // the applied limit was stored: a reboot keeps it
  t.is(net.rebootNode(1).node.settings.maxPowerW, 5000);
});

test('key rotation: pending until confirmed on the spot, then both directions move to the new epoch and survive a reboot', (t) => {
  const net = new Net({ seed: 15, nodes: 2, reportEveryS: 2, link: { confirmWindowS: 30 } });
  net.run(3);
  const n1 = net.nodeOf(1);
  const cuNew = nacl.box.keyPair.fromSecretKey(net.bytes(32));
  t.is(net.cu.armRekey(1, 1, cuNew.secretKey), '');
  t.regex(net.cu.armRekey(1, 5, cuNew.secretKey), /epoch 5 out of range 1..1/);
  net.headEndSend(1, net.keyChange(1, 1, cuNew.publicKey));
  net.run(1);
  t.deepEqual(
    acksOf(net, 1).map((a) => a.result),
    ['pending'],
  );
  t.is(n1.node.consoleTarget.keys().PendingRekey, true);
  t.is(n1.link.epoch, 0);
  const before = readingsOf(net, 1).length;
  // the technician confirms on the console (Keys CONFIRM)
  const c = n1.node.consoleTarget.confirmRekey();
  t.deepEqual(c, { ok: true });
  t.is(n1.link.epoch, 1);
  net.run(6);
  t.is(net.cu.node(1)?.epoch, 1, 'the control unit followed');
  t.true(net.forwards.some((f) => f.kind === 'event' && f.nodeId === 1 && f.event.kind === 'rekey' && f.event.epoch === 1));
  t.true(readingsOf(net, 1).length >= before + 2, 'telemetry continues under the new key');
  // the downlink is on the new key too: a signed disconnect works
  net.headEndSend(1, net.disconnect(1));
  net.run(1);
  t.is(n1.node.state(), 'open');
  // old-epoch frames are now refused
  const old = net.uplinks(1, MSG_TELEMETRY).filter((f) => ((f[0] >> 4) & 1) === 0);
  net.inject(old[old.length - 1]);
  net.run(0.5);
  t.true(net.cu.log.count('air.epoch') + net.cu.log.count('air.replay') >= 1);
  // a reboot comes back on the stored epoch-1 keys
  const n = readingsOf(net, 1).length;
  net.rebootNode(1);
  net.run(8);
  t.true(readingsOf(net, 1).length >= n + 2);
  t.is(net.nodeOf(1).link.epoch, 1);
  // node 2 never confirms: the window expires, the rotation never happens
  const cu2 = nacl.box.keyPair.fromSecretKey(net.bytes(32));
  net.headEndSend(2, net.keyChange(2, 1, cu2.publicKey));
  net.run(31);
  t.deepEqual(net.nodeOf(2).node.consoleTarget.confirmRekey(), { ok: false, error: 'no rekey is pending' });
  t.is(net.nodeOf(2).link.epoch, 0);
});

test('the board button confirms a pending key change', (t) => {
  const net = new Net({ seed: 16, nodes: 1, reportEveryS: 2 });
  net.run(3);
  const n = net.nodeOf(1);
  const cuNew = nacl.box.keyPair.fromSecretKey(net.bytes(32));
  net.cu.armRekey(1, 1, cuNew.secretKey);
  net.headEndSend(1, net.keyChange(1, 1, cuNew.publicKey));
  net.run(1);
  t.is(n.link.epoch, 0);
  const btn = n.sim.digitalPin(net.board.pins.button as number);
  btn.set(0);
  net.run(0.05);
  btn.set(1);
  net.run(5);
  t.is(n.link.epoch, 1);
  t.is(net.cu.node(1)?.epoch, 1);
});

test('a node that goes quiet raises a silence alarm; the others do not', (t) => {
  const net = new Net({ seed: 17, nodes: 3, reportEveryS: 5 });
  net.run(10);
  net.nodeOf(3).radio.close();
  net.run(30);
  const silent = net.alarms('silent');
  t.deepEqual(
    silent.map((a) => a.nodeId),
    [3],
  );
  t.true(net.cu.anomaly.isSilent(3));
  t.false(net.cu.anomaly.isSilent(1));
});
