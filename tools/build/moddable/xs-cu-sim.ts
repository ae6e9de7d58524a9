// Runs INSIDE XS (xsnap), bundled by xs-cu-proof.ts with the control unit's GENERATED
// Moddable modules (build/moddable/esp32-control-unit). The meter node's xs-sim.ts stands
// in for the SDK over one SimBoard; the control unit needs a second board on the same
// air, so this file stands in for the same SDK modules (embedded:io/digital, serial, spi;
// timer; time; preference) over a control-unit board that shares ONE scheduler with a
// simulated meter node:
//
//   peer: MeterNode on a SimBoard + NodeLink + firmware/link/nrf24.ts -> Nrf24Chip ┐
//                                                                    RF medium ├ one Scheduler
//   the app: generated modules -> these stand-ins -> Nrf24Chip (SPI 5, CE 17, IRQ 16)┘
//            UART2 -> SimR30xChip (hal/sim/r30x-chip.ts); UART0 -> the "PC" (host end)
//
// The peer is host-side firmware code (TypeScript bundled here), the app is the build.
// The stand-ins keep the SDK's observable rules that matter to the app (as xs-sim.ts):
// "in use" for a taken pin, "port in use" for a UART with a driver (xsbug's UART0 in a
// debug build), buffer-format Serial with a 128-byte TX FIFO that drains at the baud rate
// and onWritable below 10 queued bytes, SPI port/clock checks, whole-ms Timer delays, NVS
// keys of at most 15 characters. Virtual time only: Date.now is the ESP32's system time on
// the virtual clock (by default set before this boot to EPOCH_MS), Time.set as the SDK's
// (whole seconds; kept across a software reset, lost in a power cut: the 'clock' run),
// Math.random a seeded PRNG.
import type { BoardDescription } from '../../../boards/board';
import type { Digital as HalDigital, DigitalMode, Serial as HalSerial, SPI as HalSPI, Timer as HalTimer } from '../../../hal/io';
import { SimBoard } from '../../../hal/sim/board';
import { makeDigital, makeSerial, makeSpi, SimTimer, SimUart, type PeripheralWiring, type SpiDevice } from '../../../hal/sim/peripherals';
import { SimPin } from '../../../hal/sim/pin';
import { Prng } from '../../../hal/sim/prng';
import { RfMedium } from '../../../hal/sim/radio-medium';
import { Nrf24Chip } from '../../../hal/sim/nrf24-chip';
import { SimR30xChip } from '../../../hal/sim/r30x-chip';
import { SimStore } from '../../../hal/sim/store';
import { Scheduler } from '../../../hal/sim/scheduler';
import { nvsKey } from '../../../hal/moddable/nvs-key';
import { MeterNode } from '../../../firmware/app/meter-node';
import { NodeLink } from '../../../firmware/app/node-link';
import { Nrf24Radio } from '../../../firmware/link/nrf24';

/** Unix time at virtual t = 0 (the time sync's answer), ms */
export const EPOCH_MS = 1_800_000_000_000;
/** the R30x module password the unit was provisioned with (cu.prov) */
export const READER_PASSWORD = 0x5ec2e7;
/** the household finger enrolled on the module before the proof (page 0) */
export const HOUSEHOLD_FINGER = 7;
/** a second member, enrolled during the proof with the button (page 1) */
export const NEW_FINGER = 9;
/** nRF24 addresses, as firmware/app/start-control-unit.ts has them */
const CU_ADDR = [0x00, 0x43, 0x55, 0x4e, 0x54];
const NODE_ADDR = [0x01, 0x4e, 0x4f, 0x44, 0x45];

export interface World {
  sched: Scheduler;
  wiring: PeripheralWiring;
  pins: Map<number, SimPin>;
  uarts: Map<number, SimUart>;
  spi: Map<number, SpiDevice>;
  timer: HalTimer;
  prefs: Record<string, ArrayBuffer>;
  pinsInUse: number[];
  uartsInUse: number[];
  timerCalls: number;
  outputFull: number;
  /** the ESP32's system time (RTC timer): Date.now() = baseMs + (virtual now - atUs) / 1000 */
  rtc: { baseMs: number; atUs: number };
  /** the seconds each Time.set call took */
  timeSets: number[];
}

