// The built Espruino node's nRF24L01+ behind the real APIs its provider uses
// (hal/espruino/device.ts), shared by the Espruino engine proofs: radio-standin.ts (a peer
// control unit in the same interpreter) and tools/build/cross/espruino-node.ts (the BUILT
// control unit in XS, in another process). Runs ON Espruino (ES5 after bundle.ts):
//   SPI1.setup(options)        records the bus settings (checked: sck/mosi/miso are the board's)
//   SPI1.send(data, nss)       Espruino's semantics: nss low around the transfer, returns a new
//                              Uint8Array of the bytes clocked in (espruino.com/Reference#l_SPI_send)
//   digitalWrite(radioCe, v)   drives the chip's CE (through the STANDINS' write hook)
//   the chip's IRQ line        falls -> the app's setWatch fires from the event loop
//                              (setTimeout 0, as Espruino queues a watch event), not inside
//                              the chip's own step
// `polyfill` gives the simulator's scheduler, PRNG and pins what Espruino 2v29 lacks (Map,
// Math.imul, Math.hypot, Number.isFinite, isNaN, Number.isInteger, Uint8Array.from and .of);
// the app itself uses none of them.
import { SimPin } from '../../../hal/sim/pin';
import type { SpiDevice } from '../../../hal/sim/peripherals';
import type { Nrf24Chip } from '../../../hal/sim/nrf24-chip';
import type { AirWorld } from '../link-e2e';

declare const global: Record<string, unknown>;
declare const SPI1: { setup(o: Record<string, number>): void; send(data: Uint8Array | number[], nss: number): Uint8Array };

export interface NodeRadioPins {
  spiSck: number;
  spiMosi: number;
  spiMiso: number;
  radioCs: number;
  radioCe: number;
  radioIrq: number;
  relayMain: number;
}

export interface Standin {
  edge(pin: number, level: number): number;
  level(pin: number): number;
  onWrite: Record<number, (v: number) => void>;
}

export function polyfill(): void {
  const g = global;
  if (typeof Math.imul !== 'function') {
    (Math as unknown as Record<string, unknown>).imul = function (a: number, b: number): number {
      const ah = (a >>> 16) & 0xffff;
      const al = a & 0xffff;
      const bh = (b >>> 16) & 0xffff;
      const bl = b & 0xffff;
      return (al * bl + (((ah * bl + al * bh) << 16) >>> 0)) | 0;
    };
  }
  const M2 = Math as unknown as Record<string, unknown>;
  if (typeof M2.hypot !== 'function') M2.hypot = (x: number, y: number) => Math.sqrt(x * x + y * y);
  const U = Uint8Array as unknown as Record<string, unknown>;
  if (typeof U.from !== 'function') U.from = (a: ArrayLike<number>) => new Uint8Array(a as number[]);
  if (typeof U.of !== 'function') {
    U.of = function (): Uint8Array {
      const b = new Uint8Array(arguments.length);
      for (let i = 0; i < arguments.length; i++) b[i] = arguments[i] as number;
      return b;
    };
  }
  const N = Number as unknown as Record<string, unknown>;
  if (typeof N.isNaN !== 'function') N.isNaN = (v: unknown) => typeof v === 'number' && v !== v;
  if (typeof N.isFinite !== 'function') N.isFinite = (v: unknown) => typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity;
  if (typeof N.isInteger !== 'function')
    N.isInteger = (v: unknown) => typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity && Math.floor(v) === v;
  if (typeof g.Map === 'undefined') {
    // what the scheduler and SimTimer use: get, set, has, delete, size (number or string keys)
    const M = function (this: { o: Record<string, unknown>; size: number }) {
      this.o = {};
      this.size = 0;
    } as unknown as { prototype: Record<string, unknown> };
    M.prototype.get = function (this: { o: Record<string, unknown> }, k: unknown) {
      return this.o['#' + k];
    };
    M.prototype.has = function (this: { o: Record<string, unknown> }, k: unknown) {
      return this.o.hasOwnProperty('#' + k);
    };
    M.prototype.set = function (this: { o: Record<string, unknown>; size: number }, k: unknown, v: unknown) {
      if (!this.o.hasOwnProperty('#' + k)) this.size++;
      this.o['#' + k] = v;
      return this;
    };
    M.prototype.delete = function (this: { o: Record<string, unknown>; size: number }, k: unknown) {
      if (!this.o.hasOwnProperty('#' + k)) return false;
      delete this.o['#' + k];
      this.size--;
      return true;
    };
    g.Map = M;
  }
}

export interface NodeRadio {
  chip: Nrf24Chip;
  /** what the SPI1 stand-in saw: setup calls, transfers, a setup on the wrong pins */
  bus: { setups: number; transfers: number; badSetup: string };
  /** the chip's IRQ fell and the app's watch has not run yet */
  irqPending(): boolean;
}

/**
 * The node's chip on `world`, at (x, y), behind SPI1, the CE write and the IRQ watch.
 * `afterService` runs once the app's watch has serviced a falling IRQ (the air may go on).
 * `irqLatencyUs`: air time from the IRQ edge to the watch (0: at the edge's own air time; the
 * caller then decides how far the air runs on, as radio-standin.ts does).
 */
export function wireNodeRadio(
  world: AirWorld,
  P: NodeRadioPins,
  S: Standin,
  errors: string[],
  afterService: () => void,
  x: number,
  y: number,
  irqLatencyUs = 0,
): NodeRadio {
  const pins: Record<number, SimPin> = {};
  const pin = (n: number): SimPin => {
    if (pins[n] === undefined) pins[n] = new SimPin(n);
    return pins[n];
  };
  let dev: SpiDevice | undefined;
  let pending = false;
  const chip = world.attachChip('node', { select: P.radioCs, ce: P.radioCe, irq: P.radioIrq }, pin, (_sel, d) => (dev = d), x, y);
  // the IRQ line: idle high (the chip drives it from power-on); a fall fires the app's watch
  // from the event loop
  S.edge(P.radioIrq, pin(P.radioIrq).level);
  const edge = (level: number): void => {
    if (level === 0) pending = true;
    setTimeout(() => {
      try {
        S.edge(P.radioIrq, level);
      } catch (e) {
        // an exception out of the app's IRQ service, which Espruino would print to the
        // console (on LoopbackA here) and drop
        errors.push('irq service: ' + String(e) + ' ' + String((e as { stack?: string }).stack));
      }
      if (level === 0) {
        pending = false;
        afterService();
      }
    }, 0);
  };
  pin(P.radioIrq).onChange((level: number) => {
    if (irqLatencyUs > 0) world.sched.at(world.sched.now() + irqLatencyUs, () => edge(level));
    else edge(level);
  });
  // SPI transfers and CE writes happen at the air's current time (it does not run ahead of
  // an IRQ the app has not serviced yet)
  S.onWrite[P.radioCe] = (v: number) => {
    pin(P.radioCe).set(v, 'app');
  };
  const bus = { setups: 0, transfers: 0, badSetup: '' };
  SPI1.setup = (o: Record<string, number>) => {
    bus.setups++;
    if (o.sck !== P.spiSck || o.mosi !== P.spiMosi || o.miso !== P.spiMiso) bus.badSetup = JSON.stringify(o);
  };
  SPI1.send = (data: Uint8Array | number[], nss: number): Uint8Array => {
    bus.transfers++;
    const b = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) b[i] = data[i];
    // only the radio hangs on this bus; another chip select reads a floating MISO
    if (nss === P.radioCs && dev !== undefined) dev.transfer(b);
    else b.fill(0xff);
    return b;
  };
  return { chip: chip, bus: bus, irqPending: () => pending };
}
