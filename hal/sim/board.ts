// The virtual meter board: mains physics, front end, ADC, relays, comparator and trip
// latch, GPIO, UART, SPI, timers and store, all in deterministic virtual time. Its
// `device` is a hal/io.ts Device, so the firmware runs on it unchanged.
import type { BoardDescription } from '../../boards/board';
import type { Device } from '../io';
import { makeContinuousAdc } from './adc';
import { Comparator, type ComparatorEvent, type ComparatorPath } from './comparator';
import { Environment } from './env';
import { AdcFrontend, type FrontendOptions, type SensorChannel, type SensorFaultKind } from './frontend';
import { MainsModel, type MainsParams, type MainsTruth } from './mains';
import { makeAnalog, makeDigital, makeSerial, makeSpi, SimTimer, SimUart, type PeripheralWiring, type SpiDevice } from './peripherals';
import { SimPin } from './pin';
import { Prng } from './prng';
import { SimRelay } from './relay';
import { Scheduler } from './scheduler';
import { SimStore } from './store';

export interface SimBoardOptions {
  board: BoardDescription;
  seed?: number;
  startUs?: number;
  /** JS time to process one ADC block (µs, default 200) */
  blockCostUs?: number;
  /** JS time of a GPIO/timer/UART callback (µs, default 50) */
  callbackCostUs?: number;
  /** reuse a store, e.g. to reboot a node on the same flash */
  store?: SimStore;
  /** DMA ring depth in blocks (default 16) */
  ringBlocks?: number;
  frontend?: FrontendOptions;
  /** override board.frontend.comparatorPath */
  comparatorPath?: ComparatorPath;
  /** start with both relays energised and their contacts closed (default: open) */
  relaysClosedAtStart?: boolean;
  mains?: Partial<MainsParams>;
  env?: { temperatureC?: number; gasPpm?: number };
}

/** Faults the board can inject; each takes effect at atUs. */
export type SimFault =
  | { kind: 'shortCircuit'; atUs: number; prospectiveA: number; durationUs?: number }
  | { kind: 'sag'; atUs: number; depth: number; durationUs?: number }
  | { kind: 'swell'; atUs: number; factor: number; durationUs?: number }
  | { kind: 'overloadRamp'; atUs: number; fromA: number; toA: number; rampUs: number; durationUs?: number }
  | { kind: 'loadStep'; atUs: number; irms: number; pfAngleDeg?: number }
  | { kind: 'gasLeak'; atUs: number; ppm: number; rampUs: number }
  | { kind: 'overheat'; atUs: number; toC: number; rampUs: number }
  | { kind: 'sensor'; atUs: number; channel: SensorChannel; fault: SensorFaultKind }
  | { kind: 'sensorClear'; atUs: number; channel: SensorChannel };

// Used when a board (e.g. the control unit) has no mains front end or relay section, so
// that every SimBoard has the same shape; nothing reads these on such a board.
const FALLBACK_FRONTEND: NonNullable<BoardDescription['frontend']> = {
  vAdcVoltsPerVolt: 0.0035,
  iAdcVoltsPerAmp: 0.02,
  biasVolts: 1.55,
  comparatorPeakAmps: 60,
  comparatorPath: 'latch',
  ntc: { r0: 10000, t0C: 25, beta: 3950, seriesOhms: 10000, ntcToGround: true },
  mq6: { loadOhms: 20000, r0Ohms: 10000, supplyVolts: 5, dividerRatio: 0.6, heaterWarmupS: 180 },
};
const FALLBACK_RELAY = { activeHigh: true, releaseMs: 8, operateMs: 10 };

export class SimBoard {
  readonly board: BoardDescription;
  readonly sched: Scheduler;
  readonly prng: Prng;
  readonly mains: MainsModel;
  readonly env: Environment;
  readonly frontend: AdcFrontend;
  readonly store: SimStore;
  /** UART 0 (the console); other ports through serialPort(n) */
  readonly uart: SimUart;
  private readonly uarts = new Map<number, SimUart>();
  readonly relays: { main: SimRelay; aux: SimRelay };
  readonly comparator: Comparator;
  readonly device: Device;
  /** injected faults with their onset time, in injection order */
  readonly faultLog: { tUs: number; fault: SimFault }[] = [];
  blockCostUs: number;
  callbackCostUs: number;
  private readonly pins = new Map<number, SimPin>();
  private readonly spi = new Map<number, SpiDevice>();
  private readonly pinNo: Record<string, number>;

