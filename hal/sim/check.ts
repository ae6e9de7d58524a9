// Argument checks for the simulator's public API: a bad value is answered with a
// RangeError that names the field, the allowed range and what was given.

export function checkRange(field: string, value: number, min: number, max: number, unit: string): number {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new RangeError(`${field} must be in [${min}, ${max}] ${unit}, got ${value}`);
  }
  return value;
}

export function checkTime(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${field} must be a finite time in µs, got ${value}`);
  return value;
}

/** An optional duration: omitted means "until further notice" (Infinity). */
export function checkDuration(field: string, value: number | undefined): number {
  if (value === undefined) return Infinity;
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`${field} must be > 0 µs (or omitted), got ${value}`);
  return value;
}
