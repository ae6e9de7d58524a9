// What a meter node keeps across resets and power cuts, each in its own power-cut-safe
// record (firmware/store/records.ts):
//   meter.energy   import/export Wh, today's Wh, day index, the tracked ADC offsets
//                  (at every 10 Wh step, every 60 s unless a step came, at trips and
//                  on a power-fail warning: meter-node.ts ENERGY_STEP_WH has the flash
//                  wear arithmetic; the offsets give the first cycle after a
//                  boot a good zero-crossing reference, as EmonLib users ask of NVS), and
//                  the node's clocks: wall time and running time since today's register
//                  was reset (app/node-clock.ts: a reboot neither resets nor rewinds them)
//   prot.trips     the last 8 trip records, so "why did it trip" survives a power cut
//   prot.latch     a latched breaker state and its reason       (at trips and resets)
//                  written with writeAlone(): one slot at a time, so a power cut during
//                  the write of a latched trip leaves a torn slot, and boot stays open
//                  (loadLatch: 'latch-cut') instead of closing onto the fault
//   meter.cal      vGain, iGain, phaseShift                      (after a calibration)
//   prot.settings  the protection settings, validated on load   (after a change)
// A latched trip must survive a power cut: a gas trip that forgot itself on the next
// boot would reconnect a house full of gas.
import type { Store } from '../../hal/io';
import type { MeterCalibration } from '../metering/mains-meter';
import type { EnergyRegisters } from '../metering/readings';
import type { ProtectionSettings, SettingsResult } from '../protection/settings';
import type { TripEvent } from '../protection/trip-log';
import { applySettings, PROTECTION_FIELDS } from '../protection/settings';
import { PersistentRecord } from '../store/records';
import { RECORD } from '../store/keys';

function floats(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const dv = new DataView(b.buffer);
  for (let k = 0; k < values.length; k++) dv.setFloat64(k * 8, values[k], true);
  return b;
}

function unfloats(b: Uint8Array, count: number): number[] | undefined {
  if (b.length !== count * 8) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(dv.getFloat64(k * 8, true));
  return out;
}

// append only (the index is stored); 'disconnected': the utility's disconnect with its reason
const LATCH_STATES = ['closed', 'tripped', 'lockout', 'failsafe', 'disconnected'];
const TRIPS_KEPT = 8;
const TRIP_BYTES = 96;
/** the gas field of a stored trip when the sensor was not ok (a ppm is never negative) */
const GAS_WARMING = -1;
const GAS_FAULT = -2; // t f64, seq f64, 6 x f32 values, reason 12, state 10, detail 34 (ASCII)

function putText(b: Uint8Array, at: number, len: number, s: string): void {
  for (let k = 0; k < len; k++) b[at + k] = k < s.length ? s.charCodeAt(k) & 0x7f : 0;
}

function getText(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let k = 0; k < len && b[at + k] !== 0; k++) s += String.fromCharCode(b[at + k]);
  return s;
}

export class NodeMemory {
  private readonly energy: PersistentRecord;
  private readonly latch: PersistentRecord;
  private readonly cal: PersistentRecord;
  private readonly settings: PersistentRecord;
  private readonly trips: PersistentRecord;
  private readonly utilityLimits: PersistentRecord;

  constructor(store: Store) {
    this.energy = new PersistentRecord(store, RECORD.energy);
    this.latch = new PersistentRecord(store, RECORD.latch);
    this.cal = new PersistentRecord(store, RECORD.calibration);
    this.settings = new PersistentRecord(store, RECORD.settings);
    this.trips = new PersistentRecord(store, RECORD.trips);
    this.utilityLimits = new PersistentRecord(store, RECORD.utilityLimits);
  }

  /** the settings the utility set with a signed limit, by name (one power-cut-safe record) */
  saveUtilityLimits(names: string[]): void {
    const s = names.join(',');
    const b = new Uint8Array(s.length);
    for (let k = 0; k < s.length; k++) b[k] = s.charCodeAt(k) & 0x7f;
    this.utilityLimits.write(b);
  }

  loadUtilityLimits(): string[] {
    const r = this.utilityLimits.read();
    if (!r.ok || r.value.length === 0) return [];
    return getText(r.value, 0, r.value.length).split(',');
  }

  /** wallUs and sinceResetUs: the node's clocks (app/node-clock.ts) */
  saveEnergy(e: EnergyRegisters, offV: number, offI: number, wallUs: number, sinceResetUs: number): void {
    this.energy.write(floats([e.importWh, e.exportWh, e.todayWh, e.day, e.gapUs, offV, offI, wallUs, sinceResetUs]));
  }

  /**
   * Restores the registers; returns [offV, offI, wallUs, sinceResetUs] (the clocks -1 in a
   * record from before they were saved), or [] if none.
   */
  loadEnergy(e: EnergyRegisters): number[] {
    const r = this.energy.read();
    if (!r.ok) return [];
    let v = unfloats(r.value, 9);
    if (v === undefined) {
      v = unfloats(r.value, 7);
      if (v !== undefined) v.push(-1, -1);
    }
    if (v === undefined || !(v[0] >= 0 && v[1] >= 0)) return [];
    e.importWh = v[0];
    e.exportWh = v[1];
    e.todayWh = v[2];
    e.day = v[3];
    e.gapUs = v[4];
    return [v[5], v[6], v[7] >= 0 ? v[7] : -1, v[8] >= 0 ? v[8] : -1];
  }

