// The household's relay switch over the radio (MSG_HOUSEHOLD, firmware/link/messages.ts):
// the codec (round trip, never throws), and end to end on the simulated air through the PC
// link (tools/sim/net-scenarios.ts householdRelayScenario): OFF opens, ON closes, a guest
// cannot close, ON while tripped is refused with the reason (by the unit and by the node),
// ON over a utility disconnect is refused, replayed and forged frames are refused and counted.
import test from 'ava';
import fc from 'fast-check';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import {
  ACK_CODE_HOUSEHOLD,
  ACK_REFUSED,
  HOUSEHOLD_BYTES,
  HOUSEHOLD_REJECTS,
  decodeAck,
  decodeHouseholdRelay,
  encodeAck,
  encodeHouseholdRelay,
} from '../firmware/link/messages';
import { maxBody, PROFILE_NRF24 } from '../firmware/link/frame';
import { Net, householdRelayScenario, pcLinkOn } from '../tools/sim/net-scenarios';

reportSeed(test.after.always, 'net-household.test.ts');

test('household relay body: round trip, one nRF24 frame, bad bodies named, never throws', (t) => {
  const b = new Uint8Array(HOUSEHOLD_BYTES);
  t.is(encodeHouseholdRelay(1, true, 0xfffffffe, b), HOUSEHOLD_BYTES);
  t.true(HOUSEHOLD_BYTES <= maxBody(PROFILE_NRF24));
  t.deepEqual(decodeHouseholdRelay(b, HOUSEHOLD_BYTES), { relay: 1, on: true, requestId: 0xfffffffe });
  t.is(decodeHouseholdRelay(b, 6), 'household relay length 6, expected 7');
  b[2] = 2;
  t.is(decodeHouseholdRelay(b, 7), 'household relay state 2 out of range 0..1');
  b[0] = 9;
  t.is(decodeHouseholdRelay(b, 7), 'household relay version 9, expected 1');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20 }), fc.integer({ min: -2, max: 22 }), (bytes, len) => {
      const d = decodeHouseholdRelay(bytes, len);
      return typeof d === 'string' ? d.length > 0 : d.relay === bytes[1] && d.on === (bytes[2] === 1);
    }),
    { numRuns: fuzzRuns(2000) },
  );
  // a household ack's reason comes from its own list
  const a = new Uint8Array(7);
  encodeAck(ACK_CODE_HOUSEHOLD, ACK_REFUSED, HOUSEHOLD_REJECTS.indexOf('utility-hold'), 5, a);
  t.deepEqual(decodeAck(a, 7), { code: ACK_CODE_HOUSEHOLD, result: 'refused', reason: 'utility-hold', seq: 5 });
});

test('end to end on the simulated air: off, on, guest, utility, trip, utility hold, replay, forgery', (t) => {
  const r = householdRelayScenario();
  const j = r.json as ReturnType<typeof householdRelayScenario>['json'] & Record<string, any>;
  const s = j.steps as { role: string; state: string; reply: string; ack: string | null; breaker: string }[];
  t.deepEqual(s[0], { role: 'household', node: 1, state: 'off', reply: 'ok', ack: 'done', breaker: 'open' } as never);
  t.deepEqual(s[1], { role: 'household', node: 1, state: 'on', reply: 'ok', ack: 'done', breaker: 'closed' } as never);
  t.is(s[2].reply, 'forbidden: relay-on is not allowed to guest (allowed: household, technician)');
  t.is(s[2].breaker, 'closed');
  t.regex(s[3].reply, /^guest: /, 'a guest without a checked code is refused');
  t.is(s[4].reply, 'forbidden: relay-off is not allowed to utility (allowed: household, guest, technician)');
  // ON while tripped: the unit refuses with the policy's safety reason; nothing goes on the air
  t.regex(s[5].reply, /^safety: a trip holds the relay open; reset it at the meter/);
  t.is(s[5].ack, null);
  t.is(s[5].breaker, 'tripped');
  // and the node refuses on its own when the unit's view is bypassed
  t.deepEqual(j.node_judge, { result: 'refused', reason: 'safety' });
  t.is(j.node1.state, 'tripped');
  // a utility disconnect is not undone by the household's switch
  t.is(s[6].ack, 'refused (utility-hold)');
  t.is(s[6].breaker, 'open');
  // replays and forgeries refused and counted; nothing switched
  t.is(j.replayed, 2);
  t.is(j.replay_refused, 2);
  t.is(j.forged_refused, 1);
  t.is(j.node2_rejects['link.tag'], 1);
  t.is(j.breaker_after_attack, 'closed');
  t.is(j.node1.householdDone, 2);
  t.true(
    r.timeline.some((l) => l.includes('security report: linkTag 1, linkReplay 2')),
    'the node reports the refusals uplink',
  );
});

test('reclosing counts as protection holding the relay open: the node refuses ON', (t) => {
  const net = new Net({ seed: 6, nodes: 1 });
  const out: string[] = [];
  const pc = pcLinkOn(net, out);
  net.run(3);
  const n = net.nodeOf(1);
  // a sag opens the relay and the breaker waits to reclose (docs/PROTECTION.md)
  n.sim.mains.sag({ atUs: net.now() + 0.1 * 1e6, depth: 150 / 230, durationUs: 20e6 });
  net.run(3);
  const st = n.node.state();
  t.is(st, 'reclosing');
  const id = net.cu.sendHouseholdRelay(1, true);
  net.run(1);
  const ack = net.forwards.find((f) => f.kind === 'ack' && f.ack.code === ACK_CODE_HOUSEHOLD && f.ack.seq === id);
  t.truthy(ack);
  if (ack !== undefined && ack.kind === 'ack') t.deepEqual([ack.ack.result, ack.ack.reason], ['refused', 'safety']);
  t.not(n.node.state(), 'closed');
  // OFF is always obeyed (the safe direction), even while protection holds the relay open
  pc.line('{"v":1,"id":1,"cmd":"relay","role":"household","node":1,"state":"off"}');
  t.deepEqual(JSON.parse(out[0]), { v: 1, type: 'reply', id: 1, ok: true, node: 1, state: 'off', queued: true });
});
