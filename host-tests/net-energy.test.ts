// The home's energy management composed into the control unit (issue 9 wiring,
// firmware/policy/home-energy.ts): the household policy, the battery under load hiding and
// the load schedule, fed by node readings and stepped in the unit's time; its state on the
// PC link as the `energy` message (docs/PC-LINK.md), which the gateway's parser accepts.
import test from 'ava';
import { HomeEnergy } from '../firmware/policy/home-energy';
import { SAFETY, USER, UTILITY } from '../firmware/policy/policy';
import { encodeEnergy, MAX_LINE } from '../firmware/control/pc-link';
import type { SchedulerInput } from '../firmware/schedule/model';
import { parseDeviceLine } from '../tools/gateway/lines';
import { Net, pcLinkOn } from '../tools/sim/net-scenarios';

const S = 1e6;

function oneLoad(relay: string, slotS: number, slots: number, cheap: number[], powerW: number, need: number): SchedulerInput {
  const price: number[] = [];
  for (let i = 0; i < slots; i++) price.push(cheap.includes(i) ? 0.1 : 0.4);
  return {
    slotS,
    pricePerKWh: price,
    baseW: price.map(() => 0),
    capW: 3600,
    meterMaxPowerW: 4000,
    loads: [{ name: 'EV charger', relay, earliestS: 0, deadlineS: slots * slotS, energyWh: (need * powerW * slotS) / 3600, powerW, interruptible: true }],
  };
}

test('HomeEnergy alone: real vs visible load, the battery yields to a utility order, ranks on the relays', (t) => {
  const e = new HomeEnergy({});
  e.feed(1, 2000);
  e.feed(2, 300);
  e.feed(2, NaN); // a sensor fault keeps the last value
  for (let s = 0; s <= 600; s += 10) e.step(s * S);
  let st = e.state();
  t.is(st.realW, 2300);
  t.is(st.owner, 'privacy');
  t.not(st.visibleW, st.realW, 'load hiding changes what the meter sees');
  t.true(Math.abs(st.realWh - (2300 * 600) / 3600) < 1e-6);
  // a verified demand-response order takes the battery: discharge 500 W for 5 minutes
  const d = e.policy.submit({ source: UTILITY, resource: 'battery', action: 'discharge', watts: 500, untilS: 900, verified: true }, 600);
  t.true(d.granted);
  for (let s = 610; s <= 890; s += 10) e.step(s * S);
  st = e.state();
  t.is(st.owner, 'utility');
  t.is(Math.round(st.batteryW), -500);
  t.is(Math.round(st.visibleW), 1800);
  for (let s = 900; s <= 960; s += 10) e.step(s * S);
  t.is(e.state().owner, 'privacy', 'hiding resumes when the order lapses');
  // relays: the household's switch outranks the scheduler, safety outranks both
  t.true(e.userSwitch(1, true, 1000 * S).granted);
  t.is(e.policy.owner('relay:node:1', 1000), USER);
  e.safety(1, true, 1001 * S);
  t.is(e.policy.owner('relay:node:1', 1001), SAFETY);
  t.false(e.userSwitch(1, true, 1002 * S).granted, 'a user request does not close over safety');
  e.safety(1, false, 1003 * S);
  t.is(e.policy.owner('relay:node:1', 1003), USER);
  t.throws(() => new HomeEnergy({ userOverrideS: 5 }), { message: /userOverrideS 5 out of range 60..86400/ });
  t.throws(() => new HomeEnergy({ algorithm: 'none' }), { message: /a load-hiding algorithm with a battery/ });
});

