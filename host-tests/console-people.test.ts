// The console for people (issue 11): Help with one line per command, Settings as an
// aligned table (JSON behind --json), and the simulator's Sim command to inject faults.
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../tools/console/cli';
import { formatReply } from '../tools/console/session';
import { alignRows, renderForPeople } from '../tools/console/render';
import { SIM_FAULTS } from '../tools/console/sim-faults';
import { createSimMeter } from '../tools/console/sim-meter';
import { harness } from './console-harness';

function io() {
  const o = { out: '', err: '' };
  return { o, io: { out: (s: string) => (o.out += s), err: (s: string) => (o.err += s), tty: false } };
}

test('Settings: an aligned table of name, value, unit and range; --json keeps the JSON', async (t) => {
  const a = io();
  t.is(await main(['--port', 'sim', '--exec', 'Settings'], a.io), 0, a.o.err);
  const lines = a.o.out.trimEnd().split('\n');
  t.regex(lines[0], /^setting\s+value\s+unit\s+range$/);
  const vh = lines.find((l) => l.startsWith('VoltageHigh '))!;
  t.regex(vh, /^VoltageHigh \*\s+264\.5\s+V\s+231\.\.300$/);
  // aligned: every data row has its value, unit and range columns at the header's offsets
  const col = (name: string) => lines[0].indexOf(name);
  const rows = lines.slice(1, 24);
  t.is(rows.length, 23);
  for (const r of rows) {
    t.not(r[col('value')], ' ', r);
    t.is(r[col('value') - 1], ' ', r);
    t.not(r[col('range')], ' ', r);
  }
  t.true(lines.length < 30, `${lines.length} lines, not ~160`);
  const j = io();
  t.is(await main(['--port', 'sim', '--exec', 'Settings', '--json'], j.io), 0);
  const parsed = JSON.parse(j.o.out) as { Settings: Record<string, { Value: number; Unit: string; Min: number; Max: number }> };
  t.deepEqual(parsed.Settings.VoltageHigh, { Value: 264.5, Unit: 'V', Min: 231, Max: 300, Sensitive: true } as never);
});

test('Help: every command with a one-line description, from the tables that define the commands', (t) => {
  const h = harness();
  const list = h.type('Help')[0].Help as Record<string, string>;
  const text = renderForPeople({ Help: list })!;
  const lines = text.split('\n');
  for (const [name, about] of Object.entries(list)) {
    const l = lines.find((x) => x.startsWith(name + ' '));
    t.truthy(l, name);
    t.true(l!.endsWith(about), `${name}: ${l}`);
    // the description starts in the same column on every line
    t.is(l!.indexOf(about), lines[0].indexOf(list[Object.keys(list)[0]]), name);
  }
  // one topic: usage and range in words, not JSON
  t.is(
    renderForPeople(h.type('Help VoltageHigh')[0]),
    'VoltageHigh: over-voltage trip, half-cycle RMS\nusage: VoltageHigh [231..300]\nrange: 231..300 V\na change needs Login <PIN> or the board button',
  );
  // errors and other replies stay JSON (errors in red on a terminal)
  t.is(renderForPeople({ Command: 'Help', Error: 'unknown command' }), undefined);
  t.is(formatReply({ Status: { Up: 1 } }, false, false), '{\n  "Status": {\n    "Up": 1\n  }\n}');
  t.is(formatReply({ Help: list }, true, false), JSON.stringify({ Help: list }));
});

test('alignRows pads every column but the last', (t) => {
  t.deepEqual(
    alignRows([
      ['a', 'bb', 'c'],
      ['ccc', 'd', 'eeee'],
    ]),
    ['a    bb  c', 'ccc  d   eeee'],
  );
});

