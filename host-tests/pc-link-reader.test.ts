// The household's fingerprint and authenticator commands on the PC link (issue 7): `enrol`
// and `delete-finger` through the R30x driver's flows (Access.enrol / deleteFinger), the
// reply once the reader is done; refused to every other role by the policy's PC-link cells;
// and the `guest-pass` reply's otpauth URI, whose secret makes the same codes.
import test from 'ava';
import { parsePcLine } from '../firmware/control/pc-link';
import { base32Decode, totp, TOTP_DEFAULTS } from '../firmware/access/otp';
import { cuRig } from './support/cu-rig';

const T = 1_800_000_000;

test('enrol and delete-finger: parsed for the household only; pages checked', (t) => {
  t.deepEqual(parsePcLine('{"v":1,"id":1,"cmd":"enrol","role":"household"}'), {
    ok: true,
    command: { cmd: 'enrol', id: 1, role: 'household', page: undefined },
  });
  t.deepEqual(parsePcLine('{"v":1,"id":1,"cmd":"delete-finger","role":"household","page":"all"}'), {
    ok: true,
    command: { cmd: 'delete-finger', id: 1, role: 'household', page: -1 },
  });
  for (const role of ['guest', 'technician', 'utility']) {
    t.is(
      (parsePcLine(`{"v":1,"id":1,"cmd":"enrol","role":"${role}"}`) as { error: string }).error,
      `forbidden: enrol-finger is not allowed to ${role} (allowed: household)`,
    );
    t.is(
      (parsePcLine(`{"v":1,"id":1,"cmd":"delete-finger","role":"${role}","page":1}`) as { error: string }).error,
      `forbidden: delete-finger is not allowed to ${role} (allowed: household)`,
    );
  }
  t.regex((parsePcLine('{"v":1,"id":1,"cmd":"enrol","role":"household","page":1000}') as { error: string }).error, /^page: an integer 0\.\.999/);
  t.regex((parsePcLine('{"v":1,"id":1,"cmd":"delete-finger","role":"household"}') as { error: string }).error, /^page: .*"all"/);
});

test('simulated unit: the household enrols a finger over the PC link, it identifies, then is deleted', (t) => {
  const u = cuRig();
  const finger = 4;
  // two captures: on, lifted, on again (the driver waits for each)
  const id = u.send({ cmd: 'enrol', role: 'household' });
  t.is(u.answer(id), undefined, 'the reply waits for the reader');
  u.chip.fingerOn(finger);
  u.runS(0.8);
  u.chip.fingerOff();
  u.runS(0.5);
  u.chip.fingerOn(finger);
  u.runS(5);
  u.chip.fingerOff();
  t.deepEqual(u.answer(id), { v: 1, type: 'reply', id, ok: true, page: 0, enrolled: true });
  t.is(u.chip.templates(), 1);
  t.true(u.lines.some((l) => l.type === 'access' && l.kind === 'enrol' && l.detail === 'page 0 by household'));
  t.true(u.lines.some((l) => l.type === 'access' && l.kind === 'action' && l.detail === 'household enrol-finger page 0 via pc-link'));
  // a second command while the reader works is refused, not queued
  const a = u.send({ cmd: 'enrol', role: 'household', page: 5 });
  const b = u.send({ cmd: 'delete-finger', role: 'household', page: 5 });
  t.is(u.answer(b).error, 'the reader is busy: try again when it is done');
  u.runS(12);
  t.regex(u.answer(a).error, /^enrol: /, 'no finger: the driver times out and says so');
  // the enrolled finger identifies
  u.chip.fingerOn(finger);
  let match: number | undefined;
  u.app.access.identify((e, r) => (match = r?.pageId));
  u.runS(3);
  u.chip.fingerOff();
  t.is(match, 0);
  const d = u.send({ cmd: 'delete-finger', role: 'household', page: 0 });
  u.runS(1);
  t.deepEqual(u.answer(d), { v: 1, type: 'reply', id: d, ok: true, page: 0, deleted: true });
  t.is(u.chip.templates(), 0);
  t.true(u.lines.some((l) => l.type === 'access' && l.kind === 'finger-deleted' && l.detail === 'page 0 by household'));
  t.true(u.app.access.verifyLog());
  u.app.close();
});

test('simulated unit: the guest-pass URI holds the secret that makes the same code (an authenticator app)', (t) => {
  const u = cuRig();
  u.ask({ cmd: 'time', role: 'household', unix: T });
  const p = u.ask({ cmd: 'guest-pass', role: 'household', scope: 'relay-off', uses: 3, minutes: 30 });
  const secret = /secret=([A-Z2-7]+)&/.exec(p.uri)![1];
  const key = base32Decode(secret)!;
  t.is(p.code, String(p.pass) + totp(key, u.app.wall.wallS()!, TOTP_DEFAULTS));
  // the app's next code (30 s on) logs the guest in; the one shown with the pass was not spent
  u.runS(30);
  const next = String(p.pass) + totp(key, u.app.wall.wallS()!, TOTP_DEFAULTS);
  t.is(u.ask({ cmd: 'guest-login', role: 'guest', code: next }).role, 'guest');
  u.app.close();
});
