// The control unit's wall clock (firmware/access/wall-clock.ts) and the PC link's `time`
// command (issue 7, item 4): who may set it, the step bound, one hash-chained access-log
// record per set, and the guest code that works on a unit whose clock only the PC link
// set (startControlUnit over a simulated control-unit board: as on hardware, no RTC time).
import test from 'ava';
import { cuRig } from './support/cu-rig';
import { parsePcLine } from '../firmware/control/pc-link';
import { CLOCK_FLOOR_S, MAX_STEP_S, TOLERATED_ERROR_S, DRIFT_BUDGET_PPM, WallClock } from '../firmware/access/wall-clock';
import { accessRig, EPOCH_S } from '../tools/sim/access-scenarios';

const T = 1_800_000_000;

test('time: parsed for household and technician, refused to guest and utility by the policy', (t) => {
  const p = parsePcLine(JSON.stringify({ v: 1, id: 1, cmd: 'time', role: 'household', unix: T + 0.25 }));
  t.deepEqual(p, { ok: true, command: { cmd: 'time', id: 1, role: 'household', unix: T + 0.25, force: false } });
  t.true(parsePcLine(JSON.stringify({ v: 1, cmd: 'time', role: 'technician', unix: T, force: true })).ok);
  t.deepEqual(parsePcLine(JSON.stringify({ v: 1, id: 2, cmd: 'time', role: 'guest', unix: T })), {
    ok: false,
    id: 2,
    error: 'forbidden: set-clock is not allowed to guest (allowed: household, technician)',
  });
  t.deepEqual(parsePcLine(JSON.stringify({ v: 1, id: 3, cmd: 'time', role: 'utility', unix: T })), {
    ok: false,
    id: 3,
    error: 'forbidden: set-clock is not allowed to utility (allowed: household, technician)',
  });
  t.regex((parsePcLine(JSON.stringify({ v: 1, id: 4, cmd: 'time', role: 'household', unix: '1800000000' })) as { error: string }).error, /^unix: /);
  t.regex((parsePcLine(JSON.stringify({ v: 1, id: 5, cmd: 'time', role: 'household', unix: T, force: 'yes' })) as { error: string }).error, /^force: /);
});

test('WallClock: unset until set; runs on the monotonic clock; a step over the bound needs force', (t) => {
  let now = 5e6;
  const w = new WallClock({ now: () => now });
  t.is(w.wallS(), undefined);
  t.false(w.isSet());
  t.regex(w.set(1000, false) as string, /outside 1700000000\.\./);
  t.deepEqual(w.set(T, false), { fromS: undefined, toS: T, stepS: 0 });
  now += 10e6;
  t.is(w.wallS(), T + 10);
  t.deepEqual(w.set(T + 10 + MAX_STEP_S, false), { fromS: T + 10, toS: T + 10 + MAX_STEP_S, stepS: MAX_STEP_S });
  t.is(w.set(T, false), `step -${MAX_STEP_S + 10} s over the limit of ${MAX_STEP_S} s: check the PC clock, or force`);
  t.is(w.wallS(), T + 10 + MAX_STEP_S, 'a refused set leaves the clock alone');
  t.deepEqual(w.set(T + 3600, true), { fromS: T + 10 + MAX_STEP_S, toS: T + 3600, stepS: 3600 - 10 - MAX_STEP_S });
  t.deepEqual(w.stats, { sets: 3, refused: 2 });
  // the board's RTC time at boot counts as set only when it is plausible
  t.false(new WallClock({ now: () => 0 }, 1000).isSet());
  t.is(new WallClock({ now: () => 0 }, CLOCK_FLOOR_S + 1).wallS(), CLOCK_FLOOR_S + 1);
});

