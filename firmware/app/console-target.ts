// The technician console's view of a real meter node (firmware/console/target.ts).
// Setting names follow Tasmota's style (VoltageHigh, MaxPower, MaxPowerHold, ...) and map
// one-to-one onto the protection settings table, so ranges and validation have a single
// source (firmware/protection/settings.ts).
import type { Actor } from '../console/roles';
import type { Clock } from '../../hal/io';
import type { JsonObject } from '../console/json';
import type { CalibrationKind, ConsoleTarget, Outcome, SettingInfo } from '../console/target';
import { keyFingerprint, loadLinkKeys } from '../link/keys';
import { settingField, settingsTable } from '../console/settings-table';
import { PersistentRecord } from '../store/records';
import { RECORD } from '../store/keys';
import type { BoardDescription } from '../../boards/board';
import type { Device } from '../../hal/io';
import type { Averager } from '../metering/averager';
import type { CalKind } from '../metering/calibrate';
import type { MainsMeter } from '../metering/mains-meter';
import type { GasReading } from '../metering/mq6';
import type { NtcReading } from '../metering/ntc';
import type { Protection } from '../protection/protection';
import type { ProtectionSettings, SettingsResult } from '../protection/settings';
import type { TripEvent } from '../protection/trip-log';

function round(x: number, digits: number): number {
  const k = Math.pow(10, digits);
  return Math.round(x * k) / k;
}

/** What the console reads and asks of the node (MeterNode has it; the console does not import it). */
export interface ConsoleNode {
  readonly device: Device;
  readonly board: BoardDescription;
  readonly settings: ProtectionSettings;
  readonly averager: Averager;
  readonly restored: string[];
  readonly meter: MainsMeter;
  readonly protection: Protection;
  readonly ntc: NtcReading;
  readonly gas: GasReading;
  readonly bootUs: number;
  configure(change: Record<string, number>, by?: Actor): SettingsResult;
  utilityLimits(): string[];
  calibrate(kind: CalKind, reference: number): string;
  relay(on: boolean, actor?: Actor): string;
  reset(): string;
  trips(): TripEvent[];
}

export interface ConsoleHooks {
  restart(): void;
  factoryReset(): void;
}

/** What the radio link (firmware/app/node-link.ts) offers the console, once it is attached. */
export interface LinkConsole {
  keys(): JsonObject;
  confirmRekey(): Outcome;
  status(): JsonObject;
}

export class NodeConsoleTarget implements ConsoleTarget {
  readonly clock: Clock;
  /** the radio link, once one is attached (attachLink); until then Keys/Link report the store */
  private link: LinkConsole | undefined = undefined;
  readonly pinFailures: { load(): number; save(failures: number): void };
  private readonly pinRecord: PersistentRecord;
  private readonly failRecord: PersistentRecord;

  constructor(
    private readonly node: ConsoleNode,
    private readonly hooks: ConsoleHooks,
  ) {
    this.clock = node.device.clock;
    const store = node.device.store;
    this.pinRecord = new PersistentRecord(store, RECORD.consolePin);
    this.failRecord = new PersistentRecord(store, RECORD.consolePinFailures);
    const rec = this.failRecord;
    this.pinFailures = {
      load: () => {
        const r = rec.read();
        return r.ok && r.value.length === 1 ? r.value[0] : 0;
      },
      save: (n: number) => {
        rec.write(new Uint8Array([n > 255 ? 255 : n]));
      },
    };
  }

  /** The node runs a radio link (firmware/app/node-link.ts): Keys and Link ask it from now on. */
  attachLink(link: LinkConsole): void {
    this.link = link;
  }

  status(): JsonObject {
    const n = this.node;
    const b = n.protection.breaker;
    const last = n.protection.log.last();
    return {
      Board: n.board.name,
      UptimeS: Math.floor((this.clock.now() - n.bootUs) / 1e6),
      Breaker: b.state,
      Reason: b.reason,
      Trips: n.protection.log.seq,
      LastTrip: last === undefined ? '' : last.reason,
      Restored: n.restored.join(', '),
    };
  }

  readings(): JsonObject {
    const n = this.node;
    const a = n.averager.out;
    const e = n.meter.energy;
    return {
      Voltage: round(a.vrms, 1),
      Current: round(a.irms, 3),
      Power: round(a.p, 1),
      ApparentPower: round(a.s, 1),
      Factor: round(a.pf, 3),
      Frequency: round(a.freqHz, 3),
      ImportWh: round(e.importWh, 3),
      ExportWh: round(e.exportWh, 3),
      TodayWh: round(e.todayWh, 3),
      Temperature: n.ntc.status === 'ok' ? round(n.ntc.celsius, 1) : n.ntc.status,
      Gas: n.gas.status === 'ok' ? round(n.gas.ppm, 0) : n.gas.status,
    };
  }

