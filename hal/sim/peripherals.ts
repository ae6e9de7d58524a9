// ECMA-419-shaped peripheral classes backed by the simulated board: Digital, Analog,
// Serial, SPI, and the timer. Every firmware callback (onReadable, timers) goes through
// the JS thread (Scheduler.js) with a cost, as on a one-thread JS engine.
import type { Analog, AnalogOptions, Digital, DigitalOptions, DigitalMode, Serial, SerialOptions, SPI, SPIOptions, Timer } from '../io';
import { EDGE_FALLING, EDGE_RISING } from '../io';
import type { SimPin } from './pin';
import type { Scheduler } from './scheduler';

export interface SpiDevice {
  /** full-duplex transfer in place, chip select asserted around it */
  transfer(buffer: Uint8Array): void;
}

export interface PeripheralWiring {
  sched: Scheduler;
  callbackCostUs: () => number;
  pin(n: number): SimPin;
  /** one-shot conversion of an analog pin, or undefined if the pin is not analog */
  analogRead(pin: number): number | undefined;
  isAnalog(pin: number): boolean;
  bits: number;
  spiDevice(select: number): SpiDevice | undefined;
  uart(port: number): SimUart;
}

const MODES: DigitalMode[] = ['input', 'inputPullUp', 'inputPullDown', 'output', 'outputOpenDrain'];

function checkPin(what: string, pin: number): number {
  if (!Number.isInteger(pin) || pin < 0 || pin > 63) throw new RangeError(`${what}.pin must be an integer GPIO number 0..63, got ${pin}`);
  return pin;
}

export function makeDigital(w: PeripheralWiring): new (o: DigitalOptions) => Digital {
  return class SimDigital implements Digital {
    private readonly line: SimPin;
    private readonly output: boolean;
    private unsubscribe: (() => void) | undefined;

    constructor(o: DigitalOptions) {
      checkPin('Digital', o.pin);
      if (MODES.indexOf(o.mode) < 0) throw new RangeError(`Digital.mode must be one of ${MODES.join(', ')}, got '${o.mode}'`);
      this.line = w.pin(o.pin);
      this.output = o.mode === 'output' || o.mode === 'outputOpenDrain';
      if (o.mode === 'inputPullUp' && !this.line.touched) this.line.set(1, 'pull-up');
      const cb = o.onReadable;
      if (cb !== undefined && !this.output) {
        const edge = o.edge === undefined ? EDGE_RISING | EDGE_FALLING : o.edge;
        if (!Number.isInteger(edge) || edge < 1 || edge > 3) throw new RangeError(`Digital.edge must be 1 (rising), 2 (falling) or 3 (both), got ${o.edge}`);
        this.unsubscribe = this.line.onChange((level) => {
          if ((level !== 0 && (edge & EDGE_RISING) !== 0) || (level === 0 && (edge & EDGE_FALLING) !== 0)) {
            w.sched.js(
              w.sched.now(),
              () => {
                if (this.unsubscribe !== undefined) cb.call(this);
              },
              w.callbackCostUs(),
            );
          }
        });
      }
    }

    read(): number {
      return this.line.level;
    }

    write(value: number): void {
      if (!this.output) throw new Error(`Digital pin ${this.line.pin} is an input; write() needs mode 'output'`);
      this.line.set(value, 'js');
    }

    close(): void {
      if (this.unsubscribe !== undefined) this.unsubscribe();
      this.unsubscribe = undefined;
    }
  };
}

export function makeAnalog(w: PeripheralWiring): new (o: AnalogOptions) => Analog {
  return class SimAnalog implements Analog {
    readonly resolution = w.bits;
    private readonly pin: number;
    constructor(o: AnalogOptions) {
      this.pin = checkPin('Analog', o.pin);
      if (!w.isAnalog(this.pin)) throw new RangeError(`Analog.pin ${o.pin} is not an analog input of this board (ntc, gas, adcV, adcI)`);
    }
    read(): number {
      return w.analogRead(this.pin) as number;
    }
    close(): void {}
  };
}

export function makeSpi(w: PeripheralWiring): new (o: SPIOptions) => SPI {
  return class SimSPI implements SPI {
    private readonly select: number;
    /** transfers with nothing attached (MISO floats high: every byte reads 0xFF) */
    static unattachedTransfers = 0;
    constructor(o: SPIOptions) {
      this.select = checkPin('SPI.select', o.select);
      if (!(o.hz > 0)) throw new RangeError(`SPI.hz must be > 0, got ${o.hz}`);
    }
    transfer(buffer: Uint8Array): void {
      const dev = w.spiDevice(this.select);
      if (dev !== undefined) dev.transfer(buffer);
      else {
        SimSPI.unattachedTransfers++;
        buffer.fill(0xff);
      }
    }
    close(): void {}
  };
}

