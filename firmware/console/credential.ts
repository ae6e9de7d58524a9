// Local technician credential: a PIN typed at the console, or a press of the board's
// button, opens a window in which sensitive commands (thresholds, calibration, key
// confirmation, factory reset) are accepted.
//
// Failed PINs are rate-limited: the first FREE_ATTEMPTS failures cost nothing, then each
// further failure locks the PIN for LOCK_BASE_US doubling per failure up to LOCK_MAX_US.
// A 4-digit PIN then needs about 10^4 attempts; at >= 30 s each, doubling to 1 h, that is
// months at the console. Attempts during a lock are refused without checking the PIN.
import type { Clock } from '../../hal/io';
import type { Actor } from './roles';

export const PIN_WINDOW_US = 300e6; // 5 min after a good PIN
export const BUTTON_WINDOW_US = 120e6; // 2 min after a button press
export const FREE_ATTEMPTS = 3;
export const LOCK_BASE_US = 30e6;
export const LOCK_MAX_US = 3600e6;
export const PIN_MIN_DIGITS = 4;
export const PIN_MAX_DIGITS = 8;

/** Where the failure count survives a restart, so a power cycle does not reset the limit. */
export interface FailureStore {
  load(): number;
  save(failures: number): void;
}

export type LoginResult = { ok: true; expiresInS: number } | { ok: false; error: string; retryInS: number; attemptsLeft: number };

export class Credential {
  private readonly clock: Clock;
  private readonly verify: (pin: string) => boolean;
  private openUntil: number;
  /** end of the window a PIN opened (the button's window is not a technician's) */
  private pinUntil: number;
  private lockedUntil: number;
  private failures: number;
  private readonly persist: FailureStore | undefined;

  constructor(clock: Clock, verify: (pin: string) => boolean, persist: FailureStore | undefined) {
    this.clock = clock;
    this.verify = verify;
    this.persist = persist;
    this.openUntil = -1;
    this.pinUntil = -1;
    this.lockedUntil = -1;
    this.failures = 0;
    if (persist !== undefined) {
      const n = persist.load();
      // a restart re-arms the lock the last failure earned, from boot
      if (n > 0 && n < 1e6 && n === Math.floor(n)) this.failures = n;
      if (this.failures >= FREE_ATTEMPTS) this.lockedUntil = clock.now() + lockFor(this.failures);
    }
  }

  isOpen(): boolean {
    return this.clock.now() < this.openUntil;
  }

  /** who the open window speaks for (firmware/console/roles.ts): a PIN, the button, or nobody */
  actor(): Actor {
    const now = this.clock.now();
    if (now < this.pinUntil) return 'technician';
    return now < this.openUntil ? 'button' : 'serial';
  }

  /** whole seconds left in the window (0 when closed) */
  remainingS(): number {
    const left = this.openUntil - this.clock.now();
    return left > 0 ? Math.ceil(left / 1e6) : 0;
  }

  retryInS(): number {
    const left = this.lockedUntil - this.clock.now();
    return left > 0 ? Math.ceil(left / 1e6) : 0;
  }

  failureCount(): number {
    return this.failures;
  }

  /** true when `pin` has the PIN's shape (4..8 decimal digits); a bad shape is not an attempt */
  static wellFormed(pin: string): boolean {
    if (pin.length < PIN_MIN_DIGITS || pin.length > PIN_MAX_DIGITS) return false;
    for (let i = 0; i < pin.length; i++) {
      const c = pin.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
    return true;
  }

  login(pin: string): LoginResult {
    const now = this.clock.now();
    if (now < this.lockedUntil) {
      return { ok: false, error: 'too many failed attempts', retryInS: this.retryInS(), attemptsLeft: 0 };
    }
    if (this.verify(pin)) {
      if (this.failures !== 0 && this.persist !== undefined) this.persist.save(0);
      this.failures = 0;
      this.openUntil = Math.max(this.openUntil, now + PIN_WINDOW_US);
      this.pinUntil = now + PIN_WINDOW_US;
      return { ok: true, expiresInS: this.remainingS() };
    }
    this.failures++;
    if (this.persist !== undefined) this.persist.save(this.failures);
    if (this.failures >= FREE_ATTEMPTS) this.lockedUntil = now + lockFor(this.failures);
    const left = FREE_ATTEMPTS - this.failures;
    return { ok: false, error: 'wrong PIN', retryInS: this.retryInS(), attemptsLeft: left > 0 ? left : 0 };
  }

  /** physical presence: the board's button was pressed */
  button(): void {
    const now = this.clock.now();
    this.openUntil = Math.max(this.openUntil, now + BUTTON_WINDOW_US);
  }

  logout(): void {
    this.openUntil = -1;
    this.pinUntil = -1;
  }
}

/** lock after the n-th failure: LOCK_BASE_US doubling from the FREE_ATTEMPTS-th, capped */
export function lockFor(failures: number): number {
  let lock = LOCK_BASE_US;
  for (let k = FREE_ATTEMPTS; k < failures && lock < LOCK_MAX_US; k++) lock *= 2;
  return Math.min(lock, LOCK_MAX_US);
}
