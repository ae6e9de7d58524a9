// Runs INSIDE XS (xsnap), bundled by xs-proof.ts together with the Moddable build's
// generated modules. It stands in for the Moddable SDK modules the app imports
// (embedded:io/analog, digital, serial, spi; timer; time; preference) on top of the
// simulated board (hal/sim, plain TS without Node built-ins), and drives a scenario:
// boot the app's main(), wait for the breaker to close, inject a fault, run virtual
// time, and report what the relay pin and the node did.
//
// The stand-ins follow the SDK's shapes: ECMA-419 constructor options and constants,
// Timer.set(callback, ms, repeatMs) in whole milliseconds, Time.ticks in ms,
// Preference keys of at most 15 characters (ESP32 NVS).
//
// The radio: the SPI stand-in reaches an nRF24L01+ chip model (hal/sim/nrf24-chip.ts) on the
// board's radioCs, with CE and IRQ on radioCe / radioIrq, on a simulated air (link-e2e.ts);
// runLinkScenario puts a peer control unit (the control unit's firmware) on the same air.
import type { BoardDescription } from '../../../boards/board';
import type { Analog as HalAnalog, Device, Digital as HalDigital, DigitalMode, Serial as HalSerial, SPI as HalSPI } from '../../../hal/io';
import { SimBoard, type SimFault } from '../../../hal/sim/board';
import { nvsKey } from '../../../hal/moddable/nvs-key';
import { AirWorld, PeerControlUnit, ackLines, airStats, firstReading, tripEvent, unhex, type LinkProofResult, type PeerNodeJson } from '../link-e2e';

let sim: SimBoard | undefined;
let fullScaleVolts = 3.1;
let prefs: Record<string, ArrayBuffer> = {};
/** reads per analog pin since boot (the polled ADC's real sample count) */
let reads: Record<number, number> = {};
let timerCalls = 0;

function dev(): Device {
  if (sim === undefined) throw new Error('xs-sim: bootSim() must run before the app touches the SDK modules');
  return sim.device;
}

/** ESP32 ADC pins: ADC1 GPIO 36..39, 32..35 and ADC2 (analog/esp32/_analog.c gADCMap, gADC2Map) */
const ADC_PINS = [36, 37, 38, 39, 32, 33, 34, 35, 4, 0, 2, 15, 13, 12, 14, 27, 25, 26];
/** Vmax (mV) of each attenuation in the ESP32 driver's table (kAttenuationTable) */
const ATTEN_VMAX: Record<string, number> = { '0': 950, '2.5': 1250, '6': 1750, '12': 2450 };
/** GPIOs taken by IO instances (builtinUsePin): a second open throws "in use" */
let pinsInUse: number[] = [];
/** UART ports with a driver installed (uart_is_driver_installed) */
let uartsInUse: number[] = [];

function usePin(pin: number): void {
  if (pinsInUse.indexOf(pin) >= 0) throw new Error('in use');
  pinsInUse.push(pin);
}
function freePin(pin: number): void {
  const k = pinsInUse.indexOf(pin);
  if (k >= 0) pinsInUse.splice(k, 1);
}

/**
 * The ESP32 Analog (modules/io/analog/esp32/_analog.c): 12-bit, ADC pins only, one
 * instance per pin; by default the reading is calibrated, mV x 4095 / Vmax (2450 mV at
 * 12 dB) clamped at 4095, so an input above 2.45 V reads 4095; esp32.calibrated false gives
 * the raw code. `resolution` is ignored (fixed 12 bits), as in the driver.
 */
