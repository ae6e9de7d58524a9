// The meter node's two clocks (issue 12, item 2; the rule and why: docs/LINK.md "Time").
//
//   wall clock        local unix time, for the validity windows of signed commands and for
//                     people. Set by the unsigned time sync (link keys only), so it is
//                     bounded: never before the provisioning epoch, a step back of at most
//                     MAX_BACK_STEP_US per sync and one accepted sync per SYNC_EVERY_US (so it
//                     cannot be walked back: a year-old capture stays expired), any step
//                     forward (that can only expire commands: a denial of service the
//                     head-end has anyway by not forwarding them).
//   accounting clock  what the meter's day index (today's register, the daily energy cap,
//                     any schedule) runs on: the wall clock, except that the day index never
//                     goes back and moves forward only once the register has run for
//                     MIN_DAY_US of the node's own running time (or is still 0). So a time
//                     sync can shift when the day turns, but never reset the daily register
//                     more than once per 23 h of running time, and a backward step never
//                     resets it. A power cut keeps both (saved with the energy registers).
//
// Portable (firmware/): a monotonic Clock in, the meter's dayOffsetUs out.
import type { Clock } from '../../hal/io';
import type { EnergyRegisters } from '../metering/readings';

export const DAY_US = 86400e6;
/** shortest accounting day, node running time: a daylight-saving day is 23 h long */
export const MIN_DAY_US = 23 * 3600e6;
/** largest backward step per accepted time sync (NTP-sized corrections of a drifting crystal) */
export const MAX_BACK_STEP_US = 2e6;
/** accepted time syncs are at least this far apart (node running time) */
export const SYNC_EVERY_US = 60e6;
/**
 * While the day may not turn, the accounting time is held this far before midnight. It is
 * re-applied every minute (tick(), with the energy save) and at every sync; an hour of
 * margin covers that and a JS thread busy for a long signature verify, during which ADC
 * blocks are processed late with their own timestamps.
 */
const EDGE_US = 3600e6;

/** What the meter exposes to the clock: its day offset and its registers. */
export interface DayMeter {
  dayOffsetUs: number;
  readonly energy: EnergyRegisters;
}

export class NodeClock {
  private wallOffsetUs: number;
  /** node running time (monotonic clock) when today's register was last reset */
  private resetMonoUs: number;
  private lastSyncUs = -1e18;
  private lastDay: number;
  /** accepted, clamped and refused time syncs */
  readonly stats = { syncs: 0, clamped: 0, refused: 0 };

  /**
   * floorUs: the provisioning epoch (µs of unix time; 0 when unknown). savedWallUs and
   * savedSinceResetUs: what the last energy save held (-1 when not saved yet).
   */
  constructor(
    private readonly clock: Clock,
    private readonly meter: DayMeter,
    readonly floorUs: number,
    savedWallUs: number,
    savedSinceResetUs: number,
  ) {
    const now = clock.now();
    const e = meter.energy;
    let wall = savedWallUs >= 0 ? savedWallUs : e.day * DAY_US;
    if (wall < floorUs) wall = floorUs;
    this.wallOffsetUs = wall - now;
    this.resetMonoUs = now - (savedSinceResetUs >= 0 ? savedSinceResetUs : 0);
    this.lastDay = e.day;
    this.update();
  }

  /** local unix time, µs */
  wallUs(): number {
    return this.clock.now() + this.wallOffsetUs;
  }

  /** node running time since today's register was reset, µs (saved with the registers) */
  sinceResetUs(): number {
    return this.clock.now() - this.resetMonoUs;
  }

  /** Once a minute: notices a day turn (so the 23 h count from it may start up to a minute late: the safe side) and re-applies the accounting clock. */
  tick(): void {
    this.update();
  }

  /**
   * A time sync (link-authenticated only): '' when applied as asked, else what was done
   * instead ('clamped: ...') or why nothing was ('refused: ...').
   */
  sync(localUs: number): string {
    const now = this.clock.now();
    if (now - this.lastSyncUs < SYNC_EVERY_US) {
      this.stats.refused++;
      return `refused: one time sync per ${SYNC_EVERY_US / 1e6} s`;
    }
    if (!(localUs >= this.floorUs)) {
      this.stats.refused++;
      return `refused: ${localUs} us is before the provisioning epoch ${this.floorUs} us`;
    }
    this.lastSyncUs = now;
    this.stats.syncs++;
    const wall = now + this.wallOffsetUs;
    let target = localUs;
    let note = '';
    if (target < wall - MAX_BACK_STEP_US) {
      target = wall - MAX_BACK_STEP_US;
      note = `clamped: back ${Math.round((wall - localUs) / 1e6)} s asked, ${MAX_BACK_STEP_US / 1e6} s allowed per sync`;
      this.stats.clamped++;
    }
    this.wallOffsetUs = target - now;
    this.update();
    return note;
  }

  private update(): void {
    const now = this.clock.now();
    const e = this.meter.energy;
    if (e.day !== this.lastDay) {
      // the meter turned the day (and zeroed today's register) since the last look
      this.lastDay = e.day;
      this.resetMonoUs = now;
    }
    const start = e.day * DAY_US;
    let acc = now + this.wallOffsetUs;
    if (acc < start) acc = start; // the day index never goes back
    const mayTurn = now - this.resetMonoUs >= MIN_DAY_US || e.todayWh === 0;
    if (!mayTurn && acc > start + DAY_US - EDGE_US) acc = start + DAY_US - EDGE_US;
    this.meter.dayOffsetUs = acc - now;
  }
}
