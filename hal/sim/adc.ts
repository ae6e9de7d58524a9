// Continuous (DMA) ADC, after ESP-IDF's adc_continuous driver: the converter scans the two
// mains channels without pause, V at t_k = t0 + k/rate and I at t_k + skewUs, and the DMA
// hands over a block of blockPairs pairs when its last conversion is done. The block is
// then delivered through the (single) JS thread. At most ringBlocks blocks can wait in the
// DMA ring; when the consumer falls further behind, the oldest block is overwritten and
// counted in `overruns` (the consumer then sees a gap in tUs).
import type { ContinuousAdc, ContinuousAdcOptions } from '../io';
import type { AdcFrontend } from './frontend';
import type { Scheduler } from './scheduler';

export interface AdcWiring {
  sched: Scheduler;
  frontend: AdcFrontend;
  /** instantaneous mains voltage / CT current at t (relay contacts taken into account) */
  voltsAt(tUs: number): number;
  ampsAt(tUs: number): number;
  pinV: number;
  pinI: number;
  skewUs: number;
  ringBlocks: number;
  blockCostUs: () => number;
}

interface RingEntry {
  block: number[];
  tUs: number;
  jsId: number;
}

export function makeContinuousAdc(w: AdcWiring): new (o: ContinuousAdcOptions) => ContinuousAdc {
  return class SimContinuousAdc implements ContinuousAdc {
    readonly resolution = w.frontend.bits;
    readonly rateHz: number;
    readonly blockPairs: number;
    readonly skewUs = w.skewUs;
    private dropped = 0;
    private readonly periodUs: number;
    private readonly onBlock: (block: number[], tUs: number) => void;
    private readonly conv: ((t: number) => number)[];
    private running = false;
    private t0 = 0;
    private n = 0;
    private fillId = -1;
    private ring: RingEntry[] = [];
    private readonly pool: number[][] = [];

    constructor(o: ContinuousAdcOptions) {
      if (!o || !Array.isArray(o.pins) || o.pins.length !== 2) {
        throw new RangeError(`ContinuousAdc.pins must be [adcV, adcI] = [${w.pinV}, ${w.pinI}], got ${o && JSON.stringify(o.pins)}`);
      }
      this.conv = o.pins.map((p) => {
        if (p === w.pinV) return (t: number) => w.frontend.vCode(t, w.voltsAt(t));
        if (p === w.pinI) return (t: number) => w.frontend.iCode(t, w.ampsAt(t));
        throw new RangeError(`ContinuousAdc.pins entries must be ${w.pinV} (adcV) or ${w.pinI} (adcI), got ${p}`);
      });
      const maxRate = w.skewUs > 0 ? 1e6 / w.skewUs : 1e6;
      if (typeof o.rateHz !== 'number' || !(o.rateHz >= 1 && o.rateHz < maxRate)) {
        throw new RangeError(`ContinuousAdc.rateHz must be in [1, ${maxRate}) pairs/s (the pair's skew must fit in a period), got ${o.rateHz}`);
      }
      if (!Number.isInteger(o.blockPairs) || o.blockPairs < 1 || o.blockPairs > 4096) {
        throw new RangeError(`ContinuousAdc.blockPairs must be an integer in [1, 4096], got ${o.blockPairs}`);
      }
      if (typeof o.onBlock !== 'function') throw new RangeError('ContinuousAdc.onBlock must be a function');
      this.rateHz = o.rateHz;
      this.blockPairs = o.blockPairs;
      this.periodUs = 1e6 / o.rateHz;
      this.onBlock = o.onBlock;
    }

    get overruns(): number {
      return this.dropped;
    }

    start(): void {
      if (this.running) return;
      this.running = true;
      this.t0 = w.sched.now();
      this.n = 0;
      this.scheduleFill();
    }

    stop(): void {
      if (!this.running) return;
      this.running = false;
      w.sched.cancel(this.fillId);
      for (const e of this.ring) {
        w.sched.cancel(e.jsId);
        this.pool.push(e.block);
      }
      this.ring = [];
    }

    close(): void {
      this.stop();
    }

    private scheduleFill(): void {
      const tEnd = this.t0 + (this.n + this.blockPairs - 1) * this.periodUs + this.skewUs;
      this.fillId = w.sched.at(tEnd, () => this.fill());
    }

    private fill(): void {
      const bp = this.blockPairs;
      const block = this.pool.length > 0 ? (this.pool.pop() as number[]) : new Array<number>(2 * bp);
      const c0 = this.conv[0];
      const c1 = this.conv[1];
      const skew = this.skewUs;
      for (let j = 0; j < bp; j++) {
        const t = this.t0 + (this.n + j) * this.periodUs;
        block[2 * j] = c0(t);
        block[2 * j + 1] = c1(t + skew);
      }
      const entry: RingEntry = { block, tUs: this.t0 + this.n * this.periodUs, jsId: -1 };
      this.n += bp;
      if (this.ring.length >= w.ringBlocks) {
        const old = this.ring.shift() as RingEntry;
        w.sched.cancel(old.jsId);
        this.pool.push(old.block);
        this.dropped++;
      }
      entry.jsId = w.sched.js(w.sched.now(), () => this.deliver(entry), w.blockCostUs());
      this.ring.push(entry);
      this.scheduleFill();
    }

    private deliver(entry: RingEntry): void {
      const k = this.ring.indexOf(entry);
      if (k < 0) return;
      this.ring.splice(k, 1);
      try {
        this.onBlock(entry.block, entry.tUs);
      } finally {
        this.pool.push(entry.block);
      }
    }
  };
}
