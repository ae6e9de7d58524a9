// hal/io Device on NodeMCU Lua firmware for the ESP32 (dev-esp32 branch), compiled by
// typescript-to-lua (tsconfig.lua.json settings: noImplicitSelf, Lua 5.3). NodeMCU's
// modules (adc, gpio, uart, spi, tmr, node, file) are declared here, in module scope, from
// the NodeMCU ESP32 docs; methods on objects (timers, files, SPI devices) take `self`.
//
// Lua has no typed arrays: the Uint8Array values this provider hands out are plain Lua
// arrays (indexing and length work; typed-array methods do not). Known limits
// (docs/BOARDS.md): no DMA ADC in NodeMCU, so ContinuousAdc is PolledAdc on a tmr
// (1 ms resolution); store values live in SPIFFS files named after their keys.
/// <reference types="@typescript-to-lua/language-extensions" />
import type { BoardDescription } from '../../boards/board';
import type * as io from '../io';
import { PolledAdc } from '../common/polled-adc';

interface NodemcuTimer {
  alarm(this: NodemcuTimer, ms: number, mode: number, cb: () => void): boolean;
  unregister(this: NodemcuTimer): void;
}
interface NodemcuFile {
  read(this: NodemcuFile, n: number): string | undefined;
  write(this: NodemcuFile, s: string): boolean;
  close(this: NodemcuFile): void;
}
interface NodemcuSpiDevice {
  transfer(this: NodemcuSpiDevice, data: string): string;
}
interface NodemcuSpiBus {
  device(this: NodemcuSpiBus, cfg: { cs: number; mode: number; freq: number }): NodemcuSpiDevice;
}

/** @noSelf */
interface NodemcuAdcModule {
  ADC1: number;
  ATTEN_0db: number;
  ATTEN_2_5db: number;
  ATTEN_6db: number;
  ATTEN_11db: number;
  setwidth(unit: number, bits: number): void;
  setup(unit: number, channel: number, atten: number): void;
  read(unit: number, channel: number): number;
}
declare const adc: NodemcuAdcModule;
/** @noSelf */
interface NodemcuGpioModule {
  IN: number;
  OUT: number;
  PULL_UP: number;
  PULL_DOWN: number;
  FLOATING: number;
  INTR_UP: number;
  INTR_DOWN: number;
  INTR_UP_DOWN: number;
  INTR_DISABLE: number;
  config(cfg: { gpio: number; dir: number; pull: number; opendrain: number }): void;
  read(pin: number): number;
  write(pin: number, level: number): void;
  trig(pin: number, type: number, cb?: (pin: number, level: number) => void): void;
}
declare const gpio: NodemcuGpioModule;
/** @noSelf */
interface NodemcuUartModule {
  PARITY_NONE: number;
  STOPBITS_1: number;
  setup(id: number, baud: number, bits: number, parity: number, stop: number, pins: { tx: number; rx: number }): void;
  on(id: number, event: string, n: number, cb: ((data: string) => void) | undefined, runInput: number): void;
  write(id: number, data: string): void;
}
declare const uart: NodemcuUartModule;
/** @noSelf */
interface NodemcuSpiModule {
  HSPI: number;
  master(host: number, cfg: { sclk: number; mosi: number; miso: number }): NodemcuSpiBus;
}
declare const spi: NodemcuSpiModule;
/** @noSelf */
interface NodemcuTmrModule {
  ALARM_SINGLE: number;
  ALARM_AUTO: number;
  create(): NodemcuTimer;
}
declare const tmr: NodemcuTmrModule;
/** @noSelf */
interface NodemcuNodeModule {
  uptime(): LuaMultiReturn<[number, number | undefined]>;
}
declare const node: NodemcuNodeModule;
/** @noSelf */
interface NodemcuFileModule {
  open(name: string, mode: string): NodemcuFile | undefined;
  remove(name: string): void;
}
declare const file: NodemcuFileModule;

/** ESP32 ADC1 channel of each GPIO (ESP32 datasheet, "ADC1_CH0..7"). */
const ADC1_CHANNEL: Record<number, number> = { 36: 0, 37: 1, 38: 2, 39: 3, 32: 4, 33: 5, 34: 6, 35: 7 };

/** Lua sees a "Uint8Array" as a plain array: reach it through number[] so typescript-to-lua
 *  emits array length (#) and 1-based indexing. */
function asArray(b: Uint8Array): number[] {
  return b as unknown as number[];
}

function bytesToString(b: Uint8Array): string {
  const a = asArray(b);
  let s = '';
  for (let k = 0; k < a.length; k++) s += String.fromCharCode(a[k]);
  return s;
}
function stringToBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (let k = 0; k < s.length; k++) out.push(s.charCodeAt(k));
  return out as unknown as Uint8Array;
}

