// The control unit's CPU under a forgery flood (issue 12, "flood cost"). Anyone with an
// nRF24 can put ~3,300 frames/s on the air (docs/LINK.md, "Forgery odds"); each forged
// frame that reaches the link costs a tag check, ~13.3k XS computrons, so a flood asks
// ~44 M computrons/s of a chip that has ~2 M (tools/bench/xs.ts): the unit would stop
// answering its reader, its PC link and its nodes. Two bounds, both O(1) per frame:
//
//  - a receive budget: at most `rxPerSecond` frames a second reach the link. Past it the
//    radio is paused (nRF24: RX_DR masked, the chip's FIFO fills and then drops frames
//    unacknowledged, at no CPU cost) until the next one-second tick. 200/s is 20 times a
//    home of ten nodes reporting every second, and 8 times 254 nodes at the default 10 s.
//  - a tag budget while a flood lasts: when more than `armAbovePerSecond` frames in a
//    second are refused, every node's receiver gets LinkReceiver.limitTagFailures(burst,
//    perSecond), so a refused frame costs the cheap path (`xs.computrons_ratelimit_reject_path`)
//    instead of a tag check; it is lifted after `quietS` seconds without a flood.
//
// What it costs: while a flood lasts a node's own frames are refused too (the attacker
// spends the tag budget first, counters are public) and some wait in the paused radio:
// the flood works as jamming does, which anyone with a radio can do anyway, and it is
// alarmed ('flood', firmware/control/anomaly.ts). What it keeps: the unit's CPU for its
// reader, PC link and timers. Measured in `npm run bench` (security.flood_*).
import type { Radio } from '../../hal/radio';

export interface FloodGuardOptions {
  /** frames read per second before the radio is paused (10..100000, default 200; past 3,300 it never bites) */
  rxPerSecond: number;
  /** refusals in a second that arm the tag budget (1..100000, default 20, the anomaly detector's flood mark) */
  armAbovePerSecond: number;
  /** the tag budget while armed: failures at once, and refilled per second */
  tagBurst: number;
  tagPerSecond: number;
  /** seconds without a flood before the tag budget is lifted (1..3600, default 60) */
  quietS: number;
}

export function defaultFloodGuardOptions(): FloodGuardOptions {
  return { rxPerSecond: 200, armAbovePerSecond: 20, tagBurst: 16, tagPerSecond: 1, quietS: 60 };
}

function check(name: string, v: number, lo: number, hi: number): void {
  if (!(v >= lo && v <= hi)) throw new RangeError('FloodGuard.' + name + ' ' + String(v) + ' out of range ' + String(lo) + '..' + String(hi));
}

export class FloodGuard {
  readonly stats = { shed: 0, pauses: 0, armed: 0 };
  private rxThisS = 0;
  private rejThisS = 0;
  private paused = false;
  private armed = false;
  private quietSince = 0;

  /** `arm(true)` puts the tag budget on every receiver, `arm(false)` lifts it */
  constructor(
    readonly o: FloodGuardOptions,
    private readonly radio: Radio,
    private readonly arm: (on: boolean) => void,
  ) {
    check('rxPerSecond', o.rxPerSecond, 10, 100000);
    check('armAbovePerSecond', o.armAbovePerSecond, 1, 100000);
    check('tagBurst', o.tagBurst, 1, 1000);
    check('tagPerSecond', o.tagPerSecond, 0.01, 1000);
    check('quietS', o.quietS, 1, 3600);
  }

  /** A frame came from the radio: true to read it, false to drop it unread (over budget). */
  admit(): boolean {
    if (this.paused) {
      this.stats.shed++;
      return false;
    }
    this.rxThisS++;
    if (this.rxThisS <= this.o.rxPerSecond) return true;
    this.paused = true;
    this.stats.pauses++;
    this.stats.shed++;
    if (this.radio.pauseReceive !== undefined) this.radio.pauseReceive();
    return false;
  }

  /** A frame was refused (any reason): arm the tag budget as soon as the second's count passes the mark. */
  onReject(): void {
    this.rejThisS++;
    if (!this.armed && this.rejThisS > this.o.armAbovePerSecond) {
      this.armed = true;
      this.stats.armed++;
      this.arm(true);
    }
  }

  isArmed(): boolean {
    return this.armed;
  }

  /** Once a second: a new receive budget, and the tag budget lifted after `quietS` quiet seconds. */
  tick(): void {
    if (this.rejThisS > this.o.armAbovePerSecond) this.quietSince = 0;
    else if (this.armed && ++this.quietSince >= this.o.quietS) {
      this.armed = false;
      this.quietSince = 0;
      this.arm(false);
    }
    this.rxThisS = 0;
    this.rejThisS = 0;
    if (this.paused) {
      this.paused = false;
      if (this.radio.resumeReceive !== undefined) this.radio.resumeReceive();
    }
  }
}
