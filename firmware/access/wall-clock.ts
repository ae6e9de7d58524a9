// The control unit's wall clock (issue 7, item 4: "The clock comes from the control unit's
// time sync. State the drift that you tolerate."). Unix time for guest codes (TOTP, RFC
// 6238), pass expiries and the access log's record times. docs/CONTROL-UNIT.md, "Clock and
// drift", has the figures in words.
//
// Source: the PC link's `time` command (firmware/control/pc-link.ts; the gateway sends the
// host's clock at start and hourly). Between sets it runs on the hal's monotonic Clock, which
// on the ESP32 is esp_timer, counted from the 40 MHz crystal; the board's own RTC time
// (ESP32 system time, kept across a software reset) is taken once at boot when the board
// has one that was set.
//
// Bound: the first set after boot takes any time between CLOCK_FLOOR_S and CLOCK_CEILING_S.
// Once set, a step larger than MAX_STEP_S either way is refused unless forced (the policy
// lets only household and technician set the clock at all, docs/ROLES.md). The bound
// guards against a PC with a wrong clock (a time zone, a dead CMOS cell, a wrong date),
// which would otherwise expire every pass or revive expired ones; it is not a guard against
// the household, who may force.
//
// Portable (firmware/): the monotonic Clock in, no timers, no platform time.
import type { Clock } from '../../hal/io';

/** earlier than this is a clock nobody set (2023-11-14; the ESP32 starts at 1970) */
export const CLOCK_FLOOR_S = 1700000000;
/** later than this is refused: the access log stores times as u32 seconds (2100-01-01) */
export const CLOCK_CEILING_S = 4102444800;
/**
 * Largest step, either way, that a set makes once the clock is set, unless forced. The
 * crystal's drift between hourly sets is a fraction of a second (DRIFT_BUDGET_PPM below);
 * 120 s covers 27 days without a set at that budget (0.18 s/h),
 * and a wrong time zone (15 min at least) is well outside it.
 */
export const MAX_STEP_S = 120;
/**
 * Drift budget of the unit's clock between sets, ppm. The ESP32 needs a 40 MHz crystal
 * within ±10 ppm (ESP32 Hardware Design Guidelines v2.1, §2.1.4.1 "External Clock
 * Source": 40 MHz, ±10 ppm); five times that covers temperature and ageing. The RTC's 150 kHz RC
 * oscillator (RC_SLOW, ESP-IDF "Clock Tree") drifts by tenths of a percent, but it counts
 * time only in sleep, and the unit never sleeps.
 */
export const DRIFT_BUDGET_PPM = 50;
/**
 * The clock error the guest codes tolerate, s. A code is accepted in its own 30 s step and
 * one either side (otp.ts, RFC 6238 §5.2), so a code shown at phone time T and checked at
 * unit time T + d is always accepted for |d| < 30 s; half of that is left to reading and
 * typing the code, half to the clock.
 */
export const TOLERATED_ERROR_S = 15;

export interface ClockStep {
  /** the time before the set, undefined when the clock was not set */
  fromS: number | undefined;
  toS: number;
  /** toS - fromS rounded to whole seconds (0 on a first set) */
  stepS: number;
}

export class WallClock {
  private offsetUs = 0;
  private set_ = false;
  readonly stats = { sets: 0, refused: 0 };

  /** boardS: the board's own time at boot (an RTC that kept it), undefined or unset: not set */
  constructor(
    private readonly clock: Clock,
    boardS?: number,
  ) {
    if (boardS !== undefined && boardS >= CLOCK_FLOOR_S && boardS <= CLOCK_CEILING_S) this.apply(boardS);
  }

  private apply(unixS: number): void {
    this.offsetUs = unixS * 1e6 - this.clock.now();
    this.set_ = true;
  }

  isSet(): boolean {
    return this.set_;
  }

  /** Unix seconds (fractional), or undefined before the first set. */
  wallS(): number | undefined {
    return this.set_ ? (this.clock.now() + this.offsetUs) / 1e6 : undefined;
  }

  /** Would a set to `unixS` be taken? '' when yes, else why not (names the bound). */
  check(unixS: number, force: boolean): string {
    if (typeof unixS !== 'number' || unixS !== unixS) return 'not a number';
    if (unixS < CLOCK_FLOOR_S || unixS > CLOCK_CEILING_S) return unixS + ' s is outside ' + CLOCK_FLOOR_S + '..' + CLOCK_CEILING_S + ' (Unix seconds)';
    const now = this.wallS();
    if (now === undefined || force) return '';
    const step = unixS - now;
    if (step > MAX_STEP_S || step < -MAX_STEP_S) return 'step ' + Math.round(step) + ' s over the limit of ' + MAX_STEP_S + ' s: check the PC clock, or force';
    return '';
  }

  /** Set the clock (the caller checked it and the policy); returns the step made. */
  set(unixS: number, force: boolean): ClockStep | string {
    const why = this.check(unixS, force);
    if (why !== '') {
      this.stats.refused++;
      return why;
    }
    const from = this.wallS();
    this.apply(unixS);
    this.stats.sets++;
    return { fromS: from, toS: unixS, stepS: from === undefined ? 0 : Math.round(unixS - from) };
  }
}