let world: World | undefined;

function w(): World {
  if (world === undefined) throw new Error('xs-cu-sim: the world is not built: runScenario boots it before main()');
  return world;
}

function usePin(pin: number): void {
  if (w().pinsInUse.indexOf(pin) >= 0) throw new Error('in use');
  w().pinsInUse.push(pin);
}
function freePin(pin: number): void {
  const k = w().pinsInUse.indexOf(pin);
  if (k >= 0) w().pinsInUse.splice(k, 1);
}

/** The control unit opens no analog input; the provider imports the class. */
export class Analog {
  constructor() {
    throw new RangeError('not analog pin');
  }
}

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
  private readonly pin: number;
  constructor(o: { pin: number; mode: number; edge?: number; onReadable?: () => void }) {
    const mode = DIGITAL_MODES[o.mode];
    if (mode === undefined) throw new RangeError('invalid mode');
    usePin(o.pin);
    this.pin = o.pin;
    this.d = new (makeDigital(w().wiring))({ pin: o.pin, mode, edge: o.edge === 0 ? undefined : o.edge, onReadable: o.onReadable });
  }
  read(): number {
    return this.d.read();
  }
  write(v: number): void {
    this.d.write(v);
  }
  close(): void {
    this.d.close();
    freePin(this.pin);
  }
}

/** ESP32 UART TX FIFO (UART_FIFO_LEN) and serial.c's onWritable threshold */
const UART_FIFO_LEN = 128;
const TX_THRESHOLD = 10;

/** The ESP32 Serial as xs-sim.ts models it (modules/io/serial/esp32/serial.c). */
export class Serial {
  private readonly s: HalSerial;
  private readonly port: number;
  private readonly pins: number[] = [];
  private readonly number: boolean;
  private readonly byteUs: number;
  private readonly onWritable: ((count: number) => void) | undefined;
  private fifo = 0;
  private fifoAtUs = 0;
  private armed = false;
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
    const x = w();
    if (o.transmit !== undefined && x.pinsInUse.indexOf(o.transmit) >= 0) throw new Error('in use');
    if (o.receive !== undefined && x.pinsInUse.indexOf(o.receive) >= 0) throw new Error('in use');
    if (o.receive === undefined && o.transmit === undefined) throw new Error('invalid');
    const port = o.port === undefined ? 0 : o.port;
    if (!(port >= 0 && port <= 2)) throw new RangeError('invalid port');
    if (!(o.baud > 0 && o.baud <= 20000000)) throw new RangeError('invalid baud');
    const format = o.format === undefined ? 'buffer' : o.format;
    if (format !== 'number' && format !== 'buffer') throw new RangeError('invalid format');
    if (x.uartsInUse.indexOf(port) >= 0) throw new RangeError('port in use');
    this.s = new (makeSerial(x.wiring))({ port, baud: o.baud, onReadable: o.onReadable });
    x.uartsInUse.push(port);
    this.port = port;
    if (o.transmit !== undefined) this.pins.push(o.transmit);
    if (o.receive !== undefined) this.pins.push(o.receive);
    for (const p of this.pins) usePin(p);
    this.number = format === 'number';
    this.byteUs = 10e6 / o.baud;
    this.onWritable = o.onWritable;
    if (this.onWritable !== undefined) this.arm();
  }
  read(): number | ArrayBuffer | undefined {
    if (this.number) return this.s.read();
    const got: number[] = [];
    for (let b = this.s.read(); b !== undefined; b = this.s.read()) got.push(b);
    return got.length === 0 ? undefined : Uint8Array.from(got).buffer;
  }
  write(data: number | ArrayBuffer | ArrayBufferView): void {
    const queued = this.queued();
    const bytes =
      typeof data === 'number'
        ? Uint8Array.of(data & 0xff)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length > UART_FIFO_LEN - queued) {
      w().outputFull++;
      throw new Error('output full');
    }
    this.fifo = queued + bytes.length;
    this.fifoAtUs = w().sched.now();
    this.s.write(bytes);
    if (this.onWritable !== undefined) this.arm();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.s.close();
    w().uartsInUse.splice(w().uartsInUse.indexOf(this.port), 1);
    for (const p of this.pins) freePin(p);
  }
  private queued(): number {
    const gone = Math.floor((w().sched.now() - this.fifoAtUs) / this.byteUs);
    return this.fifo > gone ? this.fifo - gone : 0;
  }
  /** onWritable(free) once the FIFO, as written so far, is below the threshold */
  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    const over = this.fifo - (TX_THRESHOLD - 1);
    const at = this.fifoAtUs + (over > 0 ? over * this.byteUs : 0);
    const delay = at - w().sched.now();
    w().timer.set(
      () => {
        this.armed = false;
        if (this.closed || this.onWritable === undefined) return;
        if (this.queued() >= TX_THRESHOLD) return this.arm();
        this.onWritable(UART_FIFO_LEN - this.queued());
      },
      delay > 0 ? Math.ceil(delay) : 0,
    );
  }
}