export class Analog {
  readonly resolution = 12;
  private readonly a: HalAnalog;
  private readonly pin: number;
  private readonly calibrated: boolean;
  private readonly vmaxMv: number;
  constructor(o: { pin: number; resolution?: number; esp32?: { calibrated?: boolean; attenuation?: number } }) {
    if (pinsInUse.indexOf(o.pin) >= 0) throw new RangeError('in use');
    let calibrated = true;
    let vmax = ATTEN_VMAX['12'];
    if (o.esp32 !== undefined) {
      if (o.esp32.calibrated !== undefined) calibrated = !!o.esp32.calibrated;
      if (o.esp32.attenuation !== undefined) {
        vmax = ATTEN_VMAX[String(o.esp32.attenuation)];
        if (vmax === undefined) throw new RangeError('bad attenuation');
      }
    }
    if (ADC_PINS.indexOf(o.pin) < 0) throw new RangeError('not analog pin');
    this.a = new (dev().io.Analog)({ pin: o.pin });
    usePin(o.pin);
    this.pin = o.pin;
    this.calibrated = calibrated;
    this.vmaxMv = vmax;
  }
  read(): number {
    reads[this.pin] = (reads[this.pin] ?? 0) + 1;
    const raw = this.a.read();
    if (!this.calibrated) return raw;
    // the simulated front end's code is raw: back to millivolts (what adc_cali gives), then
    // the driver's "convert calibrated analog back to ADC range"
    const mv = Math.round((raw * fullScaleVolts * 1000) / 4095);
    const code = Math.floor((mv * 4095) / this.vmaxMv);
    return code > 4095 ? 4095 : code;
  }
  close(): void {
    this.a.close();
    freePin(this.pin);
  }
}

// ECMA-419 Digital mode and edge constants (the values Moddable's io modules use)
const DIGITAL_MODES: Record<number, DigitalMode> = { 0: 'input', 1: 'inputPullUp', 2: 'inputPullDown', 8: 'output', 9: 'outputOpenDrain' };

export class Digital {
  static readonly Input = 0;
  static readonly InputPullUp = 1;
  static readonly InputPullDown = 2;
  static readonly InputPullUpDown = 3;
  static readonly Output = 8;
  static readonly OutputOpenDrain = 9;
  static readonly Rising = 1;
  static readonly Falling = 2;
  private readonly d: HalDigital;
  constructor(o: { pin: number; mode: number; edge?: number; onReadable?: () => void }) {
    const mode = DIGITAL_MODES[o.mode];
    if (mode === undefined) throw new RangeError(`Digital mode: must be one of ${Object.keys(DIGITAL_MODES).join(', ')}, got ${o.mode}`);
    this.d = new (dev().io.Digital)({ pin: o.pin, mode, edge: o.edge === 0 ? undefined : o.edge, onReadable: o.onReadable });
  }
  read(): number {
    return this.d.read();
  }
  write(v: number): void {
    this.d.write(v);
  }
  close(): void {
    this.d.close();
  }
}

/** ESP32 UART hardware TX FIFO, bytes (UART_FIFO_LEN); serial.c writes straight into it */
export const UART_FIFO_LEN = 128;
/** serial.c kTransmitTreshold: the TX-empty interrupt (onWritable) fires below this many queued bytes */
const TX_THRESHOLD = 10;
/** serial.c counts "output full" refusals nowhere; the stand-in does, for the proof */
let outputFull = 0;

/**
 * The ESP32 Serial (modules/io/serial/esp32/serial.c): "in use" for a transmit or receive
 * GPIO already taken (a debug build's xsbug holds GPIO 1 and 3), "port in use" for a UART
 * whose driver is installed (UART0 in a debug build, debugger_uart.c), format "number" or
 * "buffer" (default buffer). write() goes into the 128-byte TX FIFO, which empties at the
 * baud rate (10 bits a byte) in simulated time, and throws "output full" when it does not
 * fit. onWritable(free) is called once after construction and, after a write, when fewer
 * than 10 bytes are left queued.
 */
