// Home battery model shared by the load-hiding algorithms (and, through the household
// policy, by demand response). Power is in W at the grid side, positive = charging;
// energy in Wh; time steps in seconds, passed in by the caller (no clock here).
//
// Losses: the round-trip efficiency is split evenly, sqrt(eta) on the way in and
// sqrt(eta) on the way out, the usual symmetric split for a Li-ion pack with an inverter.
// Every step is clamped to the power limits and to the SoC window, so a limit is never
// exceeded; `gridInWh - gridOutWh = storedDeltaWh + lossWh` holds by construction and is
// tested to the watt-hour over a day.

export interface BatterySpec {
  /** nameplate capacity, kWh */
  capacityKWh: number;
  /** charge limit at the grid side, kW */
  maxChargeKW: number;
  /** discharge limit at the grid side, kW */
  maxDischargeKW: number;
  /** round-trip efficiency, 0 < eta <= 1 */
  roundTripEff: number;
  /** SoC window as fractions of the capacity */
  socMin: number;
  socMax: number;
  /** starting SoC, fraction (within the window) */
  socStart: number;
  /** control step, s (the algorithms may be stepped irregularly up to this, and beyond it for gaps) */
  stepS: number;
}

export interface FieldRange {
  field: string;
  min: number;
  max: number;
  unit: string;
}

/** Accepted ranges; anything outside is refused naming the field and the range. */
export const BATTERY_RANGES: FieldRange[] = [
  { field: 'capacityKWh', min: 0.01, max: 100, unit: 'kWh' },
  { field: 'maxChargeKW', min: 0.01, max: 50, unit: 'kW' },
  { field: 'maxDischargeKW', min: 0.01, max: 50, unit: 'kW' },
  { field: 'roundTripEff', min: 0.5, max: 1, unit: '' },
  { field: 'socMin', min: 0, max: 0.5, unit: '' },
  { field: 'socMax', min: 0.5, max: 1, unit: '' },
  { field: 'socStart', min: 0, max: 1, unit: '' },
  { field: 'stepS', min: 1, max: 900, unit: 's' },
];

export function defaultBattery(): BatterySpec {
  // 1.5 kWh / 1 kW: the size the example uses (a small home pack, the scale of
  // the packs in Kalogridis 2010 and McLaughlin 2011)
  return { capacityKWh: 1.5, maxChargeKW: 1, maxDischargeKW: 1, roundTripEff: 0.9, socMin: 0.1, socMax: 0.9, socStart: 0.5, stepS: 120 };
}

/** Returns '' when every field is in range, else `field: value is out of range (min .. max unit)`. */
export function checkRanges(obj: { [k: string]: number }, ranges: FieldRange[]): string {
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    const v = obj[r.field];
    if (typeof v !== 'number' || v !== v || v < r.min || v > r.max) {
      return r.field + ': ' + String(v) + ' is out of range (' + String(r.min) + ' .. ' + String(r.max) + (r.unit === '' ? '' : ' ' + r.unit) + ')';
    }
  }
  return '';
}

export function checkBattery(s: BatterySpec): string {
  const e = checkRanges(s as unknown as { [k: string]: number }, BATTERY_RANGES);
  if (e !== '') return e;
  if (s.socStart < s.socMin || s.socStart > s.socMax) {
    return 'socStart: ' + String(s.socStart) + ' is out of range (socMin .. socMax = ' + String(s.socMin) + ' .. ' + String(s.socMax) + ')';
  }
  return '';
}

export class Battery {
  readonly spec: BatterySpec;
  private storedWh: number;
  private readonly minWh: number;
  private readonly maxWh: number;
  private readonly effIn: number;
  private readonly effOut: number;
  gridInWh = 0;
  gridOutWh = 0;
  lossWh = 0;
  private startWh: number;

  constructor(spec: BatterySpec) {
    const e = checkBattery(spec);
    if (e !== '') throw new RangeError('battery ' + e);
    this.spec = spec;
    const capWh = spec.capacityKWh * 1000;
    this.minWh = capWh * spec.socMin;
    this.maxWh = capWh * spec.socMax;
    this.storedWh = capWh * spec.socStart;
    this.startWh = this.storedWh;
    this.effIn = Math.sqrt(spec.roundTripEff);
    this.effOut = Math.sqrt(spec.roundTripEff);
  }

  soc(): number {
    return this.storedWh / (this.spec.capacityKWh * 1000);
  }

  storedWhNow(): number {
    return this.storedWh;
  }

  /** Usable energy between the SoC limits, Wh. */
  usableWh(): number {
    return this.maxWh - this.minWh;
  }

  /** Largest grid-side charge power (W) possible for dtS now. */
  chargeHeadroomW(dtS: number): number {
    const byEnergy = (this.maxWh - this.storedWh) / this.effIn / (dtS / 3600);
    const lim = this.spec.maxChargeKW * 1000;
    return byEnergy < lim ? (byEnergy > 0 ? byEnergy : 0) : lim;
  }

  /** Largest grid-side discharge power (W) possible for dtS now. */
  dischargeHeadroomW(dtS: number): number {
    const byEnergy = ((this.storedWh - this.minWh) * this.effOut) / (dtS / 3600);
    const lim = this.spec.maxDischargeKW * 1000;
    return byEnergy < lim ? (byEnergy > 0 ? byEnergy : 0) : lim;
  }

  /** Clamp a requested grid-side power (W, + charge / - discharge) to what is possible for dtS. */
  clamp(requestW: number, dtS: number): number {
    if (requestW > 0) {
      const h = this.chargeHeadroomW(dtS);
      return requestW < h ? requestW : h;
    }
    if (requestW < 0) {
      const h = this.dischargeHeadroomW(dtS);
      return -requestW < h ? requestW : -h;
    }
    return 0;
  }

  /** Runs the battery at `requestW` (clamped) for dtS seconds; returns the power actually applied. */
  run(requestW: number, dtS: number): number {
    const p = this.clamp(requestW, dtS);
    const e = (p * dtS) / 3600;
    if (e > 0) {
      const inWh = e * this.effIn;
      this.storedWh += inWh;
      if (this.storedWh > this.maxWh) this.storedWh = this.maxWh; // float dust only
      this.gridInWh += e;
      this.lossWh += e - inWh;
    } else if (e < 0) {
      const outWh = -e / this.effOut;
      this.storedWh -= outWh;
      if (this.storedWh < this.minWh) this.storedWh = this.minWh;
      this.gridOutWh += -e;
      this.lossWh += outWh + e;
    }
    return p;
  }

  /** Stored energy change since the start, Wh. */
  storedDeltaWh(): number {
    return this.storedWh - this.startWh;
  }

  /** Equivalent full cycles: energy discharged from the cells / usable capacity. */
  cycles(): number {
    return this.gridOutWh / this.effOut / this.usableWh();
  }
}
