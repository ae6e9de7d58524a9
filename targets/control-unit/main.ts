// The control unit's board program on the Moddable SDK (XS on the ESP32). The generated
// main.js (tools/build/moddable.ts, role "control") reads the board from the manifest's
// config ("mc/config") and calls startControl; this file wires the ECMA-419 provider
// (hal/moddable) to startControlUnit (firmware/app/start-control-unit.ts).
//
// What differs from the meter node's program:
// - two UARTs: the USB serial to the PC (the PC link, board.console: UART0 on GPIO 1/3) and
//   the fingerprint reader (UART2 on fpTx/fpRx). The provider's Serial opens every port on
//   the console pins, so here each port gets its own pins.
// - In a debug build (`mcconfig -d`) xsbug holds UART0 and GPIO 1/3 (debugger_uart.c), as
//   on the meter node: the PC link's port does not open, the provider reports why, the unit
//   still receives, identifies and signals on its LED and buzzer, and every PC-link line
//   goes to trace (xsbug's log) instead. Flash a release build for the PC link.
// - Unix time for guest codes: the ESP32's system time is read once at boot
//   (hal/moddable/system-time.ts); after that the unit's WallClock runs, set by the PC link's
//   `time` command (the gateway's hourly set), and each set is written back with Time.set, so
//   a software reset keeps it (the RTC timer); a power cut loses it, and until the next set
//   the access module refuses guest codes with "clock not set".
// - Random bytes for guest keys: Math.random, which XS on the ESP32 draws from esp_random()
//   (xs/platforms/esp/xsHost.h: c_rand), the hardware RNG.
import Serial from 'embedded:io/serial';
import type { BoardDescription } from '../../boards/board';
import type * as io from '../../hal/io';
import { createDevice } from '../../hal/moddable/device';
import { ModdableSerial, type RawSerial } from '../../hal/moddable/serial-port';
import { setSystemTime, systemTimeS } from '../../hal/moddable/system-time';
import type { ControlUnitApp } from '../../firmware/app/start-control-unit';
import { checkControlRole, startControlUnit } from '../../firmware/app/start-control-unit';

/** The reader's UART when the board's notes do not say otherwise (UART2: free on a DevKitC) */
export const READER_UART = 2;

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256) & 0xff;
  return b;
}

/** Serial on the pins of its port: the PC link's (console) or the reader's. */
function uartClass(
  board: BoardDescription,
  report: (line: string) => void,
  usbPort: number,
  serialDevice: string | undefined,
): new (o: io.SerialOptions) => io.Serial {
  const pins = board.pins as { [k: string]: number | undefined };
  const open = (options: Record<string, unknown>): RawSerial =>
    new Serial(options as unknown as ConstructorParameters<typeof Serial>[0]) as unknown as RawSerial;
  return class UartByPort extends ModdableSerial {
    constructor(o: io.SerialOptions) {
      const port = o.port !== undefined ? o.port : usbPort;
      const reader = port === READER_UART;
      super(
        open,
        { port: port, baud: o.baud, transmit: reader ? pins.fpTx : pins.uartTx, receive: reader ? pins.fpRx : pins.uartRx, device: serialDevice },
        o.onReadable,
        report,
      );
    }
  };
}

/**
 * Boot the control unit on the Moddable provider. `log` receives one line per boot step,
 * alarm and reader event, and the provider's reports (a UART it could not open).
 */
export function startControl(board: BoardDescription, log: (line: string) => void, serialDevice?: string): ControlUnitApp {
  checkControlRole(board);
  const device = createDevice(board, { report: log, serialDevice: serialDevice });
  const con = (board as { console?: { uart: number } }).console;
  const usbPort = con !== undefined ? con.uart : 0;
  let usbFailed = '';
  const Uart = uartClass(board, log, usbPort, serialDevice);
  class Watched extends Uart {
    constructor(o: io.SerialOptions) {
      super(o);
      const port = o.port !== undefined ? o.port : usbPort;
      if (port === usbPort) usbFailed = (this as unknown as ModdableSerial).failure;
    }
  }
  const d: io.Device = {
    io: { Analog: device.io.Analog, Digital: device.io.Digital, ContinuousAdc: device.io.ContinuousAdc, Serial: Watched, SPI: device.io.SPI },
    pin: device.pin,
    clock: device.clock,
    timer: device.timer,
    store: device.store,
  };
  return startControlUnit(d, board, {
    log: log,
    wallS: systemTimeS,
    random: randomBytes,
    onClockSet: setSystemTime,
    readerPort: READER_UART,
    // with the USB port held by xsbug, the PC link's lines go to its log instead
    onPcLine: function (line: string): void {
      if (usbFailed !== '') log('pc ' + (line.charAt(line.length - 1) === '\n' ? line.substring(0, line.length - 1) : line));
    },
  });
}