test('energy line: versioned, within MAX_LINE with 8 long-named loads, accepted by the gateway parser', (t) => {
  const e = new HomeEnergy({});
  const inp = oneLoad('node:1', 1800, 48, [10, 11], 2000, 2);
  inp.loads = Array.from({ length: 8 }, (_, i) => ({
    ...inp.loads[0],
    name: `a very long appliance name ${i}`,
    relay: `node:${i + 1}-with-a-long-tail`,
    deadlineS: 1800,
  }));
  t.is(
    e.setSchedule(inp, 0, () => true),
    '',
  );
  e.step(0);
  e.step(10 * S);
  const line = encodeEnergy(10 * S, e.state());
  t.true(line.length <= MAX_LINE, `${line.length} characters`);
  const p = parseDeviceLine(line);
  t.true(p.ok, p.ok ? '' : p.error);
  const o = JSON.parse(line);
  t.is(o.ev, 1);
  t.is(o.sched.loads.length, 8);
  t.true(
    o.sched.loads.some((l: unknown[]) => l[4] !== ''),
    'an unmet load is reported with its reason',
  );
  t.false(parseDeviceLine(line.replace('"ev":1', '"ev":2')).ok, 'an unknown energy schema version is refused by name');
  t.regex(
    e.setSchedule({ ...inp, slotS: 5 }, 0, () => true),
    /^scheduler slotS: 5 is out of range \(60 \.\. 3600 s\)/,
  );
});

test('on the simulated air: readings feed it, energy lines on the PC link, the schedule drives a relay and yields to the household', (t) => {
  const net = new Net({ seed: 8, nodes: 1, reportEveryS: 5, energy: { reportEveryS: 10 } });
  const lines: string[] = [];
  const pc = pcLinkOn(net, lines);
  let pumped = net.forwards.length;
  const run = (sec: number) => {
    net.run(sec);
    for (let i = pumped; i < net.forwards.length; i++) pc.forward(net.forwards[i]);
    pumped = net.forwards.length;
  };
  const n1 = net.nodeOf(1);
  n1.sim.mains.setLoad({ atUs: net.now(), irms: 9.5, pfAngleDeg: 10 });
  run(12);
  // slots of 60 s; the charger (node 1's relay) needs 2 of 5, the cheap ones are 2 and 3
  const start = net.now();
  t.is(net.cu.planDay(oneLoad('node:1', 60, 5, [2, 3], 2000, 2), start), '');
  const stateAt = (sec: number) => {
    run(sec);
    return n1.node.state();
  };
  t.is(stateAt(30), 'open', 'slot 0: the plan keeps the charger off');
  t.is(stateAt(100), 'closed', 'slot 2: on in the cheap slot');
  t.is(stateAt(120), 'open', 'slot 4: off again');
  const energy = lines.map((l) => JSON.parse(l)).filter((o) => o.type === 'energy');
  t.true(energy.length >= 20, `${energy.length} energy lines`);
  for (const l of lines) if (l.includes('"energy"')) t.true(parseDeviceLine(l).ok);
  const on = energy.filter((o) => o.realW > 1500);
  t.true(on.length > 0, 'the real load follows the node readings');
  t.true(
    on.some((o) => o.visibleW !== o.realW),
    'the visible load is hidden by the battery',
  );
  t.is(energy[energy.length - 1].owner, 'privacy');
  t.deepEqual(energy[energy.length - 1].sched.loads, [['EV charger', 'node:1', false, null, '']]);
  // a second plan: the household opens the relay by hand before the plan's ON slot; the
  // scheduler's ON is then refused by the policy (rank user outranks savings) and counted
  const s2 = net.now();
  t.is(net.cu.planDay(oneLoad('node:1', 60, 5, [1, 2], 2000, 2), s2), '');
  run(5);
  t.is(n1.node.state(), 'open');
  pc.line('{"v":1,"id":1,"cmd":"relay","role":"household","node":1,"state":"off"}');
  run(100);
  t.is(n1.node.state(), 'open', 'the household outranks the scheduler');
  const st = net.cu.energyState();
  t.true(st !== undefined && st.schedule !== undefined && st.schedule.refused > 0, 'the refused switches are counted');
  // without the energy option the unit says so
  const bare = new Net({ seed: 9, nodes: 1 });
  t.regex(bare.cu.planDay(oneLoad('node:1', 60, 5, [2], 2000, 1), bare.now()), /^energy: this unit has no energy management/);
});
