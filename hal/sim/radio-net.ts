// Co-simulation of several boards on one RF medium. A SimBoard owns its scheduler (its
// ADC, timers and JS thread live there), so boards cannot share one event queue. NetSim
// keeps an "air" scheduler for the medium (and for a control unit that needs no mains
// board) and advances every board and the air in lockstep slices of `sliceUs`:
//
//   for each slice end T: every board runs to T, then the air runs to T.
//
// A board's radio (SimPacketRadio with `host` = the board's scheduler) puts a frame on
// the medium at the board's exact send time; the medium delivers at the exact end of
// airtime, and the receiving board's JS callback is queued at that time or, when that
// board already ran past it in the current slice, at the slice end. So a delivery is late
// by at most one slice (default 500 µs, below one nRF24 retransmit delay), never early,
// and the whole network stays deterministic (fixed order: boards in attach order, then air).
import { Prng } from './prng';
import { RfMedium, type MediumOptions } from './radio-medium';
import { SimPacketRadio } from './radio-sim';
import { Nrf24Chip } from './nrf24-chip';
import type { SpiDevice } from './peripherals';
import type { SimPin } from './pin';
import type { RadioProfileName } from '../radio';
import { Scheduler } from './scheduler';

export interface NetSimOptions {
  seed: number;
  /** lockstep slice, µs (1 .. 100 000; default 500) */
  sliceUs?: number;
  startUs?: number;
  medium?: Partial<Omit<MediumOptions, 'sched' | 'prng'>>;
}

export class NetSim {
  readonly air: Scheduler;
  readonly prng: Prng;
  readonly medium: RfMedium;
  readonly sliceUs: number;
  private readonly hosts: Scheduler[] = [];

  constructor(o: NetSimOptions) {
    const slice = o.sliceUs === undefined ? 500 : o.sliceUs;
    if (!(slice >= 1 && slice <= 100000)) throw new RangeError(`NetSim.sliceUs must be in 1..100000 µs, got ${slice}`);
    this.sliceUs = slice;
    this.air = new Scheduler({ startUs: o.startUs });
    this.prng = new Prng(o.seed);
    const m = o.medium === undefined ? {} : o.medium;
    this.medium = new RfMedium({ sched: this.air, prng: this.prng.fork('medium'), rangeM: m.rangeM, edgeLoss: m.edgeLoss, baseLoss: m.baseLoss });
  }

  /** Advance this scheduler (a SimBoard's `sched`) with the air. It must not be ahead of the air. */
  addHost(s: Scheduler): void {
    if (s.now() > this.air.now()) throw new RangeError(`NetSim.addHost: host at ${s.now()} µs is ahead of the air at ${this.air.now()} µs`);
    s.runUntil(this.air.now());
    this.hosts.push(s);
  }

  /** Stop advancing a host (a board switched off, before its reboot on a new board). */
  removeHost(s: Scheduler): void {
    const k = this.hosts.indexOf(s);
    if (k >= 0) this.hosts.splice(k, 1);
  }

  /** A packet radio for a board (host scheduler) or, with host undefined, for the air itself. */
  radio(id: string, profile: RadioProfileName, channel: number, x: number, y: number, host: Scheduler | undefined, callbackCostUs?: number): SimPacketRadio {
    return new SimPacketRadio({ id, medium: this.medium, sched: this.air, host, profile, channel, x, y, callbackCostUs, carrierSense: true });
  }

  /**
   * An nRF24L01+ chip model (nrf24-chip.ts) on a board's SPI select, CE and IRQ lines, on
   * this air: what a firmware's nRF24 driver (firmware/link/nrf24.ts) drives through the
   * board's io.SPI and io.Digital. The chip keeps the air's clock (packet, ACK and
   * retransmit timing, all on the medium); the board sees its IRQ at its own time, at most
   * one slice late, as a packet radio's delivery.
   */
  nrf24(
    id: string,
    board: { digitalPin(pin: number): SimPin; attachSpi(select: number, dev: SpiDevice): void },
    pins: { select: number; ce: number; irq: number },
    x: number,
    y: number,
  ): Nrf24Chip {
    const chip = new Nrf24Chip({ id, medium: this.medium, sched: this.air, ce: board.digitalPin(pins.ce), irq: board.digitalPin(pins.irq), x, y });
    board.attachSpi(pins.select, chip);
    return chip;
  }

  now(): number {
    return this.air.now();
  }

  runUntil(tUs: number): void {
    while (this.air.now() < tUs) {
      let next = this.air.now() + this.sliceUs;
      if (next > tUs) next = tUs;
      for (let k = 0; k < this.hosts.length; k++) this.hosts[k].runUntil(next);
      this.air.runUntil(next);
    }
  }

  runFor(durationUs: number): void {
    this.runUntil(this.air.now() + durationUs);
  }
}
