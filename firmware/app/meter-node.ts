// The meter node's composition root: a board description plus a Device (hal/io) in, a
// running node out. It adds to the protection core (node-core.ts) what needs flash and a
// serial port: power-cut-safe memory, the technician console, calibration and averages.
// The same file runs on the simulator and, through a hal provider, on the board.
import type { BoardDescription } from '../../boards/board';
import type { Device } from '../../hal/io';
import { EDGE_FALLING } from '../../hal/io';
import { Console } from '../console/console';
import { Averager } from '../metering/averager';
import type { Averages } from '../metering/averager';
import type { CalKind } from '../metering/calibrate';
import { Calibrator } from '../metering/calibrate';
import type { MainsMeter } from '../metering/mains-meter';
import type { GasReading } from '../metering/mq6';
import type { NtcReading } from '../metering/ntc';
import type { CycleReading } from '../metering/readings';
import type { Protection } from '../protection/protection';
import type { ProtectionSettings, SettingsResult } from '../protection/settings';
import { applySettings, defaultSettings } from '../protection/settings';
import type { TripEvent } from '../protection/trip-log';
import { isLatchedState } from '../protection/breaker';
import type { Actor } from '../console/roles';
import { allowed } from '../console/roles';
import { loadLinkProv } from '../link/keys';
import { NodeConsoleTarget } from './console-target';
import { NodeClock } from './node-clock';
import { NodeMemory } from './memory';
import { NodeCore } from './node-core';
import { FACTORY_RECORDS } from '../store/keys';

/** Who else hears the node's trips and averages (the radio link); added after the start. */
export interface MeterNodeListener {
  onTrip?: (e: TripEvent) => void;
  onAverages?: (a: Averages) => void;
}

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

/**
 * The energy record goes to flash at every ENERGY_STEP_WH step of the import or export
 * register, once a minute (for the clocks) unless a step save came in that minute, at
 * every trip, and on a power-fail warning. So a cut with no warning loses less than one
 * step plus the mains cycle in flight (< 0.13 Wh at 100 A, 230 V): ENERGY_LOSS_MAX_WH.
 *
 * Why 10 Wh, not 1 Wh (flash wear; docs/PROTECTION.md "Energy across a power cut"):
 * Moddable's ESP32 partition table gives NVS 0x6000 B = 6 pages of 4096 B; a page holds
 * 126 entries of 32 B (ESP-IDF NVS "Structure of a page") and the 84-byte record is a
 * blob of 5 entries (index, chunk header, 3 data), so ~25 writes per page erase. At the
 * flash's rated 100 000 erase cycles per sector (GD25Q32C / W25Q32JV datasheets: the
 * ESP32-WROOM-32E's flash) that is 6 x 100 000 x 126 / 5 = 15.1 million writes. At 10 Wh
 * a step, a 10 MWh/year home (heat pump and EV; the EU average is ~3.6 MWh) writes
 * 1.0 M steps a year, and the minute saves fall away while it draws over 600 W: about
 * 10 years in the worst case, 17+ at the average. At 1 Wh a step it would wear out in one.
 */
export const ENERGY_STEP_WH = 10;
/** what a power cut with no warning can take from the registers (at most) */
export const ENERGY_LOSS_MAX_WH = ENERGY_STEP_WH + 0.13;
const ENERGY_SAVE_US = 60e6;

/** utility disconnect reasons (the byte in a signed disconnect, firmware/link/command.ts) */
export const DISCONNECT_REASONS = ['unspecified', 'non-payment', 'safety', 'maintenance', 'customer-request', 'load-shedding'];

