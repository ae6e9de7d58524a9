// Access attack scenarios for `npm run sim` (issue 7, item 8): the control unit's access
// layer (firmware/access/access.ts) with the simulated R30x module on its UART, in virtual
// time. Each attack raises a named alarm and leaves records in the hash-chained access log.
//   access-fingerprint-brute-force   unknown fingers tried one after another
//   access-otp-guessing              random guest codes against a live pass
//   access-replayed-guest-code       a code seen over the guest's shoulder, typed again
//   access-tampered-log              a log record edited on the flash (CRC fixed up), reboot
import { Access } from '../../firmware/access/access';
import type { AccessAlarm } from '../../firmware/access/access';
import { base32Decode, totp, TOTP_DEFAULTS } from '../../firmware/access/otp';
import { PersistentRecord } from '../../firmware/store/records';
import { r30xRig } from '../../hal/sim/r30x-chip';
import type { R30xRig } from '../../hal/sim/r30x-chip';
import { Prng } from '../../hal/sim/prng';
import { SimStore } from '../../hal/sim/store';
import type { NetScenario, NetScenarioResult } from './net-scenarios';

/** Unix time at simulated t = 0 (the time sync's answer). */
export const EPOCH_S = 1_800_000_000;

export interface AccessRig extends R30xRig {
  store: SimStore;
  access: Access;
  alarms: AccessAlarm[];
  wallS(): number;
  /** run until cb is called (or maxUs passes); returns its arguments */
  wait<T extends unknown[]>(start: (done: (...a: T) => void) => void, maxUs?: number): T;
}

/** A control unit's access layer on a simulated R30x (module password 0x5EC2E7), on `store`. */
export function accessRig(store = new SimStore(), seed = 1, startUs = 0): AccessRig {
  const rig = r30xRig({ password: 0x5ec2e7 }, 50, startUs);
  const prng = new Prng(seed);
  const alarms: AccessAlarm[] = [];
  const wallS = () => EPOCH_S + rig.sched.now() / 1e6;
  const access = new Access({
    clock: { now: () => rig.sched.now() },
    timer: rig.timer,
    store,
    wallS,
    random: (n) => Uint8Array.from({ length: n }, () => Math.floor(prng.next() * 256)),
    Serial: rig.Serial,
    readerPassword: 0x5ec2e7,
    verifyPin: (pin) => pin === '2468',
    onAlarm: (a) => alarms.push(a),
  });
  const wait = <T extends unknown[]>(start: (done: (...a: T) => void) => void, maxUs = 30e6): T => {
    let out: T | undefined;
    start((...a: T) => {
      out = a;
    });
    const end = rig.sched.now() + maxUs;
    while (out === undefined && rig.sched.now() < end) rig.sched.runFor(1000);
    if (out === undefined) throw new Error('no answer within ' + maxUs / 1e6 + ' s');
    return out;
  };
  wait((d) => access.reader.verifyPassword(d));
  return { ...rig, store, access, alarms, wallS, wait };
}

/** Enrol finger `who` at `page` with the button (the first member). */
export function enrolFirst(r: AccessRig, who: number, page: number): string {
  r.access.pressButton();
  r.chip.fingerOn(who);
  const t = r.sched.now();
  r.sched.at(t + 800_000, () => r.chip.fingerOff());
  r.sched.at(t + 1_300_000, () => r.chip.fingerOn(who));
  const [e] = r.wait<[string]>((d) => r.access.enrol('button', page, d));
  r.chip.fingerOff();
  return e;
}

function line(r: AccessRig, text: string): string {
  return (r.sched.now() / 1e6).toFixed(3).padStart(8) + '  ' + text;
}

function result(r: AccessRig, name: string, timeline: string[], extra: Record<string, unknown>): NetScenarioResult {
  for (const a of r.alarms) timeline.push(`${(a.tUs / 1e6).toFixed(3).padStart(8)}  ALARM ${a.name}: ${a.detail}`);
  const log = r.access.log.entries(0, 1000);
  timeline.push(`access log: ${log.length} records, head ${r.access.log.headHash().slice(0, 16)}…, chain ${r.access.log.verify().ok ? 'verifies' : 'BROKEN'}`);
  return {
    timeline,
    json: {
      scenario: name,
      alarms: r.alarms.map((a) => ({ name: a.name, detail: a.detail, tS: a.tUs / 1e6 })),
      log: log.map((e) => ({ i: e.index, kind: e.kind, text: e.text })),
      ...extra,
    },
  };
}

export function fingerprintBruteForce(): NetScenarioResult {
  const r = accessRig();
  const tl: string[] = [];
  tl.push(line(r, `enrol the household's finger at page 0: ${enrolFirst(r, 1, 0) || 'ok'}`));
  for (let i = 0; i < 6; i++) {
    r.sched.runFor(3e6);
    r.chip.fingerOn(500 + i);
    const [e] = r.wait<[any, any]>((d) => r.access.identify(d));
    r.chip.fingerOff();
    tl.push(line(r, `unknown finger ${500 + i}: ${e === undefined ? 'MATCH' : e.message}`));
  }
  r.chip.fingerOn(1);
  const [e0] = r.wait<[any, any]>((d) => r.access.identify(d));
  tl.push(line(r, `the household's finger at once: ${e0 === undefined ? 'MATCH' : e0.message}`));
  r.sched.runFor(60e6);
  const [e, m] = r.wait<[any, any]>((d) => r.access.identify(d));
  tl.push(line(r, `the household's finger a minute later: ${e === undefined ? 'match, page ' + m.pageId : e.message}`));
  return result(r, 'access-fingerprint-brute-force', tl, { householdAdmitted: e === undefined, lockedDuringHold: e0 !== undefined });
}

