// The XS workload of native-decode.ts: decodes one synthetic 2 ms frame (8 output pairs,
// D = 3) n times with hal/moddable/continuous-adc.ts. Kept apart so the XS bundle holds
// only this and the decoder.
import { decodeFrame, planContinuousAdc } from '../../hal/moddable/continuous-adc';

/** Decodes one synthetic frame `n` times; returns a checksum so the work is not optimised away. */
export function decodeFrames(n: number): number {
  const plan = planContinuousAdc([36, 39], 4000, 8);
  const bytes = new Uint8Array(plan.frameBytes);
  for (let k = 0; k < plan.frameBytes / 2; k++) {
    const w = ((k % 2 === 0 ? plan.vChannel : plan.iChannel) << 12) | ((k * 97) & 0xfff);
    bytes[2 * k] = w & 0xff;
    bytes[2 * k + 1] = w >> 8;
  }
  const out: number[] = [];
  let sum = 0;
  for (let r = 0; r < n; r++) {
    if (decodeFrame(bytes, plan, out, false) !== 0) return -1;
    sum += out[0] + out[15];
  }
  return sum;
}