export class MeterNode {
  readonly core: NodeCore;
  readonly settings: ProtectionSettings;
  readonly averager: Averager;
  readonly calibrator = new Calibrator();
  readonly memory: NodeMemory;
  /** what boot restored from flash, for the console and the log */
  readonly restored: string[] = [];
  readonly console: Console | undefined;
  readonly consoleTarget: NodeConsoleTarget;
  private readonly buttonListeners: (() => void)[] = [];
  private readonly listeners: MeterNodeListener[] = [];
  /** the wall and accounting clocks (node-clock.ts) */
  readonly clock: NodeClock;
  /** reason of a utility disconnect in force ('' = none): survives a power cut (prot.latch) */
  private utilityHold = '';
  /** settings the utility set with a signed limit: only it or a PIN login changes them (roles.ts) */
  private utilityHeld: string[] = [];
  /** the registers' step count (stepOf) and the time at the last energy save */
  private savedStep = 0;
  private savedAtUs = -1;

  constructor(
    readonly device: Device,
    readonly board: BoardDescription,
    readonly options: MeterNodeOptions,
  ) {
    this.settings = defaultSettings();
    this.memory = new NodeMemory(device.store);
    const stored = this.memory.loadSettings(this.settings);
    this.utilityHeld = this.memory.loadUtilityLimits();
    if (stored !== undefined) this.restored.push(stored.ok ? 'settings' : `settings rejected (${stored.error})`);
    if (options.settings !== undefined) {
      const r = applySettings(this.settings, options.settings);
      if (!r.ok) throw new Error(`settings: ${r.error}`);
    }
    this.core = new NodeCore(device, board, this.settings, {
      onCycle: (r) => this.onCycle(r),
      onTrip: (e) => this.onTrip(e),
    });
    const latch = this.memory.loadLatch();
    if (latch !== undefined && latch.state === 'disconnected') {
      // the utility's disconnect holds across a power cut: no boot close
      this.protection.breaker.restoreLatch('open', 'utility');
      this.utilityHold = latch.reason;
      this.restored.push(`utility disconnect (${latch.reason})`);
    } else if (latch !== undefined && latch.state !== 'closed') {
      // a latched trip survives the power cut: no boot close, a local reset is needed
      this.protection.breaker.restoreLatch(latch.state, latch.reason);
      this.restored.push(`latched ${latch.state} (${latch.reason})`);
    }
    this.averager = new Averager(options.averageS === undefined ? 1 : options.averageS);
    if (this.memory.loadCal(this.meter.cal)) this.restored.push('calibration');
    const offsets = this.memory.loadEnergy(this.meter.energy);
    const prov = loadLinkProv(device.store);
    this.clock = new NodeClock(
      device.clock,
      this.meter,
      prov > 0 ? prov * 1e6 : 0,
      offsets.length === 4 ? offsets[2] : -1,
      offsets.length === 4 ? offsets[3] : -1,
    );
    if (offsets.length === 4) {
      this.restored.push('energy');
      // a stored offset only helps if it is plausible (within 10 % of mid-scale)
      const mid = Math.pow(2, board.adc.bits) / 2;
      if (Math.abs(offsets[0] - mid) < mid * 0.1) this.meter.offV = offsets[0];
      if (Math.abs(offsets[1] - mid) < mid * 0.1) this.meter.offI = offsets[1];
    }
    const trips = this.memory.loadTrips();
    if (trips.length > 0) {
      this.protection.log.restore(trips);
      this.restored.push(`${trips.length} trip records`);
    }
    this.core.applyCodes();
    this.consoleTarget = new NodeConsoleTarget(this, {
      restart: () => this.restart(),
      factoryReset: () => this.factoryReset(),
    });
    const pins = device.pin;
    if (pins.uartRx !== undefined) {
      const serial = new device.io.Serial({ baud: 115200, onReadable: () => con.drain(serial) });
      const con = new Console(this.consoleTarget, (bytes) => serial.write(bytes));
      this.console = con;
      // the board button opens the technician credential window (a physical presence check)
      this.onButton(() => con.buttonPressed());
    }
    if (pins.button !== undefined) {
      new device.io.Digital({
        pin: pins.button,
        mode: 'inputPullUp',
        edge: EDGE_FALLING,
        onReadable: () => {
          for (let k = 0; k < this.buttonListeners.length; k++) this.buttonListeners[k]();
        },
      });
    }
    // A supply supervisor (e.g. a TLV803 on the 5 V rail, ahead of the hold-up capacitor)
    // warns of a power cut some ms before the 3.3 V rail falls: save what changes most. The
    // ESP32's own brown-out detector resets without running user code, so it cannot.
    if (pins.powerFail !== undefined) {
      new device.io.Digital({ pin: pins.powerFail, mode: 'inputPullUp', edge: EDGE_FALLING, onReadable: () => this.saveEnergy() });
    }
    // one timer for both (a timer more costs every poll on Espruino's timer queue): the
    // clock's check needs to run well within its hour of margin (node-clock.ts)
    this.savedStep = this.stepOf();
    device.timer.set(
      () => {
        this.clock.tick();
        if (this.savedAtUs < 0 || device.clock.now() - this.savedAtUs >= ENERGY_SAVE_US - 1e6) this.saveEnergy();
      },
      ENERGY_SAVE_US,
      ENERGY_SAVE_US,
    );
    this.core.start();
  }

