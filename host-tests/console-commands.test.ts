import test from 'ava';
import { near } from './support/near';
import { harness } from './console-harness';
import { FACTORY_RESET_WINDOW_US } from '../firmware/console/commands';
import { BUTTON_WINDOW_US, PIN_WINDOW_US } from '../firmware/console/credential';
import { Console } from '../firmware/console/console';
import { FakeTarget, ManualClock } from '../firmware/console/fake-target';

test('Status, Readings, Link, Radio read plain data', (t) => {
  const h = harness();
  t.deepEqual(h.type('Status'), [{ Status: { Node: 'fake-1', UptimeS: 1, Lockout: false, Trips: 0 } }]);
  t.deepEqual(Object.keys(h.type('readings')[0].Readings), ['Voltage', 'Current', 'Power']);
  t.is(h.type('LINK')[0].Link.Profile, 'nrf24');
  t.is(h.type('Radio')[0].Radio.Channel, 76);
});

test('read-only commands refuse a value and name the command', (t) => {
  const h = harness();
  for (const c of ['Status', 'Readings', 'Link', 'Radio', 'LockoutReset', 'Logout', 'Settings']) {
    t.deepEqual(h.type(`${c} 5`), [{ Command: c, Error: 'takes no value', Got: '5', Allowed: 'no value' }], c);
  }
});

test('thresholds: read, write with credential, read back', (t) => {
  const h = harness();
  t.deepEqual(h.type('VoltageHigh'), [{ VoltageHigh: 264.5 }]);
  t.deepEqual(h.type('voltagehigh 260'), [{ Command: 'VoltageHigh', Error: 'credential required', Allowed: 'Login <4..8 digit PIN> or press the button' }]);
  t.is(h.target.values.VoltageHigh, 264.5);
  h.login();
  t.deepEqual(h.type('VoltageHigh 260'), [{ VoltageHigh: 260 }]);
  t.deepEqual(h.type('VoltageHigh261.5'), [{ VoltageHigh: 261.5 }], 'missing space');
  t.deepEqual(h.type('  VoltageHigh    262  '), [{ VoltageHigh: 262 }], 'extra spaces');
  t.deepEqual(h.type('VoltageHigh=263'), [{ VoltageHigh: 263 }], '= separator');
});

test('threshold errors give the range and change nothing', (t) => {
  const h = harness();
  h.login();
  const before = h.target.snapshot();
  t.deepEqual(h.type('VoltageHigh 400'), [{ Command: 'VoltageHigh', Error: 'out of range', Got: 400, Min: 231, Max: 300, Unit: 'V' }]);
  t.deepEqual(h.type('VoltageHigh abc'), [{ Command: 'VoltageHigh', Error: 'not a number', Got: 'abc', Min: 231, Max: 300, Unit: 'V' }]);
  t.deepEqual(h.type('VoltageHigh 1e3'), [{ Command: 'VoltageHigh', Error: 'not a number', Got: '1e3', Min: 231, Max: 300, Unit: 'V' }]);
  t.deepEqual(h.type('MaxPowerHold 2.5'), [{ Command: 'MaxPowerHold', Error: 'not a whole number', Got: 2.5, Min: 0, Max: 600000, Unit: 'ms' }]);
  t.deepEqual(h.type('Trips x'), [{ Command: 'Trips', Error: 'not a whole number in range', Got: 'x', Min: 1, Max: 64 }]);
  t.is(h.target.snapshot(), before);
  t.deepEqual(h.type('VoltageLow 224; VoltageHigh 236'), [{ VoltageLow: 224 }, { VoltageHigh: 236 }]);
  t.notDeepEqual(h.target.snapshot(), before);
});

test('non-sensitive setting needs no credential; Settings lists all', (t) => {
  const h = harness();
  t.deepEqual(h.type('ReportInterval 30'), [{ ReportInterval: 30 }]);
  const s = h.type('Settings')[0].Settings;
  t.deepEqual(s.ReportInterval, { Value: 30, Unit: 's', Min: 1, Max: 3600, Sensitive: false });
  t.deepEqual(s.VoltageHigh, { Value: 264.5, Unit: 'V', Min: 231, Max: 300, Sensitive: true });
});

