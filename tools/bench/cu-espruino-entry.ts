// Espruino bundle entry for the control unit's memory figure (tools/bench/cu-espruino.ts):
// startControlUnit, the same composition the Moddable build boots, on a minimal device made
// of Espruino's own timers and getTime() with stand-in IO (the Linux port has no SPI, no
// UART2): the SPI reads 0 (no radio answers), the reader's UART stays silent (the module
// password times out), the PC link's UART collects lines. Then one guest pass is issued
// and used over the PC link (SHA-1, TOTP, the access log on the store) and the variables
// in use are read with process.memory(), as on an ESP32 build.
import type { BoardDescription } from '../../boards/board';
import type { Device, Digital, DigitalOptions, Serial, SerialOptions, SPI, SPIOptions, Store } from '../../hal/io';
import { startControlUnit } from '../../firmware/app/start-control-unit';
import { storeControlProvisioning } from '../../firmware/control/registry';

declare const getTime: () => number;
declare const process: { memory(): { usage: number; total: number } };
declare function require(m: string): { writeFileSync(f: string, s: string): void };
declare function quit(): void;
declare const __CU_BOARD__: BoardDescription;

const lines: string[] = [];
let pcIn: ((n: number) => void) | undefined;
let pcBuf: number[] = [];

class NoDigital implements Digital {
  constructor(o: DigitalOptions) {}
  read(): number {
    return 1;
  }
  write(v: number): void {}
  close(): void {}
}
class NoSpi implements SPI {
  constructor(o: SPIOptions) {}
  transfer(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) b[i] = 0;
  }
  close(): void {}
}
class Uart implements Serial {
  private readonly usb: boolean;
  constructor(o: SerialOptions) {
    this.usb = o.port === 0;
    if (this.usb) pcIn = o.onReadable;
  }
  read(): number | undefined {
    if (!this.usb || pcBuf.length === 0) return undefined;
    return pcBuf.shift();
  }
  write(d: Uint8Array | number): void {}
  close(): void {}
}
const mem: { [k: string]: Uint8Array } = {};
const store: Store = {
  read: function (k: string) {
    return mem[k];
  },
  write: function (k: string, v: Uint8Array) {
    mem[k] = new Uint8Array(v);
  },
  delete: function (k: string) {
    delete mem[k];
  },
};
const device: Device = {
  io: { Analog: undefined as never, Digital: NoDigital, ContinuousAdc: undefined as never, Serial: Uart, SPI: NoSpi },
  pin: {},
  clock: { now: () => getTime() * 1e6 },
  timer: {
    set: function (cb: () => void, delayUs: number, repeatUs?: number): number {
      return (repeatUs === undefined ? setTimeout(cb, delayUs / 1000) : setInterval(cb, repeatUs / 1000)) as unknown as number;
    },
    clear: function (id: number): void {
      clearTimeout(id as never);
    },
  },
  store: store,
};
const key = (b: number) => {
  const k = new Uint8Array(32);
  for (let i = 0; i < 32; i++) k[i] = (i * 7 + b) & 0xff;
  return k;
};
storeControlProvisioning(store, { readerPassword: 0x5ec2e7, nodes: [{ nodeId: 1, epoch: 0, up: key(1), down: key(2), publicKey: key(3) }] });
const before = process.memory().usage;
const app = startControlUnit(device, __CU_BOARD__, {
  log: undefined,
  wallS: () => 1800000000 + getTime(),
  random: (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256);
    return b;
  },
  onPcLine: (l: string) => {
    lines.push(l);
  },
});
const feed = (s: string) => {
  for (let i = 0; i < s.length; i++) pcBuf.push(s.charCodeAt(i));
  if (pcIn !== undefined) pcIn(pcBuf.length);
};
setTimeout(function () {
  feed('{"v":1,"id":1,"cmd":"guest-pass","role":"household","scope":"read","uses":2,"minutes":60}\n');
  let code = '';
  for (let i = 0; i < lines.length; i++) {
    const k = lines[i].indexOf('"code":"');
    if (k >= 0) code = lines[i].substring(k + 8, lines[i].indexOf('"', k + 8));
  }
  feed('{"v":1,"id":2,"cmd":"guest-login","role":"guest","code":"' + code + '"}\n');
  setTimeout(function () {
    const m = process.memory();
    require('fs').writeFileSync('result.json', JSON.stringify({ before: before, usage: m.usage, total: m.total, reader: app.reader, lines: lines }));
    quit();
  }, 100);
}, 2500);
