// The access layer composed (firmware/access/access.ts) on the simulated R30x: fingerprint
// sessions, guest passes issued by a household member, request() for every interface, the
// named alarms, and the four access attack scenarios of `npm run sim`.
import test from 'ava';
import fc from 'fast-check';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import { base32Decode, totp, TOTP_DEFAULTS } from '../firmware/access/otp';
import { HOUSEHOLD_SESSION_US } from '../firmware/access/access';
import { ACCESS_SCENARIOS, accessRig, enrolFirst } from '../tools/sim/access-scenarios';

reportSeed(test.after.always, 'access-control.test.ts');

function identified(who = 1) {
  const r = accessRig();
  t0(enrolFirst(r, who, 0));
  r.chip.fingerOn(who);
  const [e] = r.wait<[any, any]>((d) => r.access.identify(d));
  r.chip.fingerOff();
  if (e !== undefined) throw new Error(e.message);
  return r;
}
function t0(e: string) {
  if (e !== '') throw new Error(e);
}

test('a fingerprint match opens a household session; it lapses; requests name the missing credential', (t) => {
  const r = identified();
  t.true(r.access.householdOpen());
  t.true(r.access.request('household', 'read-access-log', {}).allowed);
  t.is(r.access.request('household', 'safety-reset', {}).reason, 'role household may not safety-reset (allowed: button, technician)');
  t.is(r.access.request('household', 'relay-on', { tripped: true }).reason, 'safety: a trip holds the relay open; reset it at the meter');
  r.sched.runFor(HOUSEHOLD_SESSION_US + 1);
  t.is(r.access.request('household', 'relay-on', {}).reason, 'no household session: identify by fingerprint first');
  t.is(r.access.request('utility', 'disconnect', {}).reason, 'utility commands must carry a verified authority signature');
  t.true(r.access.request('utility', 'disconnect', { verified: true }).allowed);
  t.is(r.access.request('technician', 'configure', {}).reason, 'no technician login: PIN first');
  t.is(r.access.technicianLogin('1111'), 'wrong PIN');
  t.is(r.access.technicianLogin('2468'), '');
  t.true(r.access.request('technician', 'configure', { subject: 'ov_v' }).allowed);
  t.false(r.access.request('technician', 'safety-reset', { remote: true }).allowed, 'a technician over the PC link is remote');
  const kinds = r.access.log.entries(0, 100).map((e) => e.kind);
  t.true(kinds.includes('enrol') && kinds.includes('identify-match') && kinds.includes('action') && kinds.includes('action-refused'));
});

test('enrolment needs the button or a household member; the reader then identifies and deletes', (t) => {
  const r = identified(1);
  const [e] = r.wait<[string]>((d) => r.access.enrol('guest', 1, d));
  t.regex(e, /no guest session/);
  r.chip.fingerOn(2);
  const t1 = r.sched.now();
  r.sched.at(t1 + 800_000, () => r.chip.fingerOff());
  r.sched.at(t1 + 1_300_000, () => r.chip.fingerOn(2));
  t.is(r.wait<[string]>((d) => r.access.enrol('household', 1, d))[0], '');
  r.chip.fingerOn(2);
  t.is(r.wait<[any, any]>((d) => r.access.identify(d))[1].pageId, 1);
  t.is(r.wait<[string]>((d) => r.access.deleteFinger('household', 1, d))[0], '');
  t.is(r.wait<[any, any]>((d) => r.access.identify(d))[0].code, 0x09);
  t.is(r.chip.templates(), 1);
});

test('a household member issues a guest pass; the guest acts inside its scope only', (t) => {
  const r = identified();
  t.false(r.access.issuePass('guest', 3600, 2, ['read']).ok);
  const p = r.access.issuePass('household', 3600, 2, ['read', 'relay-off']);
  if (!p.ok) return t.fail(p.error);
  const key = base32Decode(p.secret)!;
  t.is(r.access.request('guest', 'read', { passId: p.pass.id }).reason, `no guest session for pass ${p.pass.id}: enter a guest code first`);
  t.true(r.access.guestCode(p.pass.id, totp(key, r.wallS(), TOTP_DEFAULTS)).ok);
  t.true(r.access.request('guest', 'relay-off', { passId: p.pass.id, remote: true }).allowed);
  t.is(r.access.request('guest', 'relay-on', { passId: p.pass.id }).reason, 'out of scope: the guest pass allows read, relay-off');
  t.is(r.access.request('guest', 'issue-guest-pass', { passId: p.pass.id }).reason, 'role guest may not issue-guest-pass (allowed: household)');
  const kinds = r.access.log.entries(0, 100).map((e) => e.kind);
  t.true(kinds.includes('pass-issued') && kinds.includes('pass-used'));
});

test('an unplugged reader: the identify ends with TIMEOUT, a reader-fault alarm and a record; nothing hangs', (t) => {
  const r = identified();
  r.chip.unplugged = true;
  r.chip.fingerOn(1);
  const [e] = r.wait<[any, any]>((d) => r.access.identify(d));
  t.is(e.kind, 'TIMEOUT');
  t.is(r.alarms.at(-1)?.name, 'reader-fault');
  t.is(r.access.log.entries(0, 100).at(-1)?.kind, 'alarm');
});

