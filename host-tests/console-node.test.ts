// The technician console on a real meter node, through the simulated board's UART.
import test from 'ava';
import { near } from './support/near';
import { createSimMeter } from '../tools/console/sim-meter';

function session(pin = '2468') {
  const m = createSimMeter({ pin, realtime: false });
  let buf = '';
  m.duplex.onData((b) => {
    buf += Buffer.from(b).toString('utf8');
  });
  const send = (line: string): unknown[] => {
    buf = '';
    m.duplex.write(new TextEncoder().encode(line + '\r\n'));
    m.advance(50e3);
    return buf
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
  };
  return { m, send };
}

test('Status and Readings report the live node', (t) => {
  const { m, send } = session();
  m.advance(1e6);
  const [st, rd] = send('Status; Readings') as [{ Status: { Breaker: string } }, { Readings: { Voltage: number; Current: number } }];
  t.is(st.Status.Breaker, 'closed');
  near(t, rd.Readings.Voltage, 230, 1, 'Readings Voltage');
  near(t, rd.Readings.Current, 5, 0.1, 'Readings Current');
});

test('thresholds: credential first; cross-field errors come from the node and change nothing', (t) => {
  const { m, send } = session();
  t.deepEqual(send('MaxPower 3000')[0], { Command: 'MaxPower', Error: 'credential required', Allowed: 'Login <4..8 digit PIN> or press the button' });
  t.is(m.node().settings.maxPowerW, 4000);
  t.deepEqual(send('Login 2468; MaxPower 3000')[1], { MaxPower: 3000 });
  t.is(m.node().settings.maxPowerW, 3000);
  t.deepEqual(send('VoltageLow 229')[0], { VoltageLow: 229 });
  const r = send('VoltageHigh 235')[0] as { Error: string };
  t.regex(r.Error, /ovTripV: 235 V overlaps the under-voltage band; with uvTripV 229 V and 2 % hysteresis it must be above 238.4 V/);
  t.is(m.node().settings.ovTripV, 264.5);
});

test('the board button opens the credential window without a PIN', (t) => {
  const { m, send } = session();
  const btn = m.sim().digitalPin(m.sim().board.pins.button);
  btn.set(0, 'test');
  m.advance(10e3);
  btn.set(1, 'test');
  t.deepEqual(send('GasLimit 1500')[0], { GasLimit: 1500 });
});

test('after a short circuit: Trips explains it, Relay1 ON is refused, LockoutReset on the spot closes', (t) => {
  const { m, send } = session();
  const sim = m.sim();
  sim.mains.shortCircuit({ atUs: sim.now() + 3100, prospectiveA: 300, durationUs: 20e3 });
  m.advance(0.2e6);
  const trips = (send('Trips')[0] as { Trips: { Reason: string; State: string }[] }).Trips;
  t.is(trips.length, 1);
  t.is(trips[0].Reason, 'comparator');
  t.is(trips[0].State, 'tripped');
  const on = send('Relay1 ON')[0] as { Error?: string };
  t.regex(on.Error ?? '', /refused: tripped \(comparator\) needs a reset on the spot/);
  t.false(sim.relays.main.contactsClosed());
  t.deepEqual(send('Login 2468; LockoutReset')[1], { LockoutReset: 'Done' });
  m.advance(50e3);
  t.true(sim.relays.main.contactsClosed());
  t.is(m.node().state(), 'closed');
});

test('VoltageSet through the console, stored across a Restart', async (t) => {
  const { m, send } = session();
  m.advance(2.5e6);
  const before = m.node().meter.cal.vGain;
  const r = send('Login 2468; VoltageSet 232')[1] as { VoltageSet: { Gain: number } };
  t.true(Math.abs(r.VoltageSet.Gain / before - 232 / 230) < 0.002);
  send('Restart 1');
  await new Promise((r) => setImmediate(r)); // the restart runs once the reply is out
  m.advance(4e6);
  t.true(Math.abs(m.node().meter.cal.vGain / before - 232 / 230) < 0.002);
  t.true(m.node().restored.includes('calibration'));
});