export class Serial {
  private readonly s: HalSerial;
  private readonly port: number;
  private readonly pins: number[];
  private readonly number: boolean;
  private readonly byteUs: number;
  private readonly onWritable: ((count: number) => void) | undefined;
  private fifo = 0;
  private fifoAtUs = 0;
  private intrEnabled = false;
  private isrPending = false;
  private closed = false;
  constructor(o: {
    port?: number;
    baud: number;
    transmit?: number;
    receive?: number;
    format?: string;
    onReadable?: (count: number) => void;
    onWritable?: (count: number) => void;
  }) {
    if (o.transmit !== undefined && pinsInUse.indexOf(o.transmit) >= 0) throw new Error('in use');
    if (o.receive !== undefined && pinsInUse.indexOf(o.receive) >= 0) throw new Error('in use');
    if (o.receive === undefined && o.transmit === undefined) throw new Error('invalid');
    const port = o.port === undefined ? 0 : o.port;
    if (!(port >= 0 && port <= 2)) throw new RangeError('invalid port');
    if (!(o.baud > 0 && o.baud <= 20000000)) throw new RangeError('invalid baud');
    const format = o.format === undefined ? 'buffer' : o.format;
    if (format !== 'number' && format !== 'buffer') throw new RangeError('invalid format');
    if (uartsInUse.indexOf(port) >= 0) throw new RangeError('port in use');
    this.s = new (dev().io.Serial)({ port, baud: o.baud, onReadable: o.onReadable });
    uartsInUse.push(port);
    this.port = port;
    this.pins = [];
    if (o.transmit !== undefined) this.pins.push(o.transmit);
    if (o.receive !== undefined) this.pins.push(o.receive);
    for (const p of this.pins) usePin(p);
    this.number = format === 'number';
    this.byteUs = 10e6 / o.baud;
    this.onWritable = o.onWritable;
    // the TX-empty interrupt is enabled at construction: the first onWritable comes at once
    if (this.onWritable !== undefined) this.armWritable();
  }
  read(): number | ArrayBuffer | undefined {
    if (this.number) return this.s.read();
    const got: number[] = [];
    for (let b = this.s.read(); b !== undefined; b = this.s.read()) got.push(b);
    return got.length === 0 ? undefined : Uint8Array.from(got).buffer;
  }
  write(data: number | ArrayBuffer | ArrayBufferView): void {
    const queued = this.queued();
    let bytes: Uint8Array;
    if (this.number) {
      if (typeof data !== 'number') throw new TypeError('number format: write a byte');
      if (queued >= UART_FIFO_LEN) {
        outputFull++;
        throw new Error('output full');
      }
      bytes = Uint8Array.of(data & 0xff);
    } else {
      if (typeof data === 'number') throw new TypeError('buffer format: write an ArrayBuffer');
      bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (bytes.length > UART_FIFO_LEN - queued) {
        outputFull++;
        throw new Error('output full');
      }
    }
    this.fifo = queued + bytes.length;
    this.fifoAtUs = dev().clock.now();
    this.s.write(bytes);
    // serial.c: a write re-enables the TX-empty interrupt unless it is still enabled
    if (this.onWritable !== undefined && !this.intrEnabled) this.armWritable();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.s.close();
    uartsInUse.splice(uartsInUse.indexOf(this.port), 1);
    for (const p of this.pins) freePin(p);
  }
  /** bytes still in the FIFO now: it shifts one out every byteUs */
  private queued(): number {
    const gone = Math.floor((dev().clock.now() - this.fifoAtUs) / this.byteUs);
    return this.fifo > gone ? this.fifo - gone : 0;
  }
  /**
   * The TX-empty interrupt (level: FIFO below the threshold). Its ISR disables it and posts
   * a message; the message calls onWritable(free) on the JS thread, and not at all when the
   * FIFO is full again by then (serialDeliver: `if (count)`). A write re-enables it
   * (xs_serial_write). Modelled as one pending check on the JS thread that fires once the
   * FIFO, with every byte written since, is below the threshold.
   */
  private armWritable(): void {
    this.intrEnabled = true;
    if (this.isrPending) return;
    this.isrPending = true;
    const delayUs = this.isrAtUs() - dev().clock.now();
    dev().timer.set(() => this.isr(), delayUs > 0 ? Math.ceil(delayUs) : 0);
  }
  /** when the FIFO, as written so far, drops below the threshold */
  private isrAtUs(): number {
    const over = this.fifo - (TX_THRESHOLD - 1);
    return this.fifoAtUs + (over > 0 ? over * this.byteUs : 0);
  }
  private isr(): void {
    this.isrPending = false;
    if (this.closed || !this.intrEnabled || this.onWritable === undefined) return;
    if (dev().clock.now() < this.isrAtUs()) {
      this.armWritable(); // bytes written since: the FIFO is not below the threshold yet
      return;
    }
    this.intrEnabled = false;
    const free = UART_FIFO_LEN - this.queued();
    if (free > 0) this.onWritable(free);
  }
}

/**
 * The ESP32 SPI (modules/io/spi/esp/spi.c, shared with the ESP8266): clock, hz 1..40 MHz,
 * in or out, mode 0..3, active 0 or 1, and port SPI1_HOST..SPI3_HOST (0..2), "invalid"
 * when port is missing; every pin "in use" once taken.
 */