test('an alarm listener that throws does not stop the access layer', (t) => {
  const r = identified();
  (r.access as any).o.onAlarm = () => {
    throw new Error('listener bug');
  };
  for (let i = 0; i < 5; i++) r.access.guestCode(9, '000000');
  t.is(r.access.alarms.at(-1)?.name, 'listener-failed');
  t.is(r.access.alarms.at(-2)?.name, 'otp-guessing');
  t.true(r.access.log.verify().ok);
});

for (const sc of ACCESS_SCENARIOS) {
  test(`npm run sim -- --scenario ${sc.name}: a named alarm and its records`, (t) => {
    const out = sc.run();
    const j = out.json as any;
    const want: Record<string, string> = {
      'access-fingerprint-brute-force': 'fingerprint-brute-force',
      'access-otp-guessing': 'otp-guessing',
      'access-replayed-guest-code': 'guest-code-replayed',
      'access-tampered-log': 'access-log-tampered',
    };
    t.deepEqual(
      j.alarms.map((a: any) => a.name),
      [want[sc.name]],
    );
    t.true(j.log.some((e: any) => e.kind === 'alarm' && e.text.startsWith(want[sc.name])));
    if (sc.name === 'access-fingerprint-brute-force') t.deepEqual([j.lockedDuringHold, j.householdAdmitted], [true, true]);
    if (sc.name === 'access-otp-guessing') t.deepEqual([j.guessesAccepted, j.guestAdmittedAfter], [0, true]);
    if (sc.name === 'access-replayed-guest-code') t.deepEqual([j.replayAccepted, j.outOfScopeRefused], [false, true]);
    if (sc.name === 'access-tampered-log') t.true(j.detected);
    t.deepEqual(sc.run().json, j, 'deterministic');
  });
}

test('the control unit composes the access layer: its alarms go out with the radio alarms; the PC-link guest check', async (t) => {
  const { ControlUnit } = await import('../firmware/app/control-unit');
  const { r30xRig } = await import('../hal/sim/r30x-chip');
  const { SimStore } = await import('../hal/sim/store');
  const rig = r30xRig();
  const forwards: any[] = [];
  const records: string[] = [];
  const radio = { profile: 'nrf24' as const, maxPayload: 32, send: () => true, onReceive: undefined, onSent: undefined, close: () => {} };
  const cu = new ControlUnit({
    clock: { now: () => rig.sched.now() },
    store: new SimStore(),
    radio,
    timer: rig.timer,
    nodes: [],
    onForward: (f) => forwards.push(f),
    access: {
      wallS: () => 1_800_000_000 + rig.sched.now() / 1e6,
      random: (n) => new Uint8Array(n).fill(3),
      Serial: rig.Serial,
      onRecord: (e) => records.push(e.kind),
    },
  });
  const a = cu.access!;
  for (let i = 0; i < 5; i++) t.regex(a.guestCheck(`${i + 1}-123456`, 'read'), /^unknown pass/);
  t.is(a.guestCheck('junk', 'read'), 'malformed: want <pass>-<code>');
  const al = forwards.filter((f) => f.kind === 'alarm');
  t.is(al.length, 1);
  t.like(al[0], { nodeId: 0, alarm: { kind: 'otp-guessing' } });
  t.true(records.includes('pass-refused') && records.includes('alarm'));
  t.throws(
    () =>
      new ControlUnit({
        clock: { now: () => 0 },
        store: new SimStore(),
        radio,
        nodes: [],
        access: { wallS: () => 1, random: (n) => new Uint8Array(n), Serial: rig.Serial },
      }),
    { message: /needs a timer/ },
  );
});

test('fuzz: any PC-link guest string and action gives "" or a reason, never a throw, and the log stays whole', (t) => {
  const r = identified();
  const p = r.access.issuePass('household', 3600, 1000, ['read']);
  if (!p.ok) return t.fail(p.error);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.tuple(fc.integer({ min: -2, max: 300 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}-${b}`),
      ),
      fc.constantFrom('read', 'relay-on', 'format', ''),
      (line, action) => {
        const why = r.access.guestCheck(line, action);
        return typeof why === 'string';
      },
    ),
    { numRuns: fuzzRuns(150) },
  );
  t.true(r.access.log.verify().ok);
});

test('the PC link through the real access module: guest-login is a policy action (outside the pass scope), relay-on stays refused', (t) => {
  const r = identified();
  const p = r.access.issuePass('household', 3600, 5, ['relay-off']);
  if (!p.ok) return t.fail(p.error);
  const key = base32Decode(p.secret)!;
  const code = () => `${p.pass.id}-${totp(key, r.wallS(), TOTP_DEFAULTS)}`;
  t.is(r.access.guestCheck(code(), 'guest-login'), '', 'the login itself is what every pass is for');
  r.sched.runFor(30e6); // the next TOTP step: a used code is not accepted twice
  t.is(r.access.guestCheck(code(), 'relay-off'), '');
  r.sched.runFor(30e6);
  t.is(r.access.guestCheck(code(), 'read'), 'out of scope: the guest pass allows relay-off');
});