export function createDevice(board: BoardDescription): io.Device {
  const bits = board.adc.bits;
  const pins = board.pins;
  const att = board.adc.attenuationDb;
  const atten = att === 0 ? adc.ATTEN_0db : att === 2.5 ? adc.ATTEN_2_5db : att === 6 ? adc.ATTEN_6db : adc.ATTEN_11db;
  adc.setwidth(adc.ADC1, bits);

  class LuaAnalog implements io.Analog {
    readonly resolution: number;
    private readonly channel: number;
    constructor(o: io.AnalogOptions) {
      const ch = ADC1_CHANNEL[o.pin];
      if (ch === undefined) throw new Error('Analog pin: must be an ADC1 GPIO 32..39, got ' + o.pin);
      this.channel = ch;
      this.resolution = bits;
      adc.setup(adc.ADC1, ch, atten);
    }
    read(): number {
      return adc.read(adc.ADC1, this.channel);
    }
    close(): void {}
  }

  class LuaDigital implements io.Digital {
    private readonly pin: number;
    private readonly watching: boolean;
    constructor(o: io.DigitalOptions) {
      this.pin = o.pin;
      const out = o.mode === 'output' || o.mode === 'outputOpenDrain';
      const pull = o.mode === 'inputPullUp' ? gpio.PULL_UP : o.mode === 'inputPullDown' ? gpio.PULL_DOWN : gpio.FLOATING;
      gpio.config({ gpio: o.pin, dir: out ? gpio.OUT : gpio.IN, pull: pull, opendrain: o.mode === 'outputOpenDrain' ? 1 : 0 });
      const cb = o.onReadable;
      this.watching = cb !== undefined && o.edge !== undefined;
      if (cb !== undefined && o.edge !== undefined) {
        const type = o.edge === 1 ? gpio.INTR_UP : o.edge === 2 ? gpio.INTR_DOWN : gpio.INTR_UP_DOWN;
        gpio.trig(o.pin, type, () => cb());
      }
    }
    read(): number {
      return gpio.read(this.pin);
    }
    write(v: number): void {
      gpio.write(this.pin, v);
    }
    close(): void {
      if (this.watching) gpio.trig(this.pin, gpio.INTR_DISABLE);
    }
  }

  class LuaSerial implements io.Serial {
    private readonly id: number;
    private readonly queue: number[];
    constructor(o: io.SerialOptions) {
      this.id = o.port !== undefined ? o.port : 0;
      this.queue = [];
      uart.setup(this.id, o.baud, 8, uart.PARITY_NONE, uart.STOPBITS_1, { tx: pins.uartTx, rx: pins.uartRx });
      const q = this.queue;
      const onReadable = o.onReadable;
      // n = 0: deliver whatever arrived; runInput = 0: keep it away from the Lua REPL
      uart.on(
        this.id,
        'data',
        0,
        (d) => {
          for (let k = 0; k < d.length && q.length < 1024; k++) q.push(d.charCodeAt(k));
          if (onReadable !== undefined) onReadable(q.length);
        },
        0,
      );
    }
    read(): number | undefined {
      return this.queue.length > 0 ? this.queue.shift() : undefined;
    }
    write(data: Uint8Array | number): void {
      uart.write(this.id, typeof data === 'number' ? String.fromCharCode(data) : bytesToString(data));
    }
    close(): void {
      uart.on(this.id, 'data', 0, undefined, 1);
    }
  }

  class LuaSpi implements io.SPI {
    private readonly dev: NodemcuSpiDevice;
    constructor(o: io.SPIOptions) {
      const bus = spi.master(spi.HSPI, { sclk: pins.spiSck, mosi: pins.spiMosi, miso: pins.spiMiso });
      this.dev = bus.device({ cs: o.select, mode: o.mode !== undefined ? o.mode : 0, freq: o.hz });
    }
    transfer(buffer: Uint8Array): void {
      const got = this.dev.transfer(bytesToString(buffer));
      const a = asArray(buffer);
      for (let k = 0; k < a.length; k++) a[k] = got.charCodeAt(k);
    }
    close(): void {}
  }

  const clock: io.Clock = {
    now: () => {
      const t = node.uptime(); // (low, high) 32-bit halves of the µs counter
      const hi = t[1];
      // `/ 1` makes a Lua float, so the sum cannot wrap a 32-bit lua_Integer
      return t[0] / 1 + (hi !== undefined ? (hi / 1) * 4294967296 : 0);
    },
  };
  const timers: Record<number, NodemcuTimer> = {};
  let nextId = 1;
  const timer: io.Timer = {
    set(callback, delayUs, repeatUs) {
      const id = nextId;
      nextId = nextId + 1;
      const t = tmr.create();
      timers[id] = t;
      const first = Math.max(1, Math.floor(delayUs / 1000));
      t.alarm(first, tmr.ALARM_SINGLE, () => {
        if (repeatUs !== undefined) t.alarm(Math.max(1, Math.floor(repeatUs / 1000)), tmr.ALARM_AUTO, callback);
        else delete timers[id];
        callback();
      });
      return id;
    },
    clear(id) {
      const t = timers[id];
      if (t === undefined) return;
      t.unregister();
      delete timers[id];
    },
  };
  const store: io.Store = {
    read(key) {
      const f = file.open('st_' + key, 'r');
      if (f === undefined) return undefined;
      let s = '';
      let chunk = f.read(1024);
      while (chunk !== undefined) {
        s += chunk;
        chunk = f.read(1024);
      }
      f.close();
      return stringToBytes(s);
    },
    write(key, value) {
      const f = file.open('st_' + key, 'w');
      if (f === undefined) throw new Error('store: cannot open st_' + key + ' for writing (SPIFFS full or not formatted?)');
      f.write(bytesToString(value));
      f.close();
    },
    delete(key) {
      file.remove('st_' + key);
    },
  };

  class LuaContinuousAdc extends PolledAdc {
    constructor(o: io.ContinuousAdcOptions) {
      super(o, bits, (pin) => new LuaAnalog({ pin: pin }), timer, clock);
    }
  }

  return {
    io: { Analog: LuaAnalog, Digital: LuaDigital, ContinuousAdc: LuaContinuousAdc, Serial: LuaSerial, SPI: LuaSpi },
    pin: pins,
    clock: clock,
    timer: timer,
    store: store,
  };
}