export class SPI {
  private readonly s: HalSPI;
  private readonly pins: number[];
  constructor(o: { port?: number; select?: number; active?: number; hz: number; mode?: number; in?: number; out?: number; clock?: number }) {
    if (o.clock === undefined) throw new Error('invalid');
    if (!(o.hz >= 1 && o.hz <= 40000000)) throw new RangeError('invalid hz');
    if (o.active !== undefined && o.active !== 0 && o.active !== 1) throw new RangeError('invalid active');
    if (o.mode !== undefined && (o.mode & ~3) !== 0) throw new RangeError('invalid mode');
    if (o.in === undefined && o.out === undefined) throw new Error('in or out required');
    if (o.port === undefined) throw new Error('invalid');
    if (!(o.port >= 0 && o.port <= 2)) throw new RangeError('invalid port');
    this.pins = [];
    for (const p of [o.clock, o.out, o.in, o.select]) {
      if (p === undefined || this.pins.indexOf(p) >= 0) continue;
      if (pinsInUse.indexOf(p) >= 0) throw new Error('in use');
      this.pins.push(p);
    }
    this.s = new (dev().io.SPI)({ port: o.port, select: o.select as number, hz: o.hz, mode: o.mode });
    for (const p of this.pins) usePin(p);
  }
  transfer(buffer: Uint8Array | ArrayBuffer): void {
    this.s.transfer(buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer));
  }
  close(): void {
    this.s.close();
    for (const p of this.pins) freePin(p);
  }
}

export const Timer = {
  set(callback: (id: unknown) => void, delayMs = 0, repeatMs?: number): { id: number } {
    if (!Number.isInteger(delayMs) || (repeatMs !== undefined && !Number.isInteger(repeatMs))) {
      throw new RangeError(`Timer.set: delays are whole milliseconds on Moddable, got ${delayMs}, ${repeatMs}`);
    }
    const t = { id: 0 };
    t.id = dev().timer.set(
      () => {
        timerCalls++;
        callback(t);
      },
      delayMs * 1000,
      repeatMs === undefined ? undefined : repeatMs * 1000,
    );
    return t;
  },
  clear(t: { id: number } | undefined): void {
    if (t !== undefined) dev().timer.clear(t.id);
  },
};

export const Time = {
  get ticks(): number {
    return Math.floor(dev().clock.now() / 1000);
  },
  get microseconds(): number {
    return Math.floor(dev().clock.now());
  },
};

export const Preference = {
  get(domain: string, key: string): ArrayBuffer | undefined {
    const v = prefs[`${domain}/${key}`];
    return v === undefined ? undefined : v.slice(0);
  },
  set(domain: string, key: string, value: ArrayBuffer): void {
    if (domain.length > 15 || key.length > 15)
      throw new RangeError(`Preference: domain and key must be at most 15 characters (ESP32 NVS), got '${domain}', '${key}'`);
    if (!(value instanceof ArrayBuffer)) throw new TypeError('Preference.set: this stand-in stores ArrayBuffer values (what hal/moddable writes)');
    prefs[`${domain}/${key}`] = value.slice(0);
  },
  delete(domain: string, key: string): void {
    delete prefs[`${domain}/${key}`];
  },
};

/** xsbug's UART and pins in a debug build (debugger_uart.c: UART0, GPIO 1 and 3) */
const XSBUG = { uart: 0, pins: [1, 3] };

/**
 * A fresh simulated board (and empty flash) for the next boot of the app. A debug build
 * (`mcconfig -d`, what npm run flash makes) starts with UART0 and GPIO 1/3 taken by xsbug.
 */
export function bootSim(board: BoardDescription, seed: number, loadA: number, debugBuild = false, flash?: Record<string, number[]>): SimBoard {
  sim = new SimBoard({ board, seed, mains: { irms: loadA } });
  fullScaleVolts = board.adc.fullScaleVolts;
  prefs = {};
  // a provisioned node's flash (tools/provision.ts image): hal/moddable keeps each store key
  // in Preference domain "meter" under its NVS key
  if (flash !== undefined) for (const k of Object.keys(flash)) prefs[`meter/${nvsKey(k)}`] = Uint8Array.from(flash[k]).buffer;
  reads = {};
  timerCalls = 0;
  outputFull = 0;
  pinsInUse = debugBuild ? XSBUG.pins.slice() : [];
  uartsInUse = debugBuild ? [XSBUG.uart] : [];
  return sim;
}

export type ProofFault = 'none' | 'shortCircuit' | 'overcurrent' | 'sag';

