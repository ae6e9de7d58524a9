// Protection settings: one table gives each field its unit, range and default, so the
// console, the validation and the docs read the same source. A change is checked as a
// whole (ranges, then cross-field rules); if anything fails the old settings stay and the
// error names the field and its allowed range.
//
import type { MainsMeter } from '../metering/mains-meter';
import { num } from '../util/fmt';

// Defaults and where they come from:
// - voltage: EN 50160 holds 230 V +-10 % as the normal band; trip outside +15 % / -20 %,
//   so ordinary supply variation never trips.
// - overload: IEC 60255-151 curves; pickup Is = the circuit's 16 A rating.
// - instantaneous over-current: 45 A peak, 2 x In (16 A) as a peak value; a magnetic MCB
//   (IEC 60898-1 type B) clears 3-5 x In; our CT channel clips near 77 A peak.
// - instantaneous qualification: 500 us, two samples at 4 kHz; at any rate at least one
//   sample, so a slow (polled) build still sees a peak. Tasmota users ask for a
//   qualification time in ms, not in samples.
// - power limit: Tasmota's MaxPowerHold default of 10 s.
// - gas: 2000 ppm LPG, about 10 % of the lower explosive limit (LPG LEL ~1.9 % vol).

export interface ProtectionSettings {
  ovTripV: number;
  ovPickupMs: number;
  uvTripV: number;
  uvPickupMs: number;
  voltHystPct: number;
  ocPeakA: number;
  ocQualifyUs: number; // how long sample peaks must stay over ocPeakA (qualification time)
  olPickupA: number;
  olCurve: number; // 0 = standard inverse, 1 = very inverse, 2 = extremely inverse
  olTms: number;
  olResetMs: number;
  maxPowerW: number;
  maxPowerHoldMs: number;
  maxEnergyWhDay: number; // 0 = off
  gasTripPpm: number;
  gasPickupMs: number;
  tempTripC: number;
  tempPickupMs: number;
  gasBootHold: number; // 0/1: no first close until the MQ-6 has warmed up
  recloseDelayMs: number;
  recloseOnPower: number; // 0/1
  lockoutTrips: number;
  lockoutWindowMs: number;
}

export interface FieldInfo {
  name: string;
  unit: string;
  min: number;
  max: number;
  integer: boolean;
  def: number;
}

function f(name: string, unit: string, min: number, max: number, def: number, integer: boolean): FieldInfo {
  return { name: name, unit: unit, min: min, max: max, def: def, integer: integer };
}

export const PROTECTION_FIELDS: FieldInfo[] = [
  f('ovTripV', 'V', 231, 300, 264.5, false),
  f('ovPickupMs', 'ms', 0, 10000, 40, true),
  f('uvTripV', 'V', 100, 229, 184, false),
  f('uvPickupMs', 'ms', 0, 10000, 200, true),
  f('voltHystPct', '%', 0.5, 10, 2, false),
  f('ocPeakA', 'A', 1, 200, 45, false),
  f('ocQualifyUs', 'us', 0, 20000, 500, true),
  f('olPickupA', 'A', 0.5, 100, 16, false),
  f('olCurve', '0=SI 1=VI 2=EI', 0, 2, 1, true),
  f('olTms', '', 0.05, 2, 1, false),
  f('olResetMs', 'ms', 0, 600000, 10000, true),
  f('maxPowerW', 'W', 100, 25000, 4000, false),
  f('maxPowerHoldMs', 'ms', 0, 600000, 10000, true),
  f('maxEnergyWhDay', 'Wh', 0, 1000000, 0, false),
  f('gasTripPpm', 'ppm', 200, 10000, 2000, false),
  f('gasPickupMs', 'ms', 0, 60000, 2000, true),
  f('tempTripC', 'C', 30, 120, 70, false),
  f('tempPickupMs', 'ms', 0, 60000, 2000, true),
  f('gasBootHold', '0/1', 0, 1, 0, true),
  f('recloseDelayMs', 'ms', 1000, 3600000, 30000, true),
  f('recloseOnPower', '0/1', 0, 1, 0, true),
  f('lockoutTrips', 'trips', 1, 10, 3, true),
  f('lockoutWindowMs', 'ms', 10000, 86400000, 600000, true),
];

/**
 * Put the settings into the meter's own units (ADC codes), for its per-sample and
 * per-block checks: the instantaneous pickup and qualification, and the quiet band of the
 * half-cycle window (inside the voltage elements' reset band nothing needs evaluating).
 */
export function configureMeter(m: MainsMeter, s: ProtectionSettings, rateHz: number): void {
  m.ocCodes = s.ocPeakA / m.cal.iGain;
  m.ocConfirm = qualifySamples(s.ocQualifyUs, rateHz);
  const h = s.voltHystPct / 100;
  const lo = (s.uvTripV * (1 + h)) / m.cal.vGain;
  const hi = (s.ovTripV * (1 - h)) / m.cal.vGain;
  m.quietLo = lo * lo;
  m.quietHi = hi * hi;
}

/** Samples in a row that cover the instantaneous qualification time: at least one. */
export function qualifySamples(us: number, rateHz: number): number {
  const n = Math.ceil((us * rateHz) / 1e6 - 1e-9);
  return n < 1 ? 1 : n;
}

