// Compares two plain-data results from different engines and lists every difference
// with its path (`$.cases[2].rms: 1.5 vs 1.5000001`).
//
// Numbers: both integers (e.g. counts) must be equal exactly. Otherwise they may differ
// by relTol relative to the larger magnitude, or by ABS_FLOOR absolutely. The floor
// exists because a quantity that is mathematically 0 (a DC offset removed, a sum that
// cancels) comes out as ±1e-17-ish, with different signs and digits per engine, and a
// relative test against 0 would always fail. 1e-12 is far below any physical
// resolution here (a 12-bit ADC step is ~2.4e-4 of full scale). NaN equals NaN;
// ±Infinity must match exactly; 0 equals -0.
// Everything else (strings, booleans, array lengths, object key sets) is compared exactly.

export const ABS_FLOOR = 1e-12;
const MAX_DIFFS = 50;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return String(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function numbersAgree(a: number, b: number, relTol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
  const diff = Math.abs(a - b);
  return diff <= ABS_FLOOR || diff <= relTol * Math.max(Math.abs(a), Math.abs(b));
}

function propPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Lists the differences between `a` and `b` (empty when they agree). At most 50 are listed. */
export function compareParity(a: unknown, b: unknown, relTol = 1e-9): string[] {
  const out: string[] = [];
  walk(a, b, '$', relTol, out);
  if (out.length > MAX_DIFFS) {
    const more = out.length - MAX_DIFFS;
    out.length = MAX_DIFFS;
    out.push(`... and ${more} more`);
  }
  return out;
}

function walk(a: unknown, b: unknown, path: string, relTol: number, out: string[]): void {
  if (out.length > MAX_DIFFS) return;
  const ka = kind(a);
  const kb = kind(b);
  if (ka !== kb) {
    out.push(`${path}: ${ka} ${describe(a)} vs ${kb} ${describe(b)}`);
    return;
  }
  if (ka === 'number') {
    if (!numbersAgree(a as number, b as number, relTol)) out.push(`${path}: ${describe(a)} vs ${describe(b)}`);
    return;
  }
  if (ka === 'array') {
    const xa = a as unknown[];
    const xb = b as unknown[];
    if (xa.length !== xb.length) out.push(`${path}: length ${xa.length} vs ${xb.length}`);
    const n = Math.min(xa.length, xb.length);
    for (let i = 0; i < n; i++) walk(xa[i], xb[i], `${path}[${i}]`, relTol, out);
    return;
  }
  if (ka === 'object') {
    const oa = a as Record<string, unknown>;
    const ob = b as Record<string, unknown>;
    // A key whose value is undefined counts as absent (Lua has no undefined-valued fields).
    const keysA = Object.keys(oa).filter((k) => oa[k] !== undefined);
    const keysB = Object.keys(ob).filter((k) => ob[k] !== undefined);
    const setB = new Set(keysB);
    for (const k of keysA) {
      if (!setB.has(k)) out.push(`${propPath(path, k)}: present (${describe(oa[k])}) vs missing`);
      else walk(oa[k], ob[k], propPath(path, k), relTol, out);
    }
    const setA = new Set(keysA);
    for (const k of keysB) if (!setA.has(k)) out.push(`${propPath(path, k)}: missing vs present (${describe(ob[k])})`);
    return;
  }
  if (a !== b) out.push(`${path}: ${describe(a)} vs ${describe(b)}`);
}
