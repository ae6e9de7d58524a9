// hal/io Device on Espruino (ESP32 build): analogRead, digitalRead/Write, pinMode,
// setWatch, Serial1/2, SPI1, setTimeout/setInterval, getTime and the Storage module.
// Thin: one Espruino call per HAL call. This file runs ON Espruino, so it keeps to the
// Espruino subset (docs/PORTABLE-SUBSET.md). Espruino's globals are declared here, in
// module scope, so they never leak into other files' types.
//
// Known limits (docs/BOARDS.md): no DMA ADC API on Espruino ESP32, so ContinuousAdc is
// PolledAdc on setInterval (ms resolution). The interpreter sustains only a few hundred
// V+I pairs a second with the meter running: 250 Hz is the recommended rate
// (docs/BUILD-ESPRUINO.md, tools/build/espruino/rate.ts). analogRead returns 0..1 and
// is scaled to 2^bits - 1 codes. To use UART0 (Serial1) for the technician console the
// app moves the REPL away first (LoopbackA.setConsole()).
import type { BoardDescription } from '../../boards/board';
import type * as io from '../io';
import { PolledAdc } from '../common/polled-adc';

interface EspruinoSerial {
  setup(baud: number, options: { rx?: number; tx?: number }): void;
  on(event: 'data', cb: (data: string) => void): void;
  write(data: string | number | Uint8Array): void;
  removeAllListeners(event: string): void;
}
interface EspruinoSpi {
  setup(options: { sck: number; mosi: number; miso: number; baud: number; mode: number }): void;
  send(data: Uint8Array, cs: number): Uint8Array;
}
interface EspruinoStorage {
  write(name: string, data: Uint8Array): boolean;
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  erase(name: string): void;
}

declare const analogRead: (pin: number) => number;
declare const digitalRead: (pin: number) => number;
declare const digitalWrite: (pin: number, value: number) => void;
declare const pinMode: (pin: number, mode: string) => void;
declare const setWatch: (
  cb: (e: { state: boolean; time: number }) => void,
  pin: number,
  options: { repeat: boolean; edge: string; debounce: number },
) => number;
declare const clearWatch: (id: number) => void;
declare const getTime: () => number;
declare const Serial1: EspruinoSerial;
declare const Serial2: EspruinoSerial;
declare const SPI1: EspruinoSpi;
declare const require: (module: 'Storage') => EspruinoStorage;

const MODES: Record<string, string> = {
  input: 'input',
  inputPullUp: 'input_pullup',
  inputPullDown: 'input_pulldown',
  output: 'output',
  outputOpenDrain: 'opendrain',
};

/** Espruino Storage file names are at most 28 characters. */
export const STORAGE_NAME_MAX = 28;