/** The ESP32 SPI's checks (modules/io/spi/esp/spi.c), as xs-sim.ts. */
export class SPI {
  private readonly s: HalSPI;
  private readonly pins: number[] = [];
  constructor(o: { port?: number; select?: number; active?: number; hz: number; mode?: number; in?: number; out?: number; clock?: number }) {
    if (o.clock === undefined) throw new Error('invalid');
    if (!(o.hz >= 1 && o.hz <= 40000000)) throw new RangeError('invalid hz');
    if (o.port === undefined || !(o.port >= 0 && o.port <= 2)) throw new RangeError('invalid port');
    if (o.in === undefined && o.out === undefined) throw new Error('in or out required');
    for (const p of [o.clock, o.out, o.in, o.select]) {
      if (p === undefined || this.pins.indexOf(p) >= 0) continue;
      if (w().pinsInUse.indexOf(p) >= 0) throw new Error('in use');
      this.pins.push(p);
    }
    this.s = new (makeSpi(w().wiring))({ port: o.port, select: o.select as number, hz: o.hz, mode: o.mode });
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
    if (!Number.isInteger(delayMs) || (repeatMs !== undefined && !Number.isInteger(repeatMs)))
      throw new RangeError(`Timer.set: delays are whole milliseconds on Moddable, got ${delayMs}, ${repeatMs}`);
    const t = { id: 0 };
    t.id = w().timer.set(
      () => {
        w().timerCalls++;
        callback(t);
      },
      delayMs * 1000,
      repeatMs === undefined ? undefined : repeatMs * 1000,
    );
    return t;
  },
  clear(t: { id: number } | undefined): void {
    if (t !== undefined) w().timer.clear(t.id);
  },
};

export const Time = {
  get ticks(): number {
    return Math.floor(w().sched.now() / 1000);
  },
  get microseconds(): number {
    return Math.floor(w().sched.now());
  },
  /**
   * The SDK's Time.set (modules/base/time/esp/modTime.c xs_time_set): xsmcToUnsigned(value)
   * (ToUint32: the fraction dropped, NaN 0), then settimeofday(seconds, usec 0)
   * (xs/platforms/esp/xsHost.c modSetTime): Date.now() runs on from seconds x 1000.
   */
  set(value: number): void {
    const seconds = Number(value) >>> 0;
    w().rtc = { baseMs: seconds * 1000, atUs: w().sched.now() };
    w().timeSets.push(seconds);
  },
};

/** Date.now() on the ESP32: its system time (ms). */
function systemNowMs(): number {
  const x = w();
  return x.rtc.baseMs + Math.floor((x.sched.now() - x.rtc.atUs) / 1000);
}

export const Preference = {
  get(domain: string, key: string): ArrayBuffer | undefined {
    const v = w().prefs[`${domain}/${key}`];
    return v === undefined ? undefined : v.slice(0);
  },
  set(domain: string, key: string, value: ArrayBuffer): void {
    if (domain.length > 15 || key.length > 15) throw new RangeError(`Preference: domain and key at most 15 characters (ESP32 NVS), got '${domain}', '${key}'`);
    w().prefs[`${domain}/${key}`] = value.slice(0);
  },
  delete(domain: string, key: string): void {
    delete w().prefs[`${domain}/${key}`];
  },
};

// ---- the scenario ----

