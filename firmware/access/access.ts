// The control unit's access layer (issue 7, items 3-6): who is here (fingerprint, guest code,
// technician PIN, the button, a signed utility command), what they may do (policy.ts), and
// the hash-chained record of it (access-log.ts). Every entry point — the console, the PC link
// (firmware/control/pc-link.ts), the web page later — asks `request(role, action, args)` and
// gets a Decision with a reason; nothing else decides.
//
// Alarms (named, each also a log record): fingerprint-brute-force, otp-guessing,
// guest-code-replayed, access-log-tampered, access-log-truncated, reader-fault.
import type { Clock, Serial, SerialOptions, Store, Timer } from '../../hal/io';
import { Credential } from '../console/credential';
import type { LogEntry, LogKind } from './access-log';
import { AccessLog } from './access-log';
import type { Acceptance, PassInfo } from './guest';
import { GuestPasses, KEY_BYTES } from './guest';
import type { Decision, RequestContext } from './policy';
import { decide } from './policy';
import type { IdentifyResult } from './r30x';
import { R30x, R30xError } from './r30x';
import type { ClockStep, WallClock } from './wall-clock';

/** A household session lasts this long after a fingerprint match. */
export const HOUSEHOLD_SESSION_US = 300e6;
/** A guest session lasts this long after an accepted code. */
export const GUEST_SESSION_US = 300e6;
/** Fingerprint no-matches within FP_WINDOW_US that raise fingerprint-brute-force. */
export const FP_NO_MATCH_ALARM = 5;
export const FP_WINDOW_US = 60e6;
/** After the brute-force alarm the reader is not asked for this long (each try costs the attacker a minute). */
export const FP_LOCK_US = 60e6;
/** Wrong guest codes within OTP_WINDOW_US that raise otp-guessing. */
export const OTP_FAIL_ALARM = 5;
export const OTP_WINDOW_US = 300e6;

export interface AccessAlarm {
  name: string;
  detail: string;
  tUs: number;
}

export interface AccessOptions {
  clock: Clock;
  timer: Timer;
  store: Store;
  /** Unix seconds from the control unit's time sync, or undefined before the first sync */
  wallS: () => number | undefined;
  /** the platform's random bytes (guest keys) */
  random: (n: number) => Uint8Array;
  /** the fingerprint reader's UART */
  Serial: new (o: SerialOptions) => Serial;
  readerPort?: number;
  readerPassword?: number;
  readerCapacity?: number;
  /** the technician PIN check (a salted hash on the board; see firmware/console/credential.ts) */
  verifyPin?: (pin: string) => boolean;
  logCapacity?: number;
  onAlarm?: (a: AccessAlarm) => void;
  /** every access-log record once it is on flash (the PC link's `access` lines) */
  onRecord?: (e: LogEntry) => void;
}

export interface RequestArgs extends RequestContext {
  /** guest: the pass whose session speaks */
  passId?: number;
  /** utility: the link layer verified the authority's signature */
  verified?: boolean;
  /** what the action is on, for the log ('relay:main', a threshold name) */
  subject?: string;
  /**
   * household: the interface authenticated the member itself (the PC link: the gateway's
   * household login, asserted over the unit's own cable); named in the log
   */
  assertedBy?: string;
}

function within(times: number[], now: number, windowUs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < times.length; i++) if (times[i] > now - windowUs) out.push(times[i]);
  return out;
}

export class Access {
  readonly reader: R30x;
  readonly passes: GuestPasses;
  readonly log: AccessLog;
  readonly credential: Credential;
  readonly alarms: AccessAlarm[] = [];
  private householdUntil = -1;
  private householdPage = -1;
  private readonly guestUntil: { [passId: string]: number } = {};
  private readonly guestScope: { [passId: string]: string[] } = {};
  private fpMisses: number[] = [];
  private fpLockedUntil = -1;
  private otpFails: number[] = [];
  private readonly o: AccessOptions;