  constructor(o: SimBoardOptions) {
    const b = o.board;
    if (!b || typeof b !== 'object' || !b.adc || !b.pins) throw new RangeError('SimBoard.board must be a board description (boards/*.json) with pins and adc');
    this.board = b;
    this.sched = new Scheduler({ startUs: o.startUs });
    const now = () => this.sched.now();
    this.prng = new Prng(o.seed === undefined ? 1 : o.seed);
    this.blockCostUs = nonNegative('blockCostUs', o.blockCostUs, 200);
    this.callbackCostUs = nonNegative('callbackCostUs', o.callbackCostUs, 50);
    const ringBlocks = o.ringBlocks === undefined ? 16 : o.ringBlocks;
    if (!Number.isInteger(ringBlocks) || ringBlocks < 1) throw new RangeError(`SimBoard.ringBlocks must be an integer >= 1, got ${ringBlocks}`);
    this.pinNo = { ...b.pins };
    // pins a board lacks get virtual numbers (never reachable from io.*)
    let virt = 1000;
    for (const name of ['adcV', 'adcI', 'ntc', 'gas', 'comparator', 'latchReset', 'relayMain', 'relayAux']) {
      if (this.pinNo[name] === undefined) this.pinNo[name] = virt++;
    }
    const fe = b.frontend || FALLBACK_FRONTEND;
    const boardForFe: BoardDescription = { ...b, frontend: fe };

    this.mains = new MainsModel({ clock: now, params: o.mains, iSensor: fe.iSensor });
    this.env = new Environment(now, o.env);
    this.frontend = new AdcFrontend(boardForFe, this.env, this.prng, this.sched.now(), o.frontend);
    this.store = o.store || new SimStore();
    // a new boot on this flash: power is back; a cut during this run halts the board
    this.store.powerOn();
    this.store.onCut = (e) => this.sched.halt(e);
    const cbCost = () => this.callbackCostUs;
    this.uart = new SimUart(this.sched, cbCost);
    this.uarts.set(0, this.uart);

    const closed = o.relaysClosedAtStart === true;
    const rc = b.relay || FALLBACK_RELAY;
    this.relays = { main: new SimRelay('main', rc, now, closed), aux: new SimRelay('aux', rc, now, closed) };
    const relayPins = [this.makeRelayPin('relayMain', this.relays.main), this.makeRelayPin('relayAux', this.relays.aux)];
    if (this.pinNo.button !== undefined) {
      const button = this.digitalPin(this.pinNo.button);
      button.set(1, 'pull-up'); // DevKitC BOOT button: external pull-up, pressed = 0
      button.touched = false;
    }

    const main = this.relays.main;
    this.comparator = new Comparator(
      this.sched,
      fe.comparatorPeakAmps,
      o.comparatorPath || fe.comparatorPath,
      {
        current: (t) => this.ampsAt(t),
        bound: (t) => (main.contactsClosed(t) ? this.mains.peakCurrentBound(t) : 0),
        nextChange: (t) => Math.min(this.mains.nextChangeUs(t), main.nextTransitionAfter(t)),
      },
      this.digitalPin(this.pinNo.comparator),
      [this.relays.main, this.relays.aux],
      relayPins,
    );
    this.digitalPin(this.pinNo.latchReset).onChange((level) => this.comparator.setLatchReset(level));
    this.mains.onChange(() => this.comparator.rearm());
    main.onTransition(() => this.comparator.rearm());
    this.comparator.rearm();

    const w: PeripheralWiring = {
      sched: this.sched,
      callbackCostUs: cbCost,
      pin: (n) => this.digitalPin(n),
      analogRead: (pin) => this.analogRead(pin),
      isAnalog: (pin) => [this.pinNo.ntc, this.pinNo.gas, this.pinNo.adcV, this.pinNo.adcI].indexOf(pin) >= 0,
      bits: this.frontend.bits,
      spiDevice: (sel) => this.spi.get(sel),
      uart: (port) => this.serialPort(port),
    };
    this.device = {
      io: {
        Analog: makeAnalog(w),
        Digital: makeDigital(w),
        ContinuousAdc: makeContinuousAdc({
          sched: this.sched,
          frontend: this.frontend,
          voltsAt: (t) => this.voltsAt(t),
          ampsAt: (t) => this.ampsAt(t),
          pinV: this.pinNo.adcV,
          pinI: this.pinNo.adcI,
          skewUs: b.adc.skewUs,
          ringBlocks,
          blockCostUs: () => this.blockCostUs,
        }),
        Serial: makeSerial(w),
        SPI: makeSpi(w),
      },
      pin: { ...b.pins },
      clock: { now },
      timer: new SimTimer(this.sched, cbCost),
      store: this.store,
    };
  }