export function createDevice(board: BoardDescription): io.Device {
  const bits = board.adc.bits;
  const full = Math.pow(2, bits) - 1;
  const pins = board.pins;

  class EspAnalog implements io.Analog {
    readonly resolution: number;
    private readonly pin: number;
    constructor(o: io.AnalogOptions) {
      this.pin = o.pin;
      this.resolution = bits;
    }
    read(): number {
      return Math.round(analogRead(this.pin) * full);
    }
    close(): void {}
  }

  class EspDigital implements io.Digital {
    private readonly pin: number;
    private watch: number;
    constructor(o: io.DigitalOptions) {
      const mode = MODES[o.mode];
      if (mode === undefined) throw new Error('Digital mode: must be one of ' + Object.keys(MODES).join(', ') + ', got ' + o.mode);
      this.pin = o.pin;
      this.watch = -1;
      pinMode(o.pin, mode);
      const cb = o.onReadable;
      if (cb !== undefined && o.edge !== undefined) {
        const edge = o.edge === 1 ? 'rising' : o.edge === 2 ? 'falling' : 'both';
        this.watch = setWatch(() => cb(), o.pin, { repeat: true, edge: edge, debounce: 0 });
      }
    }
    read(): number {
      return digitalRead(this.pin);
    }
    write(v: number): void {
      digitalWrite(this.pin, v);
    }
    close(): void {
      if (this.watch !== -1) clearWatch(this.watch);
      this.watch = -1;
    }
  }

  class EspSerial implements io.Serial {
    private readonly port: EspruinoSerial;
    private readonly queue: number[];
    constructor(o: io.SerialOptions) {
      // Serial1 is UART0 (USB bridge on DevKitC boards); Serial2 is UART2 on any pins
      this.port = o.port === 2 ? Serial2 : Serial1;
      this.queue = [];
      this.port.setup(o.baud, o.port === 2 ? { rx: pins.uartRx, tx: pins.uartTx } : {});
      const onReadable = o.onReadable;
      const q = this.queue;
      this.port.on('data', (d) => {
        for (let k = 0; k < d.length && q.length < 1024; k++) q.push(d.charCodeAt(k) & 0xff);
        if (onReadable !== undefined) onReadable(q.length);
      });
    }
    read(): number | undefined {
      return this.queue.length > 0 ? this.queue.shift() : undefined;
    }
    write(data: Uint8Array | number): void {
      this.port.write(data);
    }
    close(): void {
      this.port.removeAllListeners('data');
    }
  }

  class EspSpi implements io.SPI {
    private readonly cs: number;
    constructor(o: io.SPIOptions) {
      this.cs = o.select;
      SPI1.setup({ sck: pins.spiSck, mosi: pins.spiMosi, miso: pins.spiMiso, baud: o.hz, mode: o.mode !== undefined ? o.mode : 0 });
    }
    transfer(buffer: Uint8Array): void {
      const got = SPI1.send(buffer, this.cs);
      for (let k = 0; k < buffer.length; k++) buffer[k] = got[k];
    }
    close(): void {}
  }

  const clock: io.Clock = { now: () => getTime() * 1e6 };
  // Our own ids, so a repeating timer (a timeout, then an interval) is one handle.
  const handles: Record<number, { timeout: unknown; interval: unknown }> = {};
  let nextId = 1;
  const timer: io.Timer = {
    set(callback, delayUs, repeatUs) {
      const id = nextId++;
      const h = { timeout: undefined as unknown, interval: undefined as unknown };
      handles[id] = h;
      h.timeout = setTimeout(
        () => {
          if (repeatUs !== undefined) h.interval = setInterval(callback, Math.max(1, repeatUs / 1000));
          else delete handles[id];
          callback();
        },
        Math.max(0, delayUs / 1000),
      );
      return id;
    },
    clear(id) {
      const h = handles[id];
      if (h === undefined) return;
      clearTimeout(h.timeout as ReturnType<typeof setTimeout>);
      if (h.interval !== undefined) clearInterval(h.interval as ReturnType<typeof setInterval>);
      delete handles[id];
    },
  };

  const storage = require('Storage');
  const store: io.Store = {
    read(key) {
      const b = storage.readArrayBuffer(storageName(key));
      if (b === undefined) return undefined;
      // a copy in RAM: the buffer maps the file in flash, which the next write moves.
      // Not b.slice(0): Espruino's ArrayBuffer has no slice (2v29: Function "slice" not found)
      const src = new Uint8Array(b);
      const copy = new Uint8Array(src.length);
      copy.set(src);
      return copy;
    },
    write(key, value) {
      storage.write(storageName(key), value);
    },
    delete(key) {
      storage.erase(storageName(key));
    },
  };

  class EspContinuousAdc extends PolledAdc {
    constructor(o: io.ContinuousAdcOptions) {
      super(o, bits, (pin) => new EspAnalog({ pin: pin }), timer, clock);
    }
  }

  return {
    io: { Analog: EspAnalog, Digital: EspDigital, ContinuousAdc: EspContinuousAdc, Serial: EspSerial, SPI: EspSpi },
    pin: pins,
    clock: clock,
    timer: timer,
    store: store,
  };
}

export function storageName(key: string): string {
  if (key.length <= STORAGE_NAME_MAX) return key;
  throw new Error('store key: must be at most ' + STORAGE_NAME_MAX + ' characters on Espruino, got ' + key.length + ' (' + key + ')');
}
