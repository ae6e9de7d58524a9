// Synthetic household day, generated deterministically from a seed (no real data is
// committed). Appliances are on/off rectangles with the power levels of common European
// appliances (fridge compressor ~100 W with a 30 % duty cycle, 2 kW kettle, 2 kW oven,
// washing machine: a 2 kW heating phase then a ~300 W drum, 150 W TV, lighting), placed
// on a daily routine with seeded jitter. The load is built at 1 s and averaged down to
// the requested step, as a meter averaging over its interval would.

export const SYNTH_SEED = 20261127;

/** mulberry32: a small, well-mixed 32-bit PRNG (deterministic across engines). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Burst {
  startS: number;
  durS: number;
  watts: number;
}

/** One day of 1 s real load, W (86400 values). */
export function householdSecondly(seed: number = SYNTH_SEED): Float64Array {
  const rnd = mulberry32(seed);
  const day = 86400;
  const w = new Float64Array(day);
  const jitter = (s: number) => (rnd() - 0.5) * 2 * s;
  const bursts: Burst[] = [];
  // standby + router + always-on: 120 W
  for (let i = 0; i < day; i++) w[i] = 120;
  // fridge: 95-110 W compressor, ~18 min on / ~40 min off
  for (let t = Math.floor(rnd() * 1800); t < day;) {
    const on = 900 + Math.floor(rnd() * 360);
    bursts.push({ startS: t, durS: on, watts: 95 + rnd() * 15 });
    t += on + 2100 + Math.floor(rnd() * 600);
  }
  const at = (h: number, jitterMin: number) => Math.max(0, Math.floor(h * 3600 + jitter(jitterMin * 60)));
  // morning: lights, kettle twice, toaster
  bursts.push({ startS: at(6.5, 10), durS: 5400, watts: 60 });
  bursts.push({ startS: at(6.75, 5), durS: 180 + Math.floor(rnd() * 60), watts: 2000 + rnd() * 200 });
  bursts.push({ startS: at(7.0, 5), durS: 150, watts: 900 });
  bursts.push({ startS: at(7.3, 10), durS: 170, watts: 2050 });
  // washing machine mid-morning: heating then drum
  const wm = at(10, 30);
  bursts.push({ startS: wm, durS: 900, watts: 2000 });
  bursts.push({ startS: wm + 900, durS: 3600, watts: 250 + rnd() * 100 });
  // lunch: microwave, kettle
  bursts.push({ startS: at(12.5, 15), durS: 240, watts: 1100 });
  bursts.push({ startS: at(13, 10), durS: 180, watts: 2000 });
  // afternoon: laptop, kettle
  bursts.push({ startS: at(14, 20), durS: 10800, watts: 45 });
  bursts.push({ startS: at(16, 20), durS: 170, watts: 2000 });
  // evening: lights, oven (thermostat cycling), TV, dishwasher, kettle
  bursts.push({ startS: at(17.5, 15), durS: 5 * 3600, watts: 150 });
  const oven = at(18.25, 15);
  for (let t = oven; t < oven + 2700;) {
    const on = 300 + Math.floor(rnd() * 240);
    bursts.push({ startS: t, durS: on, watts: 2100 });
    t += on + 120 + Math.floor(rnd() * 180);
  }
  bursts.push({ startS: at(19.5, 10), durS: 3 * 3600, watts: 150 });
  const dw = at(20.5, 20);
  bursts.push({ startS: dw, durS: 1200, watts: 1900 });
  bursts.push({ startS: dw + 1200, durS: 2400, watts: 120 });
  bursts.push({ startS: dw + 3600, durS: 900, watts: 1900 });
  bursts.push({ startS: at(21.5, 10), durS: 160, watts: 2000 });
  // night: an electric heater cycling for an hour
  const ht = at(22.5, 20);
  for (let t = ht; t < ht + 3600; t += 600) bursts.push({ startS: t, durS: 300, watts: 1500 });
  for (let k = 0; k < bursts.length; k++) {
    const b = bursts[k];
    const end = Math.min(day, b.startS + b.durS);
    for (let i = b.startS; i < end; i++) w[i] += b.watts;
  }
  // small measurement noise so levels are not perfectly flat
  for (let i = 0; i < day; i++) w[i] = Math.max(0, w[i] + jitter(3));
  return w;
}

export interface TraceRow {
  /** s since the start of the day; each row is the mean power over the step ending here */
  t: number;
  watts: number;
}

/** The day averaged to `stepS`-second steps (stepS divides 86400). */
export function householdTrace(stepS: number, seed: number = SYNTH_SEED): TraceRow[] {
  const w = householdSecondly(seed);
  const rows: TraceRow[] = [];
  rows.push({ t: 0, watts: Math.round(w[0] * 10) / 10 });
  for (let s = 0; s + stepS <= 86400; s += stepS) {
    let sum = 0;
    for (let i = s; i < s + stepS; i++) sum += w[i];
    rows.push({ t: s + stepS, watts: Math.round((sum / stepS) * 10) / 10 });
  }
  return rows;
}

export function traceCsv(rows: TraceRow[]): string {
  let out = 'time,watts\n';
  for (const r of rows) out += `${r.t},${r.watts}\n`;
  return out;
}