export interface ProofRun {
  fault: ProofFault;
  seed?: number;
  /** household load before the fault, A rms */
  loadA?: number;
  /** virtual time to run after the fault, ms */
  afterMs?: number;
  /** a debug build: xsbug holds UART0 and GPIO 1/3 (default false: a release build) */
  debugBuild?: boolean;
  /** console lines sent once the breaker has closed; what the node wrote back is in consoleOut */
  console?: string[];
  /**
   * Cost baseline: instead of the app, a bare 1 ms Timer reads the V and I pins, so the XS
   * compute of the simulator and stand-ins can be subtracted from an app run.
   */
  baseline?: boolean;
}

export interface ProofResult {
  fault: ProofFault;
  closedAtBoot: boolean;
  faultAtUs: number;
  state: string;
  trips: { reason: string; state: string }[];
  /** relay GPIO level at the end (1 = energised on an active-high board) */
  relayPin: number;
  contactsClosed: boolean;
  /** first relay-open command after the fault: µs after onset, and what drove it */
  openLatencyUs: number | null;
  openSource: string | null;
  /** averaged readings of the last window (normal-load check) */
  vrms: number;
  irms: number;
  /** the polled ADC: V samples per second of virtual time since boot, and timer callbacks */
  sampleHz: number;
  timerCalls: number;
  /** what the node wrote on its console UART after the `console` lines */
  consoleOut: string;
  /** Serial.write calls the stand-in refused with "output full" */
  outputFull: number;
  log: string[];
}

const BOOT_US = 3e6;

/** The baseline: the same Analog reads on the same Timer, no metering or protection. */
function bareSampler(board: BoardDescription): NodeLike {
  // the same raw reads the provider makes (hal/moddable/device.ts: calibrated false)
  const v = new Analog({ pin: board.pins.adcV, esp32: { calibrated: false } });
  const i = new Analog({ pin: board.pins.adcI, esp32: { calibrated: false } });
  Timer.set(
    () => {
      v.read();
      i.read();
    },
    1,
    1,
  );
  return { state: () => 'baseline', trips: () => [], averager: { out: { vrms: 0, irms: 0 } } };
}

interface NodeLike {
  state(): string;
  trips(): { reason: string; state: string }[];
  averager: { out: { vrms: number; irms: number } };
}

/** Boot the app's main() on a fresh board, inject `run.fault`, run, report. */
export function runScenario(main: () => unknown, board: BoardDescription, run: ProofRun, log: string[]): ProofResult {
  const s = bootSim(board, run.seed ?? 1, run.loadA ?? 10, run.debugBuild === true);
  const t0 = s.now();
  const node = run.baseline === true ? bareSampler(board) : (main() as NodeLike);
  s.runUntil(t0 + BOOT_US);
  const closedAtBoot = node.state() === 'closed' && s.relays.main.contactsClosed();
  let consoleOut = '';
  if (run.console !== undefined) {
    s.uart.hostRead();
    for (const line of run.console) {
      const bytes: number[] = [];
      for (let k = 0; k < line.length; k++) bytes.push(line.charCodeAt(k) & 0x7f);
      bytes.push(13, 10);
      s.uart.hostWrite(bytes);
      // 115200 baud: ~87 us a byte; 300 ms is room for a few kB of replies
      s.runUntil(s.now() + 300e3);
    }
    const out = s.uart.hostRead();
    for (let k = 0; k < out.length; k++) consoleOut += String.fromCharCode(out[k]);
  }
  if (run.baseline === true && run.fault !== 'none') throw new RangeError('ProofRun.baseline: only with fault "none"');
  // a fault a little after a cycle boundary, so its onset is not on a sampling instant
  const at = s.now() + 3300;
  let fault: SimFault | undefined;
  if (run.fault === 'shortCircuit') fault = { kind: 'shortCircuit', atUs: at, prospectiveA: 300, durationUs: 30e3 };
  // 40 A rms = 56.6 A peak: above the 45 A instantaneous pickup, below the 60 A comparator
  else if (run.fault === 'overcurrent') fault = { kind: 'loadStep', atUs: at, irms: 40 };
  // 50 % sag for 1 s: below the 184 V under-voltage setting for longer than its 200 ms delay
  else if (run.fault === 'sag') fault = { kind: 'sag', atUs: at, depth: 0.5, durationUs: 1e6 };
  if (fault !== undefined) s.inject(fault);
  s.runUntil(at + (run.afterMs ?? 300) * 1000);
  const open = s.relays.main.firstOpenCommandAfter(at);
  const elapsedS = (s.now() - t0) / 1e6;
  return {
    fault: run.fault,
    closedAtBoot,
    faultAtUs: at,
    state: node.state(),
    trips: node.trips().map((e) => ({ reason: e.reason, state: e.state })),
    relayPin: s.digitalPin(board.pins.relayMain).level,
    contactsClosed: s.relays.main.contactsClosed(),
    openLatencyUs: open === undefined ? null : open.tUs - at,
    openSource: open === undefined ? null : open.source,
    vrms: node.averager.out.vrms,
    irms: node.averager.out.irms,
    sampleHz: (reads[board.pins.adcV] ?? 0) / elapsedS,
    timerCalls,
    consoleOut,
    outputFull,
    log: log.slice(),
  };
}

