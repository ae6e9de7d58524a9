// Guest passes (firmware/access/guest.ts): issue, accept within ±1 step, replay, expiry,
// uses, malformed codes, rate limits per pass and overall, no clock, and a restart that
// neither re-opens a used code nor clears a lock. Bad codes fuzzed: a clear refusal, never a throw.
import test from 'ava';
import fc from 'fast-check';
import { totp, TOTP_DEFAULTS } from '../firmware/access/otp';
import { FREE_FAILURES, GuestPasses, LOCK_BASE_S, MAX_PASSES, OVERALL_FAILURES } from '../firmware/access/guest';
import { SimStore } from '../hal/sim/store';
import { fuzzRuns, reportSeed } from './support/fc-seed';

reportSeed(test.after.always, 'access-guest.test.ts');

const NOW = 1_800_000_015;
const key = (n = 1) => new Uint8Array(20).fill(n);
const code = (k: Uint8Array, t: number) => totp(k, t, TOTP_DEFAULTS);

function issued(uses = 3, validForS = 3600, scope = ['read', 'relay-off']) {
  const store = new SimStore();
  const g = new GuestPasses(store);
  const r = g.issue(key(), NOW, validForS, uses, scope, 'household');
  if (!r.ok) throw new Error(r.error);
  return { store, g, id: r.pass.id, r };
}

test('issue: an otpauth URI for an authenticator app; bad requests refused by name', (t) => {
  const { r, g } = issued();
  if (!r.ok) return t.fail();
  t.is(r.secret, 'AEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIB');
  t.is(r.uri, `otpauth://totp/SmartMeter:guest${r.pass.id}?secret=${r.secret}&issuer=SmartMeter&algorithm=SHA1&digits=6&period=30`);
  t.deepEqual(r.pass.scope, ['read', 'relay-off']);
  const bad = (e: ReturnType<GuestPasses['issue']>) => (e.ok ? '' : e.error);
  t.is(bad(g.issue(key(), NOW, 3600, 1, ['teleport'], 'h')), 'scope must name policy actions, got teleport');
  t.is(bad(g.issue(key(), NOW, 3600, 1, [], 'h')), 'scope must name policy actions, got ');
  t.is(bad(g.issue(key(), NOW, 10, 1, ['read'], 'h')), 'validity 10 s out of range 60..2678400');
  t.is(bad(g.issue(key(), NOW, 3600, 0, ['read'], 'h')), 'uses 0 out of range 1..1000');
  t.is(bad(g.issue(new Uint8Array(5), NOW, 3600, 1, ['read'], 'h')), 'key must be 20 bytes, got 5');
  t.is(bad(g.issue(key(), 0, 3600, 1, ['read'], 'h')), 'clock not set: a pass needs the time sync');
  for (let i = 1; i < MAX_PASSES; i++) t.true(g.issue(key(i), NOW, 3600, 1, ['read'], 'h').ok);
  t.is(bad(g.issue(key(), NOW, 3600, 1, ['read'], 'h')), `already ${MAX_PASSES} live passes; revoke one`);
});

test('accept: the current step and one either side; two steps off refused', (t) => {
  for (const [dt, ok] of [
    [0, true],
    [-30, true],
    [30, true],
    [-60, false],
    [60, false],
  ] as const) {
    const { g, id } = issued();
    const r = g.accept(id, code(key(), NOW + dt), NOW);
    t.is(r.ok, ok, `offset ${dt} s`);
    if (!r.ok) t.is(r.reason, 'wrong code');
  }
});

