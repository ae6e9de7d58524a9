// Attacks over the simulated air, end to end (control unit + meter nodes, tools/sim/
// net-scenarios.ts): every attack frame is refused with a reason and counted (at the
// control unit, or at the node it was addressed to), legitimate telemetry keeps flowing,
// and the control unit raises alarms.
// Figures: npx ava --verbose host-tests/net-attacks.test.ts
import test from 'ava';
import { Net, PROVISIONED_AT_S, flood, forgeryFloodScenario, forgedFrame } from '../tools/sim/net-scenarios';
import { DIR_UP, MSG_FRAGMENT, MSG_TELEMETRY, readHeader, writeHeader } from '../firmware/link/frame';
import { CMD_TIME_SYNC, encodeCommand, newCommand } from '../firmware/link/command';

const S = 1e6;

/** refusals counted anywhere: the control unit's log plus every node's link rejects */
function refusals(net: Net): number {
  let n = 0;
  // 'air.*': refused by the control unit ('node.*' entries repeat what nodes report)
  for (const k of Object.keys(net.cu.log.totals)) if (k.startsWith('air.')) n += net.cu.log.totals[k];
  for (const x of net.nodes) for (const k of Object.keys(x.link.rejects)) if (!k.startsWith('cmd.')) n += x.link.rejects[k];
  return n;
}

test('uplink attacks: replay, duplication, bit flips, truncation, extension, forgery, old epoch, reordering, reboots of either side', (t) => {
  // each attack frame classified: the flood guard's budgets off (its own tests: control-flood),
  // or the bursts injected here would be left unread or refused as a flood ('ratelimit')
  const net = new Net({ seed: 21, nodes: 3, reportEveryS: 2, flood: { rxPerSecond: 100000, armAbovePerSecond: 100000 } });
  net.run(10);
  const sent0 = net.nodes.map((n) => n.link.stats.telemetry);
  const got0 = net.nodes.map((n) => net.readings(n.id));
  const cap = net.uplinks(1, MSG_TELEMETRY);
  t.true(cap.length >= 4);
  let attacks = 0;
  const hit = (f: Uint8Array) => {
    attacks++;
    net.inject(f);
  };
  // immediate replay and duplication
  for (const f of cap) hit(f);
  hit(cap[0]);
  hit(cap[0]);
  net.run(0.5);
  // a bit flip at every header bit and every 3rd bit of body and tag
  const base = cap[cap.length - 1];
  for (let bit = 0; bit < base.length * 8; bit += bit < 48 ? 1 : 3) {
    const g = base.slice();
    g[bit >> 3] ^= 1 << (bit & 7);
    hit(g);
  }
  net.run(0.5);
  // truncation to every shorter length, extension by 1 and 2 bytes, and past the payload limit
  for (let len = 0; len < base.length; len++) hit(base.slice(0, len));
  for (const extra of [1, 2, 3]) {
    const e = new Uint8Array(base.length + extra);
    e.set(base);
    hit(e);
  }
  net.run(0.5);
  // forgeries with fresh counters, and frames claiming the next key epoch
  for (let k = 0; k < 20; k++) hit(forgedFrame(net, 1 + (k % 3), 5000 + k));
  for (let k = 0; k < 5; k++) {
    const f = forgedFrame(net, 2, 6000 + k);
    writeHeader(f, DIR_UP, 1, MSG_TELEMETRY, 2, 6000 + k);
    hit(f);
  }
  net.run(0.5);
  const refusedPct = (100 * refusals(net)) / attacks;
  t.is(
    refusals(net),
    attacks,
    `every attack frame refused and counted: ${JSON.stringify(net.cu.log.totals)} ${JSON.stringify(net.nodes.map((n) => n.link.rejects))}`,
  );
  for (const n of net.nodes) {
    const st = n.link.stats;
    t.is(net.cu.node(n.id)?.receiver.accepted, st.telemetry + st.events + st.acks, `node ${n.id}: nothing accepted but genuine frames`);
  }
  const reasons = net.cu.log.totals;
  for (const r of ['air.replay', 'air.tag', 'air.short', 'air.long', 'air.version', 'air.epoch', 'air.unknown-node'])
    t.true((reasons[r] ?? 0) > 0, `${r} seen`);
  // the direction-bit flip became a "downlink" that node 1 refused
  t.true((net.nodeOf(1).link.rejects['link.tag'] ?? 0) >= 1);
  // reordering: the attacker swallows node 1's next frame and delivers it late; it is
  // accepted once (inside the window); a second late copy is a replay
  let held: Uint8Array | undefined;
  net.net.medium.tamper = (tr) => {
    if (tr.from !== 'node1') return 'pass';
    if (held === undefined) held = tr.payload.slice();
    return Buffer.compare(Buffer.from(tr.payload), Buffer.from(held)) === 0 ? 'drop' : 'pass';
  };
  net.run(2.1);
  net.net.medium.tamper = undefined;
  net.run(2.1);
  t.truthy(held);
  const before = net.readings(1);
  net.inject(held as Uint8Array);
  net.run(0.1);
  t.is(net.readings(1), before + 1, 'the late frame is accepted once');
  hit(held as Uint8Array);
  net.run(0.1);
  // reboot the control unit (windows on flash) and node 1 (counter above its mark), replay everything
  const cuRefusedBefore = refusals(net);
  net.startControlUnit();
  for (const f of cap) hit(f);
  net.run(0.5);
  net.rebootNode(1);
  for (const f of cap) hit(f);
  net.run(0.5);
  t.is(net.cu.log.count('air.replay') + net.cu.log.count('air.old'), 2 * cap.length, 'replays refused after both reboots');
  t.true(cuRefusedBefore > 0);
  // legitimate telemetry kept flowing through all of it (node 1 lost the one swallowed frame
  // and the frames of its reboot; nodes 2 and 3 lost nothing)
  net.run(6);
  for (const k of [1, 2]) {
    const n = net.nodes[k];
    const sent = n.link.stats.telemetry - sent0[k];
    const got = net.readings(n.id) - got0[k];
    t.true(sent >= 5, `node ${n.id} sent ${sent}`);
    t.is(got, sent, `node ${n.id}: ${got} of ${sent}`);
  }
  t.true(net.readings(1) > got0[0] + 5);
  t.true(net.alarms('reject-rate').length >= 1);
  t.log(`link.attack_frames_rejected_pct ${refusedPct} (${attacks} crafted frames before the reboots, every one refused)`);
});

