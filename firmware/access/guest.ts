// Guest passes (issue 7, item 4): a household member issues a pass, a TOTP key (RFC 6238,
// SHA-1, 6 digits, 30 s, what every authenticator app speaks) with an expiry, a number of
// uses and a scope (the policy actions it allows). The guest types pass number and code on
// the console, the PC link or (later) the web page.
//
// Acceptance: the code of the current step or one step either side (±1 step: the unit's
// clock may be 30 s off the guest's phone, with time sync holding it far closer: see
// docs/CONTROL-UNIT.md "Clock"); a code whose step was already used is refused as replayed
// (RFC 6238 §5.2); the pass's uses go down by one per accepted code.
// Rate limits: per pass, FREE_FAILURES free failures, then each failure locks the pass for
// LOCK_BASE_S doubling up to LOCK_MAX_S; overall, OVERALL_FAILURES failures in OVERALL_WINDOW_S
// lock every pass for OVERALL_WINDOW_S (guessing spread over many passes or pass numbers).
// One guess hits 3 codes in 10^6; with the lock that is ~30 guesses a day per pass, so about
// 1e-4 a day. Passes and their counters live in a power-cut-safe record, so a restart neither
// re-opens a used code nor clears a lock.
import type { Store } from '../../hal/io';
import { getU32, PersistentRecord, putU32 } from '../store/records';
import type { TotpParams } from './otp';
import { base32, totpMatch, wellFormedCode, TOTP_DEFAULTS } from './otp';
import { policyTable } from './policy';
import { copyBytes } from './sha';

export const MAX_PASSES = 8;
export const KEY_BYTES = 20; // RFC 4226 §4 R6: 160 bits recommended
export const FREE_FAILURES = 3;
export const LOCK_BASE_S = 60;
export const LOCK_MAX_S = 3600;
export const OVERALL_FAILURES = 10;
export const OVERALL_WINDOW_S = 60;
export const MAX_VALID_S = 31 * 86400;
export const MAX_USES = 1000;

export type GuestRefusal = 'malformed' | 'clock not set' | 'unknown pass' | 'expired' | 'exhausted' | 'replayed' | 'wrong code' | 'rate-limited';

export interface PassInfo {
  id: number;
  expiresS: number;
  usesLeft: number;
  scope: string[];
  issuedBy: string;
}

export type Acceptance = { ok: true; pass: PassInfo; step: number } | { ok: false; reason: GuestRefusal; detail: string };

interface Pass {
  id: number;
  key: Uint8Array;
  expiresS: number;
  usesLeft: number;
  usedUpTo: number;
  failures: number;
  lockedUntilS: number;
  scope: number;
  issuedBy: string;
}

function actionNames(): string[] {
  const t = policyTable();
  const out: string[] = [];
  for (let i = 0; i < t.length; i++) out.push(t[i].action);
  return out;
}

function scopeBits(scope: string[], names: string[]): number {
  let b = 0;
  for (let i = 0; i < scope.length; i++) {
    let k = -1;
    for (let j = 0; j < names.length; j++) if (names[j] === scope[i]) k = j;
    if (k < 0) return -1;
    b |= 1 << k;
  }
  return b;
}

export class GuestPasses {
  private passes: Pass[] = [];
  private nextId = 1;
  private overall: number[] = [];
  private readonly rec: PersistentRecord | undefined;
  private readonly names = actionNames();
  readonly params: TotpParams = TOTP_DEFAULTS;

  constructor(store: Store | undefined) {
    this.rec = store === undefined ? undefined : new PersistentRecord(store, 'acc.pass');
    this.load();
  }

  private info(p: Pass): PassInfo {
    const scope: string[] = [];
    for (let i = 0; i < this.names.length; i++) if ((p.scope & (1 << i)) !== 0) scope.push(this.names[i]);
    return { id: p.id, expiresS: p.expiresS, usesLeft: p.usesLeft, scope: scope, issuedBy: p.issuedBy };
  }

  list(): PassInfo[] {
    const out: PassInfo[] = [];
    for (let i = 0; i < this.passes.length; i++) out.push(this.info(this.passes[i]));
    return out;
  }

