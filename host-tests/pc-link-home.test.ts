// The simulated home (tools/home) speaks the PC link: three nodes on three boards, a
// trip after a scheduled fault, household relay commands through the role table.
import test from 'ava';
import { SimHome, HOME_BOARDS, HOME_EPOCH_S, workshopDay } from '../tools/home/home';
import { parseDeviceLine } from '../tools/gateway/lines';

test('the simulated home: readings from three boards, a short circuit trips node 1, relay commands answered', (t) => {
  const h = new SimHome({ seed: 3 });
  const lines: any[] = [];
  h.onLine((l) => lines.push(JSON.parse(l)));
  t.is(h.schedule('short-circuit'), '');
  t.regex(h.schedule('nope'), /one of none, short-circuit/);
  h.step(30);
  t.deepEqual(new Set(Object.values(HOME_BOARDS)).size, 3);
  for (const id of [1, 2, 3]) t.true(lines.filter((o) => o.type === 'reading' && o.node === id).length >= 5, `node ${id} readings`);
  const trip = lines.find((o) => o.type === 'trip');
  t.is(trip?.node, 1);
  t.true(
    lines.filter((o) => o.type === 'reading').every((o) => o.gas === null),
    'gas is null while the MQ-6 heater warms up',
  );
  h.send(
    '{"v":1,"id":1,"cmd":"relay","role":"household","node":2,"state":"off"}\n{"v":1,"id":2,"cmd":"relay","role":"guest","node":2,"state":"on"}\nnot json\n',
  );
  h.step(5);
  const replies = lines.filter((o) => o.type === 'reply' || o.type === 'error');
  t.deepEqual(
    replies.map((o) => [o.id, o.type]),
    [
      [1, 'reply'],
      [2, 'error'],
      [null, 'error'],
    ],
  );
  t.is(h.net.nodeOf(2).node.state(), 'open');
  t.is(lines.filter((o) => o.type === 'reading' && o.node === 2).pop().relay, 'open');
  h.step(200);
  t.true(
    lines.some((o) => o.type === 'reading' && o.node === 3 && typeof o.gas === 'number' && o.gas > 200),
    'gas after the warm-up',
  );
});

test('the home runs energy management: the battery hides the load, the workshop heater waits for the night tariff', (t) => {
  const h = new SimHome({ seed: 3 });
  const lines: any[] = [];
  h.onLine((l) => {
    const r = parseDeviceLine(l.trim());
    if (!r.ok) t.fail(r.error);
    else lines.push(r.msg);
  });
  // the plan begins at the next half hour of the home's clock: 14:30, 1000 s after start
  const d = workshopDay(HOME_EPOCH_S);
  t.is(d.startWallS - HOME_EPOCH_S, 1000);
  t.is(new Date(d.startWallS * 1000).toISOString().slice(11, 16), '14:30');
  h.step(990);
  const before = lines.filter((o) => o.type === 'energy');
  t.true(before.length >= 98, `an energy line every 10 s (${before.length})`);
  t.true(
    before.every((o) => o.owner === 'privacy' && o.soc >= 0.1 && o.soc <= 0.9),
    'privacy holds the battery inside its SoC limits',
  );
  t.true(
    before.every((o) => Math.abs(o.realW + o.batteryW - o.visibleW) <= 2),
    'visible = real + battery charge, to the watt',
  );
  t.true(
    before.some((o) => o.batteryW !== 0),
    'the battery works',
  );
  t.is(h.net.nodeOf(3).node.state(), 'closed', 'no planned switching before the plan starts');
  h.step(30);
  t.is(h.net.nodeOf(3).node.state(), 'open', 'the heater deferred: the workshop relay opened at 14:30');
  const last = lines.filter((o) => o.type === 'energy').pop();
  t.like(last.sched, { slotS: 1800, exact: true, cost: 0.36, refused: 0 });
  // 3 kWh at 2 kW: three 30 min slots at the night's 0.12, all night slots cost the same; the plan takes 05:30-07:00 (15 h after 14:30)
  t.deepEqual(last.sched.loads, [['water heater', 'node:3', false, 15 * 3600, '']]);
});
