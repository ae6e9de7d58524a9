// The gateway against the embedded broker (aedes): the simulated home's PC link bridged to
// MQTT, checked as Home Assistant would see it (discovery payloads against HA's schema
// keys), per-role ACLs, relay commands through the control unit's role table, refusals
// with reasons, retained state for late subscribers, a gateway restart that loses nothing.
import test from 'ava';
import mqtt from 'mqtt';
import { SimHome } from '../tools/home/home';
import { Gateway } from '../tools/gateway/gateway';
import { HomeSource } from '../tools/gateway/sources';
import { startBroker, brokerUser } from '../tools/gateway/broker';
import { checkDiscovery } from './gateway-ha-schema';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function rig() {
  const broker = await startBroker({
    port: 0,
    users: [brokerUser('house', 'pw-house', 'household'), brokerUser('guest', 'pw-guest', 'guest'), brokerUser('gw', 'pw-gw', 'gateway')],
  });
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const home = new SimHome({ seed: 5 });
  const logs: string[] = [];
  const mk = () =>
    new Gateway({
      mqttUrl: url,
      username: 'gw',
      password: 'pw-gw',
      protocolVersion: 4,
      source: new HomeSource(home),
      log: (l) => logs.push(l),
      requestTimeoutMs: 2000,
    });
  const gw = mk();
  await gw.start();
  const seen = new Map<string, { payload: string; retain: boolean }[]>();
  const ha = await mqtt.connectAsync(url, { username: 'house', password: 'pw-house', protocolVersion: 4 });
  ha.on('message', (topic, p, packet) => {
    if (!seen.has(topic)) seen.set(topic, []);
    seen.get(topic)!.push({ payload: p.toString(), retain: packet.retain });
  });
  await ha.subscribeAsync(['homeassistant/#', 'tele/#', 'stat/#', 'smartmeter/gateway/#']);
  const run = async (s: number) => {
    for (let i = 0; i < s; i++) {
      home.step(1);
      await sleep(2);
    }
  };
  /** wait until no message has come on `topic` for 300 ms */
  const quiet = async (topic: string) => {
    for (;;) {
      const n = seen.get(topic)?.length ?? 0;
      await sleep(300);
      if ((seen.get(topic)?.length ?? 0) === n) return;
    }
  };
  const last = (topic: string) => {
    const l = seen.get(topic);
    return l === undefined ? undefined : l[l.length - 1].payload;
  };
  return {
    broker,
    url,
    home,
    gw,
    mk,
    ha,
    seen,
    run,
    last,
    quiet,
    logs,
    close: async (g = gw) => {
      await ha.endAsync();
      await g.stop();
      await broker.close();
    },
  };
}

