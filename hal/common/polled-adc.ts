// ContinuousAdc emulated by polling two Analog inputs from a repeating timer. Used by the
// device providers whose SDK has no DMA ADC API (Moddable ECMA-419, Espruino on ESP32,
// NodeMCU Lua). Written in the Lua/Espruino subset (no typed arrays, explicit compares)
// so all three providers share it from hal/common.
//
// It delivers the same interleaved blocks [v0, i0, v1, i1, ...] as the DMA driver. A
// timer callback that comes more than two periods late counts as an overrun, because the
// samples it should have taken are lost (a DMA ring would have kept them).
import type { Analog, Clock, ContinuousAdc, ContinuousAdcOptions, Timer } from '../io';

export class PolledAdc implements ContinuousAdc {
  readonly resolution: number;
  readonly rateHz: number;
  readonly blockPairs: number;
  readonly skewUs: number;
  overruns: number;
  private readonly v: Analog;
  private readonly i: Analog;
  private readonly block: number[];
  private readonly onBlock: (block: number[], tUs: number) => void;
  private readonly timer: Timer;
  private readonly clock: Clock;
  private readonly periodUs: number;
  private fill: number;
  private firstUs: number;
  private lastUs: number;
  private id: number;

  constructor(o: ContinuousAdcOptions, bits: number, makeAnalog: (pin: number) => Analog, timer: Timer, clock: Clock) {
    if (o.pins.length !== 2) throw new Error(`ContinuousAdc pins: must be [voltagePin, currentPin], got ${o.pins.length} pins`);
    this.resolution = bits;
    this.rateHz = o.rateHz;
    this.blockPairs = o.blockPairs;
    this.skewUs = 0;
    this.overruns = 0;
    this.v = makeAnalog(o.pins[0]);
    this.i = makeAnalog(o.pins[1]);
    this.block = [];
    for (let k = 0; k < 2 * o.blockPairs; k++) this.block.push(0);
    this.onBlock = o.onBlock;
    this.timer = timer;
    this.clock = clock;
    this.periodUs = 1e6 / o.rateHz;
    this.fill = 0;
    this.firstUs = 0;
    this.lastUs = -1;
    this.id = -1;
  }

  start(): void {
    if (this.id !== -1) return;
    this.fill = 0;
    this.lastUs = -1;
    this.id = this.timer.set(() => this.tick(), this.periodUs, this.periodUs);
  }

  stop(): void {
    if (this.id === -1) return;
    this.timer.clear(this.id);
    this.id = -1;
  }

  close(): void {
    this.stop();
    this.v.close();
    this.i.close();
  }

  private tick(): void {
    const now = this.clock.now();
    if (this.lastUs >= 0 && now - this.lastUs > 2 * this.periodUs) {
      this.overruns++;
      this.fill = 0; // the block would have a gap: start a new one
    }
    this.lastUs = now;
    if (this.fill === 0) this.firstUs = now;
    this.block[2 * this.fill] = this.v.read();
    this.block[2 * this.fill + 1] = this.i.read();
    this.fill++;
    if (this.fill === this.blockPairs) {
      this.fill = 0;
      this.onBlock(this.block, this.firstUs);
    }
  }
}
