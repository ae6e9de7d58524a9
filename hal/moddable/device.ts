// hal/io Device on the Moddable SDK (XS on the ESP32): ECMA-419 IO classes plus the
// Moddable timer, time and preference modules. Thin: each HAL call maps to one SDK call.
//
// Known limits (docs/BOARDS.md):
// - ECMA-419 has no continuous (DMA) ADC. PolledAdc below reads the two Analog inputs
//   from a millisecond Timer, so it reaches ~1 kHz at best, with jitter. The real meter
//   needs a native host module around ESP-IDF adc_continuous; until then the hardware
//   comparator latch carries the fast over-current trip.
// - Preference (NVS) keys and domains are at most 15 characters on the ESP32; longer
//   HAL keys are hashed down to fit.
//
// Type-checked twice: against hal/moddable/embedded.d.ts (npm test's tsconfig) and against
// the SDK's own @moddable/typings (host-tests/build-moddable.test.ts). Where the typings
// are stricter (opaque Digital modes, a required Serial port, read() that may return a
// buffer) the code satisfies both; where they omit a member ECMA-419 defines (close() on
// Analog and SPI, ECMA-419 2nd ed. "IO class pattern": every IO instance has close()) the
// call goes through a narrow cast.
import Analog from 'embedded:io/analog';
import Digital from 'embedded:io/digital';
import Serial from 'embedded:io/serial';
import SPI from 'embedded:io/spi';
import Timer from 'timer';
import Time from 'time';
import Preference from 'preference';
import type { BoardDescription } from '../../boards/board';
import type * as io from '../io';
import { PolledAdc } from './polled-adc';
import { nvsKey } from './nvs-key';

type Mode = ConstructorParameters<typeof Digital>[0]['mode'];
type TimerId = ReturnType<typeof Timer.set>;

/** ECMA-419 IO instances all have close(); the SDK typings omit it on Analog and SPI */
function closeIo(io: unknown): void {
  (io as { close(): void }).close();
}

/** the console UART when a caller names none: pins uartTx/uartRx (GPIO 1/3) are UART0's */
const DEFAULT_UART = 0;

const MODES: Record<string, Mode> = {
  input: Digital.Input,
  inputPullUp: Digital.InputPullUp,
  inputPullDown: Digital.InputPullDown,
  output: Digital.Output,
  outputOpenDrain: Digital.OutputOpenDrain,
};

class ModdableDigital implements io.Digital {
  private readonly d: Digital;
  constructor(o: io.DigitalOptions) {
    const mode = MODES[o.mode];
    if (mode === undefined) throw new Error(`Digital mode: must be one of ${Object.keys(MODES).join(', ')}, got ${o.mode}`);
    let edge: number | undefined = undefined;
    if (o.edge !== undefined) edge = (o.edge & 1 ? Digital.Rising : 0) | (o.edge & 2 ? Digital.Falling : 0);
    this.d = new Digital({ pin: o.pin, mode: mode, edge: edge, onReadable: o.onReadable });
  }
  read(): number {
    return this.d.read();
  }
  write(v: number): void {
    this.d.write(v !== 0 ? 1 : 0);
  }
  close(): void {
    this.d.close();
  }
}

export function createDevice(board: BoardDescription): io.Device {
  const clock: io.Clock = {
    now: () => (Time.microseconds !== undefined ? Time.microseconds : Time.ticks * 1000),
  };
  const timers: Record<number, TimerId> = {};
  let nextId = 1;
  const timer: io.Timer = {
    set(callback, delayUs, repeatUs) {
      const id = nextId++;
      const ms = Math.max(0, Math.round(delayUs / 1000));
      if (repeatUs !== undefined) {
        timers[id] = Timer.set(callback, ms, Math.max(1, Math.round(repeatUs / 1000)));
      } else {
        timers[id] = Timer.set(() => {
          delete timers[id];
          callback();
        }, ms);
      }
      return id;
    },
    clear(id) {
      if (timers[id] !== undefined) Timer.clear(timers[id]);
      delete timers[id];
    },
  };
  const store: io.Store = {
    read(key) {
      const v = Preference.get('meter', nvsKey(key));
      return v instanceof ArrayBuffer ? new Uint8Array(v.slice(0)) : undefined;
    },
    write(key, value) {
      Preference.set('meter', nvsKey(key), value.slice().buffer);
    },
    delete(key) {
      Preference.delete('meter', nvsKey(key));
    },
  };
  const pins = board.pins;
  class ModdableSerial implements io.Serial {
    private readonly s: Serial;
    constructor(o: io.SerialOptions) {
      const port = o.port === undefined ? DEFAULT_UART : o.port;
      this.s = new Serial({ port: port, baud: o.baud, transmit: pins.uartTx, receive: pins.uartRx, format: 'number', onReadable: o.onReadable });
    }
    read(): number | undefined {
      const b = this.s.read(); // format "number": a byte, or undefined when empty
      return typeof b === 'number' ? b : undefined;
    }
    write(data: Uint8Array | number): void {
      if (typeof data === 'number') this.s.write(data);
      else for (let i = 0; i < data.length; i++) this.s.write(data[i]);
    }
    close(): void {
      this.s.close();
    }
  }
  class ModdableSpi implements io.SPI {
    private readonly s: SPI;
    constructor(o: io.SPIOptions) {
      this.s = new SPI({ port: o.port, select: o.select, hz: o.hz, mode: o.mode, in: pins.spiMiso, out: pins.spiMosi, clock: pins.spiSck });
    }
    transfer(buffer: Uint8Array): void {
      this.s.transfer(buffer);
    }
    close(): void {
      closeIo(this.s);
    }
  }
  class ContinuousAdc extends PolledAdc {
    constructor(o: io.ContinuousAdcOptions) {
      super(o, board.adc.bits, (pin) => new Analog({ pin: pin, resolution: board.adc.bits }) as unknown as io.Analog, timer, clock);
    }
  }
  return {
    io: {
      Analog: Analog as unknown as new (o: io.AnalogOptions) => io.Analog,
      Digital: ModdableDigital,
      ContinuousAdc: ContinuousAdc,
      Serial: ModdableSerial,
      SPI: ModdableSpi,
    },
    pin: pins,
    clock: clock,
    timer: timer,
    store: store,
  };
}