  saveTrips(list: TripEvent[]): void {
    const n = list.length > TRIPS_KEPT ? TRIPS_KEPT : list.length;
    const b = new Uint8Array(n * TRIP_BYTES);
    const dv = new DataView(b.buffer);
    for (let k = 0; k < n; k++) {
      const e = list[list.length - n + k];
      const at = k * TRIP_BYTES;
      dv.setFloat64(at, e.tUs, true);
      dv.setFloat64(at + 8, e.seq, true);
      // the gas field holds the ppm when the sensor was ok, else its status: -1 warming, -2 fault
      const f = [e.vrms, e.irms, e.p, e.iPeak, e.tempC, e.gas === 'ok' ? e.gasPpm : e.gas === 'warming' ? GAS_WARMING : GAS_FAULT];
      for (let j = 0; j < 6; j++) dv.setFloat32(at + 16 + j * 4, f[j], true);
      putText(b, at + 40, 12, e.reason);
      putText(b, at + 52, 10, e.state);
      putText(b, at + 62, 34, e.detail);
    }
    this.trips.write(b);
  }

  loadTrips(): TripEvent[] {
    const out: TripEvent[] = [];
    const r = this.trips.read();
    if (!r.ok || r.value.length % TRIP_BYTES !== 0) return out;
    const b = r.value;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let at = 0; at < b.length; at += TRIP_BYTES) {
      const g = dv.getFloat32(at + 36, true);
      out.push({
        gasPpm: g >= 0 ? g : 0 / 0,
        gas: g >= 0 ? 'ok' : g === GAS_WARMING ? 'warming' : 'fault',
        tUs: dv.getFloat64(at, true),
        seq: dv.getFloat64(at + 8, true),
        vrms: dv.getFloat32(at + 16, true),
        irms: dv.getFloat32(at + 20, true),
        p: dv.getFloat32(at + 24, true),
        iPeak: dv.getFloat32(at + 28, true),
        tempC: dv.getFloat32(at + 32, true),
        reason: getText(b, at + 40, 12),
        state: getText(b, at + 52, 10),
        detail: getText(b, at + 62, 34),
      });
    }
    return out;
  }

  /** state: 'closed' clears the latch; reason is ASCII */
  saveLatch(state: string, reason: string): void {
    const s = LATCH_STATES.indexOf(state);
    if (s < 0) return;
    const b = new Uint8Array(1 + reason.length);
    b[0] = s;
    for (let k = 0; k < reason.length; k++) b[1 + k] = reason.charCodeAt(k) & 0x7f;
    this.latch.writeAlone(b);
  }

  /**
   * The latched state at boot. A torn slot means a power cut interrupted a latch write:
   * the latched value if one survives, else 'tripped' ('latch-cut'), so the node stays open
   * until a reset on the spot rather than closing onto the fault it was recording.
   */
  loadLatch(): { state: string; reason: string } | undefined {
    const r = this.latch.read();
    if (this.latch.torn() && (!r.ok || r.value.length < 1 || r.value[0] === 0 || r.value[0] >= LATCH_STATES.length)) {
      return { state: 'tripped', reason: 'latch-cut' };
    }
    if (!r.ok || r.value.length < 1 || r.value[0] >= LATCH_STATES.length) return undefined;
    let reason = '';
    for (let k = 1; k < r.value.length; k++) reason += String.fromCharCode(r.value[k]);
    return { state: LATCH_STATES[r.value[0]], reason: reason };
  }

  saveCal(c: MeterCalibration): void {
    this.cal.write(floats([c.vGain, c.iGain, c.phaseShift]));
  }

  loadCal(c: MeterCalibration): boolean {
    const r = this.cal.read();
    if (!r.ok) return false;
    const v = unfloats(r.value, 3);
    if (v === undefined || !(v[0] > 0 && v[1] > 0 && v[2] >= -1 && v[2] <= 1)) return false;
    c.vGain = v[0];
    c.iGain = v[1];
    c.phaseShift = v[2];
    return true;
  }

  saveSettings(s: ProtectionSettings): void {
    const rec = s as unknown as Record<string, number>;
    const v: number[] = [];
    for (let k = 0; k < PROTECTION_FIELDS.length; k++) v.push(rec[PROTECTION_FIELDS[k].name]);
    this.settings.write(floats(v));
  }

  /** Applies stored settings through the same validation as a console change. */
  loadSettings(s: ProtectionSettings): SettingsResult | undefined {
    const r = this.settings.read();
    if (!r.ok) return undefined;
    const v = unfloats(r.value, PROTECTION_FIELDS.length);
    if (v === undefined) return { ok: false, field: '', error: 'stored settings have another layout; defaults kept' };
    const change: Record<string, number> = {};
    for (let k = 0; k < PROTECTION_FIELDS.length; k++) change[PROTECTION_FIELDS[k].name] = v[k];
    return applySettings(s, change);
  }
}