  /** The board button (one GPIO, many users: the console's credential window, rekey confirmation). */
  /**
   * Hear trips and closed averaging windows after the options' own hooks. Called inside the
   * core's guarded hook: a listener that throws is counted (listenerErrors) and cannot stop
   * protection, but it does stop the listeners after it for that event, as the options do.
   */
  addListener(listener: MeterNodeListener): void {
    this.listeners.push(listener);
  }

  onButton(listener: () => void): void {
    this.buttonListeners.push(listener);
  }

  get meter(): MainsMeter {
    return this.core.meter;
  }

  get protection(): Protection {
    return this.core.protection;
  }

  get ntc(): NtcReading {
    return this.core.ntc;
  }

  get gas(): GasReading {
    return this.core.gas;
  }

  get bootUs(): number {
    return this.core.bootUs;
  }

  private onTrip(e: TripEvent): void {
    const st = e.state;
    // first, before the log and the energy: a cut during this write keeps boot open (memory.ts)
    if (isLatchedState(st)) this.memory.saveLatch(st, e.reason);
    this.memory.saveTrips(this.protection.log.list());
    this.saveEnergy();
    if (this.options.onTrip !== undefined) this.options.onTrip(e);
    for (let k = 0; k < this.listeners.length; k++) {
      const l = this.listeners[k];
      if (l.onTrip !== undefined) l.onTrip(e);
    }
  }

  private onCycle(r: CycleReading): void {
    if (this.stepOf() !== this.savedStep) this.saveEnergy();
    this.calibrator.onCycle(r);
    if (this.options.onCycle !== undefined) this.options.onCycle(r);
    if (!this.averager.add(r)) return;
    if (this.options.onAverages !== undefined) this.options.onAverages(this.averager.out);
    for (let k = 0; k < this.listeners.length; k++) {
      const l = this.listeners[k];
      if (l.onAverages !== undefined) l.onAverages(this.averager.out);
    }
  }

  /**
   * Change protection settings; on error nothing changes and the error names the field.
   * `by` is who asks (roles.ts): a setting the utility set with a signed limit is changed
   * only by an actor allowed 'configure-utility-limit' (a PIN login, or the utility again);
   * the utility's own change marks its fields. Without `by` (boot options, the Lua REPL)
   * nothing is checked or marked.
   */
  configure(change: Record<string, number>, by?: Actor): SettingsResult {
    const fields = Object.keys(change);
    if (by !== undefined && !allowed('configure-utility-limit', by)) {
      for (let k = 0; k < fields.length; k++)
        if (this.utilityHeld.indexOf(fields[k]) >= 0)
          return {
            ok: false,
            field: fields[k],
            error: fields[k] + ' was set by the utility (a signed limit): a PIN login or the utility changes it',
          };
    }
    const r = applySettings(this.settings, change);
    if (r.ok) {
      this.core.applyCodes();
      this.memory.saveSettings(this.settings);
      if (by === 'utility') {
        let added = false;
        for (let k = 0; k < fields.length; k++)
          if (this.utilityHeld.indexOf(fields[k]) < 0) {
            this.utilityHeld.push(fields[k]);
            added = true;
          }
        if (added) this.memory.saveUtilityLimits(this.utilityHeld);
      }
    }
    return r;
  }

