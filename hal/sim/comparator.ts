// The hardware over-current path: an LM393 comparator on the current signal whose output
// is 1 while |i(t)| > comparatorPeakAmps, and what that output drives:
// - 'latch': a 74HC74 flip-flop is set on the first rising edge and forces the relay
//   drivers off at once, in hardware, whatever the JS thread is doing. The comparator GPIO
//   reads the latch output Q. A high level on latchReset clears Q (and holds it clear
//   while high: the flip-flop's asynchronous CLR); firmware pulses it 1 then 0.
// - 'native-isr': a native interrupt handler (the Moddable build's C hook) drives the
//   relay GPIOs to their inactive level ISR_LATENCY_US after the edge. The GPIO reads the
//   raw comparator output.
// - 'js': nothing but the firmware's onReadable callback (through the JS event loop).
//
// The comparator is evaluated on a 10 µs grid only while the present current bound could
// exceed the threshold; otherwise it sleeps until the next change of state (a fault
// onset, a load step, a relay contact move), so normal running costs no events.
import type { SimPin } from './pin';
import type { SimRelay } from './relay';
import type { Scheduler } from './scheduler';

export type ComparatorPath = 'latch' | 'native-isr' | 'js';

/** LM393 response (~1.3 µs) is below the grid; ESP32 GPIO ISR entry is a few µs. */
export const COMPARATOR_STEP_US = 10;
export const ISR_LATENCY_US = 20;

export interface ComparatorHooks {
  /** current through the CT at t (A), relay contacts taken into account */
  current(tUs: number): number;
  /** upper bound of |current| at t */
  bound(tUs: number): number;
  /** next time after t at which the bound may change (Infinity if none) */
  nextChange(tUs: number): number;
}

export interface ComparatorEvent {
  tUs: number;
  path: ComparatorPath;
}

export class Comparator {
  /** rising edges of the comparator output */
  readonly events: ComparatorEvent[] = [];
  private out = 0;
  private latchQ = 0;
  private heldClear = false;
  private stepping = false;
  private wakeId = -1;
  /** comparator evaluations on the fine grid (a cost figure) */
  steps = 0;

  constructor(
    private readonly sched: Scheduler,
    readonly thresholdA: number,
    readonly path: ComparatorPath,
    private readonly hooks: ComparatorHooks,
    private readonly pin: SimPin,
    private readonly relays: SimRelay[],
    private readonly relayPins: SimPin[],
  ) {
    if (!(thresholdA > 0)) throw new RangeError(`frontend.comparatorPeakAmps must be > 0 A, got ${thresholdA}`);
    if (path !== 'latch' && path !== 'native-isr' && path !== 'js') {
      throw new RangeError(`frontend.comparatorPath must be 'latch', 'native-isr' or 'js', got '${path}'`);
    }
  }

  /** Raw comparator output now. */
  get output(): number {
    return this.out;
  }

  /** 74HC74 Q (the 'latch' path), 0 otherwise. */
  get latched(): number {
    return this.latchQ;
  }

  /** Re-evaluate after a change of state. Cheap; call it whenever something changes. */
  rearm(): void {
    if (this.stepping) return;
    if (this.wakeId >= 0) this.sched.cancel(this.wakeId);
    this.wakeId = -1;
    this.plan(this.sched.now());
  }

  /** latchReset GPIO level changed. */
  setLatchReset(level: number): void {
    this.heldClear = level !== 0;
    if (this.heldClear && this.latchQ !== 0) {
      this.latchQ = 0;
      this.pin.set(0, 'latch-reset');
      for (const r of this.relays) r.force(false, 'latch-reset');
    }
  }

  private plan(t: number): void {
    if (this.out !== 0 || this.hooks.bound(t) > this.thresholdA) {
      this.stepping = true;
      const next = Math.ceil(t / COMPARATOR_STEP_US) * COMPARATOR_STEP_US;
      this.sched.at(next, () => this.step());
      return;
    }
    this.stepping = false;
    const next = this.hooks.nextChange(t);
    if (next !== Infinity) {
      this.wakeId = this.sched.at(next, () => {
        this.wakeId = -1;
        this.plan(this.sched.now());
      });
    }
  }

  private step(): void {
    const t = this.sched.now();
    this.steps++;
    const over = Math.abs(this.hooks.current(t)) > this.thresholdA ? 1 : 0;
    if (over !== this.out) {
      this.out = over;
      if (over !== 0) this.rise(t);
      else if (this.path !== 'latch') this.pin.set(0, 'comparator');
    }
    if (this.out !== 0 || this.hooks.bound(t) > this.thresholdA) {
      this.sched.at(t + COMPARATOR_STEP_US, () => this.step());
    } else {
      this.stepping = false;
      this.plan(t);
    }
  }

  private rise(t: number): void {
    this.events.push({ tUs: t, path: this.path });
    if (this.path === 'latch') {
      if (this.heldClear || this.latchQ !== 0) return;
      this.latchQ = 1;
      for (const r of this.relays) r.force(true, 'latch');
      this.pin.set(1, 'latch');
      return;
    }
    this.pin.set(1, 'comparator');
    if (this.path === 'native-isr') {
      this.sched.at(t + ISR_LATENCY_US, () => {
        for (let k = 0; k < this.relays.length; k++) this.relayPins[k].set(1 - this.relays[k].activeLevel, 'native-isr');
      });
    }
  }
}