/** What the link proof takes from the host (tools/build/link-fixture.ts, JSON only). */
export interface LinkProofFixture {
  nodeId: number;
  image: Record<string, number[]>;
  nodes: PeerNodeJson[];
  disconnect: string;
  reconnect: string;
  channel: number;
}

/**
 * The built node and a peer control unit on one air. Boot the app's main() on a provisioned
 * flash, with the board's nRF24 chip on the air; the peer (firmware/app/control-unit.ts over
 * the nRF24 driver) 4 m away. Then, in virtual time: telemetry until the peer has opened a
 * reading; the authority's signed disconnect (relay opens, ack); its reconnect (relay closes,
 * ack); a short circuit (trip event at once). Reports what the peer received and the relay.
 */
export function runLinkScenario(main: () => unknown, board: BoardDescription, fx: LinkProofFixture, log: string[]): LinkProofResult {
  const s = bootSim(board, 1, 10, false, fx.image);
  const errors: string[] = [];
  const world = new AirWorld(s.sched, 7);
  const p = board.pins;
  if (p.radioCs === undefined || p.radioCe === undefined || p.radioIrq === undefined) throw new Error(`board ${board.name}: no radio pins`);
  world.attachChip(
    'node',
    { select: p.radioCs, ce: p.radioCe, irq: p.radioIrq },
    (n) => s.digitalPin(n),
    (sel, d) => s.attachSpi(sel, d),
    4,
    3,
  );
  const peer = new PeerControlUnit(world, fx.nodes, fx.nodeId, fx.channel, 0, 0);
  const t0 = s.now();
  const node = main() as NodeLike & { consoleTarget: { linkStatus(): Record<string, unknown> } };
  const status = log.filter((l) => /^link (on|off)/.test(l))[0] ?? '(no link line)';
  // telemetry: the first report after the first averaging windows (reportEveryS 10)
  const until = t0 + 30e6;
  while (s.now() < until && peer.count('reading') === 0) s.runUntil(s.now() + 100e3);
  s.runUntil(s.now() + 1e6);
  const acked = (n: number): string => {
    const a = ackLines(peer);
    return a.length >= n ? a[n - 1] : 'none';
  };
  const sendErr = peer.send(fx.nodeId, unhex(fx.disconnect));
  if (sendErr !== '') errors.push('disconnect: ' + sendErr);
  // the verify runs in no simulated time; 2 s covers the 6 fragments, the ack and the relay's release
  s.runUntil(s.now() + 2e6);
  const disconnect = { ack: acked(1), state: node.state(), relayPin: s.digitalPin(p.relayMain).level, contactsClosed: s.relays.main.contactsClosed() };
  const sendErr2 = peer.send(fx.nodeId, unhex(fx.reconnect));
  if (sendErr2 !== '') errors.push('reconnect: ' + sendErr2);
  s.runUntil(s.now() + 2e6);
  const reconnect = { ack: acked(2), state: node.state(), contactsClosed: s.relays.main.contactsClosed() };
  const at = s.now() + 3300;
  s.inject({ kind: 'shortCircuit', atUs: at, prospectiveA: 300, durationUs: 30e3 });
  s.runUntil(at + 1e6);
  let opened = 0;
  for (const f of peer.forwards) if (f.kind !== 'alarm') opened++;
  return {
    engine: 'xs',
    linkStatus: status,
    readings: peer.count('reading'),
    firstReading: firstReading(peer),
    sealedOpened: opened,
    trip: tripEvent(peer, at),
    disconnect,
    reconnect,
    peerRejects: peer.cu.log.total,
    air: airStats(world),
    errors,
  };
}