export interface CuProofRun {
  /**
   * 'full': telemetry, finger, guest codes; 'boot': boot only (the computron figure);
   * 'clock': a power-on boot (system time 0), the PC link's `time`, a software reset (the
   * system time kept), a power cut (lost): the unit's clock after each boot
   */
  kind: 'full' | 'boot' | 'clock';
  /** a debug build: xsbug holds UART0 and GPIO 1/3 */
  debugBuild?: boolean;
  /** the cost baseline: the same world and virtual time, main() never called */
  baseline?: boolean;
  /** the control unit's flash at boot: HAL key -> bytes (cu.prov), from the runner */
  cuImage: Record<string, number[]>;
  /** the meter node's flash (link keys), from tools/provision.ts; absent: no peer */
  meterImage?: Record<string, number[]>;
  meterBoard?: BoardDescription;
  /** a disconnect for node 1 signed by the authority (hex), sent on the PC link as role utility */
  disconnectHex?: string;
  seed?: number;
}

export interface CuProofResult {
  /** PC-link lines the unit wrote on its USB UART, in order */
  pcLines: string[];
  /** the app's trace lines */
  log: string[];
  /** what the peer meter node's link sent */
  peerTelemetry: number;
  reader: string;
  /** the code the household got for the guest, and the replies to it */
  guestCode: string;
  signals: Record<string, number>;
  /** the peer meter node's breaker state at the end, and its relay's contacts */
  peerState: string;
  peerContactsClosed: boolean | null;
  /** level changes on the unit's LED and buzzer pins */
  ledChanges: number;
  buzzerChanges: number;
  timerCalls: number;
  outputFull: number;
  virtualS: number;
  /** the 'clock' run */
  clock?: ClockRunResult;
}

export interface ClockRunResult {
  /** `clock` in the unit's status after each boot (null: not set) */
  powerOnClock: number | null;
  afterResetClock: number | null;
  afterPowerCutClock: number | null;
  /** the Unix time the PC link set, and the reply line */
  setUnix: number;
  setReply: string;
  /** the seconds Time.set took, in order */
  timeSets: number[];
  /** the system time (Unix s) when the status after the reset was asked */
  systemSAtResetStatus: number;
  /** the reply to a guest code after the power cut */
  guestAfterPowerCut: string;
}

interface AppLike {
  reader: string;
  signals: { counts: Record<string, number> };
}

function buildWorld(board: BoardDescription, sched: Scheduler, debugBuild: boolean): World {
  const pins = new Map<number, SimPin>();
  const pin = (n: number): SimPin => {
    let p = pins.get(n);
    if (p === undefined) {
      p = new SimPin(n);
      pins.set(n, p);
    }
    return p;
  };
  const uarts = new Map<number, SimUart>();
  const spi = new Map<number, SpiDevice>();
  const cost = () => 50;
  const wiring: PeripheralWiring = {
    sched,
    callbackCostUs: cost,
    pin,
    analogRead: () => undefined,
    isAnalog: () => false,
    bits: 12,
    spiDevice: (sel) => spi.get(sel),
    uart: (port) => {
      let u = uarts.get(port);
      if (u === undefined) {
        u = new SimUart(sched, cost);
        uarts.set(port, u);
      }
      return u;
    },
  };
  // the DevKitC BOOT button: external pull-up, released = 1
  pin(board.pins.button as number).set(1, 'pull-up');
  return {
    sched,
    wiring,
    pins,
    uarts,
    spi,
    timer: new SimTimer(sched, cost),
    prefs: {},
    pinsInUse: debugBuild ? [1, 3] : [],
    uartsInUse: debugBuild ? [0] : [],
    timerCalls: 0,
    outputFull: 0,
    rtc: { baseMs: EPOCH_MS, atUs: 0 },
    timeSets: [],
  };
}

/**
 * Make the stand-ins' world on a scheduler the caller owns (the pair proof, xs-pair-sim.ts:
 * the built meter node's SimBoard clock) and return it; runScenario builds its own.
 */
export function bootCuWorld(board: BoardDescription, sched: Scheduler, debugBuild = false): World {
  world = buildWorld(board, sched, debugBuild);
  return world;
}

function text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function toBytes(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
  return out;
}

