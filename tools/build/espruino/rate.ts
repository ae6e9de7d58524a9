// What sample rate can Espruino sustain for the meter? Espruino interprets source text
// (no bytecode, no JIT on ESP32), so the question is how many interpreter operations one
// sample pair costs and how fast Espruino executes operations.
//
// Operations per pair: measured, deterministically, as XS computrons of the BUILT app
// script (build/espruino/<board>/app.js, i.e. the minified ES5 the board runs) driven by
// the Espruino shim on a virtual clock: one second of 1 kHz polling (timer callback,
// two analogRead, the block copy, metering, protection) minus the shim's own share
// (a baseline script that makes the same native calls and nothing else).
//
// Operations per second on Espruino: the documented reference "a simple loop
// `while (1) {A0.set();A0.reset();}` creates roughly a 4kHz square wave" on the original
// Espruino board, an STM32F103 at 72 MHz (espruino.com/Performance). The same loop is
// measured in XS computrons, which gives Espruino's time per computron on that chip; the
// ESP32 runs Espruino at 160 MHz (ESP-IDF's default CPU clock) to 240 MHz, so the time
// scales by 72/160 .. 72/240 (clock ratio; same flash-execution handicap assumed).
// This is an estimate from a documented figure and a measured operation count, not a
// measurement on the chip; docs/BUILD-ESPRUINO.md says how to measure on the board.
//
// `npx tsx tools/build/espruino/measure-rate.ts [--board name]` measures and prints the figures;
// the constants below are its output (re-run it when the core changes).
import type { Board } from '../../../boards/schema';

/** espruino.com/Performance: `while (1) {A0.set();A0.reset();}` ~ 4 kHz on a 72 MHz STM32F103. */
export const REFERENCE_LOOP_HZ = 4000;
export const REFERENCE_MHZ = 72;
/** Espruino's ESP32 CPU clock range, MHz (ESP-IDF default 160, maximum 240). */
export const ESP32_MHZ = { low: 160, high: 240 };
/**
 * Share of the CPU the sampling and metering may take at 160 MHz; the rest is for the
 * technician console, the 1 s sensor timer, flash writes, garbage collection and timer
 * jitter (a callback more than two periods late is a PolledAdc overrun).
 */
export const CPU_BUDGET = 0.75;
/**
 * Below this rate the metering is wrong: at 200 Hz (4 samples per 50 Hz cycle) the power
 * error reaches 9 % of S, at 250 Hz it is 0.01 % and Irms 0.2 % (measure-rate.ts prints
 * the table: 1 s averages of 230 V, 8..16 A, PF 0.5..0.9, 3rd and 5th harmonics).
 */
export const MIN_RATE_HZ = 250;
/**
 * Measured by `npx tsx tools/build/espruino/measure-rate.ts` (XS computrons of the built
 * app.js): the cost per second is perPair * rateHz + perSecond, where perSecond is the
 * per-cycle work (cycle close, protection elements, averages, 50 blocks/s) that does not
 * depend on the rate. The test build-espruino.test.ts re-measures and compares.
 */
export const MEASURED = { referenceLoopComputrons: 34, perPairComputrons: 393.1, perSecondComputrons: 113256 };

export interface RateEstimate {
  /** XS computrons: one reference loop iteration; per pair; fixed per second */
  referenceLoopComputrons: number;
  perPairComputrons: number;
  perSecondComputrons: number;
  /** µs of ESP32 Espruino time per XS computron, at 160 and 240 MHz */
  usPerComputron: { at160: number; at240: number };
  /** sample pairs per second at 100 % CPU */
  sustainHz: { at160: number; at240: number };
  /** the rate to configure: the highest of the candidates within CPU_BUDGET at 160 MHz, at least MIN_RATE_HZ */
  recommendedHz: number;
  /** CPU share at a rate, 0..1+ (at 160 and 240 MHz) */
  cpuAt(rateHz: number): { at160: number; at240: number };
}

const CANDIDATES = [1000, 800, 500, 400, 250];

export function estimateRate(referenceLoopComputrons: number, perPairComputrons: number, perSecondComputrons: number): RateEstimate {
  const us72 = 1e6 / REFERENCE_LOOP_HZ / referenceLoopComputrons;
  const usPerComputron = { at160: us72 * (REFERENCE_MHZ / ESP32_MHZ.low), at240: us72 * (REFERENCE_MHZ / ESP32_MHZ.high) };
  const cpuAt = (rateHz: number) => {
    const c = perPairComputrons * rateHz + perSecondComputrons;
    return { at160: (c * usPerComputron.at160) / 1e6, at240: (c * usPerComputron.at240) / 1e6 };
  };
  const sustain = (us: number) => Math.max(0, (1e6 / us - perSecondComputrons) / perPairComputrons);
  let recommended = MIN_RATE_HZ;
  for (const c of CANDIDATES) {
    if (c >= MIN_RATE_HZ && cpuAt(c).at160 <= CPU_BUDGET) {
      recommended = c;
      break;
    }
  }
  return {
    referenceLoopComputrons, perPairComputrons, perSecondComputrons, usPerComputron,
    sustainHz: { at160: sustain(usPerComputron.at160), at240: sustain(usPerComputron.at240) },
    recommendedHz: recommended,
    cpuAt,
  };
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** Build notes: the estimate and whether the board's configured rate fits it. */
export function rateNotes(board: Board): string[] {
  const e = estimateRate(MEASURED.referenceLoopComputrons, MEASURED.perPairComputrons, MEASURED.perSecondComputrons);
  const r = board.adc.rateHz;
  const cpu = e.cpuAt(r);
  const rec = e.cpuAt(e.recommendedHz);
  const notes = [
    `sample rate: Espruino can sustain about ${Math.round(e.sustainHz.at160)}..${Math.round(e.sustainHz.at240)} V+I pairs/s at 100 % CPU ` +
      '(ESP32 at 160..240 MHz; an estimate from espruino.com/Performance and the measured operation count, docs/BUILD-ESPRUINO.md); ' +
      `recommended adc.rateHz ${e.recommendedHz} with blockPairs ${Math.max(1, Math.round(e.recommendedHz / 50))} (CPU ${pct(rec.at160)}..${pct(rec.at240)})`,
  ];
  if (cpu.at160 > CPU_BUDGET) {
    notes.push(`WARNING adc.rateHz ${r} needs ${pct(cpu.at160)}..${pct(cpu.at240)} of the CPU on Espruino (budget ${pct(CPU_BUDGET)}): ` +
      'PolledAdc will count overruns and metering will have gaps; short circuits are cleared by the hardware comparator latch either way');
  } else notes.push(`adc.rateHz ${r} needs ${pct(cpu.at160)}..${pct(cpu.at240)} of the CPU on Espruino (budget ${pct(CPU_BUDGET)})`);
  if (r < MIN_RATE_HZ) notes.push(`WARNING adc.rateHz ${r} is below ${MIN_RATE_HZ}: too few samples per mains cycle for accurate metering`);
  return notes;
}