  /**
   * Issue a pass (the caller has checked that a household member asked: policy
   * 'issue-guest-pass'). `key` is KEY_BYTES random bytes from the platform's RNG.
   * Returns the pass and the key in base32 for an authenticator app, or an error.
   */
  issue(
    key: Uint8Array,
    nowS: number,
    validForS: number,
    uses: number,
    scope: string[],
    issuedBy: string,
  ): { ok: true; pass: PassInfo; secret: string; uri: string } | { ok: false; error: string } {
    if (key.length !== KEY_BYTES) return { ok: false, error: 'key must be ' + KEY_BYTES + ' bytes, got ' + key.length };
    if (!(nowS > 0)) return { ok: false, error: 'clock not set: a pass needs the time sync' };
    if (!(validForS >= 60 && validForS <= MAX_VALID_S)) return { ok: false, error: 'validity ' + validForS + ' s out of range 60..' + MAX_VALID_S };
    if (!(uses >= 1 && uses <= MAX_USES && Math.floor(uses) === uses)) return { ok: false, error: 'uses ' + uses + ' out of range 1..' + MAX_USES };
    const bits = scopeBits(scope, this.names);
    if (bits <= 0) return { ok: false, error: 'scope must name policy actions, got ' + scope.join(',') };
    this.prune(nowS);
    if (this.passes.length >= MAX_PASSES) return { ok: false, error: 'already ' + MAX_PASSES + ' live passes; revoke one' };
    const id = this.nextId;
    this.nextId = id >= 255 ? 1 : id + 1;
    const p: Pass = {
      id: id,
      key: copyBytes(key, 0, key.length),
      expiresS: Math.floor(nowS + validForS),
      usesLeft: uses,
      usedUpTo: -1,
      failures: 0,
      lockedUntilS: 0,
      scope: bits,
      issuedBy: issuedBy.substring(0, 16),
    };
    this.passes.push(p);
    this.save();
    const secret = base32(key);
    return {
      ok: true,
      pass: this.info(p),
      secret: secret,
      uri: 'otpauth://totp/SmartMeter:guest' + id + '?secret=' + secret + '&issuer=SmartMeter&algorithm=SHA1&digits=6&period=30',
    };
  }

  revoke(id: number): boolean {
    for (let i = 0; i < this.passes.length; i++) {
      if (this.passes[i].id === id) {
        this.passes.splice(i, 1);
        this.save();
        return true;
      }
    }
    return false;
  }

  /** Drop passes that expired or are used up. */
  private prune(nowS: number): void {
    const keep: Pass[] = [];
    for (let i = 0; i < this.passes.length; i++) {
      const p = this.passes[i];
      if (p.expiresS > nowS && p.usesLeft > 0) keep.push(p);
    }
    if (keep.length !== this.passes.length) {
      this.passes = keep;
      this.save();
    }
  }

  private find(id: number): Pass | undefined {
    for (let i = 0; i < this.passes.length; i++) if (this.passes[i].id === id) return this.passes[i];
    return undefined;
  }

  private overallLocked(nowS: number): boolean {
    const keep: number[] = [];
    for (let i = 0; i < this.overall.length; i++) if (this.overall[i] > nowS - OVERALL_WINDOW_S) keep.push(this.overall[i]);
    this.overall = keep;
    return keep.length >= OVERALL_FAILURES;
  }

  private refuse(p: Pass | undefined, nowS: number, reason: GuestRefusal, detail: string): Acceptance {
    if (reason !== 'rate-limited' && reason !== 'clock not set') {
      this.overall.push(nowS);
      if (p !== undefined) {
        p.failures++;
        if (p.failures >= FREE_FAILURES) {
          let lock = LOCK_BASE_S;
          for (let i = FREE_FAILURES; i < p.failures && lock < LOCK_MAX_S; i++) lock *= 2;
          p.lockedUntilS = nowS + (lock > LOCK_MAX_S ? LOCK_MAX_S : lock);
        }
        this.save();
      }
    }
    return { ok: false, reason: reason, detail: detail };
  }