/** Boot the app's main() in the world, drive the run, report. */
export function runScenario(main: () => unknown, board: BoardDescription, run: CuProofRun, log: string[]): CuProofResult {
  if (run.kind === 'clock') return runClockScenario(main, board, run, log);
  const prng = new Prng(run.seed ?? 1);
  // the peer's board owns the one scheduler; the control unit's parts live on it too
  const peerBoard = run.meterBoard;
  const peerSim =
    peerBoard !== undefined && run.meterImage !== undefined
      ? new SimBoard({ board: peerBoard, seed: 11, store: SimStore.fromSnapshot(run.meterImage), mains: { irms: 5 } })
      : undefined;
  const sched: Scheduler = peerSim !== undefined ? peerSim.sched : new Scheduler();
  world = buildWorld(board, sched, run.debugBuild === true);
  const x = world;
  const medium = new RfMedium({ sched, prng: prng.fork('medium'), edgeLoss: 0 });
  const cuPins = board.pins as Record<string, number>;
  const cuChip = new Nrf24Chip({ id: 'control', medium, sched, ce: x.wiring.pin(cuPins.radioCe), irq: x.wiring.pin(cuPins.radioIrq), x: 6, y: 0 });
  x.spi.set(cuPins.radioCs, cuChip);
  const reader = new SimR30xChip({ sched, uart: x.wiring.uart(2), password: READER_PASSWORD });
  reader.preload(0, HOUSEHOLD_FINGER);
  const usb = x.wiring.uart(0);
  for (const k of Object.keys(run.cuImage)) x.prefs['meter/' + nvsKey(k)] = Uint8Array.from(run.cuImage[k]).buffer;
  // the ESP32's clock as SNTP would have set it, and its RNG: both deterministic here
  const dateNow = Date.now;
  const random = Math.random;
  Date.now = systemNowMs;
  Math.random = () => prng.next();
  let peerLink: NodeLink | undefined;
  let peerNode: MeterNode | undefined;
  let ledChanges = 0;
  let buzzerChanges = 0;
  x.wiring.pin(cuPins.led).onChange(() => ledChanges++);
  x.wiring.pin(cuPins.buzzer).onChange(() => buzzerChanges++);
  try {
    if (peerSim !== undefined && peerBoard !== undefined) {
      const pp = peerBoard.pins as Record<string, number>;
      const chip = new Nrf24Chip({ id: 'node1', medium, sched, ce: peerSim.digitalPin(pp.radioCe), irq: peerSim.digitalPin(pp.radioIrq), x: 0, y: 0 });
      peerSim.attachSpi(pp.radioCs, chip);
      const node = new MeterNode(peerSim.device, peerBoard, {});
      peerNode = node;
      const radio = new Nrf24Radio({
        io: peerSim.device.io,
        pins: { select: pp.radioCs, ce: pp.radioCe, irq: pp.radioIrq },
        hz: 8e6,
        channel: (peerBoard.radio as { channel: number }).channel,
        ownAddress: Uint8Array.from(NODE_ADDR),
        peerAddress: Uint8Array.from(CU_ADDR),
        retries: 5,
        retryDelayUs: 500,
      });
      peerLink = new NodeLink(node, radio, { reportEveryS: 1 });
    }
    const app: AppLike = run.baseline === true ? { reader: 'baseline', signals: { counts: {} } } : (main() as AppLike);
    const pcLines: string[] = [];
    let partial = '';
    const drain = (): void => {
      partial += text(usb.hostRead());
      let k = partial.indexOf('\n');
      while (k >= 0) {
        pcLines.push(partial.substring(0, k));
        partial = partial.substring(k + 1);
        k = partial.indexOf('\n');
      }
    };
    const runFor = (us: number): void => {
      const end = sched.now() + us;
      while (sched.now() < end) {
        sched.runUntil(Math.min(end, sched.now() + 100e3));
        drain();
      }
    };
    /** run until a PC-link line matches (or maxUs passes) */
    const waitLine = (re: RegExp, maxUs: number): string | undefined => {
      const from = pcLines.length;
      const end = sched.now() + maxUs;
      while (sched.now() < end) {
        runFor(50e3);
        for (let i = from; i < pcLines.length; i++) if (re.test(pcLines[i])) return pcLines[i];
      }
      return undefined;
    };
    const send = (line: string): void => usb.hostWrite(toBytes(line + '\n'));
    runFor(500e3);
    let guestCode = '';
    if (run.kind === 'full') {
      // 1. a sealed telemetry frame from the peer, shown on the PC link
      waitLine(/"type":"reading"/, 6e6);
      // 2. the household finger on the reader (the R503's touch output goes high)
      const touch = x.wiring.pin(cuPins.fpTouch);
      reader.fingerOn(HOUSEHOLD_FINGER);
      touch.set(1, 'r503');
      waitLine(/"type":"access".*"kind":"identify-match"/, 3e6);
      reader.fingerOff();
      touch.set(0, 'r503');
      runFor(200e3);
      // 3. the household issues a guest pass on the PC link; the guest logs in; the same code again
      send('{"v":1,"id":1,"cmd":"guest-pass","role":"household","scope":"read","uses":3,"minutes":60}');
      const issued = waitLine(/"id":1/, 1e6);
      const m = issued === undefined ? null : /"code":"([0-9]+)"/.exec(issued);
      guestCode = m === null ? '' : m[1];
      send(`{"v":1,"id":2,"cmd":"guest-login","role":"guest","code":"${guestCode}"}`);
      waitLine(/"id":2/, 1e6);
      send(`{"v":1,"id":3,"cmd":"guest-login","role":"guest","code":"${guestCode}"}`);
      waitLine(/"id":3/, 1e6);
      runFor(300e3);
      // 4. the utility's disconnect, signed offline, relayed by the unit; the node obeys and acks
      if (run.disconnectHex !== undefined) {
        send(`{"v":1,"id":4,"cmd":"command","role":"utility","node":1,"hex":"${run.disconnectHex}"}`);
        waitLine(/"type":"ack"/, 8e6);
        runFor(300e3);
      }
      // 5. a new member at the unit: the button, then the finger twice; then identified
      const button = x.wiring.pin(cuPins.button);
      button.set(0, 'button');
      runFor(100e3);
      button.set(1, 'button');
      runFor(100e3);
      const place = (who: number, onUs: number): void => {
        reader.fingerOn(who);
        touch.set(1, 'r503');
        runFor(onUs);
        reader.fingerOff();
        touch.set(0, 'r503');
      };
      place(NEW_FINGER, 800e3);
      runFor(500e3);
      place(NEW_FINGER, 1000e3);
      waitLine(/"kind":"enrol(-failed)?"/, 3e6);
      runFor(300e3);
      place(NEW_FINGER, 1000e3);
      waitLine(/"kind":"identify-(no-)?match"/, 2e6);
      runFor(300e3);
    }
    drain();
    return {
      pcLines,
      log: log.slice(),
      peerTelemetry: peerLink === undefined ? 0 : peerLink.stats.telemetry,
      reader: app.reader,
      guestCode,
      signals: app.signals.counts,
      peerState: peerNode === undefined ? '' : peerNode.state(),
      peerContactsClosed: peerSim === undefined ? null : peerSim.relays.main.contactsClosed(),
      ledChanges,
      buzzerChanges,
      timerCalls: x.timerCalls,
      outputFull: x.outputFull,
      virtualS: sched.now() / 1e6,
    };
  } finally {
    Date.now = dateNow;
    Math.random = random;
  }
}

