// A small in-memory node for console tests (and tools/console/sim-node.ts). It obeys
// the ConsoleTarget contract (a refusal changes nothing) and exposes snapshot() so tests
// can check that. Its settings, ranges and defaults are the real node's (settings-table.ts).
import type { Actor } from './roles';
import { allowed } from './roles';
import type { Clock } from '../../hal/io';
import type { JsonObject } from './json';
import type { CalibrationKind, ConsoleTarget, Outcome, SettingInfo } from './target';
import { settingDefaults, settingsTable } from './settings-table';

export class ManualClock implements Clock {
  t: number;
  constructor(startUs: number) {
    this.t = startUs;
  }
  now(): number {
    return this.t;
  }
  advance(us: number): void {
    this.t += us;
  }
}

/**
 * The real node's settings (settings-table.ts: names, units, ranges), plus ReportInterval:
 * a fake-only setting that needs no credential, so the console's non-sensitive path is tested.
 */
export const FAKE_SETTINGS: SettingInfo[] = settingsTable().concat([
  { name: 'ReportInterval', unit: 's', min: 1, max: 3600, sensitive: false, integer: true, help: 'telemetry interval (test console only)' },
]);

export class FakeTarget implements ConsoleTarget {
  clock: ManualClock;
  values: Record<string, number>;
  gains: Record<string, number>;
  raw: Record<string, number>;
  relayStates: boolean[];
  /** reason of a utility disconnect still in force, '' = none */
  utilityHold: string;
  lockedOut: boolean;
  faultPresent: boolean;
  tripLog: JsonObject[];
  pendingRekey: boolean;
  keyEpoch: number;
  restarts: number;
  factoryResets: number;
  /** who asked for the last setSetting */
  lastActor: Actor | undefined;
  pin: string;
  pinFailures?: { load(): number; save(failures: number): void };

  constructor(clock: ManualClock) {
    this.clock = clock;
    this.values = settingDefaults();
    this.values.ReportInterval = 60;
    this.gains = { voltage: 0.2162388, current: 0.0378418, power: 1 };
    this.raw = { voltage: 1064, current: 132, power: 1147 };
    this.relayStates = [true, true];
    this.utilityHold = '';
    this.lockedOut = false;
    this.faultPresent = false;
    this.tripLog = [];
    this.pendingRekey = false;
    this.keyEpoch = 1;
    this.restarts = 0;
    this.factoryResets = 0;
    this.lastActor = undefined;
    this.pin = '2468';
  }

  /** every piece of mutable state, for "an error changes nothing" checks */
  snapshot(): string {
    return JSON.stringify([
      this.values,
      this.gains,
      this.relayStates,
      this.utilityHold,
      this.lockedOut,
      this.tripLog,
      this.pendingRekey,
      this.keyEpoch,
      this.restarts,
      this.factoryResets,
    ]);
  }

  /** test helper: the utility's signed disconnect with a reason (e.g. 'non-payment') */
  utilityDisconnect(reason: string): void {
    for (let i = 0; i < this.relayStates.length; i++) this.relayStates[i] = false;
    this.utilityHold = reason;
  }

  /** test helper: a protection trip opens every relay and locks out */
  trip(reason: string, value: number, limit: number): void {
    for (let i = 0; i < this.relayStates.length; i++) this.relayStates[i] = false;
    this.lockedOut = true;
    this.tripLog.push({ TimeUs: this.clock.now(), Reason: reason, Value: value, Limit: limit });
  }

  status(): JsonObject {
    return { Node: 'fake-1', UptimeS: Math.floor(this.clock.now() / 1e6), Lockout: this.lockedOut, Trips: this.tripLog.length };
  }
  readings(): JsonObject {
    return { Voltage: this.reading('voltage'), Current: this.reading('current'), Power: this.reading('power') };
  }
  private reading(kind: string): number {
    return Math.round(this.raw[kind] * this.gains[kind] * 1000) / 1000;
  }
  settings(): SettingInfo[] {
    return FAKE_SETTINGS;
  }
  getSetting(name: string): number | undefined {
    return this.values[name];
  }
  setSetting(name: string, value: number, actor?: Actor): Outcome {
    this.lastActor = actor;
    if (this.values[name] === undefined) return { ok: false, error: 'no such setting' };
    if (name === 'VoltageLow' && value >= this.values.VoltageHigh) return { ok: false, error: 'must be below VoltageHigh' };
    if (name === 'VoltageHigh' && value <= this.values.VoltageLow) return { ok: false, error: 'must be above VoltageLow' };
    this.values[name] = value;
    return { ok: true };
  }
  calibrationGain(kind: CalibrationKind): number {
    return this.gains[kind];
  }
  calibrate(kind: CalibrationKind, reference: number): Outcome {
    const now = this.reading(kind);
    if (Math.abs(now) < 1e-3) return { ok: false, error: 'no signal to calibrate against' };
    const ratio = reference / now;
    if (ratio < 0.5 || ratio > 2) return { ok: false, error: 'reference differs from the reading by more than 2x' };
    this.gains[kind] = this.gains[kind] * ratio;
    return { ok: true };
  }
  relays(): boolean[] {
    return this.relayStates.slice();
  }
  relay(index: number, on: boolean, actor: Actor): Outcome {
    if (index < 1 || index > this.relayStates.length) return { ok: false, error: 'no such relay' };
    if (on && this.lockedOut) return { ok: false, error: 'locked out after a safety trip: LockoutReset first' };
    if (on && this.utilityHold !== '' && !allowed('relay-on-utility-hold', actor)) {
      return { ok: false, error: `disconnected by the utility (${this.utilityHold}): a signed reconnect or a PIN login closes it` };
    }
    if (on && this.utilityHold !== '') this.utilityHold = '';
    this.relayStates[index - 1] = on;
    return { ok: true };
  }
  trips(): JsonObject[] {
    return this.tripLog.slice();
  }
  resetLockout(): Outcome {
    if (this.faultPresent) return { ok: false, error: 'fault still present' };
    if (!this.lockedOut) return { ok: false, error: 'not locked out' };
    this.lockedOut = false;
    return { ok: true };
  }
  keys(): JsonObject {
    return { Link: `lk${this.keyEpoch}:3f9a1c2e`, Authority: 'au1:b7d04e91', PendingRekey: this.pendingRekey };
  }
  confirmRekey(): Outcome {
    if (!this.pendingRekey) return { ok: false, error: 'no rekey pending' };
    this.pendingRekey = false;
    this.keyEpoch++;
    return { ok: true };
  }
  linkStatus(): JsonObject {
    return { Profile: 'nrf24', Channel: 76, Rssi: -61, LastRxS: 2, Sent: 120, Lost: 1 };
  }
  restart(): void {
    this.restarts++;
  }
  factoryReset(): void {
    this.factoryResets++;
  }
  verifyPin(pin: string): boolean {
    return pin === this.pin;
  }
}