/**
 * The node's UART as a byte pipe. The host side writes into the node's RX (which fires the
 * node's onReadable through the JS thread) and reads what the node wrote. Bytes arrive at
 * once (no baud-rate timing). One per ESP32 UART port; port 0 is the console.
 */
export class SimUart {
  private rx: number[] = [];
  private rxHead = 0;
  private tx: number[] = [];
  private readonly hostListeners: ((bytes: Uint8Array) => void)[] = [];
  private nodeReadable: ((count: number) => void) | undefined;
  private nodeThis: unknown;

  constructor(
    private readonly sched: Scheduler,
    private readonly costUs: () => number,
  ) {}

  hostWrite(data: Uint8Array | number[] | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (let k = 0; k < bytes.length; k++) this.rx.push(bytes[k] & 0xff);
    const cb = this.nodeReadable;
    if (cb !== undefined) {
      this.sched.js(
        this.sched.now(),
        () => {
          const n = this.rx.length - this.rxHead;
          if (n > 0 && this.nodeReadable === cb) cb.call(this.nodeThis, n);
        },
        this.costUs(),
      );
    }
  }

  onHostData(cb: (bytes: Uint8Array) => void): void {
    this.hostListeners.push(cb);
  }

  /** Drain what the node has written so far. */
  hostRead(): Uint8Array {
    const out = Uint8Array.from(this.tx);
    this.tx = [];
    return out;
  }

  /** Same, as text (UTF-8). */
  hostReadText(): string {
    return new TextDecoder().decode(this.hostRead());
  }

  attachNode(onReadable: ((count: number) => void) | undefined, self: unknown): void {
    this.nodeReadable = onReadable;
    this.nodeThis = self;
  }

  nodeRead(): number | undefined {
    if (this.rxHead >= this.rx.length) return undefined;
    const b = this.rx[this.rxHead++];
    if (this.rxHead === this.rx.length) {
      this.rx = [];
      this.rxHead = 0;
    }
    return b;
  }

  nodeWrite(data: Uint8Array | number): void {
    const bytes = typeof data === 'number' ? Uint8Array.of(data & 0xff) : Uint8Array.from(data);
    for (let k = 0; k < bytes.length; k++) this.tx.push(bytes[k]);
    for (const cb of this.hostListeners) cb(bytes);
  }
}

export function makeSerial(w: PeripheralWiring): new (o: SerialOptions) => Serial {
  return class SimSerial implements Serial {
    private readonly uart: SimUart;
    constructor(o: SerialOptions) {
      if (!(o.baud > 0)) throw new RangeError(`Serial.baud must be > 0, got ${o.baud}`);
      const port = o.port === undefined ? 0 : o.port;
      if (!Number.isInteger(port) || port < 0 || port > 2) throw new RangeError(`Serial.port must be 0, 1 or 2 (ESP32 UARTs), got ${o.port}`);
      this.uart = w.uart(port);
      this.uart.attachNode(o.onReadable, this);
    }
    read(): number | undefined {
      return this.uart.nodeRead();
    }
    write(data: Uint8Array | number): void {
      this.uart.nodeWrite(data);
    }
    close(): void {
      this.uart.attachNode(undefined, undefined);
    }
  };
}

/** Timers on the JS thread; a repeating timer keeps its nominal phase (no drift) and skips
 * the ticks it missed while the thread was busy (no catch-up burst). */
export class SimTimer implements Timer {
  private readonly live = new Map<number, number>();
  private nextId = 1;

  constructor(
    private readonly sched: Scheduler,
    private readonly costUs: () => number,
  ) {}

  set(callback: () => void, delayUs: number, repeatUs?: number): number {
    if (!(delayUs >= 0) || !Number.isFinite(delayUs)) throw new RangeError(`timer delayUs must be a finite number >= 0, got ${delayUs}`);
    if (repeatUs !== undefined && !(repeatUs > 0 && Number.isFinite(repeatUs))) {
      throw new RangeError(`timer repeatUs must be a finite number > 0 (or omitted), got ${repeatUs}`);
    }
    const id = this.nextId++;
    this.arm(id, this.sched.now() + delayUs, callback, repeatUs);
    return id;
  }

  clear(id: number): void {
    const sid = this.live.get(id);
    if (sid === undefined) return;
    this.sched.cancel(sid);
    this.live.delete(id);
  }

  private arm(id: number, due: number, cb: () => void, repeatUs: number | undefined): void {
    const sid = this.sched.js(
      due,
      () => {
        if (repeatUs !== undefined) {
          // keep the nominal phase; ticks missed while the thread was busy are skipped, not burst
          let next = due + repeatUs;
          const now = this.sched.now();
          if (next < now) next += Math.ceil((now - next) / repeatUs) * repeatUs;
          this.arm(id, next, cb, repeatUs);
        } else this.live.delete(id);
        cb();
      },
      this.costUs(),
    );
    this.live.set(id, sid);
  }
}
