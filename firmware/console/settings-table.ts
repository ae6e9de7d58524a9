// The console's settings: Tasmota-style names (VoltageHigh, MaxPower, MaxPowerHold, ...)
// mapped one-to-one onto the protection settings, whose table (firmware/protection/settings.ts)
// gives each its unit, range and default. The real node's console (firmware/app/
// console-target.ts) and the test console (fake-target.ts) both list these, so they cannot
// drift apart.
import { fieldInfo } from '../protection/settings';
import type { SettingInfo } from './target';

/** [console name, protection field, help] */
export const SETTING_NAMES: string[][] = [
  ['VoltageHigh', 'ovTripV', 'over-voltage trip, half-cycle RMS'],
  ['VoltageHighDelay', 'ovPickupMs', 'over-voltage pickup delay'],
  ['VoltageLow', 'uvTripV', 'under-voltage trip, half-cycle RMS'],
  ['VoltageLowDelay', 'uvPickupMs', 'under-voltage pickup delay'],
  ['VoltageHysteresis', 'voltHystPct', 'reset band of the voltage elements'],
  ['CurrentPeak', 'ocPeakA', 'instantaneous over-current pickup (sample peak)'],
  ['CurrentPeakTime', 'ocQualifyUs', 'how long sample peaks stay over CurrentPeak before a trip (at least one sample)'],
  ['CurrentLimit', 'olPickupA', 'overload pickup Is (IEC 60255-151)'],
  ['OverloadCurve', 'olCurve', 'overload curve: 0 standard, 1 very, 2 extremely inverse'],
  ['OverloadTms', 'olTms', 'overload time multiplier'],
  ['OverloadReset', 'olResetMs', 'overload memory decay time'],
  ['MaxPower', 'maxPowerW', 'power limit'],
  ['MaxPowerHold', 'maxPowerHoldMs', 'time over MaxPower before a trip'],
  ['MaxEnergy', 'maxEnergyWhDay', 'daily energy cap, 0 = off'],
  ['GasLimit', 'gasTripPpm', 'LPG trip'],
  ['GasDelay', 'gasPickupMs', 'LPG pickup delay'],
  ['TempLimit', 'tempTripC', 'over-temperature trip'],
  ['TempDelay', 'tempPickupMs', 'over-temperature pickup delay'],
  ['GasBootHold', 'gasBootHold', '1 = after boot, stay open until the gas sensor has warmed up'],
  ['RecloseDelay', 'recloseDelayMs', 'healthy supply time before an automatic reclose'],
  ['RecloseOnPower', 'recloseOnPower', '1 = a power-limit trip recloses like a voltage trip'],
  ['LockoutTrips', 'lockoutTrips', 'reclosable trips in the window before lockout'],
  ['LockoutWindow', 'lockoutWindowMs', 'lockout counting window'],
];

/** The protection field a console setting name (any case) maps to; '' when none. */
export function settingField(name: string): string {
  const n = name.toLowerCase();
  for (let k = 0; k < SETTING_NAMES.length; k++) if (SETTING_NAMES[k][0].toLowerCase() === n) return SETTING_NAMES[k][1];
  return '';
}

/** Every setting with its unit and range from the protection table; all need a credential. */
export function settingsTable(): SettingInfo[] {
  const out: SettingInfo[] = [];
  for (let k = 0; k < SETTING_NAMES.length; k++) {
    const fi = fieldInfo(SETTING_NAMES[k][1]);
    if (fi === undefined) continue;
    out.push({ name: SETTING_NAMES[k][0], unit: fi.unit, min: fi.min, max: fi.max, sensitive: true, integer: fi.integer, help: SETTING_NAMES[k][2] });
  }
  return out;
}

/** The protection default of each setting, by console name. */
export function settingDefaults(): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < SETTING_NAMES.length; k++) {
    const fi = fieldInfo(SETTING_NAMES[k][1]);
    if (fi !== undefined) out[SETTING_NAMES[k][0]] = fi.def;
  }
  return out;
}