test('a used code is refused as replayed, also after a restart; uses run out; expiry', (t) => {
  const { store, g, id } = issued(2);
  const c = code(key(), NOW);
  const a = g.accept(id, c, NOW);
  t.true(a.ok);
  if (a.ok) t.is(a.pass.usesLeft, 1);
  const r = g.accept(id, c, NOW + 5);
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'replayed');
  const older = g.accept(id, code(key(), NOW - 30), NOW);
  t.false(older.ok, 'an older step than the one used is replayed too');
  const after = new GuestPasses(store);
  const r2 = after.accept(id, c, NOW + 10);
  t.false(r2.ok);
  if (!r2.ok) t.is(r2.reason, 'replayed');
  // three refusals (replays count) locked the pass for LOCK_BASE_S
  const l = after.accept(id, code(key(), NOW + 30), NOW + 30);
  t.false(l.ok);
  if (!l.ok) t.is(l.reason, 'rate-limited');
  t.true(after.accept(id, code(key(), NOW + 90), NOW + 90).ok);
  const ex = after.accept(id, code(key(), NOW + 120), NOW + 120);
  t.false(ex.ok);
  if (!ex.ok) t.is(ex.reason, 'exhausted');
  const { g: g2, id: id2 } = issued(5, 120);
  const late = g2.accept(id2, code(key(), NOW + 130), NOW + 130);
  t.false(late.ok);
  if (!late.ok) t.deepEqual([late.reason, late.detail], ['expired', `pass ${id2} expired 10 s ago`]);
});

test('malformed, unknown pass and no clock: clear refusals before any hashing', (t) => {
  const { g, id } = issued();
  const reason = (r: ReturnType<GuestPasses['accept']>) => (r.ok ? 'ok' : r.reason);
  t.is(reason(g.accept(id, '12345', NOW)), 'malformed');
  t.is(reason(g.accept(id, '12345a', NOW)), 'malformed');
  t.is(reason(g.accept(0, '123456', NOW)), 'malformed');
  t.is(reason(g.accept(1.5, '123456', NOW)), 'malformed');
  t.is(reason(g.accept(99, '123456', NOW)), 'unknown pass');
  t.is(reason(g.accept(id, code(key(), NOW), undefined)), 'clock not set');
});

test('rate limits: a pass locks after the free failures (doubling, survives a restart); many failures lock all passes', (t) => {
  const { store, g, id } = issued();
  const wrong = (c: string) => (c === '000000' ? '000001' : '000000');
  for (let i = 0; i < FREE_FAILURES; i++) g.accept(id, wrong(code(key(), NOW)), NOW);
  const locked = g.accept(id, code(key(), NOW), NOW + 1);
  t.false(locked.ok, 'even the right code waits out the lock');
  if (!locked.ok) t.is(locked.reason, 'rate-limited');
  const after = new GuestPasses(store);
  t.false(after.accept(id, code(key(), NOW + 2), NOW + 2).ok, 'the lock survives a restart');
  t.true(after.accept(id, code(key(), NOW + LOCK_BASE_S + 1), NOW + LOCK_BASE_S + 1).ok, 'and ends');
  // overall: failures spread over unknown pass numbers
  const { g: g2, id: id2 } = issued();
  for (let i = 0; i < OVERALL_FAILURES; i++) g2.accept(100 + i, '123456', NOW);
  const all = g2.accept(id2, code(key(), NOW), NOW + 1);
  t.false(all.ok);
  if (!all.ok) t.regex(all.detail, /every pass waits/);
  t.true(g2.accept(id2, code(key(), NOW + 61), NOW + 61).ok);
});

test('fuzz: any pass number and code string gives ok or a named refusal, never a throw', (t) => {
  const { g, id } = issued(1000);
  const reasons = new Set(['malformed', 'clock not set', 'unknown pass', 'expired', 'exhausted', 'replayed', 'wrong code', 'rate-limited']);
  fc.assert(
    fc.property(fc.oneof(fc.constant(id), fc.integer(), fc.double()), fc.string({ maxLength: 12 }), fc.integer({ min: -100, max: 1e6 }), (pid, c, dt) => {
      const r = g.accept(pid, c, NOW + dt);
      return r.ok || reasons.has(r.reason);
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.pass();
});
