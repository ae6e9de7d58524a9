// The meter node's composition root: a board description plus a Device (hal/io) in, a
// running node out. This file only wires; the logic lives in metering/ and protection/.
// The same file runs on the simulator and, through a hal provider, on the board.
import type { BoardDescription } from '../../boards/board';
import type { Device, Digital } from '../../hal/io';
import { EDGE_FALLING, EDGE_RISING } from '../../hal/io';
import { Averager } from '../metering/averager';
import type { Averages } from '../metering/averager';
import type { CalKind } from '../metering/calibrate';
import { Calibrator } from '../metering/calibrate';
import { MainsMeter } from '../metering/mains-meter';
import type { GasReading, Mq6Setup } from '../metering/mq6';
import { readMq6 } from '../metering/mq6';
import type { NtcDivider, NtcReading, SteinhartHart } from '../metering/ntc';
import { readNtc, steinhartFromBeta } from '../metering/ntc';
import type { CycleReading } from '../metering/readings';
import type { Actuator } from '../protection/breaker';
import { Protection } from '../protection/protection';
import type { ProtectionSettings, SettingsResult } from '../protection/settings';
import { applySettings, defaultSettings } from '../protection/settings';
import type { TripEvent } from '../protection/trip-log';
import { NodeMemory } from './memory';
import { Console } from '../console/console';
import { NodeConsoleTarget } from './console-target';

export interface MeterNodeOptions {
  settings?: Record<string, number>;
  /** averaging window for readings, s */
  averageS?: number;
  /** called for each new trip record */
  onTrip?: (e: TripEvent) => void;
  /** called when a new averaging window closes */
  onAverages?: (a: Averages) => void;
  /** called for every cycle (tests, the simulator's timeline) */
  onCycle?: (r: CycleReading) => void;
  /** the platform's restart (the console's Restart and FactoryReset end with it) */
  onRestart?: () => void;
}

/** flash records a factory reset erases; energy registers and a latched trip stay */
const FACTORY_RECORDS = ['prot.settings', 'meter.cal', 'link.keys', 'link.id', 'console.pin', 'console.pinfail'];

const SLOW_PERIOD_US = 1e6;
/** energy registers go to flash once a minute (and at every trip) */
const ENERGY_SAVE_US = 60e6;

export class MeterNode {
  readonly meter: MainsMeter;
  readonly protection: Protection;
  readonly settings: ProtectionSettings;
  readonly averager: Averager;
  readonly calibrator = new Calibrator();
  readonly bootUs: number;
  readonly ntc: NtcReading = { celsius: 0 / 0, status: 'invalid' };
  readonly gas: GasReading = { ppm: 0 / 0, ratio: 0 / 0, status: 'invalid' };
  readonly memory: NodeMemory;
  /** what boot restored from flash, for the console and the log */
  readonly restored: string[] = [];
  readonly console: Console | undefined;
  readonly consoleTarget: NodeConsoleTarget;
  private readonly relays: Digital[] = [];
  private readonly comparator: Digital | undefined;
  private readonly latchReset: Digital | undefined;
  private readonly ntcDivider: NtcDivider;
  private readonly ntcCurve: SteinhartHart;
  private readonly mq6: Mq6Setup;
  private readonly activeHigh: boolean;