  settings(): SettingInfo[] {
    return settingsTable();
  }

  getSetting(name: string): number | undefined {
    const f = settingField(name);
    return f === '' ? undefined : (this.node.settings as unknown as Record<string, number>)[f];
  }

  setSetting(name: string, value: number, actor: Actor): Outcome {
    const f = settingField(name);
    if (f === '') return { ok: false, error: `unknown setting ${name}` };
    const change: Record<string, number> = {};
    change[f] = value;
    const r = this.node.configure(change, actor);
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }

  calibrationGain(kind: CalibrationKind): number {
    const c = this.node.meter.cal;
    return kind === 'voltage' ? c.vGain : kind === 'current' ? c.iGain : c.phaseShift;
  }

  calibrate(kind: CalibrationKind, reference: number): Outcome {
    const err = this.node.calibrate(kind, reference);
    return err === '' ? { ok: true } : { ok: false, error: err };
  }

  relays(): boolean[] {
    const closed = this.node.protection.breaker.isClosed();
    return [closed, closed];
  }

  relay(index: number, on: boolean, actor: Actor): Outcome {
    if (index !== 1 && index !== 2) return { ok: false, error: 'relay index must be 1 or 2 (both switch together)' };
    const r = this.node.relay(on, actor);
    return r === 'ok' ? { ok: true } : { ok: false, error: r };
  }

  trips(): JsonObject[] {
    const list = this.node.trips();
    const out: JsonObject[] = [];
    for (let k = 0; k < list.length; k++) {
      const e = list[k];
      out.push({
        Seq: e.seq,
        TimeUs: e.tUs,
        Reason: e.reason,
        Detail: e.detail,
        State: e.state,
        Voltage: round(e.vrms, 1),
        Current: round(e.irms, 3),
        Power: round(e.p, 1),
        PeakCurrent: round(e.iPeak, 2),
        Gas: e.gas === 'ok' ? round(e.gasPpm, 0) : e.gas,
      });
    }
    return out;
  }

  resetLockout(): Outcome {
    const r = this.node.reset();
    return r === 'ok' || r === 'nothing to reset' ? { ok: true } : { ok: false, error: r };
  }

  keys(): JsonObject {
    if (this.link !== undefined) return this.link.keys();
    const k = loadLinkKeys(this.node.device.store);
    if (!k.ok) return { Provisioned: false, Reason: k.reason, PendingRekey: false };
    return {
      Provisioned: true,
      NodeId: k.keys.nodeId,
      Epoch: k.keys.epoch,
      Up: keyFingerprint(k.keys.up),
      Down: keyFingerprint(k.keys.down),
      Authority: keyFingerprint(k.keys.authorityPublic),
      PendingRekey: false,
    };
  }

  confirmRekey(): Outcome {
    if (this.link !== undefined) return this.link.confirmRekey();
    return { ok: false, error: 'no rekey is pending' };
  }

  linkStatus(): JsonObject {
    if (this.link !== undefined) return this.link.status();
    const radio = this.node.board.radio;
    return { Profile: radio === undefined ? 'none' : radio.profile, Channel: radio === undefined ? 0 : radio.channel, Link: 'not started by this build' };
  }

  restart(): void {
    this.hooks.restart();
  }

  utilityLimits(): string[] {
    return this.node.utilityLimits();
  }

  factoryReset(): void {
    this.hooks.factoryReset();
  }

  verifyPin(pin: string): boolean {
    const r = this.pinRecord.read();
    if (!r.ok || r.value.length === 0) return false; // no PIN provisioned: only the button window
    // constant time in the PIN's length: compare every byte, no early exit
    let diff = r.value.length ^ pin.length;
    for (let k = 0; k < r.value.length; k++) diff |= r.value[k] ^ (k < pin.length ? pin.charCodeAt(k) : 0);
    return diff === 0;
  }

  /** provisioning: set the technician PIN (4..8 digits) */
  setPin(pin: string): string {
    if (pin.length < 4 || pin.length > 8) return 'PIN: 4..8 digits';
    for (let k = 0; k < pin.length; k++) {
      const c = pin.charCodeAt(k);
      if (c < 48 || c > 57) return 'PIN: digits only';
    }
    const b = new Uint8Array(pin.length);
    for (let k = 0; k < pin.length; k++) b[k] = pin.charCodeAt(k);
    this.pinRecord.write(b);
    return '';
  }
}