test('readings, energy, trips and Home Assistant discovery reach MQTT as HA expects', async (t) => {
  const r = await rig();
  try {
    r.home.schedule('short-circuit');
    await r.run(30);
    await until('node 1 trip', () => r.last('stat/home-n1/TRIP') !== undefined);
    const discovery = () => [...r.seen.keys()].filter((k) => k.startsWith('homeassistant/'));
    await until('discovery', () => discovery().length >= 57 + 5);
    const disc = discovery();
    t.is(disc.filter((k) => k.includes('/home-n')).length, 3 * 19, 'discovery entities: 3 nodes x 19');
    t.deepEqual(
      disc.filter((k) => k.includes('/home-cu/')).sort(),
      ['battery_owner', 'battery_power', 'battery_soc', 'real_load', 'visible_load'].map((o) => `homeassistant/sensor/home-cu/${o}/config`),
      'the unit: 5 energy entities',
    );
    t.is(disc.length, 3 * 19 + 5);
    for (const k of disc) {
      const errs = checkDiscovery(k, JSON.parse(r.last(k)!));
      t.deepEqual(errs, [], k);
    }
    const total = JSON.parse(r.last('homeassistant/sensor/home-n1/energy_total/config')!);
    t.like(total, { device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'kWh' });
    t.like(JSON.parse(r.last('homeassistant/sensor/home-n2/voltage/config')!), {
      device_class: 'voltage',
      state_class: 'measurement',
      unit_of_measurement: 'V',
    });
    t.like(JSON.parse(r.last('homeassistant/switch/home-n2/relay/config')!), { command_topic: 'cmnd/home-n2/POWER', state_topic: 'stat/home-n2/POWER' });
    const s = JSON.parse(r.last('tele/home-n2/SENSOR')!);
    t.deepEqual(Object.keys(s.ENERGY), ['Total', 'Yesterday', 'Today', 'Power', 'ApparentPower', 'Factor', 'Voltage', 'Current']);
    t.true(s.ENERGY.Voltage > 200 && s.ENERGY.Total >= s.ENERGY.Today);
    t.is(r.last('tele/home-n2/LWT'), 'Online');
    const trip = JSON.parse(r.last('stat/home-n1/TRIP')!);
    t.is(trip.State, 'tripped');
    t.true(trip.Reason.length > 0);
    t.is(r.last('stat/home-n1/POWER'), 'OFF');
    t.is(r.last('stat/home-n1/BREAKER'), 'tripped');
    // the unit's energy management: HA's entities as meant, the state and the plan
    t.like(JSON.parse(r.last('homeassistant/sensor/home-cu/battery_soc/config')!), {
      device_class: 'battery',
      state_class: 'measurement',
      unit_of_measurement: '%',
      state_topic: 'tele/home-cu/ENERGY',
      value_template: '{{ value_json.SoC }}',
    });
    t.like(JSON.parse(r.last('homeassistant/sensor/home-cu/visible_load/config')!), {
      device_class: 'power',
      state_class: 'measurement',
      unit_of_measurement: 'W',
      value_template: '{{ value_json.Visible }}',
    });
    const en = JSON.parse(r.last('tele/home-cu/ENERGY')!);
    t.deepEqual(Object.keys(en), ['Time', 'Real', 'Visible', 'Battery', 'SoC', 'Owner', 'Algorithm', 'RealWh', 'VisibleWh']);
    t.is(en.Owner, 'privacy');
    t.true(en.SoC > 10 && en.SoC < 90, `SoC ${en.SoC} % inside the battery's 10..90 %`);
    // the battery makes up the difference: real + battery (charge) = visible, to the watt
    t.true(Math.abs(en.Real + en.Battery - en.Visible) <= 2, `real ${en.Real} + battery ${en.Battery} = visible ${en.Visible}`);
    const plan = JSON.parse(r.last('stat/home-cu/PLAN')!);
    t.like(plan, { Planned: true, SlotS: 1800, Exact: true, Refused: 0 });
    t.is(plan.Loads[0].Name, 'water heater');
    t.is(plan.Loads[0].Relay, 'node:3');
    // the whole plan, from the unit's plan lines: 3 kWh at the heater's power, as runs on the wall clock
    t.true(Array.isArray(plan.Loads[0].Slots) && plan.Loads[0].Slots.length > 0, JSON.stringify(plan.Loads[0]));
    const planned = plan.Loads[0].Slots.reduce((h: number, r: { From: string; To: string }) => h + (Date.parse(r.To) - Date.parse(r.From)) / 3600e3, 0);
    t.is(Math.round((planned * plan.Loads[0].PowerW) / 100) / 10, 3, `${planned} h at ${plan.Loads[0].PowerW} W`);
    // cheapest: 3 kWh in the night's 0.12 slots
    t.is(plan.Cost, 0.36);
    // live messages only (aedes may hand a late retained copy to a fresh subscriber)
    t.is(r.seen.get('stat/home-cu/PLAN')!.filter((m) => !m.retain).length, 1, 'the plan published once: it did not change');
    // a late subscriber gets what it needs from retained messages
    const late = await mqtt.connectAsync(r.url, { username: 'house', password: 'pw-house', protocolVersion: 4 });
    const got = new Map<string, string>();
    late.on('message', (topic, p) => got.set(topic, p.toString()));
    await late.subscribeAsync([
      'tele/home-n3/SENSOR',
      'tele/home-n3/LWT',
      'stat/home-n1/TRIP',
      'homeassistant/sensor/home-n3/energy_total/config',
      'smartmeter/gateway/gw1/status',
      'tele/home-cu/ENERGY',
      'stat/home-cu/PLAN',
    ]);
    await until('retained', () => got.size === 7);
    t.is(got.get('smartmeter/gateway/gw1/status'), 'Online');
    await late.endAsync();
    t.pass();
  } finally {
    await r.close();
  }
});