/** the Unix time the 'clock' run sets on the PC link (after EPOCH_MS: a clock nobody could confuse with it) */
export const CLOCK_SET_UNIX = 1_800_100_000;
/** how long the software reset takes, ms of system time (the RTC timer runs on meanwhile) */
const RESET_MS = 300;

/** One boot of the unit in a fresh world on its own scheduler: flash and system time from before. */
function bootForClock(
  main: () => unknown,
  board: BoardDescription,
  prefs: Record<string, ArrayBuffer>,
  rtc: { baseMs: number; atUs: number },
): { x: World; lines: string[]; run: (us: number) => void; ask: (line: string, id: number) => string } {
  const x = buildWorld(board, new Scheduler(), false);
  world = x;
  x.prefs = prefs;
  x.rtc = rtc;
  const usb = x.wiring.uart(0);
  const lines: string[] = [];
  let partial = '';
  const run = (us: number): void => {
    const end = x.sched.now() + us;
    while (x.sched.now() < end) {
      x.sched.runUntil(Math.min(end, x.sched.now() + 50e3));
      partial += text(usb.hostRead());
      let k = partial.indexOf('\n');
      while (k >= 0) {
        lines.push(partial.substring(0, k));
        partial = partial.substring(k + 1);
        k = partial.indexOf('\n');
      }
    }
  };
  const ask = (line: string, id: number): string => {
    const from = lines.length;
    usb.hostWrite(toBytes(line + '\n'));
    for (let i = 0; i < 40; i++) {
      run(50e3);
      // the reply, or the error line, to request `id`
      for (let j = from; j < lines.length; j++) if (/"type":"(reply|error)"/.test(lines[j]) && lines[j].indexOf('"id":' + id + ',') >= 0) return lines[j];
    }
    return '';
  };
  main();
  run(500e3);
  return { x, lines, run, ask };
}