  now(): number {
    return this.sched.now();
  }

  run(durationUs: number): void {
    this.sched.runFor(durationUs);
  }

  runUntil(tUs: number): void {
    this.sched.runUntil(tUs);
  }

  /** The GPIO line `pin` (created on first use). A chip model can drive an input with set(). */
  digitalPin(pin: number): SimPin {
    let p = this.pins.get(pin);
    if (p === undefined) {
      p = new SimPin(pin);
      this.pins.set(pin, p);
    }
    return p;
  }

  /** The host end of UART `port` (0 = console, as board.uart; 2 = e.g. a fingerprint reader). */
  serialPort(port: number): SimUart {
    let u = this.uarts.get(port);
    if (u === undefined) {
      u = new SimUart(this.sched, () => this.callbackCostUs);
      this.uarts.set(port, u);
    }
    return u;
  }

  /** Attach an SPI device (e.g. a simulated nRF24L01+) on a chip-select pin. */
  attachSpi(selectPin: number, dev: SpiDevice): void {
    this.spi.set(selectPin, dev);
  }

  get comparatorEvents(): ComparatorEvent[] {
    return this.comparator.events;
  }

  /** Mains voltage at the V sensor (supply side of the relay). */
  voltsAt(tUs: number): number {
    return this.mains.sampleV(tUs);
  }

  /** Current through the CT: zero while the main relay's contacts are open. */
  ampsAt(tUs: number): number {
    return this.relays.main.contactsClosed(tUs) ? this.mains.sampleI(tUs) : 0;
  }

  /** Analytic truth as the meter should see it (no current while the main relay is open). */
  truth(tUs?: number): MainsTruth {
    const t = tUs === undefined ? this.sched.now() : tUs;
    const tr = this.mains.truth(t);
    if (this.relays.main.contactsClosed(t)) return tr;
    return { vrms: tr.vrms, irms: 0, p: 0, s: 0, pf: 0, freqHz: tr.freqHz, irmsLoad: 0, dcA: 0 };
  }

  /** Schedule a fault; returns its onset time (µs), from which trip latency is measured. */
  inject(f: SimFault): number {
    switch (f.kind) {
      case 'shortCircuit':
        this.mains.shortCircuit(f);
        break;
      case 'sag':
        this.mains.sag(f);
        break;
      case 'swell':
        this.mains.swell(f);
        break;
      case 'overloadRamp':
        this.mains.overloadRamp(f);
        break;
      case 'loadStep':
        this.mains.setLoad(f);
        break;
      case 'gasLeak':
        this.env.gasLeak(f);
        break;
      case 'overheat':
        this.env.overheat(f);
        break;
      case 'sensor':
        this.frontend.sensorFault(f.channel, f.fault, f.atUs);
        break;
      case 'sensorClear':
        this.frontend.clearSensorFault(f.channel, f.atUs);
        break;
      default:
        throw new RangeError(`inject: unknown fault kind '${(f as { kind: unknown }).kind}'`);
    }
    this.faultLog.push({ tUs: f.atUs, fault: f });
    return f.atUs;
  }

  private analogRead(pin: number): number | undefined {
    const t = this.sched.now();
    const n = this.pinNo;
    if (pin === n.ntc) return this.frontend.ntcCode(t);
    if (pin === n.gas) return this.frontend.gasCode(t);
    if (pin === n.adcV) return this.frontend.vCode(t, this.voltsAt(t));
    if (pin === n.adcI) return this.frontend.iCode(t, this.ampsAt(t));
    return undefined;
  }

  private makeRelayPin(name: string, relay: SimRelay): SimPin {
    const p = this.digitalPin(this.pinNo[name]);
    p.set(relay.level, 'init');
    p.touched = false;
    p.onChange((level, source) => relay.drive(level, source === 'native-isr' ? 'native-isr' : 'js'));
    return p;
  }
}

function nonNegative(field: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`SimBoard.${field} must be a finite number >= 0 µs, got ${v}`);
  return v;
}