test('the stated drift: the budget between hourly sets stays far inside the tolerated error and the step bound', (t) => {
  const perHourS = DRIFT_BUDGET_PPM * 1e-6 * 3600;
  t.true(perHourS < 0.2, `${perHourS} s/h`);
  // hours without a set before the tolerated error (and the step bound) is reached
  t.true(TOLERATED_ERROR_S / perHourS > 72, 'three days without the gateway');
  t.true(MAX_STEP_S / perHourS > 24 * 27, 'four weeks without the gateway stay under the bound');
  t.true(TOLERATED_ERROR_S < 30, 'inside one TOTP step, so the ±1 step window accepts a code typed within 30 - 15 s');
});

test('Access.setClock: one access-log record per set, refused ones too, chain intact', (t) => {
  const r = accessRig();
  const w = new WallClock({ now: () => r.sched.now() });
  const n0 = r.access.log.count();
  t.is(r.access.setClock(w, 'guest', T, false, 'pc-link'), 'no guest session for pass : enter a guest code first');
  t.deepEqual(r.access.setClock(w, 'household', T, false, 'pc-link'), { fromS: undefined, toS: T, stepS: 0 });
  t.regex(r.access.setClock(w, 'household', T + 86400, false, 'pc-link') as string, /over the limit/);
  t.deepEqual(r.access.setClock(w, 'household', T + 86400, true, 'pc-link'), { fromS: T, toS: T + 86400, stepS: 86400 });
  const recs = r.access.log.entries(n0, 10);
  t.deepEqual(
    recs.map((e) => e.kind),
    ['action-refused', 'action', 'action-refused', 'action'],
  );
  t.is(recs[1].text, `household set-clock to ${T} first set via pc-link`);
  t.regex(recs[2].text, /^household set-clock to 1800086400 step \+86400 s via pc-link: step 86400 s over the limit/);
  t.is(recs[3].text, 'household set-clock to 1800086400 step +86400 s forced via pc-link');
  t.true(r.access.verifyLog());
  t.is(EPOCH_S, T);
});

test('simulated unit: guest codes refused until the PC link sets the time; then a pass works; a guest cannot set it', (t) => {
  const u = cuRig();
  t.false(u.app.wall.isSet());
  t.is(u.ask({ cmd: 'status', role: 'household' }).status.clock, null);
  t.regex(u.ask({ cmd: 'guest-pass', role: 'household', scope: 'read', uses: 2, minutes: 60 }).error, /clock not set/);
  t.is(u.ask({ cmd: 'time', role: 'guest', unix: T }).error, 'forbidden: set-clock is not allowed to guest (allowed: household, technician)');
  t.false(u.app.wall.isSet());
  const set = u.ask({ cmd: 'time', role: 'household', unix: T });
  t.deepEqual(set, { v: 1, type: 'reply', id: set.id, ok: true, unix: T, step: null, forced: false });
  // the set is in the hash-chained access log, and out on the PC link as an access record
  const rec = u.lines.find((l) => l.type === 'access' && l.kind === 'action' && /set-clock/.test(l.detail));
  t.is(rec.detail, `household set-clock to ${T} first set via pc-link`);
  const huge = u.ask({ cmd: 'time', role: 'household', unix: T + 7200 });
  t.regex(huge.error, /^time: step 7200 s over the limit of 120 s/);
  const pass = u.ask({ cmd: 'guest-pass', role: 'household', scope: 'read', uses: 2, minutes: 60 });
  t.regex(pass.code, /^1\d{6}$/);
  // the pass for an authenticator app: its secret, issuer, algorithm, digits and period
  t.is(pass.pass, 1);
  t.regex(pass.uri, /^otpauth:\/\/totp\/SmartMeter:guest1\?secret=[A-Z2-7]{32}&issuer=SmartMeter&algorithm=SHA1&digits=6&period=30$/);
  t.false(
    u.app.access.log.entries(0, 100).some((e) => e.text.includes(pass.uri.split('secret=')[1].split('&')[0])),
    'the secret is never in the access log',
  );
  t.deepEqual(u.ask({ cmd: 'guest-login', role: 'guest', code: pass.code }).role, 'guest');
  t.is(Math.floor(u.ask({ cmd: 'status', role: 'household' }).status.clock), T);
  t.true(u.app.access.verifyLog());
  u.app.close();
});