test('relay commands go through the control unit role policy; bad payloads, unknown nodes and forbidden roles are refused with a reason', async (t) => {
  const r = await rig();
  try {
    await r.run(6);
    await until('nodes', () => r.gw.knownNodes().length === 3);
    const results: string[] = [];
    r.ha.on('message', (topic, p) => {
      if (topic.endsWith('/RESULT')) results.push(`${topic} ${p.toString()}`);
    });
    await r.ha.publishAsync('cmnd/home-n2/POWER', 'OFF');
    await until('result', () => results.length === 1);
    await r.run(3);
    t.is(results[0], 'stat/home-n2/RESULT {"POWER":"OFF"}');
    t.is(r.home.net.nodeOf(2).node.state(), 'open');
    await until('relay state', () => r.last('stat/home-n2/POWER') === 'OFF' && r.last('stat/home-n2/BREAKER') === 'open');
    await r.ha.publishAsync('cmnd/home-n2/POWER', 'maybe');
    await r.ha.publishAsync('cmnd/home-n9/POWER', 'ON');
    await until('refusals', () => results.length === 3);
    t.regex(results[1], /RESULT \{"Command":"POWER","Error":"payload \\"maybe\\": ON or OFF expected"\}/);
    t.regex(results[2], /home-n9\/RESULT .*unknown node home-n9/);
    // a guest: the broker refuses the household topic; on the guest topic the control unit refuses relay-on
    const guest = await mqtt.connectAsync(r.url, { username: 'guest', password: 'pw-guest', protocolVersion: 4 });
    const err = await t.throwsAsync(guest.subscribeAsync(['homeassistant/#', 'stat/+/RESULT']));
    t.deepEqual((err as unknown as { packet: { granted: number[] } }).packet.granted, [128, 0], 'guest may not read discovery (HA config), may read results');
    await guest.publishAsync('cmnd/home-n2/GUEST/POWER', '{"state":"ON","code":"123456"}');
    await until('guest refusal', () => results.length === 4);
    t.regex(results[3], /forbidden: relay-on is not allowed to guest/);
    await guest.publishAsync('cmnd/home-n2/GUEST/POWER', '{"state":"OFF","code":"123456"}');
    await until('guest refusal 2', () => results.length === 5);
    // the unit's access module judges the code: six digits without a pass number are refused, with the reason
    t.regex(results[4], /malformed: want <pass>-<code>/);
    await guest.endAsync();
    // bad logins are refused
    await t.throwsAsync(mqtt.connectAsync(r.url, { username: 'house', password: 'wrong', protocolVersion: 4, reconnectPeriod: 0 }));
    t.true(r.gw.stats.refused >= 4);
  } finally {
    await r.close();
  }
});

test('stateless gateway: a restart keeps Today and Total from the broker; a register that goes back is published as Offline, never as a total', async (t) => {
  const r = await rig();
  let gw2: Gateway | undefined;
  try {
    await r.run(40);
    await until('sensor', () => r.last('tele/home-n2/SENSOR') !== undefined);
    // the last reading gw1 published, once everything it sent has come through
    await r.quiet('tele/home-n2/SENSOR');
    const before = JSON.parse(r.last('tele/home-n2/SENSOR')!).ENERGY;
    t.true(before.Today > 0, 'energy accumulated');
    await r.gw.stop();
    gw2 = r.mk();
    await gw2.start();
    // run the home until the register has moved on by a published watt-hour (1 Wh takes ~10 s here)
    for (let s = 0; s < 120 && !(JSON.parse(r.last('tele/home-n2/SENSOR')!).ENERGY.Total > before.Total); s += 2) await r.run(2);
    await until('sensor after restart', () => JSON.parse(r.last('tele/home-n2/SENSOR')!).ENERGY.Total > before.Total);
    const after = JSON.parse(r.last('tele/home-n2/SENSOR')!).ENERGY;
    t.true(after.Today >= before.Today, `Today ${before.Today} -> ${after.Today} across a restart`);
    t.is(after.Today - before.Today, Math.round((after.Total - before.Total) * 1000) / 1000);
    // a false register: lower than the last total
    gw2.onLine(
      JSON.stringify({ v: 1, type: 'reading', node: 2, t: 1, ctr: 1, V: 230, I: 1, P: 230, E: 0, PF: 1, T: 20, gas: null, flags: 1, relay: 'closed' }),
    );
    await until('offline', () => r.last('tele/home-n2/LWT') === 'Offline');
    await sleep(200);
    // live messages only: aedes may hand a subscriber a retained copy late, after newer live
    // ones (its retained lookup runs after SUBACK); that is the broker's, not what we published
    const totals = r.seen
      .get('tele/home-n2/SENSOR')!
      .filter((m) => !m.retain)
      .map((m) => JSON.parse(m.payload).ENERGY.Total as number);
    t.true(
      totals.every((v, i) => i === 0 || v >= totals[i - 1]),
      `no SENSOR with the false total: ${totals.join(', ')}`,
    );
    t.true(r.logs.some((l) => /went back/.test(l)));
    // malformed lines: logged, counted, nothing published, the next good line still works
    gw2.onLine('{"v":1,"type":"reading"');
    gw2.onLine('{"v":9,"type":"reading"}');
    t.is(gw2.stats.bad, 2);
    t.true(r.logs.some((l) => /pc-link: not JSON/.test(l)));
  } finally {
    await r.close(gw2);
  }
});