test('calibration: VoltageSet, CurrentSet, PowerSet', (t) => {
  const h = harness();
  const g0 = h.target.gains.voltage;
  t.deepEqual(h.type('VoltageSet'), [{ VoltageSet: { Gain: g0 } }]);
  t.deepEqual(h.type('VoltageSet 231'), [{ Command: 'VoltageSet', Error: 'credential required', Allowed: 'Login <4..8 digit PIN> or press the button' }]);
  h.login();
  const r = h.type('VoltageSet 231')[0].VoltageSet;
  t.is(r.Reference, 231);
  near(t, h.type('Readings')[0].Readings.Voltage, 231, 0.01, 'Readings Voltage after calibration');
  t.true(r.Gain > g0);
  t.is(h.type('CurrentSet 5')[0].CurrentSet.Reference, 5);
  t.is(h.type('PowerSet 1150')[0].PowerSet.Reference, 1150);
  const before = h.target.snapshot();
  t.deepEqual(h.type('VoltageSet 30'), [{ Command: 'VoltageSet', Error: 'out of range', Got: 30, Min: 80, Max: 300, Unit: 'V' }]);
  t.deepEqual(h.type('CurrentSet x'), [{ Command: 'CurrentSet', Error: 'not a number', Got: 'x', Min: 0.1, Max: 100, Unit: 'A' }]);
  // target refusal: reference far from the reading
  t.deepEqual(h.type('PowerSet 9000'), [{ Command: 'PowerSet', Error: 'reference differs from the reading by more than 2x', Min: 10, Max: 25000, Unit: 'W' }]);
  h.target.raw.current = 0;
  t.deepEqual(h.type('CurrentSet 5'), [{ Command: 'CurrentSet', Error: 'no signal to calibrate against', Min: 0.1, Max: 100, Unit: 'A' }]);
  t.is(h.target.snapshot(), before);
});

test('relays: read, switch, index errors, lockout after a trip', (t) => {
  const h = harness();
  t.deepEqual(h.type('Relay'), [{ Relay1: 'ON' }]);
  t.deepEqual(h.type('Relay2 off'), [{ Relay2: 'OFF' }]);
  t.deepEqual(h.type('relay2on'), [{ Relay2: 'ON' }], 'missing space');
  t.deepEqual(h.type('Relay1 0'), [{ Relay1: 'OFF' }]);
  const before = h.target.snapshot();
  t.deepEqual(h.type('Relay3 on'), [{ Command: 'Relay3', Error: 'no such relay', Got: 3, Min: 1, Max: 2 }]);
  t.deepEqual(h.type('Relay0'), [{ Command: 'Relay0', Error: 'no such relay', Got: 0, Min: 1, Max: 2 }]);
  t.deepEqual(h.type('Relay1 maybe'), [{ Command: 'Relay1', Error: 'not ON or OFF', Got: 'maybe', Allowed: ['ON', 'OFF', '1', '0'] }]);
  t.is(h.target.snapshot(), before);
  h.target.trip('over-current', 95.2, 60);
  const tripped = h.target.snapshot();
  t.deepEqual(h.type('Relay1 on'), [{ Command: 'Relay1', Error: 'locked out after a safety trip: LockoutReset first', Allowed: ['ON', 'OFF'] }]);
  t.is(h.target.snapshot(), tripped);
  t.deepEqual(h.type('Trips'), [{ Trips: [{ TimeUs: 1_000_000, Reason: 'over-current', Value: 95.2, Limit: 60 }] }]);
  // the reset on the spot needs presence (button) or a PIN: not anyone at the serial port
  t.deepEqual(h.type('LockoutReset'), [
    { Command: 'LockoutReset', Error: 'credential required', Allowed: 'Login <4..8 digit PIN> or press the button', Roles: ['button', 'technician'] },
  ]);
  t.is(h.target.snapshot(), tripped);
  h.con.buttonPressed();
  h.target.faultPresent = true;
  t.deepEqual(h.type('LockoutReset'), [{ Command: 'LockoutReset', Error: 'fault still present', Allowed: 'no value' }]);
  h.target.faultPresent = false;
  t.deepEqual(h.type('LockoutReset'), [{ LockoutReset: 'Done' }]);
  t.deepEqual(h.type('LockoutReset'), [{ Command: 'LockoutReset', Error: 'not locked out', Allowed: 'no value' }]);
  t.deepEqual(h.type('Relay1 on'), [{ Relay1: 'ON' }]);
});

