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
import type { BoardDescription } from '../../../boards/board';
import type { Analog as HalAnalog, Device, Digital as HalDigital, DigitalMode, Serial as HalSerial, SPI as HalSPI } from '../../../hal/io';
import { SimBoard, type SimFault } from '../../../hal/sim/board';

let sim: SimBoard | undefined;
let prefs: Record<string, ArrayBuffer> = {};
/** reads per analog pin since boot (the polled ADC's real sample count) */
let reads: Record<number, number> = {};
let timerCalls = 0;

function dev(): Device {
  if (sim === undefined) throw new Error('xs-sim: bootSim() must run before the app touches the SDK modules');
  return sim.device;
}

export class Analog {
  readonly resolution: number;
  private readonly a: HalAnalog;
  private readonly pin: number;
  constructor(o: { pin: number; resolution?: number }) {
    this.a = new (dev().io.Analog)({ pin: o.pin });
    this.pin = o.pin;
    this.resolution = this.a.resolution;
  }
  read(): number {
    reads[this.pin] = (reads[this.pin] ?? 0) + 1;
    return this.a.read();
  }
  close(): void {
    this.a.close();
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

export class Serial {
  private readonly s: HalSerial;
  constructor(o: { port?: number; baud: number; format?: string; onReadable?: (count: number) => void }) {
    if (o.format !== 'number') throw new RangeError(`Serial format: this stand-in supports "number" (what hal/moddable uses), got ${o.format}`);
    this.s = new (dev().io.Serial)({ port: o.port, baud: o.baud, onReadable: o.onReadable });
  }
  read(): number | undefined {
    return this.s.read();
  }
  write(data: number | ArrayBuffer): void {
    this.s.write(typeof data === 'number' ? data : new Uint8Array(data));
  }
  close(): void {
    this.s.close();
  }
}

export class SPI {
  private readonly s: HalSPI;
  constructor(o: { port?: number; select: number; hz: number; mode?: number }) {
    this.s = new (dev().io.SPI)({ port: o.port, select: o.select, hz: o.hz, mode: o.mode });
  }
  transfer(buffer: Uint8Array | ArrayBuffer): void {
    this.s.transfer(buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer));
  }
  close(): void {
    this.s.close();
  }
}

export const Timer = {
  set(callback: (id: unknown) => void, delayMs = 0, repeatMs?: number): { id: number } {
    if (!Number.isInteger(delayMs) || (repeatMs !== undefined && !Number.isInteger(repeatMs))) {
      throw new RangeError(`Timer.set: delays are whole milliseconds on Moddable, got ${delayMs}, ${repeatMs}`);
    }
    const t = { id: 0 };
    t.id = dev().timer.set(() => {
      timerCalls++;
      callback(t);
    }, delayMs * 1000, repeatMs === undefined ? undefined : repeatMs * 1000);
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
    if (domain.length > 15 || key.length > 15) throw new RangeError(`Preference: domain and key must be at most 15 characters (ESP32 NVS), got '${domain}', '${key}'`);
    if (!(value instanceof ArrayBuffer)) throw new TypeError('Preference.set: this stand-in stores ArrayBuffer values (what hal/moddable writes)');
    prefs[`${domain}/${key}`] = value.slice(0);
  },
  delete(domain: string, key: string): void {
    delete prefs[`${domain}/${key}`];
  },
};

/** A fresh simulated board (and empty flash) for the next boot of the app. */
export function bootSim(board: BoardDescription, seed: number, loadA: number): SimBoard {
  sim = new SimBoard({ board, seed, mains: { irms: loadA } });
  prefs = {};
  reads = {};
  timerCalls = 0;
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
  log: string[];
}

const BOOT_US = 3e6;

/** The baseline: the same Analog reads on the same Timer, no metering or protection. */
function bareSampler(board: BoardDescription): NodeLike {
  const v = new Analog({ pin: board.pins.adcV });
  const i = new Analog({ pin: board.pins.adcI });
  Timer.set(() => {
    v.read();
    i.read();
  }, 1, 1);
  return { state: () => 'baseline', trips: () => [], averager: { out: { vrms: 0, irms: 0 } } };
}

interface NodeLike {
  state(): string;
  trips(): { reason: string; state: string }[];
  averager: { out: { vrms: number; irms: number } };
}

/** Boot the app's main() on a fresh board, inject `run.fault`, run, report. */
export function runScenario(main: () => unknown, board: BoardDescription, run: ProofRun, log: string[]): ProofResult {
  const s = bootSim(board, run.seed ?? 1, run.loadA ?? 10);
  const t0 = s.now();
  const node = run.baseline === true ? bareSampler(board) : (main() as NodeLike);
  s.runUntil(t0 + BOOT_US);
  const closedAtBoot = node.state() === 'closed' && s.relays.main.contactsClosed();
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
    log: log.slice(),
  };
}
