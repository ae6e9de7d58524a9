// The simulated home (tools/home) speaks the PC link: three nodes on three boards, a
// trip after a scheduled fault, household relay commands through the role table.
import test from 'ava';
import { SimHome, HOME_BOARDS } from '../tools/home/home';

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
  t.true(lines.filter((o) => o.type === 'reading').every((o) => o.gas === null), 'gas is null while the MQ-6 heater warms up');
  h.send('{"v":1,"id":1,"cmd":"relay","role":"household","node":2,"state":"off"}\n{"v":1,"id":2,"cmd":"relay","role":"guest","node":2,"state":"on"}\nnot json\n');
  h.step(5);
  const replies = lines.filter((o) => o.type === 'reply' || o.type === 'error');
  t.deepEqual(replies.map((o) => [o.id, o.type]), [[1, 'reply'], [2, 'error'], [null, 'error']]);
  t.is(h.net.nodeOf(2).node.state(), 'open');
  t.is(lines.filter((o) => o.type === 'reading' && o.node === 2).pop().relay, 'open');
  h.step(200);
  t.true(lines.some((o) => o.type === 'reading' && o.node === 3 && typeof o.gas === 'number' && o.gas > 200), 'gas after the warm-up');
});
