// Telemetry body: one reading in 16 bytes, so header (6) + body (16) + tag (8) = 30 bytes
// fit one 32-byte nRF24L01+ payload. 16 bytes is one Poly1305 block: a 17th byte would
// cost a second block (~1.4k computrons per side on XS). All fields little-endian.
//
//   off len field     type  unit / resolution    range                  "no value"
//    0   2  vrms      u16   0.01 V               0 .. 655.34 V          0xFFFF
//    2   2  irms      u16   1 mA                 0 .. 65.534 A          0xFFFF
//    4   2  p         i16   1 W (+ = import)     -32 767 .. 32 767 W    0x8000
//    6   4  energyWh  u32   1 Wh (import total)  0 .. 4 294 967 294 Wh  0xFFFFFFFF
//   10   2  tempC     i16   0.01 °C              -327.67 .. 327.67 °C   0x8000
//   12   2  lpgPpm    u16   1 ppm                0 .. 65 534 ppm        0xFFFF
//   14   2  flags     u16   status bits (protection/metering owners)
// Resolutions: 0.01 V and 1 mA are finer than a class-1 meter's error (IEC 62053-21) at
// 230 V / 5 A; 1 W against 1 % of 1150 W; a 63 A, 250 V supply peaks at 15.75 kW, inside
// i16. Power factor is not sent: it is P / (Vrms * Irms). MQ-6 spans 200 .. 10 000 ppm
// LPG (Hanwei datasheet); an NTC front end spans -40 .. 125 °C. A value beyond its range
// is clamped and named in the encoder's return value; NaN (sensor fault) travels as
// "no value" and decodes as NaN.

export const TELEMETRY_BYTES = 16;

export interface TelemetryReading {
  vrms: number;
  irms: number;
  p: number;
  energyWh: number;
  tempC: number;
  lpgPpm: number;
  flags: number;
}

export function newTelemetryReading(): TelemetryReading {
  return { vrms: 0, irms: 0, p: 0, energyWh: 0, tempC: 0, lpgPpm: 0, flags: 0 };
}

let clamped = '';

/** Scale, round and clamp; NaN gives `none`. Notes clamped fields in `clamped`. */
function q(name: string, v: number, scale: number, lo: number, hi: number, none: number): number {
  if (v !== v) return none; // NaN
  let x = Math.round(v * scale);
  if (x < lo || x > hi) {
    clamped = clamped === '' ? name : clamped + ',' + name;
    x = x < lo ? lo : hi;
  }
  return x;
}

function put(b: Uint8Array, at: number, v: number, n: number): void {
  for (let i = 0; i < n; i++) b[at + i] = Math.floor(v / Math.pow(256, i)) & 0xff;
}

function getU(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[at + i];
  return v;
}

function getS(b: Uint8Array, at: number, n: number): number {
  const u = getU(b, at, n);
  const half = Math.pow(2, 8 * n - 1);
  return u >= half ? u - 2 * half : u;
}

/**
 * Write `r` into out[at .. at+18). Returns '' or the comma-separated names of fields that
 * were clamped to their range (the frame is still written).
 */
export function encodeTelemetry(r: TelemetryReading, out: Uint8Array, at: number): string {
  clamped = '';
  put(out, at + 0, q('vrms', r.vrms, 100, 0, 0xfffe, 0xffff), 2);
  put(out, at + 2, q('irms', r.irms, 1000, 0, 0xfffe, 0xffff), 2);
  const p = q('p', r.p, 1, -0x7fff, 0x7fff, -0x8000);
  put(out, at + 4, p < 0 ? p + 0x10000 : p, 2);
  put(out, at + 6, q('energyWh', r.energyWh, 1, 0, 0xfffffffe, 0xffffffff), 4);
  const tc = q('tempC', r.tempC, 100, -0x7fff, 0x7fff, -0x8000);
  put(out, at + 10, tc < 0 ? tc + 0x10000 : tc, 2);
  put(out, at + 12, q('lpgPpm', r.lpgPpm, 1, 0, 0xfffe, 0xffff), 2);
  put(out, at + 14, q('flags', r.flags, 1, 0, 0xffff, 0), 2);
  return clamped;
}

export type TelemetryDecode = { ok: true } | { ok: false; reason: 'length'; field: string };

/** Read a body into `into` (reused object). Never throws. */
export function decodeTelemetry(body: Uint8Array, len: number, into: TelemetryReading): TelemetryDecode {
  if (len !== TELEMETRY_BYTES || body.length < len) return { ok: false, reason: 'length', field: `body length ${len}, expected ${TELEMETRY_BYTES}` };
  const v = getU(body, 0, 2);
  const i = getU(body, 2, 2);
  const p = getS(body, 4, 2);
  const e = getU(body, 6, 4);
  const t = getS(body, 10, 2);
  const g = getU(body, 12, 2);
  into.vrms = v === 0xffff ? NaN : v / 100;
  into.irms = i === 0xffff ? NaN : i / 1000;
  into.p = p === -0x8000 ? NaN : p;
  into.energyWh = e === 0xffffffff ? NaN : e;
  into.tempC = t === -0x8000 ? NaN : t / 100;
  into.lpgPpm = g === 0xffff ? NaN : g;
  into.flags = getU(body, 14, 2);
  return { ok: true };
}