test('downlink attacks at a node: replayed commands and time syncs, also after a node reboot', (t) => {
  const net = new Net({ seed: 22, nodes: 2 });
  net.run(2);
  const n2 = net.nodeOf(2);
  net.headEndSend(2, net.disconnect(2));
  net.run(0.5);
  t.is(n2.node.state(), 'open');
  const disc = net.downlinks(2);
  t.true(disc.length === 6 && disc.every((f) => readHeader(f).type === MSG_FRAGMENT), 'a signed disconnect (85 bytes) is 6 fragments');
  net.headEndSend(2, net.reconnect(2));
  net.run(0.5);
  t.is(n2.node.state(), 'closed');
  const ts = newCommand(CMD_TIME_SYNC, 2, 0);
  ts.unixS = PROVISIONED_AT_S + 3600;
  net.headEndSend(2, encodeCommand(ts, undefined));
  net.run(0.5);
  const offset = n2.node.meter.dayOffsetUs;
  const sync = net.downlinks(2).slice(-1)[0];
  // replay the disconnect and the time sync: refused by the link's replay window
  for (const f of disc) net.inject(f);
  net.inject(sync);
  net.run(0.5);
  t.is(n2.node.state(), 'closed');
  t.is(n2.link.rejects['link.replay'], 7);
  // after a node reboot the window comes back from flash
  const r = net.rebootNode(2);
  net.run(3);
  t.is(r.node.state(), 'closed');
  for (const f of disc) net.inject(f);
  net.inject(sync);
  net.run(0.5);
  t.is(r.node.state(), 'closed');
  t.is(r.link.rejects['link.replay'], 7);
  t.is(r.node.meter.dayOffsetUs === offset, false, 'the replayed time sync was not applied after the reboot');
  // node 1 never saw any of this as a security event (not addressed to it)
  t.deepEqual(net.nodeOf(1).link.rejects, {});
  // the node reported the refusals uplink and the control unit raised an alarm
  net.run(12);
  t.true(net.alarms('node-security').some((a) => a.nodeId === 2));
});

test('forgery flood: every forged frame refused, alarms raised, legitimate delivery measured', (t) => {
  const r = forgeryFloodScenario(500, 10);
  const j = r.json as {
    forged: number;
    refused_by_control_unit: number;
    unread_past_budget: number;
    lost_on_air: number;
    legit_sent: number;
    legit_delivered: number;
    alarms: string[];
  };
  t.is(j.forged, 5000);
  // a forged frame collided on the air, was left unread past the unit's receive budget, or
  // was refused: none was accepted
  t.is(j.refused_by_control_unit + j.unread_past_budget + j.lost_on_air, j.forged);
  t.is((r.json as { accepted_forged: number }).accepted_forged, 0);
  // the receive budget (300 frames/s, firmware/control/flood-guard.ts) reads ~60 % of 500/s
  t.true(j.refused_by_control_unit >= 0.5 * j.forged && j.refused_by_control_unit <= 0.65 * j.forged, `refused ${j.refused_by_control_unit}`);
  t.true(j.alarms.includes('flood') && j.alarms.includes('reject-rate'));
  t.true(j.legit_sent >= 25);
  // what the guard costs: the impersonated node's frames are refused under the tag budget,
  // the others are read in the spells between pauses (jamming-equivalent; the price of a
  // bounded CPU, docs/LINK.md "The flood guard")
  t.true(r.deliveryPct >= 25 && r.deliveryPct < 75, `legit delivery ${r.deliveryPct} %`);
  t.log(`link.legit_delivery_pct_under_flood ${r.deliveryPct} (500 forged frames/s for 10 s, 3 nodes reporting every second)`);
  t.log(
    `link.attack_frames_rejected_pct ${r.rejectedPct} of the forged frames that reached the receiver: ${j.refused_by_control_unit} refused, 0 accepted; ${j.lost_on_air} more were lost to collisions`,
  );
});

test('frames from a node id not in the registry raise an alarm', (t) => {
  const net = new Net({ seed: 23, nodes: 1 });
  net.run(1);
  flood(net, 50, 0.2, 9);
  net.run(1);
  t.is(net.cu.log.count('air.unknown-node'), 10);
  t.deepEqual(
    net.alarms('unknown-node').map((a) => a.nodeId),
    [9],
  );
  t.true(net.now() > 2 * S);
});