  constructor(o: AccessOptions) {
    this.o = o;
    this.reader = new R30x({
      Serial: o.Serial,
      port: o.readerPort === undefined ? 2 : o.readerPort,
      timer: o.timer,
      password: o.readerPassword,
      capacity: o.readerCapacity,
    });
    this.passes = new GuestPasses(o.store);
    this.log = new AccessLog(o.store, o.logCapacity === undefined ? 128 : o.logCapacity);
    const pin = o.verifyPin;
    this.credential = new Credential(o.clock, pin === undefined ? () => false : pin, undefined);
    const c = this.log.check;
    if (!c.ok) this.alarm(c.alarm === 'truncated' ? 'access-log-truncated' : 'access-log-tampered', c.detail);
  }

  private now(): number {
    return this.o.clock.now();
  }

  private record(kind: LogKind, text: string): void {
    const w = this.o.wallS();
    const err = this.log.append(kind, text, w === undefined ? 0 : w);
    const cb = this.o.onRecord;
    if (err === '' && cb !== undefined) {
      const e = this.log.entries(this.log.count() - 1, 1);
      try {
        if (e.length === 1) cb(e[0]);
      } catch (x) {
        // a listener does not stop the access layer (rule 6)
      }
    }
  }

  private alarm(name: string, detail: string): void {
    const a: AccessAlarm = { name: name, detail: detail, tUs: this.now() };
    this.alarms.push(a);
    if (this.alarms.length > 32) this.alarms.shift();
    this.record('alarm', name + ': ' + detail);
    // a listener that throws does not stop the access layer (rule 6)
    const cb = this.o.onAlarm;
    if (cb !== undefined) {
      try {
        cb(a);
      } catch (e) {
        this.alarms.push({ name: 'listener-failed', detail: String(e), tUs: a.tUs });
      }
    }
  }

  /** Re-check the whole chain (e.g. on the PC link's request, or hourly). */
  verifyLog(): boolean {
    const c = this.log.verify();
    if (!c.ok) this.alarm(c.alarm === 'truncated' ? 'access-log-truncated' : 'access-log-tampered', c.detail);
    return c.ok;
  }

  /** The board's button was pressed: the button window (2 min). */
  pressButton(): void {
    this.credential.button();
  }

  /** A technician's PIN at the control unit's console. */
  technicianLogin(pin: string): string {
    const r = this.credential.login(pin);
    this.record(r.ok ? 'action' : 'action-refused', 'technician login' + (r.ok ? '' : ': ' + r.error));
    return r.ok ? '' : r.error;
  }

  householdOpen(): boolean {
    return this.now() < this.householdUntil;
  }

  /** Identify the finger on the reader; a match opens a household session. */
  identify(cb: (err: R30xError | undefined, r: IdentifyResult | undefined) => void): void {
    const now = this.now();
    if (now < this.fpLockedUntil) {
      const e = new R30xError('identify', -1, 'LOCKED', 'too many unknown fingers: wait ' + Math.ceil((this.fpLockedUntil - now) / 1e6) + ' s');
      this.record('identify-no-match', e.message);
      return cb(e, undefined);
    }
    this.reader.identify((e, r) => {
      const t = this.now();
      if (e === undefined && r !== undefined) {
        this.householdUntil = t + HOUSEHOLD_SESSION_US;
        this.householdPage = r.pageId;
        this.record('identify-match', 'page ' + r.pageId + ' score ' + r.score);
      } else if (e !== undefined && (e.code === 0x09 || e.code === 0x08)) {
        this.record('identify-no-match', e.message);
        this.fpMisses = within(this.fpMisses, t, FP_WINDOW_US);
        this.fpMisses.push(t);
        if (this.fpMisses.length >= FP_NO_MATCH_ALARM) this.fpLockedUntil = t + FP_LOCK_US;
        if (this.fpMisses.length === FP_NO_MATCH_ALARM)
          this.alarm(
            'fingerprint-brute-force',
            FP_NO_MATCH_ALARM + ' unknown fingers in ' + FP_WINDOW_US / 1e6 + ' s; reader locked ' + FP_LOCK_US / 1e6 + ' s',
          );
      } else if (e !== undefined) {
        this.record('reader-error', e.message);
        if (e.kind === 'TIMEOUT') this.alarm('reader-fault', e.message);
      }
      cb(e, r);
    });
  }