function statusClock(reply: string): number | null {
  const m = /"clock":(null|[0-9]+)/.exec(reply);
  return m === null || m[1] === 'null' ? null : Number(m[1]);
}

/**
 * The unit's clock across reboots: a power-on boot (the ESP32's system time starts at 0), the
 * household sets the time on the PC link (the unit writes it with Time.set), a software
 * reset (the RTC timer keeps the system time: ESP-IDF System Time), then a power cut (it
 * starts at 0 again). The flash (Preference) survives both.
 */
function runClockScenario(main: () => unknown, board: BoardDescription, run: CuProofRun, log: string[]): CuProofResult {
  const prng = new Prng(run.seed ?? 1);
  const dateNow = Date.now;
  const random = Math.random;
  Date.now = systemNowMs;
  Math.random = () => prng.next();
  const prefs: Record<string, ArrayBuffer> = {};
  for (const k of Object.keys(run.cuImage)) prefs['meter/' + nvsKey(k)] = Uint8Array.from(run.cuImage[k]).buffer;
  const status = '{"v":1,"id":1,"cmd":"status","role":"household"}';
  try {
    // 1. power-on: the system time starts at 0 (1970)
    const a = bootForClock(main, board, prefs, { baseMs: 0, atUs: 0 });
    const powerOnClock = statusClock(a.ask(status, 1));
    const setReply = a.ask('{"v":1,"id":2,"cmd":"time","role":"household","unix":' + CLOCK_SET_UNIX + '.25}', 2);
    a.run(2e6);
    const timeSets = a.x.timeSets.slice();
    // 2. a software reset: the RTC timer runs on through it
    const b = bootForClock(main, board, prefs, { baseMs: systemNowMs() + RESET_MS, atUs: 0 });
    const afterReply = b.ask(status, 1);
    const systemSAtResetStatus = systemNowMs() / 1000;
    const afterResetClock = statusClock(afterReply);
    b.run(1e6);
    // 3. a power cut: the RTC timer starts again at 0
    const c = bootForClock(main, board, prefs, { baseMs: 0, atUs: 0 });
    const afterPowerCutClock = statusClock(c.ask(status, 1));
    const guestAfterPowerCut = c.ask('{"v":1,"id":3,"cmd":"guest-login","role":"guest","code":"1123456"}', 3);
    const pcLines = a.lines.concat(['--- software reset ---'], b.lines, ['--- power cut ---'], c.lines);
    return {
      pcLines,
      log: log.slice(),
      peerTelemetry: 0,
      reader: '',
      guestCode: '',
      signals: {},
      peerState: '',
      peerContactsClosed: null,
      ledChanges: 0,
      buzzerChanges: 0,
      timerCalls: a.x.timerCalls + b.x.timerCalls + c.x.timerCalls,
      outputFull: a.x.outputFull + b.x.outputFull + c.x.outputFull,
      virtualS: (a.x.sched.now() + b.x.sched.now() + c.x.sched.now()) / 1e6,
      clock: {
        powerOnClock,
        afterResetClock,
        afterPowerCutClock,
        setUnix: CLOCK_SET_UNIX + 0.25,
        setReply,
        timeSets,
        systemSAtResetStatus,
        guestAfterPowerCut,
      },
    };
  } finally {
    Date.now = dateNow;
    Math.random = random;
  }
}
