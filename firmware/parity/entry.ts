// Parity entry: the same function runs under Node, XS (xsnap) and Lua 5.3 (fengari).
// Input and output are plain data (numbers, strings, arrays, objects) so that every
// engine's harness can pass them in and read them back.
// PLACEHOLDER until the metering/protection core lands: sums and RMS per case.

export interface ParityInput {
  cases: { name: string; samples: number[] }[];
}
export interface ParityOutput {
  cases: { name: string; sum: number; rms: number; count: number; flags: string[] }[];
}

export function runVectors(input: ParityInput): ParityOutput {
  const out: ParityOutput = { cases: [] };
  for (let c = 0; c < input.cases.length; c++) {
    const cs = input.cases[c];
    let sum = 0;
    let sq = 0;
    const n = cs.samples.length;
    for (let k = 0; k < n; k++) {
      const x = cs.samples[k] / 1;
      sum += x;
      sq += x * x;
    }
    const flags: string[] = [];
    if (n === 0) flags.push('empty');
    out.cases.push({ name: cs.name, sum: sum, rms: n > 0 ? Math.sqrt(sq / n) : 0, count: n, flags: flags });
  }
  return out;
}