function simConsole() {
  const m = createSimMeter({ pin: '2468', realtime: false });
  let buf = '';
  m.duplex.onData((b) => (buf += Buffer.from(b).toString('latin1')));
  const type = (line: string, thenUs = 0): Record<string, unknown>[] => {
    buf = '';
    m.duplex.write(Buffer.from(line + '\r\n', 'latin1'));
    const replies = buf
      .split('\r\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    if (thenUs > 0) m.advance(thenUs);
    return replies;
  };
  return { m, type };
}

test('Sim: lists every fault with its arguments and one line; bad input names the range', (t) => {
  const { type } = simConsole();
  const list = type('Sim')[0].Sim as Record<string, string>;
  t.is(Object.keys(list).length, SIM_FAULTS.length);
  for (const f of ['Short', 'Overcurrent', 'Sag', 'Swell', 'Gas', 'Heat'])
    t.true(
      Object.keys(list).some((k) => k.startsWith(`Sim ${f}`)),
      f,
    );
  t.deepEqual(type('Sim Nope'), [{ Command: 'Sim', Error: 'unknown fault', Got: 'Nope', Allowed: SIM_FAULTS.map((f) => f.name) }]);
  t.deepEqual(type('Sim Sag 500'), [{ Command: 'Sim', Error: 'voltage out of range', Got: '500', Min: 0, Max: 229, Unit: 'V' }]);
  t.deepEqual(type('Sim Short 1 2'), [{ Command: 'Sim', Error: 'too many values', Got: '1 2', Allowed: ['prospective'] }]);
  // in order with the node's own replies, one per command
  const r = type('Status; Sim; Relay');
  t.deepEqual(
    r.map((x) => Object.keys(x)[0]),
    ['Status', 'Sim', 'Relay1'],
  );
});

test('Sim Short: Trips shows it, Relay ON is refused, LockoutReset with a PIN closes again', (t) => {
  const { type } = simConsole();
  t.deepEqual(type('Relay'), [{ Relay1: 'ON' }]);
  t.regex(String((type('Sim Short', 1e6)[0].Sim as { Injected: string }).Injected), /^short circuit, 300 A/);
  t.deepEqual(type('Relay'), [{ Relay1: 'OFF' }]);
  const trips = type('Trips 1')[0].Trips as { Reason: string; State: string }[];
  t.is(trips[0].State, 'tripped');
  t.regex(trips[0].Reason, /comparator|overcurrent/);
  t.regex(String(type('Relay ON')[0].Error), /^refused: tripped/);
  t.deepEqual(type('LockoutReset'), [
    { Command: 'LockoutReset', Error: 'credential required', Allowed: 'Login <4..8 digit PIN> or press the button', Roles: ['button', 'technician'] },
  ]);
  t.deepEqual(type('Login 2468; LockoutReset; Relay ON', 0.5e6).slice(1), [{ LockoutReset: 'Done' }, { Relay1: 'ON' }]);
  t.deepEqual(type('Relay'), [{ Relay1: 'ON' }], 'stays closed: the short is over');
});

test('Sim Overcurrent and Sim Sag trip; Sim Gas trips once the MQ-6 is warm and LockoutReset is refused while gas remains; Sim Heat trips', (t) => {
  const { m, type } = simConsole();
  type('Sim Overcurrent', 0.5e6);
  t.is((type('Trips 1')[0].Trips as { Reason: string }[])[0].Reason, 'overcurrent');
  type('Sim Clear; Login 2468; LockoutReset; Relay ON', 0.5e6);
  t.deepEqual(type('Relay'), [{ Relay1: 'ON' }]);
  type('Sim Sag 150 1', 1.5e6);
  t.is((type('Trips 1')[0].Trips as { Reason: string }[])[0].Reason, 'undervoltage');
  m.advance(200e6); // reclose, and the MQ-6 warms (180 s)
  t.deepEqual(type('Relay'), [{ Relay1: 'ON' }]);
  type('Sim Gas', 30e6);
  t.is((type('Trips 1')[0].Trips as { Reason: string }[])[0].Reason, 'gas');
  t.regex(String(type('Login 2468; LockoutReset')[1].Error), /gas/);
  type('Sim Clear', 30e6);
  t.deepEqual(type('Login 2468; LockoutReset; Relay ON', 0.5e6).slice(1), [{ LockoutReset: 'Done' }, { Relay1: 'ON' }]);
  type('Sim Heat', 15e6);
  t.is((type('Trips 1')[0].Trips as { Reason: string }[])[0].Reason, 'temperature');
});

test('Sim exists only on the simulator: the node console does not know it, and no board program can import it', (t) => {
  const h = harness();
  t.deepEqual(h.type('Sim Short'), [{ Command: 'Sim', Error: 'unknown command', Allowed: 'Help lists commands' }]);
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  const users = [...walk('firmware'), ...walk('targets'), ...walk('hal')].filter((f) => f.endsWith('.ts') && readFileSync(f, 'utf8').includes('sim-faults'));
  t.deepEqual(users, []);
});
