// The one policy table (firmware/access/policy.ts), every cell, against an independent copy
// written out here; the rules no cell overrides (safety, guest scope); and the console's
// view of it (firmware/console/roles.ts) unchanged.
import test from 'ava';
import { decide, may, policyTable, ROLES } from '../firmware/access/policy';
import { allowed, roleTable } from '../firmware/console/roles';

// columns: serial guest button household technician utility
const EXPECTED: Record<string, string> = {
  read: 'YYYYYY',
  'relay-off': 'YYYYYY',
  'relay-on': 'YYYYYY',
  'relay-on-utility-hold': '....YY',
  'safety-reset': '..Y.Y.',
  configure: '..Y.Y.',
  'configure-utility-limit': '....YY',
  restart: 'Y.YYY.',
  'issue-guest-pass': '...Y..',
  'enrol-finger': '..YYY.',
  'delete-finger': '...YY.',
  'confirm-rekey': '..Y.Y.',
  disconnect: '.....Y',
  'read-access-log': '...YY.',
  'signed-command': '.....Y',
  'guest-login': '.Y....',
  'set-clock': '...YY.',
  'demand-response': '.....Y',
};

// the PC-link column of the same table: which asserted role may ask over the PC link
// (serial and button never exist there: no port or button at the PC's end)
const EXPECTED_PC: Record<string, string> = {
  read: '.Y.YYY',
  'relay-off': '.Y.YY.',
  'relay-on': '...YY.',
  'relay-on-utility-hold': '......',
  'safety-reset': '......',
  configure: '......',
  'configure-utility-limit': '......',
  restart: '......',
  'issue-guest-pass': '...Y..',
  'enrol-finger': '...Y..',
  'delete-finger': '...Y..',
  'confirm-rekey': '......',
  disconnect: '......',
  'read-access-log': '......',
  'signed-command': '.....Y',
  'guest-login': '.Y....',
  'set-clock': '...YY.',
  'demand-response': '.....Y',
};

test('every cell of the table, and decide() agrees with it outside the special rules', (t) => {
  t.deepEqual(ROLES, ['serial', 'guest', 'button', 'household', 'technician', 'utility']);
  t.deepEqual(
    policyTable().map((r) => r.action),
    Object.keys(EXPECTED),
  );
  let cells = 0;
  for (const action of Object.keys(EXPECTED)) {
    for (let i = 0; i < ROLES.length; i++) {
      const want = EXPECTED[action][i] === 'Y';
      const role = ROLES[i];
      t.is(may(role, action), want, `${role} x ${action}`);
      // a guest whose pass scope holds everything; a meter that has not tripped; the role's own locality
      const d = decide(role, action, { scope: Object.keys(EXPECTED) });
      const pcWant = EXPECTED_PC[action][i] === 'Y';
      t.is(may(role, action, 'pc-link'), pcWant, `pc-link: ${role} x ${action}`);
      if (pcWant) t.true(want, `a PC-link cell is a subset of the table: ${role} x ${action}`);
      const dp = decide(role, action, { scope: Object.keys(EXPECTED), via: 'pc-link' });
      t.is(dp.allowed, pcWant && !safetyResetRemote(role, action, true), `decide pc-link ${role} x ${action}: ${dp.reason}`);
      if (!pcWant) t.regex(dp.reason, / over the PC link \(allowed: /);
      const safetyReset = safetyResetRemote(role, action, false);
      t.is(d.allowed, want && !safetyReset, `decide ${role} x ${action}: ${d.reason}`);
      if (!want)
        t.is(
          d.reason,
          `role ${role} may not ${action} (allowed: ${policyTable()
            .find((r) => r.action === action)!
            .roles.join(', ')})`,
        );
      cells++;
    }
  }
  t.is(cells, 18 * 6);
});

function safetyResetRemote(role: string, action: string, remote: boolean): boolean {
  return action === 'safety-reset' && (remote || ['serial', 'guest', 'household', 'utility'].includes(role));
}

test('a safety trip cannot be overridden remotely by anyone', (t) => {
  for (const role of ROLES) {
    for (const action of ['relay-on', 'relay-on-utility-hold', 'safety-reset']) {
      const d = decide(role, action, { tripped: true, remote: true, scope: ['relay-on'] });
      t.false(d.allowed, `${role} ${action}`);
      if (may(role, action)) t.regex(d.reason, /^safety: /);
    }
  }
  // at the meter, the button and the technician reset; opening stays allowed to all
  t.true(decide('button', 'safety-reset', { tripped: true }).allowed);
  t.true(decide('technician', 'safety-reset', { tripped: true }).allowed);
  t.false(decide('technician', 'safety-reset', { tripped: true, remote: true }).allowed, 'a technician over the PC link is remote');
  for (const role of ROLES) t.true(decide(role, 'relay-off', { tripped: true, remote: true, scope: ['relay-off'] }).allowed, role);
});

test('a guest acts only inside the pass scope; unknown roles and actions are refused by name', (t) => {
  t.true(decide('guest', 'read', { scope: ['read'] }).allowed);
  const d = decide('guest', 'relay-on', { scope: ['read'] });
  t.false(d.allowed);
  t.is(d.reason, 'out of scope: the guest pass allows read');
  t.is(decide('guest', 'read', {}).reason, 'out of scope: the guest pass allows nothing');
  t.is(
    decide('guest', 'issue-guest-pass', { scope: ['issue-guest-pass'] }).reason,
    'role guest may not issue-guest-pass (allowed: household)',
    'a scope cannot widen the table',
  );
  t.is(decide('root', 'read', {}).reason, 'unknown role root');
  t.is(decide('household', 'format', {}).reason, 'unknown action format');
});

test("the console's role table is a view of the one table, unchanged", (t) => {
  const rows = roleTable();
  t.deepEqual(rows, [
    { action: 'read', actors: ['serial', 'button', 'technician', 'utility'] },
    { action: 'relay-off', actors: ['serial', 'button', 'technician', 'utility'] },
    { action: 'relay-on', actors: ['serial', 'button', 'technician', 'utility'] },
    { action: 'relay-on-utility-hold', actors: ['technician', 'utility'] },
    { action: 'safety-reset', actors: ['button', 'technician'] },
    { action: 'configure', actors: ['button', 'technician'] },
    { action: 'configure-utility-limit', actors: ['technician', 'utility'] },
    { action: 'restart', actors: ['serial', 'button', 'technician'] },
  ]);
  for (const r of rows) for (const a of ['serial', 'button', 'technician', 'utility'] as const) t.is(allowed(r.action, a), r.actors.includes(a));
});