test('trip log: last n and range errors', (t) => {
  const h = harness();
  t.deepEqual(h.type('Trips'), [{ Trips: [] }]);
  for (let i = 0; i < 70; i++) h.target.trip(`r${i}`, i, 1);
  t.is(h.type('Trips')[0].Trips.length, 64);
  t.deepEqual(
    h.type('Trips 2')[0].Trips.map((x: any) => x.Reason),
    ['r68', 'r69'],
  );
  t.deepEqual(h.type('Trips 65'), [{ Command: 'Trips', Error: 'not a whole number in range', Got: '65', Min: 1, Max: 64 }]);
  t.deepEqual(h.type('Trips 1.5'), [{ Command: 'Trips', Error: 'not a whole number in range', Got: '1.5', Min: 1, Max: 64 }]);
});

test('Keys shows fingerprints; CONFIRM needs the credential and a pending rekey', (t) => {
  const h = harness();
  t.deepEqual(h.type('Keys'), [{ Keys: { Link: 'lk1:3f9a1c2e', Authority: 'au1:b7d04e91', PendingRekey: false } }]);
  t.deepEqual(h.type('Keys rotate'), [{ Command: 'Keys', Error: 'unknown action', Got: 'rotate', Allowed: ['CONFIRM'] }]);
  t.deepEqual(h.type('Keys confirm'), [{ Command: 'Keys', Error: 'credential required', Allowed: 'Login <4..8 digit PIN> or press the button' }]);
  h.con.buttonPressed();
  t.deepEqual(h.type('Keys confirm'), [{ Command: 'Keys', Error: 'no rekey pending', Allowed: ['CONFIRM'] }]);
  h.target.pendingRekey = true;
  t.deepEqual(h.type('Keys CONFIRM'), [{ Keys: 'Confirmed' }]);
  t.is(h.type('Keys')[0].Keys.Link, 'lk2:3f9a1c2e');
});

test('Restart needs 1 and runs after its reply is written', (t) => {
  const h = harness();
  t.deepEqual(h.type('Restart'), [{ Command: 'Restart', Error: 'needs 1 to confirm', Got: '', Allowed: [1] }]);
  t.deepEqual(h.type('Restart 2'), [{ Command: 'Restart', Error: 'needs 1 to confirm', Got: '2', Allowed: [1] }]);
  t.is(h.target.restarts, 0);
  let outAtRestart = -1;
  h.target.restart = () => {
    outAtRestart = h.out.length;
  };
  const replies = h.type('Restart 1; Status');
  t.deepEqual(replies[0], { Restart: 'Restarting' });
  t.truthy(replies[1].Status);
  const written = replies.map((r) => JSON.stringify(r).length + 2).reduce((a, b) => a + b, 0);
  t.is(outAtRestart, written, 'restart() ran after every reply of the line was written');
  t.true(outAtRestart > 0, 'reply bytes were written before restart()');
});

test('FactoryReset asks for a confirmation code within 30 s', (t) => {
  const h = harness();
  t.deepEqual(h.type('FactoryReset'), [{ Command: 'FactoryReset', Error: 'credential required', Allowed: 'Login <4..8 digit PIN> or press the button' }]);
  h.login();
  t.deepEqual(h.type('FactoryReset 1234'), [
    { Command: 'FactoryReset', Error: 'no pending reset', Got: '1234', Allowed: 'FactoryReset first, then FactoryReset <code> within 30 s' },
  ]);
  const p = h.type('FactoryReset')[0].FactoryReset;
  t.is(p.State, 'Pending');
  t.is(p.ExpiresInS, 30);
  const code = Number(p.Confirm.split(' ')[1]);
  t.true(code >= 1000 && code <= 9999);
  const wrong = code === 9999 ? 1000 : code + 1;
  t.deepEqual(h.type(`FactoryReset ${wrong}`), [{ Command: 'FactoryReset', Error: 'wrong confirmation code', Got: String(wrong), Allowed: [code] }]);
  t.is(h.target.factoryResets, 0);
  h.clock.advance(FACTORY_RESET_WINDOW_US);
  t.is(h.type(`FactoryReset ${code}`)[0].Error, 'no pending reset');
  const code2 = Number(h.type('FactoryReset')[0].FactoryReset.Confirm.split(' ')[1]);
  t.deepEqual(h.type(`FactoryReset ${code2}`), [{ FactoryReset: 'Resetting' }]);
  t.is(h.target.factoryResets, 1);
  t.is(h.type(`FactoryReset ${code2}`)[0].Error, 'no pending reset', 'a code works once');
});