export function otpGuessing(): NetScenarioResult {
  const r = accessRig();
  enrolFirst(r, 1, 0);
  r.chip.fingerOn(1);
  r.wait((d) => r.access.identify(d));
  r.chip.fingerOff();
  const p = r.access.issuePass('household', 86400, 5, ['read']);
  if (!p.ok) throw new Error(p.error);
  const tl = [line(r, `household issues pass ${p.pass.id} (1 day, 5 uses, scope read)`)];
  const prng = new Prng(7);
  let accepted = 0;
  const reasons: Record<string, number> = {};
  for (let i = 0; i < 40; i++) {
    r.sched.runFor(2e6);
    const guess = String(Math.floor(prng.next() * 1e6)).padStart(6, '0');
    const a = r.access.guestCode(p.pass.id, guess);
    if (a.ok) accepted++;
    else reasons[a.reason] = (reasons[a.reason] ?? 0) + 1;
  }
  tl.push(line(r, `40 guessed codes, one every 2 s: accepted ${accepted}, refused ${JSON.stringify(reasons)}`));
  r.sched.runFor(3600e6);
  const good = r.access.guestCode(p.pass.id, totp(base32Key(p.secret), r.wallS(), TOTP_DEFAULTS));
  tl.push(line(r, `an hour later the real guest: ${good.ok ? 'admitted' : good.reason + ' (' + good.detail + ')'}`));
  return result(r, 'access-otp-guessing', tl, { guessesAccepted: accepted, refusals: reasons, guestAdmittedAfter: good.ok });
}

function base32Key(s: string): Uint8Array {
  const k = base32Decode(s);
  if (k === undefined) throw new Error('pass secret is not base32: ' + s);
  return k;
}

export function replayedGuestCode(): NetScenarioResult {
  const r = accessRig();
  enrolFirst(r, 1, 0);
  r.chip.fingerOn(1);
  r.wait((d) => r.access.identify(d));
  r.chip.fingerOff();
  const p = r.access.issuePass('household', 86400, 3, ['read', 'relay-off']);
  if (!p.ok) throw new Error(p.error);
  const key = base32Key(p.secret);
  const tl = [line(r, `household issues pass ${p.pass.id} (scope read, relay-off)`)];
  const code = totp(key, r.wallS(), TOTP_DEFAULTS);
  const g = r.access.guestCode(p.pass.id, code);
  tl.push(line(r, `guest types ${code}: ${g.ok ? 'admitted' : g.reason}`));
  const d = r.access.request('guest', 'relay-on', { passId: p.pass.id, remote: true });
  tl.push(line(r, `guest asks relay-on: ${d.allowed ? 'allowed' : 'refused: ' + d.reason}`));
  r.sched.runFor(10e6);
  const rep = r.access.guestCode(p.pass.id, code);
  tl.push(line(r, `an onlooker types the same ${code} 10 s later: ${rep.ok ? 'ADMITTED' : rep.reason + ' (' + rep.detail + ')'}`));
  return result(r, 'access-replayed-guest-code', tl, { replayAccepted: rep.ok, outOfScopeRefused: !d.allowed });
}

export function tamperedLog(): NetScenarioResult {
  const store = new SimStore();
  const r = accessRig(store);
  enrolFirst(r, 1, 0);
  for (let i = 0; i < 3; i++) {
    r.sched.runFor(60e6);
    r.chip.fingerOn(i === 1 ? 9 : 1);
    r.wait((d) => r.access.identify(d));
    r.chip.fingerOff();
  }
  const n = r.access.log.count();
  const tl = [line(r, `${n} records; someone with the flash edits the text of record 2 and fixes its CRC`)];
  r.access.close();
  const rec = new PersistentRecord(store, 'acc.log.2');
  const v = rec.read();
  if (v.ok) {
    v.value[v.value.length - 1] ^= 0x20;
    rec.write(v.value);
  }
  const after = accessRig(store, 2, r.sched.now());
  tl.push(line(after, `reboot: log check ${after.access.log.check.ok ? 'ok' : after.access.log.check.alarm + ' at record ' + after.access.log.check.at}`));
  return result(after, 'access-tampered-log', tl, { detected: !after.access.log.check.ok });
}

export const ACCESS_SCENARIOS: NetScenario[] = [
  {
    name: 'access-fingerprint-brute-force',
    description: 'six unknown fingers in a row at the control unit: fingerprint-brute-force alarm, the reader locked a minute; then the household gets in',
    run: fingerprintBruteForce,
  },
  {
    name: 'access-otp-guessing',
    description: 'forty guessed guest codes: refused and rate-limited, otp-guessing alarm; the real guest gets in later',
    run: otpGuessing,
  },
  {
    name: 'access-replayed-guest-code',
    description: 'a guest code typed again by an onlooker: refused as replayed, guest-code-replayed alarm; out-of-scope request refused',
    run: replayedGuestCode,
  },
  {
    name: 'access-tampered-log',
    description: 'an access-log record edited on the flash (CRC fixed up): access-log-tampered alarm at boot, recorded',
    run: tamperedLog,
  },
];