export function defaultSettings(): ProtectionSettings {
  const s: Record<string, number> = {};
  for (let k = 0; k < PROTECTION_FIELDS.length; k++) s[PROTECTION_FIELDS[k].name] = PROTECTION_FIELDS[k].def;
  return s as unknown as ProtectionSettings;
}

export function fieldInfo(name: string): FieldInfo | undefined {
  for (let k = 0; k < PROTECTION_FIELDS.length; k++) if (PROTECTION_FIELDS[k].name === name) return PROTECTION_FIELDS[k];
  return undefined;
}

export interface SettingsResult {
  ok: boolean;
  /** the field at fault, '' when ok */
  field: string;
  error: string;
}

function rangeText(fi: FieldInfo): string {
  return `${num(fi.min)}..${num(fi.max)}${fi.unit !== '' ? ' ' + fi.unit : ''}`;
}

function fail(field: string, error: string): SettingsResult {
  return { ok: false, field: field, error: error };
}

// A cross-field error names the field the user just changed (if it is one of the pair).
function pick(a: string, b: string, changed: string[]): string {
  for (let k = 0; k < changed.length; k++) if (changed[k] === b) return b;
  return a;
}

/** Check every field of a complete settings object: range, type, then cross-field rules. */
export function validateSettings(s: ProtectionSettings, changed?: string[]): SettingsResult {
  const touched: string[] = changed === undefined ? [] : changed;
  const rec = s as unknown as Record<string, number>;
  for (let k = 0; k < PROTECTION_FIELDS.length; k++) {
    const fi = PROTECTION_FIELDS[k];
    const v = rec[fi.name];
    if (typeof v !== 'number' || v !== v) return fail(fi.name, `${fi.name}: must be a number in ${rangeText(fi)}`);
    if (v < fi.min || v > fi.max) return fail(fi.name, `${fi.name}: ${num(v)} is outside ${rangeText(fi)}`);
    if (fi.integer && Math.floor(v) !== v) return fail(fi.name, `${fi.name}: must be a whole number in ${rangeText(fi)}`);
  }
  // the under-voltage reset level must stay below the over-voltage reset level
  const h = s.voltHystPct / 100;
  if (s.uvTripV * (1 + h) >= s.ovTripV * (1 - h)) {
    const maxUv = Math.floor(((s.ovTripV * (1 - h)) / (1 + h)) * 10) / 10;
    const minOv = Math.ceil(((s.uvTripV * (1 + h)) / (1 - h)) * 10) / 10;
    if (pick('uvTripV', 'ovTripV', touched) === 'ovTripV')
      return fail(
        'ovTripV',
        `ovTripV: ${num(s.ovTripV)} V overlaps the under-voltage band; with uvTripV ${num(s.uvTripV)} V and ${num(s.voltHystPct)} % hysteresis it must be above ${num(minOv)} V`,
      );
    return fail(
      'uvTripV',
      `uvTripV: ${num(s.uvTripV)} V overlaps the over-voltage band; with ovTripV ${num(s.ovTripV)} V and ${num(s.voltHystPct)} % hysteresis it must be below ${num(maxUv)} V`,
    );
  }
  // instantaneous pickup (peak) must sit above the overload pickup's peak
  if (s.ocPeakA <= s.olPickupA * Math.SQRT2) {
    const minOc = Math.ceil(s.olPickupA * Math.SQRT2 * 10) / 10;
    if (pick('ocPeakA', 'olPickupA', touched) === 'olPickupA')
      return fail(
        'olPickupA',
        `olPickupA: ${num(s.olPickupA)} A puts the overload pickup's peak (x 1.414) above ocPeakA ${num(s.ocPeakA)} A; it must be below ${num(Math.floor((s.ocPeakA / Math.SQRT2) * 10) / 10)} A`,
      );
    return fail(
      'ocPeakA',
      `ocPeakA: ${num(s.ocPeakA)} A peak must be above the overload pickup's peak (olPickupA ${num(s.olPickupA)} A x 1.414 = ${num(minOc)} A)`,
    );
  }
  return { ok: true, field: '', error: '' };
}

/** Apply a partial change; on any error `current` is left untouched. */
export function applySettings(current: ProtectionSettings, change: Record<string, number>): SettingsResult {
  const cur = current as unknown as Record<string, number>;
  const next: Record<string, number> = {};
  for (let k = 0; k < PROTECTION_FIELDS.length; k++) next[PROTECTION_FIELDS[k].name] = cur[PROTECTION_FIELDS[k].name];
  const names = Object.keys(change);
  for (let k = 0; k < names.length; k++) {
    const fi = fieldInfo(names[k]);
    if (fi === undefined) return fail(names[k], `${names[k]}: unknown setting`);
    next[names[k]] = change[names[k]];
  }
  const r = validateSettings(next as unknown as ProtectionSettings, names);
  if (!r.ok) return r;
  for (let k = 0; k < PROTECTION_FIELDS.length; k++) cur[PROTECTION_FIELDS[k].name] = next[PROTECTION_FIELDS[k].name];
  return r;
}
