// A small, self-contained synthesiser of interleaved V/I ADC codes for unit tests and
// parity vectors (the full physics lives in hal/sim; this one is deliberately simple and
// independent, so metering is not only ever checked against the simulator it ships with).

export interface Tone {
  vrms: number;
  irms: number;
  freqHz: number;
  pfDeg: number; // current lags by this angle
  v3?: number;
  v5?: number;
  i3?: number;
  i5?: number; // fractions of the fundamental
}

export interface SynthOptions {
  rateHz: number;
  blockPairs: number;
  bits: number;
  fullScaleVolts: number;
  vAdcVoltsPerVolt: number;
  iAdcVoltsPerAmp: number;
  biasVolts: number;
  skewUs: number;
  noiseLsb: number;
  seed: number;
}

export const DEVKIT: SynthOptions = {
  rateHz: 4000,
  blockPairs: 8,
  bits: 12,
  fullScaleVolts: 3.1,
  vAdcVoltsPerVolt: 0.0035,
  iAdcVoltsPerAmp: 0.02,
  biasVolts: 1.55,
  skewUs: 125,
  noiseLsb: 0.7,
  seed: 1,
};

export const DEVKIT_CAL = {
  vGain: DEVKIT.fullScaleVolts / 4096 / DEVKIT.vAdcVoltsPerVolt,
  iGain: DEVKIT.fullScaleVolts / 4096 / DEVKIT.iAdcVoltsPerAmp,
  phaseShift: 0.5,
};

export function truth(t: Tone): { vrms: number; irms: number; p: number } {
  const v3 = t.v3 ?? 0,
    v5 = t.v5 ?? 0,
    i3 = t.i3 ?? 0,
    i5 = t.i5 ?? 0;
  const ph = (t.pfDeg * Math.PI) / 180;
  return {
    vrms: t.vrms * Math.sqrt(1 + v3 * v3 + v5 * v5),
    irms: t.irms * Math.sqrt(1 + i3 * i3 + i5 * i5),
    p: t.vrms * t.irms * (Math.cos(ph) + v3 * i3 * Math.cos(3 * ph) + v5 * i5 * Math.cos(5 * ph)),
  };
}

/** Park–Miller PRNG + Box–Muller: deterministic noise from a seed. */
export function gaussian(seed: number): () => number {
  let s = seed % 2147483647;
  if (s <= 0) s += 2147483646;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/**
 * Blocks of codes for a sequence of segments (each a tone held for `seconds`). Phase is
 * continuous across segments. Returns one flat array per block.
 */
export function synth(segments: { tone: Tone; seconds: number }[], o: SynthOptions = DEVKIT): number[][] {
  const g = gaussian(o.seed);
  const lsb = o.fullScaleVolts / 2 ** o.bits;
  const max = 2 ** o.bits - 1;
  const q = (volts: number) => {
    const c = Math.round(volts / lsb + o.noiseLsb * g());
    return c < 0 ? 0 : c > max ? max : c;
  };
  const blocks: number[][] = [];
  let block: number[] = [];
  let theta = 0;
  const dt = 1 / o.rateHz;
  for (const seg of segments) {
    const t = seg.tone;
    const n = Math.round(seg.seconds * o.rateHz);
    const w = 2 * Math.PI * t.freqHz;
    const ph = (t.pfDeg * Math.PI) / 180;
    const skew = w * o.skewUs * 1e-6;
    for (let k = 0; k < n; k++) {
      const a = theta;
      const b = theta + skew - ph;
      const v = Math.SQRT2 * t.vrms * (Math.sin(a) + (t.v3 ?? 0) * Math.sin(3 * a) + (t.v5 ?? 0) * Math.sin(5 * a));
      const i = Math.SQRT2 * t.irms * (Math.sin(b) + (t.i3 ?? 0) * Math.sin(3 * b) + (t.i5 ?? 0) * Math.sin(5 * b));
      block.push(q(o.biasVolts + v * o.vAdcVoltsPerVolt), q(o.biasVolts + i * o.iAdcVoltsPerAmp));
      if (block.length === o.blockPairs * 2) {
        blocks.push(block);
        block = [];
      }
      theta += w * dt;
    }
  }
  if (block.length > 0) blocks.push(block);
  return blocks;
}