  /** Enrol a finger at `pageId` for `role` (policy 'enrol-finger'); assertedBy: the interface that authenticated a household member (the PC link). */
  enrol(role: string, pageId: number, cb: (err: string) => void, assertedBy?: string): void {
    const d = this.request(role, 'enrol-finger', {
      subject: 'page ' + pageId + (assertedBy === undefined ? '' : ' via ' + assertedBy),
      assertedBy: assertedBy,
    });
    if (!d.allowed) return cb(d.reason);
    this.reader.enrol(pageId, (e) => {
      this.record(e === undefined ? 'enrol' : 'enrol-failed', 'page ' + pageId + ' by ' + role + (e === undefined ? '' : ': ' + e.message));
      cb(e === undefined ? '' : e.message);
    });
  }

  /** Delete one finger (pageId >= 0) or wipe the reader (pageId < 0). */
  deleteFinger(role: string, pageId: number, cb: (err: string) => void, assertedBy?: string): void {
    const d = this.request(role, 'delete-finger', {
      subject: (pageId < 0 ? 'all' : 'page ' + pageId) + (assertedBy === undefined ? '' : ' via ' + assertedBy),
      assertedBy: assertedBy,
    });
    if (!d.allowed) return cb(d.reason);
    const done = (e: R30xError | undefined) => {
      if (e === undefined) this.record(pageId < 0 ? 'reader-wiped' : 'finger-deleted', pageId < 0 ? 'by ' + role : 'page ' + pageId + ' by ' + role);
      cb(e === undefined ? '' : e.message);
    };
    if (pageId < 0) this.reader.wipe(done);
    else this.reader.deleteOne(pageId, done);
  }

  /** A household member issues a guest pass. */
  issuePass(
    role: string,
    validForS: number,
    uses: number,
    scope: string[],
    assertedBy?: string,
  ): { ok: true; pass: PassInfo; secret: string; uri: string } | { ok: false; error: string } {
    const d = this.request(role, 'issue-guest-pass', {
      subject: scope.join('+') + (assertedBy === undefined ? '' : ' via ' + assertedBy),
      assertedBy: assertedBy,
    });
    if (!d.allowed) return { ok: false, error: d.reason };
    const w = this.o.wallS();
    const r = this.passes.issue(
      this.o.random(KEY_BYTES),
      w === undefined ? 0 : w,
      validForS,
      uses,
      scope,
      role + (this.householdPage >= 0 ? ' page ' + this.householdPage : ''),
    );
    if (r.ok) this.record('pass-issued', 'pass ' + r.pass.id + ' for ' + validForS + ' s, ' + uses + ' uses, scope ' + scope.join('+'));
    return r;
  }

  /** A guest enters pass number and code; an accepted code opens a guest session for that pass. */
  guestCode(passId: number, code: string): Acceptance {
    const r = this.passes.accept(passId, code, this.o.wallS());
    const t = this.now();
    if (r.ok) {
      this.guestUntil[String(passId)] = t + GUEST_SESSION_US;
      this.guestScope[String(passId)] = r.pass.scope;
      this.record('pass-used', 'pass ' + passId + ', ' + r.pass.usesLeft + ' uses left');
      return r;
    }
    this.record('pass-refused', 'pass ' + passId + ': ' + r.reason + ' (' + r.detail + ')');
    if (r.reason === 'replayed') this.alarm('guest-code-replayed', 'pass ' + passId + ': ' + r.detail);
    if (r.reason === 'wrong code' || r.reason === 'unknown pass' || r.reason === 'malformed' || r.reason === 'rate-limited') {
      this.otpFails = within(this.otpFails, t, OTP_WINDOW_US);
      this.otpFails.push(t);
      if (this.otpFails.length === OTP_FAIL_ALARM) this.alarm('otp-guessing', OTP_FAIL_ALARM + ' bad guest codes in ' + OTP_WINDOW_US / 1e6 + ' s');
    }
    return r;
  }

