// The control unit's CPU under a forgery flood (issue 12, "flood cost"). Anyone with an
// nRF24 can put ~3,300 frames/s on the air (docs/LINK.md, "Forgery odds"); each forged
// frame that reaches the link costs a tag check, ~13.3k XS computrons, so a flood asks
// ~44 M computrons/s of a chip that has ~2 M (tools/bench/xs.ts): the unit would stop
// answering its reader, its PC link and its nodes. Two bounds, both O(1) per frame:
//
//  - a receive budget: at most `rxPerSecond` frames a second reach the link, as a token
//    bucket (burst a tenth of a second's worth). When it is empty the radio is paused
//    (nRF24: RX_DR masked, the chip's FIFO fills and then drops frames unacknowledged, at
//    no CPU cost) and a one-shot timer resumes it once half the burst has come back
//    (~17 ms at 300/s). Short pauses spread through every second, so no node whose report
//    falls at a fixed point of the second is starved by them. 300/s is 30 times a home of
//    ten nodes reporting every second, and 12 times 254 nodes at the default 10 s; at the
//    airtime limit it costs ~17 % of an ESP32 (`npm run bench`: security.cu_flood_*).
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
import type { Clock, Timer } from '../../hal/io';
import type { Radio } from '../../hal/radio';

export interface FloodGuardOptions {
  /** frames read per second before the radio is paused (10..100000, default 300; past 3,300 it never bites) */
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
  return { rxPerSecond: 300, armAbovePerSecond: 20, tagBurst: 16, tagPerSecond: 1, quietS: 60 };
}

function check(name: string, v: number, lo: number, hi: number): void {
  if (!(v >= lo && v <= hi)) throw new RangeError('FloodGuard.' + name + ' ' + String(v) + ' out of range ' + String(lo) + '..' + String(hi));
}

export class FloodGuard {
  readonly stats = { shed: 0, pauses: 0, armed: 0 };
  private readonly burst: number;
  private tokens: number;
  private lastUs: number;
  private rejThisS = 0;
  private paused = false;
  private armed = false;
  private quietSince = 0;

  /** `arm(true)` puts the tag budget on every receiver, `arm(false)` lifts it */
  constructor(
    readonly o: FloodGuardOptions,
    private readonly radio: Radio,
    private readonly clock: Clock,
    private readonly timer: Timer,
    private readonly arm: (on: boolean) => void,
  ) {
    check('rxPerSecond', o.rxPerSecond, 10, 100000);
    check('armAbovePerSecond', o.armAbovePerSecond, 1, 100000);
    check('tagBurst', o.tagBurst, 1, 1000);
    check('tagPerSecond', o.tagPerSecond, 0.01, 1000);
    check('quietS', o.quietS, 1, 3600);
    this.burst = Math.max(2, Math.ceil(o.rxPerSecond / 10));
    this.tokens = this.burst;
    this.lastUs = clock.now();
  }

  /** A frame came from the radio: true to read it, false to drop it unread (over budget). */
  admit(): boolean {
    if (this.paused) {
      this.stats.shed++;
      return false;
    }
    const now = this.clock.now();
    this.tokens += ((now - this.lastUs) * this.o.rxPerSecond) / 1e6;
    if (this.tokens > this.burst) this.tokens = this.burst;
    this.lastUs = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.paused = true;
    this.stats.pauses++;
    this.stats.shed++;
    if (this.radio.pauseReceive !== undefined) this.radio.pauseReceive();
    // resume when half the burst is back
    this.timer.set(() => this.resume(), ((this.burst / 2 - this.tokens) * 1e6) / this.o.rxPerSecond);
    return false;
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.radio.resumeReceive !== undefined) this.radio.resumeReceive();
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

  /** Once a second: the refusal count starts again, and the tag budget is lifted after `quietS` quiet seconds. */
  tick(): void {
    if (this.rejThisS > this.o.armAbovePerSecond) this.quietSince = 0;
    else if (this.armed && ++this.quietSince >= this.o.quietS) {
      this.armed = false;
      this.quietSince = 0;
      this.arm(false);
    }
    this.rejThisS = 0;
  }
}