  /** The settings the utility holds (set by a signed limit), by name. */
  utilityLimits(): string[] {
    return this.utilityHeld.slice();
  }

  /**
   * The reset on the spot after a safety trip (roles.ts 'safety-reset': the button or a PIN
   * login; the console checks it): re-arms the comparator latch first. Refused while the
   * utility holds the relays open: its signed reconnect (or a technician) lifts that first.
   */
  reset(): string {
    if (this.utilityHold !== '') return `refused: disconnected by the utility (${this.utilityHold}); a signed reconnect or a PIN login first`;
    const r = this.core.reset();
    if (r === 'ok') this.memory.saveLatch('closed', '');
    return r;
  }

  /**
   * Relays on/off for `actor` (firmware/console/roles.ts). Closing never goes over a trip
   * (the breaker refuses), nor over a utility disconnect unless the actor may lift it.
   */
  relay(on: boolean, actor?: Actor): string {
    if (on && this.utilityHold !== '') {
      if (!allowed('relay-on-utility-hold', actor === undefined ? 'serial' : actor))
        return `refused: disconnected by the utility (${this.utilityHold}); a signed reconnect or a PIN login closes it`;
      this.releaseUtilityHold();
    }
    return this.core.relay(on);
  }

  /** The utility's signed disconnect: open, and hold open with `reason` across power cuts. */
  utilityDisconnect(reason: string): string {
    const r = this.core.relay(false);
    if (r !== 'ok') return r;
    this.utilityHold = reason;
    const st = this.protection.breaker.state;
    // a latched trip record stays; the hold is kept in RAM then and written at its reset
    if (st === 'open') this.memory.saveLatch('disconnected', reason);
    return 'ok';
  }

  /** The utility consents to reconnection (its signed reconnect), closing or not. */
  releaseUtilityHold(): void {
    if (this.utilityHold === '') return;
    this.utilityHold = '';
    if (this.protection.breaker.state === 'open') this.memory.saveLatch('closed', '');
  }

  /** reason of the utility disconnect in force, '' when none */
  utilityHoldReason(): string {
    return this.utilityHold;
  }

  /** VoltageSet / CurrentSet / PowerSet: '' when applied (and stored), else why not. */
  calibrate(kind: CalKind, reference: number): string {
    const err = this.calibrator.apply(kind, reference, this.meter.cal);
    if (err !== '') return err;
    this.memory.saveCal(this.meter.cal);
    this.core.applyCodes();
    return '';
  }

  /**
   * A wall-clock sync (link-authenticated only): bounded by node-clock.ts, which also keeps
   * the daily register from being reset by it. '' when applied as asked, else what was done.
   */
  setLocalTime(localUs: number): string {
    const r = this.clock.sync(localUs);
    // keep the new wall time across a power cut (a sync is accepted at most once a minute)
    if (r.indexOf('refused') !== 0) this.saveEnergy();
    return r;
  }

  /** whole ENERGY_STEP_WH steps of both registers: a save is due when it changes */
  private stepOf(): number {
    const e = this.meter.energy;
    return Math.floor(e.importWh / ENERGY_STEP_WH) + Math.floor(e.exportWh / ENERGY_STEP_WH);
  }

  private saveEnergy(): void {
    // marked first: a cut inside the write stops the board anyway, and a write that throws
    // for another reason is not retried on every cycle
    this.savedStep = this.stepOf();
    this.savedAtUs = this.device.clock.now();
    this.memory.saveEnergy(this.meter.energy, this.meter.offV, this.meter.offI, this.clock.wallUs(), this.clock.sinceResetUs());
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