  /** Is there a live credential for `role` behind this request? '' when yes, else why not. */
  private credentialFor(role: string, args: RequestArgs): string {
    const t = this.now();
    if (role === 'household') return t < this.householdUntil || args.assertedBy !== undefined ? '' : 'no household session: identify by fingerprint first';
    if (role === 'guest') {
      const id = args.passId === undefined ? '' : String(args.passId);
      const until = this.guestUntil[id];
      return until !== undefined && t < until ? '' : 'no guest session for pass ' + id + ': enter a guest code first';
    }
    if (role === 'technician') return this.credential.actor() === 'technician' ? '' : 'no technician login: PIN first';
    if (role === 'button') return this.credential.isOpen() ? '' : 'the button window is closed: press the button';
    if (role === 'utility') return args.verified === true ? '' : 'utility commands must carry a verified authority signature';
    return '';
  }

  /**
   * The one entry for every interface: may `role` do `action` now? Checks the credential
   * behind the role, then the policy table and its safety and scope rules; logs the outcome.
   */
  request(role: string, action: string, args: RequestArgs): Decision {
    const missing = this.credentialFor(role, args);
    let d: Decision;
    if (missing !== '') d = { allowed: false, role: role, action: action, reason: missing };
    else {
      const ctx: RequestContext = { tripped: args.tripped, remote: args.remote, scope: args.scope };
      if (role === 'guest') ctx.scope = this.guestScope[String(args.passId)];
      d = decide(role, action, ctx);
    }
    if (action !== 'read')
      this.record(
        d.allowed ? 'action' : 'action-refused',
        role + ' ' + action + (args.subject !== undefined ? ' ' + args.subject : '') + (d.allowed ? '' : ': ' + d.reason),
      );
    return d;
  }

  /**
   * For the PC link (firmware/control/pc-link.ts `PcLinkPorts.guestCheck`): a guest's
   * "<pass>-<code>" (or "<pass> <code>") checked, then `action` asked for that pass from a
   * distance. '' when allowed, else the reason.
   */
  guestCheck(passAndCode: string, action: string): string {
    let cut = passAndCode.indexOf('-');
    if (cut < 0) cut = passAndCode.indexOf(' ');
    if (cut <= 0) return 'malformed: want <pass>-<code>';
    const id = Number(passAndCode.substring(0, cut));
    const a = this.guestCode(id, passAndCode.substring(cut + 1));
    if (!a.ok) return a.reason + ' (' + a.detail + ')';
    const d = this.request('guest', action, { passId: id, remote: true });
    return d.allowed ? '' : d.reason;
  }

  /**
   * Set the unit's wall clock (policy 'set-clock'; the bound is WallClock's). One access-log
   * record either way, written after the step, so its time is the new one and its text
   * names the old: 'household set-clock to 1800000000 step -3 s via pc-link'.
   */
  setClock(wall: WallClock, role: string, unixS: number, force: boolean, assertedBy?: string): ClockStep | string {
    const before = wall.wallS();
    const step = before === undefined ? 'first set' : 'step ' + (unixS >= before ? '+' : '') + Math.round(unixS - before) + ' s';
    const text = role + ' set-clock to ' + Math.floor(unixS) + ' ' + step + (force ? ' forced' : '') + (assertedBy === undefined ? '' : ' via ' + assertedBy);
    let why = this.credentialFor(role, { assertedBy: assertedBy });
    if (why === '') {
      const d = decide(role, 'set-clock', {});
      if (!d.allowed) why = d.reason;
    }
    const r = why === '' ? wall.set(unixS, force) : why;
    this.record(typeof r === 'string' ? 'action-refused' : 'action', typeof r === 'string' ? text + ': ' + r : text);
    return r;
  }

  close(): void {
    this.reader.close();
  }
}