  constructor(readonly device: Device, readonly board: BoardDescription, readonly options: MeterNodeOptions) {
    const adc = board.adc;
    const fe = board.frontend;
    const cal = board.calibration;
    if (fe === undefined || cal === undefined) throw new Error(`board ${board.name}: a meter node needs "frontend" and "calibration"`);
    this.bootUs = device.clock.now();
    this.settings = defaultSettings();
    this.memory = new NodeMemory(device.store);
    const stored = this.memory.loadSettings(this.settings);
    if (stored !== undefined) this.restored.push(stored.ok ? 'settings' : `settings rejected (${stored.error})`);
    if (options.settings !== undefined) {
      const r = applySettings(this.settings, options.settings);
      if (!r.ok) throw new Error(`settings: ${r.error}`);
    }
    this.activeHigh = board.relay === undefined ? true : board.relay.activeHigh;
    const pins = device.pin;
    this.relays.push(new device.io.Digital({ pin: pins.relayMain, mode: 'output' }));
    if (pins.relayAux !== undefined) this.relays.push(new device.io.Digital({ pin: pins.relayAux, mode: 'output' }));
    this.writeRelays(false);
    const act: Actuator = {
      open: () => this.writeRelays(false),
      close: () => this.writeRelays(true),
    };
    this.protection = new Protection(this.settings, act);
    const latch = this.memory.loadLatch();
    if (latch !== undefined && latch.state !== 'closed') {
      // a latched trip survives the power cut: no boot close, a local reset is needed
      this.protection.breaker.state = latch.state as 'tripped';
      this.protection.breaker.reason = latch.reason;
      this.restored.push(`latched ${latch.state} (${latch.reason})`);
    }
    this.protection.log.listener = (e) => this.onTrip(e);
    this.averager = new Averager(options.averageS === undefined ? 1 : options.averageS);
    this.meter = new MainsMeter(
      {
        rateHz: adc.rateHz, bits: adc.bits, blockPairs: adc.blockPairs,
        cal: { vGain: cal.vGain, iGain: cal.iGain, phaseShift: cal.phaseShift },
        // 10 V of hysteresis on the zero-crossing detector, in codes
        hystCodes: 10 / cal.vGain, minHz: 40, maxHz: 70,
      },
      {
        onCycle: (r) => this.onCycle(r),
        onHalfCycle: (v, t) => this.protection.onHalfCycle(v, t),
        onPeak: (i, t) => this.protection.onPeak(i, t),
      },
    );
    if (this.memory.loadCal(this.meter.cal)) this.restored.push('calibration');
    const offsets = this.memory.loadEnergy(this.meter.energy);
    if (offsets.length === 2) {
      this.restored.push('energy');
      // a stored offset only helps if it is plausible (within 10 % of mid-scale)
      const mid = Math.pow(2, adc.bits) / 2;
      if (Math.abs(offsets[0] - mid) < mid * 0.1) this.meter.offV = offsets[0];
      if (Math.abs(offsets[1] - mid) < mid * 0.1) this.meter.offI = offsets[1];
    }
    const trips = this.memory.loadTrips();
    if (trips.length > 0) {
      this.protection.log.restore(trips);
      this.restored.push(`${trips.length} trip records`);
    }
    this.applyOcPickup();
    this.ntcDivider = {
      fullScaleVolts: adc.fullScaleVolts, bits: adc.bits, supplyVolts: 3.3,
      seriesOhms: fe.ntc.seriesOhms, ntcToGround: fe.ntc.ntcToGround,
    };
    this.ntcCurve = steinhartFromBeta(fe.ntc.r0, fe.ntc.t0C, fe.ntc.beta);
    this.mq6 = {
      fullScaleVolts: adc.fullScaleVolts, bits: adc.bits, supplyVolts: fe.mq6.supplyVolts,
      loadOhms: fe.mq6.loadOhms, r0Ohms: fe.mq6.r0Ohms, dividerRatio: fe.mq6.dividerRatio,
      warmupS: fe.mq6.heaterWarmupS, slope: -0.42,
    };
    const ntcPin = new device.io.Analog({ pin: pins.ntc });
    const gasPin = new device.io.Analog({ pin: pins.gas });
    if (pins.latchReset !== undefined) this.latchReset = new device.io.Digital({ pin: pins.latchReset, mode: 'output' });
    if (pins.comparator !== undefined) {
      this.comparator = new device.io.Digital({
        pin: pins.comparator, mode: 'input', edge: EDGE_RISING,
        // nothing is queued ahead of this: the relay write comes first, then the record
        onReadable: () => {
          this.writeRelays(false);
          this.protection.onComparator(device.clock.now());
        },
      });
    }
    this.consoleTarget = new NodeConsoleTarget(this, {
      restart: () => this.restart(),
      factoryReset: () => this.factoryReset(),
    });
    if (pins.uartRx !== undefined) {
      const serial = new device.io.Serial({ baud: 115200, onReadable: () => con.drain(serial) });
      const con = new Console(this.consoleTarget, (bytes) => serial.write(bytes));
      this.console = con;
      // the board button opens the technician credential window (a physical presence check)
      if (pins.button !== undefined) {
        new device.io.Digital({ pin: pins.button, mode: 'inputPullUp', edge: EDGE_FALLING, onReadable: () => con.buttonPressed() });
      }
    }
    const ts = 1e6 / adc.rateHz;
    const pairs = adc.blockPairs;
    const sampler = new device.io.ContinuousAdc({
      pins: [pins.adcV, pins.adcI], rateHz: adc.rateHz, blockPairs: pairs,
      onBlock: (b, t) => {
        this.meter.processBlock(b, pairs, t);
        this.protection.onBlockEnd(t + pairs * ts);
      },
    });
    device.timer.set(() => this.readSlow(ntcPin.read(), gasPin.read()), SLOW_PERIOD_US, SLOW_PERIOD_US);
    device.timer.set(() => this.saveEnergy(), ENERGY_SAVE_US, ENERGY_SAVE_US);
    sampler.start();
  }