test('Login: window, bad shape, wrong PIN rate limit, Logout, button window', (t) => {
  const h = harness();
  t.deepEqual(h.type('Login'), [{ Login: { State: 'Closed', ExpiresInS: 0 } }]);
  t.deepEqual(h.type('Login 12'), [{ Command: 'Login', Error: 'not a PIN', Allowed: '4..8 digits' }]);
  t.deepEqual(h.type('Login 1111'), [{ Command: 'Login', Error: 'wrong PIN', AttemptsLeft: 2, RetryInS: 0 }]);
  t.deepEqual(h.type('Login 1112'), [{ Command: 'Login', Error: 'wrong PIN', AttemptsLeft: 1, RetryInS: 0 }]);
  t.deepEqual(h.type('Login 1113'), [{ Command: 'Login', Error: 'wrong PIN', AttemptsLeft: 0, RetryInS: 30 }]);
  // locked: even the right PIN is refused without being checked
  t.deepEqual(h.type(`Login ${h.target.pin}`), [{ Command: 'Login', Error: 'too many failed attempts', AttemptsLeft: 0, RetryInS: 30 }]);
  h.clock.advance(30e6);
  t.deepEqual(h.type('Login 1114'), [{ Command: 'Login', Error: 'wrong PIN', AttemptsLeft: 0, RetryInS: 60 }], 'lock doubles');
  h.clock.advance(60e6);
  t.deepEqual(h.type(`Login ${h.target.pin}`), [{ Login: { State: 'Open', ExpiresInS: PIN_WINDOW_US / 1e6 } }]);
  t.deepEqual(h.type('Login'), [{ Login: { State: 'Open', ExpiresInS: 300 } }]);
  h.clock.advance(PIN_WINDOW_US);
  t.is(h.type('VoltageHigh 260')[0].Error, 'credential required', 'window expired');
  h.login();
  t.deepEqual(h.type('Logout'), [{ Logout: { State: 'Closed' } }]);
  t.is(h.type('VoltageHigh 260')[0].Error, 'credential required');
  h.con.buttonPressed();
  t.deepEqual(h.type('VoltageHigh 260'), [{ VoltageHigh: 260 }]);
  h.clock.advance(BUTTON_WINDOW_US);
  t.is(h.type('VoltageHigh 261')[0].Error, 'credential required');
});

test('lock grows to its cap of one hour', (t) => {
  const h = harness();
  let last = 0;
  for (let i = 0; i < 12; i++) {
    const r = h.type('Login 0000')[0];
    last = r.RetryInS;
    h.clock.advance(last * 1e6);
  }
  t.is(last, 3600);
});

test('Help lists every command and explains each one', (t) => {
  const h = harness();
  const list: Record<string, string> = h.type('Help')[0].Help;
  const names = Object.keys(list);
  // every entry has a one-line description, and it is the one Help <name> shows
  for (const n of names) {
    t.true(typeof list[n] === 'string' && list[n].length > 5 && !list[n].includes('\n'), `${n}: ${list[n]}`);
    t.is(h.type(`Help ${n}`)[0].Help.About, list[n], n);
  }
  t.is(names.length, new Set(names.map((n) => n.toLowerCase())).size, 'no name twice');
  for (const n of [
    'Status',
    'Readings',
    'Relay',
    'Trips',
    'LockoutReset',
    'Keys',
    'Link',
    'Radio',
    'Restart',
    'FactoryReset',
    'Login',
    'Logout',
    'VoltageSet',
    'CurrentSet',
    'PowerSet',
    'Backlog',
    'Help',
    'Settings',
    'VoltageHigh',
    'ReportInterval',
  ]) {
    t.true(names.includes(n), n);
    const r = h.type(`Help ${n}`)[0];
    t.is(r.Help.Command, n);
    t.is(typeof r.Help.Usage, 'string');
  }
  t.deepEqual(h.type('Help VoltageHigh'), [
    {
      Help: {
        Command: 'VoltageHigh',
        Usage: 'VoltageHigh [231..300]',
        About: 'over-voltage trip, half-cycle RMS',
        Unit: 'V',
        Min: 231,
        Max: 300,
        Sensitive: true,
      },
    },
  ]);
  t.deepEqual(h.type('Help Nope'), [{ Command: 'Help', Error: 'unknown command', Got: 'Nope', Allowed: 'Help lists commands' }]);
});

