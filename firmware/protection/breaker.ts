// The relay state machine. Safety first:
// - any trip opens the relays at once (the write happens inside trip());
// - latched reasons (short circuit, over-current, overload, gas, temperature) stay open
//   until a reset on the spot, and a reset is refused while the cause is still there;
// - voltage trips (and power-limit trips if enabled) reclose by themselves once the
//   supply has been healthy for recloseDelayMs, but N such trips inside the window lock
//   out, and a lockout also needs a reset on the spot;
// - a sensor fault puts the node in a fail-safe open state (it cannot see faults);
// - a remote or console "on" only closes from the plain 'open' state, never over a trip.

export type BreakerState = 'closed' | 'open' | 'tripped' | 'reclosing' | 'lockout' | 'failsafe';

export interface Actuator {
  open(tUs: number): void;
  close(tUs: number): void;
}

const RECLOSABLE = ['overvoltage', 'undervoltage', 'energycap'];

/** Open by a safety decision that only a reset on the spot lifts (the flash latch keeps it). */
export function isLatchedState(s: string): boolean {
  return s === 'tripped' || s === 'lockout' || s === 'failsafe';
}

export class Breaker {
  state: BreakerState = 'open';
  reason = '';
  /** times of recent reclosable trips, for the lockout count */
  private recent: number[] = [];
  clearSinceUs = -1;

  constructor(private readonly act: Actuator) {}

  isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Open by a trip, a lockout or a sensor fault: only a reset on the spot closes it. */
  isLatched(): boolean {
    return isLatchedState(this.state);
  }

  /**
   * Boot from the flash latch (firmware/app/memory.ts): a latched trip survives a power cut
   * ('tripped', 'lockout', 'failsafe' with its reason), and so does a hold open ('open', e.g.
   * reason 'utility'). The relays are already open at boot; this only sets the state. A state
   * it does not know restores as 'tripped': open, until a reset on the spot.
   */
  restoreLatch(state: string, reason: string): void {
    this.state = state === 'open' || state === 'lockout' || state === 'failsafe' ? state : 'tripped';
    this.reason = reason;
    this.clearSinceUs = -1;
  }

  /** Boot: open, closing by itself once the supply has been healthy (tickReclose). */
  awaitBootClose(): void {
    this.state = 'reclosing';
    this.reason = 'boot';
  }

  /** Open now and latch `reason`. Returns the new state. */
  trip(reason: string, tUs: number, recloseOnPower: boolean, lockoutTrips: number, windowUs: number): BreakerState {
    this.act.open(tUs);
    // a later, weaker reason never downgrades a latched trip or a lockout
    if (this.isLatched()) return this.state;
    this.reason = reason;
    this.clearSinceUs = -1;
    if (reason === 'sensor') {
      this.state = 'failsafe';
      return this.state;
    }
    let reclosable = false;
    for (let k = 0; k < RECLOSABLE.length; k++) if (RECLOSABLE[k] === reason) reclosable = true;
    if (reason === 'overpower' && recloseOnPower) reclosable = true;
    if (!reclosable) {
      this.state = 'tripped';
      return this.state;
    }
    const kept: number[] = [];
    for (let k = 0; k < this.recent.length; k++) if (tUs - this.recent[k] < windowUs) kept.push(this.recent[k]);
    kept.push(tUs);
    this.recent = kept;
    this.state = kept.length >= lockoutTrips ? 'lockout' : 'reclosing';
    return this.state;
  }

  /** Called regularly while reclosing: closes after the cause has been clear long enough. */
  tickReclose(clear: boolean, tUs: number, delayUs: number): boolean {
    if (this.state !== 'reclosing') return false;
    if (!clear) {
      this.clearSinceUs = -1;
      return false;
    }
    if (this.clearSinceUs < 0) this.clearSinceUs = tUs;
    if (tUs - this.clearSinceUs < delayUs) return false;
    this.state = 'closed';
    this.reason = '';
    this.act.close(tUs);
    return true;
  }

  /** A reset on the spot (console with credential, or the button). */
  localReset(causeClear: boolean, tUs: number): string {
    if (this.state === 'closed') return 'nothing to reset';
    if (!causeClear) return `refused: ${this.reason} still present`;
    this.state = 'closed';
    this.reason = '';
    this.recent = [];
    this.act.close(tUs);
    return 'ok';
  }

  /** Relay on/off by command. On only from the plain 'open' state. */
  command(on: boolean, tUs: number): string {
    if (!on) {
      if (this.state === 'closed') {
        this.state = 'open';
        this.reason = 'manual';
        this.act.open(tUs);
      }
      return 'ok';
    }
    if (this.state === 'closed') return 'ok';
    if (this.state !== 'open') return `refused: ${this.state} (${this.reason}) needs a reset on the spot`;
    this.state = 'closed';
    this.reason = '';
    this.act.close(tUs);
    return 'ok';
  }
}
