// Fuzzing the console parser (fast-check): no exception escapes, every reply is one JSON
// object per line, and a command whose reply is an error leaves the node's state unchanged.
import test from 'ava';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import fc from 'fast-check';
import { harness } from './console-harness';

const NAMES = [
  'Status',
  'Readings',
  'Link',
  'Radio',
  'Trips',
  'Relay',
  'LockoutReset',
  'Keys',
  'Restart',
  'FactoryReset',
  'Login',
  'Logout',
  'VoltageSet',
  'CurrentSet',
  'PowerSet',
  'Help',
  'Settings',
  'Backlog',
  'VoltageHigh',
  'VoltageLow',
  'CurrentLimit',
  'MaxPower',
  'MaxPowerHold',
  'TempLimit',
  'GasLimit',
  'ReportInterval',
  'Nope',
];

const value = fc.oneof(
  fc.constant(''),
  fc.integer({ min: -100, max: 30000 }).map(String),
  fc.double({ min: -1e4, max: 1e5, noNaN: true }).map((x) => String(Math.round(x * 100) / 100)),
  fc.constantFrom('on', 'OFF', '1', '0', 'confirm', '2468', '1111', 'x', '1e3', '-', '.', '=5', 'toggle'),
  fc.string({ maxLength: 12 }),
);

const command = fc
  .tuple(fc.constantFrom(...NAMES), fc.constantFrom('', '1', '2', '3', '0', '99'), fc.constantFrom('', ' ', '   ', '=', ' = '), value, fc.boolean())
  .map(([n, idx, sep, v, lower]) => (lower ? n.toLowerCase() : n) + idx + sep + v);

function checkReplies(replies: any[]): boolean {
  for (const r of replies) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
    const keys = Object.keys(r);
    if ('Error' in r) {
      if (keys[0] !== 'Command' || keys[1] !== 'Error' || typeof r.Command !== 'string') return false;
    } else if (keys.length !== 1) return false;
  }
  return true;
}

test('random bytes never throw and every reply line is a JSON object', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), fc.boolean(), (chunks, loggedIn) => {
      const h = harness();
      if (loggedIn) h.login();
      for (const c of chunks) {
        const replies = h.bytes([...c, 13]);
        if (!checkReplies(replies)) return false;
      }
      return true;
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.pass();
});

test('a single command that gets an error reply changes nothing', (t) => {
  let errors = 0;
  let changes = 0;
  fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.boolean(), (cmds, loggedIn, tripped) => {
      const h = harness();
      if (loggedIn) h.login();
      if (tripped) h.target.trip('over-voltage', 270, 253);
      h.target.pendingRekey = true;
      for (const c of cmds) {
        const before = h.target.snapshot();
        const replies = h.type(c);
        if (!checkReplies(replies)) return false;
        if (replies.length === 1 && 'Error' in replies[0]) {
          errors++;
          if (h.target.snapshot() !== before) return false;
        } else if (h.target.snapshot() !== before) changes++;
        h.clock.advance(1e6);
      }
      return true;
    }),
    { numRuns: fuzzRuns(1000) },
  );
  // the coverage floors scale with the run count (FUZZ_RUNS), set for 1000 runs
  const k = fuzzRuns(1000) / 1000;
  t.true(errors > 100 * k, `errors exercised: ${errors}`);
  t.true(changes > 20 * k, `changes exercised: ${changes}`);
});

test('a Backlog line behaves exactly like its commands sent one per line', (t) => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 10 }), fc.constantFrom('Backlog ', '', 'backlog  '), (cmds, prefix) => {
      const a = harness();
      const b = harness();
      a.login();
      b.login();
      const chained = a.type(prefix + cmds.join(' ; '));
      const separate: any[] = [];
      for (const c of cmds) separate.push(...b.type(c));
      return JSON.stringify(chained) === JSON.stringify(separate) && a.target.snapshot() === b.target.snapshot();
    }),
    { numRuns: fuzzRuns(500) },
  );
  t.pass();
});

reportSeed((fn) => test.after.always(fn), 'console-fuzz.test.ts');