  private writeRelays(closed: boolean): void {
    const level = closed === this.activeHigh ? 1 : 0;
    for (let k = 0; k < this.relays.length; k++) this.relays[k].write(level);
  }

  private applyOcPickup(): void {
    const cal = this.meter.cal;
    this.meter.ocCodes = this.settings.ocPeakA / cal.iGain;
    this.meter.ocConfirm = this.settings.ocConfirmSamples;
  }

  private onTrip(e: TripEvent): void {
    const st = e.state;
    if (st === 'tripped' || st === 'lockout' || st === 'failsafe') this.memory.saveLatch(st, e.reason);
    this.memory.saveTrips(this.protection.log.list());
    this.saveEnergy();
    if (this.options.onTrip !== undefined) this.options.onTrip(e);
  }

  private onCycle(r: CycleReading): void {
    this.calibrator.onCycle(r);
    this.protection.onCycle(r, this.meter.energy.todayWh);
    if (this.options.onCycle !== undefined) this.options.onCycle(r);
    if (this.averager.add(r) && this.options.onAverages !== undefined) this.options.onAverages(this.averager.out);
  }

  private readSlow(ntcCode: number, gasCode: number): void {
    const now = this.device.clock.now();
    readNtc(ntcCode, this.ntcDivider, this.ntcCurve, this.ntc);
    readMq6(gasCode, (now - this.bootUs) / 1e6, this.mq6, this.gas);
    const t = this.ntc.status;
    const g = this.gas.status;
    this.protection.onSlow({
      tempC: this.ntc.celsius, tempOk: t === 'ok', tempFault: t !== 'ok',
      gasPpm: this.gas.ppm, gasOk: g === 'ok', gasFault: g !== 'ok' && g !== 'warming',
    }, now);
  }

  /** Change protection settings; on error nothing changes and the error names the field. */
  configure(change: Record<string, number>): SettingsResult {
    const r = applySettings(this.settings, change);
    if (r.ok) {
      this.applyOcPickup();
      this.memory.saveSettings(this.settings);
    }
    return r;
  }

  /** Local reset (console with credential, or the button): re-arms the comparator latch first. */
  reset(): string {
    if (this.protection.comparatorActive && this.latchReset !== undefined && this.comparator !== undefined) {
      this.latchReset.write(1);
      this.latchReset.write(0);
      if (this.comparator.read() === 0) this.protection.comparatorActive = false;
    } else if (this.comparator !== undefined && this.comparator.read() === 0) this.protection.comparatorActive = false;
    const r = this.protection.reset(this.device.clock.now());
    if (r === 'ok') this.memory.saveLatch('closed', '');
    return r;
  }

  relay(on: boolean): string {
    return this.protection.breaker.command(on, this.device.clock.now());
  }

  /** VoltageSet / CurrentSet / PowerSet: '' when applied (and stored), else why not. */
  calibrate(kind: CalKind, reference: number): string {
    const err = this.calibrator.apply(kind, reference, this.meter.cal);
    if (err !== '') return err;
    this.memory.saveCal(this.meter.cal);
    this.applyOcPickup();
    return '';
  }

  /** Wall-clock sync: local time of day for the daily energy register. */
  setLocalTime(localUs: number): void {
    this.meter.dayOffsetUs = localUs - this.device.clock.now();
  }

  private saveEnergy(): void {
    this.memory.saveEnergy(this.meter.energy, this.meter.offV, this.meter.offI);
  }

  restart(): void {
    this.saveEnergy();
    if (this.options.onRestart !== undefined) this.options.onRestart();
  }

  /** Erase settings, calibration, keys and the PIN; keep energy (billing) and any latch. */
  factoryReset(): void {
    const store = this.device.store;
    for (let k = 0; k < FACTORY_RECORDS.length; k++) {
      store.delete(FACTORY_RECORDS[k] + '.a');
      store.delete(FACTORY_RECORDS[k] + '.b');
    }
    this.restart();
  }

  state(): string {
    return this.protection.breaker.state;
  }

  trips(): TripEvent[] {
    return this.protection.log.list();
  }
}