test('unknown commands and non-commands', (t) => {
  const h = harness();
  t.deepEqual(h.type('Frobnicate 3'), [{ Command: 'Frobnicate', Error: 'unknown command', Allowed: 'Help lists commands' }]);
  t.deepEqual(h.type('42'), [{ Command: '42', Error: 'not a command', Allowed: 'Help lists commands' }]);
  t.deepEqual(h.type('?'), [{ Command: '?', Error: 'not a command', Allowed: 'Help lists commands' }]);
});

test('a target that throws is reported, and the console keeps working', (t) => {
  const h = harness();
  h.target.linkStatus = () => {
    throw new Error('radio gone');
  };
  t.deepEqual(h.type('Link'), [{ Command: 'Link', Error: 'internal error', Detail: 'Error: radio gone' }]);
  t.is(h.type('Status').length, 1);
});

test('failed-PIN count survives a restart when the node stores it', (t) => {
  const stored = { n: 0, saves: 0 };
  const clock = new ManualClock(0);
  const target = new FakeTarget(clock);
  target.pinFailures = { load: () => stored.n, save: (n) => ((stored.n = n), stored.saves++) };
  const boot = () => {
    const out: number[] = [];
    const con = new Console(target, (b) => out.push(...b));
    return (line: string) => {
      for (const c of Buffer.from(line + '\r')) con.receive(c);
      return JSON.parse(String.fromCharCode(...out.splice(0)));
    };
  };
  let type = boot();
  type('Login 1111');
  type('Login 1112');
  t.is(stored.n, 2);
  type = boot(); // power cycle: two failures remembered
  t.deepEqual(type('Login 1113'), { Command: 'Login', Error: 'wrong PIN', AttemptsLeft: 0, RetryInS: 30 });
  type = boot(); // power cycle during the lock: locked again from boot
  t.deepEqual(type(`Login ${target.pin}`), { Command: 'Login', Error: 'too many failed attempts', AttemptsLeft: 0, RetryInS: 30 });
  clock.advance(30e6);
  t.is(type(`Login ${target.pin}`).Login.State, 'Open');
  t.is(stored.n, 0, 'success clears the stored count');
  const saves = stored.saves;
  type('Logout');
  type(`Login ${target.pin}`);
  t.is(stored.saves, saves, 'no flash write when nothing changed');
});

test('a utility disconnect (non-payment) is not undone from the serial port or by the button; a PIN login may (roles.ts)', (t) => {
  const h = harness();
  h.target.utilityDisconnect('non-payment');
  const held = h.target.snapshot();
  const refusal = [
    { Command: 'Relay1', Error: 'disconnected by the utility (non-payment): a signed reconnect or a PIN login closes it', Allowed: ['ON', 'OFF'] },
  ];
  t.deepEqual(h.type('Relay1 ON'), refusal, 'anyone at the serial port');
  h.con.buttonPressed();
  t.deepEqual(h.type('Relay1 ON'), refusal, 'the household at the button');
  t.is(h.target.snapshot(), held);
  h.type('Logout');
  h.login();
  t.deepEqual(h.type('Relay1 ON'), [{ Relay1: 'ON' }], 'a technician with the PIN');
  t.is(h.target.utilityHold, '');
});

test('the role table: one row per local action, and the console follows it', async (t) => {
  const { roleTable, allowed } = await import('../firmware/console/roles');
  const rows = roleTable();
  t.deepEqual(
    rows.map((r) => r.action),
    ['read', 'relay-off', 'relay-on', 'relay-on-utility-hold', 'safety-reset', 'configure', 'configure-utility-limit', 'restart'],
  );
  t.false(allowed('configure-utility-limit', 'button'), "the button does not lift the utility's signed limits");
  t.true(allowed('configure-utility-limit', 'technician'));
  t.false(allowed('safety-reset', 'serial'));
  t.true(allowed('safety-reset', 'button'));
  t.false(allowed('relay-on-utility-hold', 'button'));
  t.true(allowed('relay-on-utility-hold', 'utility'));
  t.false(allowed('configure', 'utility'), 'remote configuration goes through signed limit commands, not the console');
});
