// NTC thermistor in a divider, read by a one-shot ADC conversion.
// Two models: Beta (R = R0 * exp(B * (1/T - 1/T0))) and the 3-point Steinhart-Hart
// equation 1/T = A + B ln R + C (ln R)^3, whose coefficients come from three (T, R)
// points, e.g. a datasheet's R/T table at 0, 25 and 70 C.

export interface NtcDivider {
  /** ADC volts per code times 2^bits: the converter's full-scale input, V */
  fullScaleVolts: number;
  bits: number;
  supplyVolts: number;
  seriesOhms: number;
  /** true: NTC between the pin and ground (series resistor to supply) */
  ntcToGround: boolean;
}

export interface SteinhartHart {
  a: number;
  b: number;
  c: number;
}

const KELVIN = 273.15;

/** Solve Steinhart-Hart A, B, C from three (degrees C, ohms) points. */
export function steinhartFromPoints(t1: number, r1: number, t2: number, r2: number, t3: number, r3: number): SteinhartHart {
  const l1 = Math.log(r1),
    l2 = Math.log(r2),
    l3 = Math.log(r3);
  const y1 = 1 / (t1 + KELVIN),
    y2 = 1 / (t2 + KELVIN),
    y3 = 1 / (t3 + KELVIN);
  const g2 = (y2 - y1) / (l2 - l1);
  const g3 = (y3 - y1) / (l3 - l1);
  const c = (g3 - g2) / (l1 + l2 + l3) / (l3 - l2);
  const b = g2 - c * (l1 * l1 + l1 * l2 + l2 * l2);
  const a = y1 - (b + l1 * l1 * c) * l1;
  return { a: a, b: b, c: c };
}

export function steinhartFromBeta(r0: number, t0C: number, beta: number): SteinhartHart {
  // a Beta curve is Steinhart-Hart with C = 0
  return { a: 1 / (t0C + KELVIN) - Math.log(r0) / beta, b: 1 / beta, c: 0 };
}

/** Thermistor resistance from an ADC code; NaN when the divider is at a rail (open/short). */
export function ntcOhms(code: number, d: NtcDivider): number {
  const volts = ((code + 0.5) / Math.pow(2, d.bits)) * d.fullScaleVolts;
  const rail = d.fullScaleVolts < d.supplyVolts ? d.fullScaleVolts : d.supplyVolts;
  // within 1 % of either rail the divider says nothing useful: open or shorted sensor
  if (!(volts > rail * 0.01 && volts < rail * 0.99)) return 0 / 0;
  if (d.ntcToGround) return (d.seriesOhms * volts) / (d.supplyVolts - volts);
  return (d.seriesOhms * (d.supplyVolts - volts)) / volts;
}

export function celsiusFromOhms(ohms: number, sh: SteinhartHart): number {
  const l = Math.log(ohms);
  return 1 / (sh.a + sh.b * l + sh.c * l * l * l) - KELVIN;
}

export type NtcStatus = 'ok' | 'open' | 'shorted' | 'invalid';

export interface NtcReading {
  celsius: number;
  status: NtcStatus;
}

/** Convert a code; classify rail readings as open or shorted for the wiring given. */
export function readNtc(code: number, d: NtcDivider, sh: SteinhartHart, out: NtcReading): NtcReading {
  if (code !== code) {
    out.status = 'invalid';
    out.celsius = 0 / 0;
    return out;
  }
  const r = ntcOhms(code, d);
  if (r !== r) {
    const high = code > Math.pow(2, d.bits) / 2;
    // NTC to ground: an open NTC pulls the pin to the supply; a short pulls it to ground
    out.status = high === d.ntcToGround ? 'open' : 'shorted';
    out.celsius = 0 / 0;
    return out;
  }
  out.celsius = celsiusFromOhms(r, sh);
  out.status = 'ok';
  return out;
}
