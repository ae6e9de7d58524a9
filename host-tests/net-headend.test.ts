// The head-end-compromise scenario over the simulated air: an attacker who owns the
// head-end holds every link key (so its frames pass the link layer) but not the authority
// key. Mass disconnect and rekey fail on every node; the nodes report it and the control
// unit raises alarms. The real authority's signed disconnect works; a remote reconnect
// after a safety trip is refused.
import test from 'ava';
import nacl from 'tweetnacl';
import { Net, headEndScenario } from '../tools/sim/net-scenarios';
import type { Forward } from '../firmware/app/control-unit';

function acksOf(net: Net, id: number) {
  return net.forwards
    .filter((f): f is Extract<Forward, { kind: 'ack' }> => f.kind === 'ack' && f.nodeId === id)
    .map((f) => `${f.ack.code}:${f.ack.result}:${f.ack.reason}`);
}

test('a head-end with only link keys cannot disconnect or rekey any node; alarms at the control unit', (t) => {
  const net = new Net({ seed: 31, nodes: 3, link: { verifyBurst: 2, verifyEveryS: 30 } });
  net.run(2);
  const fake = nacl.sign.keyPair.fromSeed(net.bytes(32)).secretKey;
  const rogue = nacl.box.keyPair.fromSecretKey(net.bytes(32));
  const stolen = net.disconnect(1); // a genuine signed disconnect for node 1, captured on its way
  for (const n of net.nodes) {
    net.headEndSend(n.id, net.disconnect(n.id, fake)); // signed with the head-end's own key
    net.headEndSend(n.id, net.keyChange(n.id, 1, rogue.publicKey, fake)); // rekey to its key
    const unsigned = net.disconnect(n.id).slice(0, 8); // the signature stripped
    net.headEndSend(n.id, unsigned);
    const zero = net.reconnect(n.id);
    zero.fill(0, zero.length - 64);
    net.headEndSend(n.id, zero);
    net.run(0.5); // the control unit queues 64 frames: a signed command is now 6..8 fragments
  }
  // the stolen command re-addressed to the other nodes (the node id is under the signature)
  for (const id of [2, 3]) {
    const b = stolen.slice();
    b[2] = id;
    net.headEndSend(id, b);
  }
  net.run(3);
  for (const n of net.nodes) {
    t.is(n.node.state(), 'closed', `node ${n.id} stays closed`);
    t.true(n.sim.relays.main.contactsClosed());
    t.is(n.link.epoch, 0, `node ${n.id} keeps its keys`);
    t.is(n.node.consoleTarget.keys().PendingRekey, false);
    // two verifies at once, then one per 30 s: the rest waits (never a lockout)
    t.true(n.link.rejects['cmd.signature'] >= 2);
    t.is(n.link.rejects['cmd.length'], 1);
  }
  t.deepEqual(acksOf(net, 1), ['1:refused:signature', '4:refused:signature', '1:refused:length', '2:pending:queued']);
  t.deepEqual(acksOf(net, 2), ['1:refused:signature', '4:refused:signature', '1:refused:length', '2:pending:queued', '1:pending:queued']);
  net.run(70); // two verify slots later the waiting forgeries are refused too
  t.deepEqual(acksOf(net, 2).slice(5), ['2:refused:signature', '1:refused:signature']);
  t.true(net.nodes.every((n) => n.link.rejects['cmd.signature'] >= 3));
  const alarmed = new Set(net.alarms('node-security').map((a) => a.nodeId));
  t.deepEqual([...alarmed].sort(), [1, 2, 3], 'an alarm for every node');
  t.true(net.cu.log.count('node.cmdSignature') >= 9);
  // the verify budget: a burst of forgeries fills the 4-deep queue; more are refused
  for (let k = 0; k < 7; k++) net.headEndSend(3, net.disconnect(3, fake));
  net.run(2);
  t.true(net.nodeOf(3).link.rejects['cmd.verify-budget'] >= 1);
  t.is(net.nodeOf(3).node.state(), 'closed');
  // the authority's own disconnect to node 1 works, once (within its validity window)
  net.headEndSend(1, stolen);
  net.run(31);
  t.is(net.nodeOf(1).node.state(), 'open');
  // a utility disconnect holds: not from the serial port, but a technician's PIN may close it
  t.regex(net.nodeOf(1).node.relay(true, 'serial'), /disconnected by the utility/);
  t.is(net.nodeOf(1).node.relay(true, 'technician'), 'ok');
  net.headEndSend(1, stolen); // replayed in a fresh link frame
  net.run(1);
  t.is(net.nodeOf(1).node.state(), 'closed');
  t.deepEqual(acksOf(net, 1).slice(-2), ['1:done:', '1:refused:replay']);
});

test('a properly signed reconnect after a safety trip (overload) is refused', (t) => {
  const net = new Net({ seed: 32, nodes: 2 });
  net.run(1);
  const n2 = net.nodeOf(2);
  n2.sim.mains.setLoad({ atUs: net.now() + 1e5, irms: 60 }); // far over the 16 A overload pickup
  net.run(10);
  t.not(n2.node.state(), 'closed');
  const state = n2.node.state();
  net.headEndSend(2, net.reconnect(2));
  net.run(1);
  t.deepEqual(acksOf(net, 2), ['2:refused:safety']);
  t.is(n2.node.state(), state);
  t.false(n2.sim.relays.main.contactsClosed());
});

test('the head-end-compromise scenario prints a timeline and ends with only the authorised disconnect applied', (t) => {
  const r = headEndScenario();
  const j = r.json as { breaker: Record<string, string>; alarms: string[] };
  t.deepEqual(j.breaker, { 1: 'open', 2: 'closed', 3: 'closed' });
  t.true(['node-security/1', 'node-security/2', 'node-security/3'].every((a) => j.alarms.includes(a)));
  t.true(r.timeline.some((l) => l.includes('refused (signature)')));
  t.true(r.timeline.some((l) => l.includes('refused (replay)')));
});

test('sliced signature checks (JS-only trip path boards): same decisions, protection runs in between, one verify at a time', (t) => {
  const net = new Net({ seed: 33, nodes: 2, link: { verifyUnitsPerSlice: 4 } });
  net.run(1);
  const n1 = net.nodeOf(1);
  const fake = nacl.sign.keyPair.fromSeed(net.bytes(32)).secretKey;
  let cycles = 0;
  n1.node.options.onCycle = () => cycles++;
  net.headEndSend(1, net.disconnect(1, fake));
  net.run(0.005);
  t.is(acksOf(net, 1).length, 0, 'still verifying');
  net.run(1);
  t.deepEqual(acksOf(net, 1), ['1:refused:signature']);
  const slices = n1.link.verifySlices;
  t.true(slices >= 140 && slices <= 150, `${slices} slices of 4 units`);
  t.true(cycles >= 49, `metering and protection kept running: ${cycles} cycles`);
  // the genuine command, and a second one while the first is still being verified
  net.headEndSend(1, net.disconnect(1));
  net.headEndSend(1, net.setLimit(1, 4, 6000));
  net.run(1);
  t.is(n1.node.state(), 'open');
  t.deepEqual(acksOf(net, 1).slice(1), ['3:refused:busy', '1:done:']);
  t.is(n1.node.settings.maxPowerW, 4000, 'the refused command changed nothing');
  net.headEndSend(1, net.setLimit(1, 4, 6000));
  net.run(1);
  t.is(n1.node.settings.maxPowerW, 6000, 'retried after the first verify: applied');
});