  /** Check a guest's code for pass `id` at Unix time `nowS` (undefined: no time sync yet). */
  accept(id: number, code: string, nowS: number | undefined): Acceptance {
    if (nowS === undefined || !(nowS > 0)) return this.refuse(undefined, 0, 'clock not set', 'the control unit has no time sync yet');
    if (this.overallLocked(nowS))
      return this.refuse(undefined, nowS, 'rate-limited', OVERALL_FAILURES + ' failed codes in ' + OVERALL_WINDOW_S + ' s: every pass waits');
    if (!(id >= 1 && id <= 255 && Math.floor(id) === id) || !wellFormedCode(code, this.params.digits))
      return this.refuse(undefined, nowS, 'malformed', 'a pass number 1..255 and ' + this.params.digits + ' digits');
    const p = this.find(id);
    if (p === undefined) return this.refuse(undefined, nowS, 'unknown pass', 'no pass ' + id);
    if (nowS < p.lockedUntilS)
      return this.refuse(
        p,
        nowS,
        'rate-limited',
        'pass ' + id + ' locked for ' + Math.ceil(p.lockedUntilS - nowS) + ' s after ' + p.failures + ' failed codes',
      );
    if (nowS >= p.expiresS) return this.refuse(p, nowS, 'expired', 'pass ' + id + ' expired ' + Math.floor(nowS - p.expiresS) + ' s ago');
    if (p.usesLeft <= 0) return this.refuse(p, nowS, 'exhausted', 'pass ' + id + ' has no uses left');
    const step = totpMatch(p.key, code, nowS, this.params, 1, p.usedUpTo);
    if (step < 0) {
      const old = totpMatch(p.key, code, nowS, this.params, 1, -1);
      if (old >= 0) return this.refuse(p, nowS, 'replayed', 'the code of step ' + old + ' was already used');
      return this.refuse(p, nowS, 'wrong code', 'no match within ±1 step');
    }
    p.usedUpTo = step;
    p.usesLeft--;
    p.failures = 0;
    p.lockedUntilS = 0;
    this.save();
    return { ok: true, pass: this.info(p), step: step };
  }

  // persistence: [nextId][count] then per pass:
  // id, keyLen, key, expires u32, uses u16 LE, usedUpTo+1 u32, failures, lockedUntil u32, scope u16 LE, byLen, by
  private save(): void {
    if (this.rec === undefined) return;
    const b: number[] = [this.nextId, this.passes.length];
    const u32 = new Uint8Array(4);
    const put = (v: number) => {
      putU32(u32, 0, v);
      for (let k = 0; k < 4; k++) b.push(u32[k]);
    };
    for (let i = 0; i < this.passes.length; i++) {
      const p = this.passes[i];
      b.push(p.id, p.key.length);
      for (let k = 0; k < p.key.length; k++) b.push(p.key[k]);
      put(p.expiresS);
      b.push(p.usesLeft & 0xff, (p.usesLeft >> 8) & 0xff);
      put(p.usedUpTo + 1);
      b.push(p.failures > 255 ? 255 : p.failures);
      put(p.lockedUntilS);
      b.push(p.scope & 0xff, (p.scope >> 8) & 0xff, p.issuedBy.length);
      for (let k = 0; k < p.issuedBy.length; k++) b.push(p.issuedBy.charCodeAt(k) & 0x7f);
    }
    this.rec.write(new Uint8Array(b));
  }

  private load(): void {
    if (this.rec === undefined) return;
    const r = this.rec.read();
    if (!r.ok || r.value.length < 2) return;
    const v = r.value;
    this.nextId = v[0] === 0 ? 1 : v[0];
    let at = 2;
    for (let i = 0; i < v[1] && at < v.length; i++) {
      const id = v[at];
      const kl = v[at + 1];
      at += 2;
      const key = copyBytes(v, at, at + kl);
      at += kl;
      const expiresS = getU32(v, at);
      const usesLeft = v[at + 4] | (v[at + 5] << 8);
      const usedUpTo = getU32(v, at + 6) - 1;
      const failures = v[at + 10];
      const lockedUntilS = getU32(v, at + 11);
      const scope = v[at + 15] | (v[at + 16] << 8);
      const bl = v[at + 17];
      at += 18;
      let by = '';
      for (let k = 0; k < bl; k++) by += String.fromCharCode(v[at + k]);
      at += bl;
      this.passes.push({
        id: id,
        key: key,
        expiresS: expiresS,
        usesLeft: usesLeft,
        usedUpTo: usedUpTo,
        failures: failures,
        lockedUntilS: lockedUntilS,
        scope: scope,
        issuedBy: by,
      });
    }
  }
}
