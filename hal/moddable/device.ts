// hal/io Device on the Moddable SDK (XS on the ESP32): ECMA-419 IO classes plus the
// Moddable timer, time and preference modules. Thin: each HAL call maps to one SDK call.
//
// Known limits (docs/BOARDS.md):
// - ECMA-419 has no continuous (DMA) ADC. The ContinuousAdc here is the shared PolledAdc
//   (hal/common/polled-adc.ts): it reads the two Analog inputs from a millisecond Timer,
//   so it reaches ~1 kHz at best, with jitter. The native build swaps in the ESP-IDF
//   adc_continuous host module (hal/moddable/native, targets/moddable-native/main.ts,
//   docs/MODDABLE-NATIVE.md); in the polled build the hardware comparator latch carries
//   the fast over-current trip.
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
import { PolledAdc } from '../common/polled-adc';
import { nvsKey } from './nvs-key';
import { ModdableSerial, type RawSerial } from './serial-port';

type Mode = ConstructorParameters<typeof Digital>[0]['mode'];
type TimerId = ReturnType<typeof Timer.set>;

/** ECMA-419 IO instances all have close(); the SDK typings omit it on Analog and SPI */
function closeIo(io: unknown): void {
  (io as { close(): void }).close();
}

/** the console UART when neither the caller nor the board names one: GPIO 1/3 are UART0's */
const DEFAULT_UART = 0;

/**
 * ESP32 Analog options. The SDK's ESP32 Analog (modules/io/analog/esp32/_analog.c) returns
 * calibrated millivolts scaled back to codes, mV x 4095 / 2450 at 12 dB, clamped at 4095,
 * unless esp32.calibrated is false. The boards' front ends and calibration are written for
 * raw codes over the whole range (bias 1.55 V of 3.1 V, like the native adc_continuous
 * driver and Espruino's analogRead), so raw codes it is (docs/BUILD-MODDABLE.md, "ADC").
 * The driver ignores `resolution` (12 bits on the ESP32) and has a fixed 12 dB default.
 */
const ANALOG_ESP32 = { calibrated: false, attenuation: 12 };

export interface ModdableDeviceOptions {
  /** where the provider reports what it could not do (a console UART it could not open) */
  report?: (line: string) => void;
  /** lin only: the tty the console Serial opens (lin serial.c takes a device path) */
  serialDevice?: string;
}

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

/** the µs clock; Time.microseconds exists only with $(MODDABLE)/modules/base/microseconds in the manifest */
function microsecondClock(): io.Clock {
  if (Time.microseconds === undefined) {
    throw new Error(
      'Time.microseconds is missing: the manifest must include $(MODDABLE)/modules/base/microseconds/manifest.json (tools/build/moddable.ts adds it)',
    );
  }
  return { now: () => Time.microseconds as number };
}

export function createDevice(board: BoardDescription, options?: ModdableDeviceOptions): io.Device {
  // without a report hook the reasons stay readable on the objects (ModdableSerial.failure)
  const report = options !== undefined && options.report !== undefined ? options.report : (_line: string) => {};
  const serialDevice = options === undefined ? undefined : options.serialDevice;
  const clock = microsecondClock();
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
  function openAnalog(pin: number): io.Analog {
    const analogOptions = { pin: pin, esp32: ANALOG_ESP32 };
    return new Analog(analogOptions) as unknown as io.Analog;
  }
  class AnalogInput {
    private readonly a: io.Analog;
    readonly resolution: number;
    constructor(o: io.AnalogOptions) {
      this.a = openAnalog(o.pin);
      this.resolution = this.a.resolution;
    }
    read(): number {
      return this.a.read();
    }
    close(): void {
      this.a.close();
    }
  }
  const openSerial = (options: Record<string, unknown>): RawSerial =>
    new Serial(options as unknown as ConstructorParameters<typeof Serial>[0]) as unknown as RawSerial;
  const consoleUart = (board as { console?: { uart: number } }).console;
  class ConsoleSerial extends ModdableSerial {
    constructor(o: io.SerialOptions) {
      const port = o.port !== undefined ? o.port : consoleUart !== undefined ? consoleUart.uart : DEFAULT_UART;
      super(openSerial, { port: port, baud: o.baud, transmit: pins.uartTx, receive: pins.uartRx, device: serialDevice }, o.onReadable, report);
    }
  }
  /** ESP32 spi.c throws "invalid" without a port: SPI2_HOST (1) or SPI3_HOST (2) from the board */
  const spiPort = board.radio !== undefined ? board.radio.spiPort : undefined;
  class ModdableSpi implements io.SPI {
    private readonly s: SPI;
    constructor(o: io.SPIOptions) {
      const port = o.port !== undefined ? o.port : spiPort;
      if (port === undefined) throw new Error('SPI: no port; set radio.spiPort in the board (ESP32: 1 = SPI2_HOST, 2 = SPI3_HOST)');
      // active 0: chip select is active low (nRF24L01+ CSN); spi.c warns when it is left out
      const spiOptions = { port: port, select: o.select, active: 0 as const, hz: o.hz, mode: o.mode, in: pins.spiMiso, out: pins.spiMosi, clock: pins.spiSck };
      this.s = new SPI(spiOptions);
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
      super(o, board.adc.bits, (pin) => openAnalog(pin), timer, clock);
    }
  }
  return {
    io: {
      Analog: AnalogInput,
      Digital: ModdableDigital,
      ContinuousAdc: ContinuousAdc,
      Serial: ConsoleSerial,
      SPI: ModdableSpi,
    },
    pin: pins,
    clock: clock,
    timer: timer,
    store: store,
  };
}
