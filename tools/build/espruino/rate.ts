// What sample rate can Espruino sustain for the meter? Espruino interprets source text
// (no bytecode; no JIT on ESP32), so the question is how much interpreter work one V+I
// pair costs, in a unit whose speed on a board is published.
//
// The unit: one iteration of espruino.com/Performance's reference loop,
// `while (1) {A0.set();A0.reset();}`: "On the Espruino board a simple loop will create
// roughly a 4kHz square wave (so 4000 iterations of the loop per second)" (the original
// Espruino board, STM32F103 at 72 MHz). Scaled by clock to Espruino's ESP32 build, which
// runs at 240 MHz (espruino/Espruino targets/esp32/IDF5/sdkconfig.defaults.esp32:
// CONFIG_ESP32_DEFAULT_CPU_FREQ_240=y; boards/ESP32.py's `speed: 160` is descriptive):
// 13,333 iterations/s (8,889 for a 160 MHz build). The scaling assumes the ESP32 runs
// the interpreter as efficiently per clock as the STM32F1 (both from flash, both -Os).
//
// The cost: measured in the REAL interpreter (Espruino 2v29 for Linux) by
// tools/build/espruino/real-rate.ts as a ratio of CPU times in one process: the built
// app.js ticking on a virtual clock at 250 and 1000 pairs/s, minus the stand-ins' own
// cost, over the reference loop (`npx tsx tools/build/espruino/real-rate.ts`). The
// constants below are its output; `npm run bench -- --json` re-measures them
// (espruino.pairs_per_s_max). Not counted: the board's own analogRead (native, a few µs),
// Espruino's timer dispatch per tick, the 1 s sensor timer, flash-cache misses; so the
// board needs a little more than this.
import type { Board } from '../../../boards/schema';

/** espruino.com/Performance: `while (1) {A0.set();A0.reset();}` ~ 4 kHz on a 72 MHz STM32F103. */
export const REFERENCE_LOOP_HZ = 4000;
export const REFERENCE_MHZ = 72;
/** ESP32 CPU clocks: 240 MHz is Espruino's ESP32 build (IDF5 sdkconfig), 160 MHz the ESP-IDF default. */
export const ESP32_MHZ = { low: 160, high: 240 };
/** The clock the rate is judged at: Espruino's ESP32 firmware (targets/esp32/IDF5/sdkconfig.defaults.esp32). */
export const ESPRUINO_ESP32_MHZ = 240;
/**
 * Share of the CPU the sampling and metering may take; the rest is for the technician
 * console, the 1 s sensor timer, flash writes, garbage collection and timer jitter (a
 * callback more than two periods late is a PolledAdc overrun).
 */
export const CPU_BUDGET = 0.75;
/**
 * Below this rate the metering is wrong: at 200 Hz (4 samples per 50 Hz cycle) the power
 * error reaches 9 % of S, at 250 Hz it is 0.01 % and Irms 0.2 % (measure-rate.ts prints
 * the table: 1 s averages of 230 V, 8..16 A, PF 0.5..0.9, 3rd and 5th harmonics).
 */
export const MIN_RATE_HZ = 250;
/**
 * Measured in the real interpreter (real-rate.ts; the mean of three runs on a loaded
 * 2-core host: 15.3..19.7 per pair, 3,700..5,800 per second; the total at 250 Hz
 * 8,000..10,100 a second): reference-loop iterations per V+I pair, and per second for
 * the per-cycle work (cycle close, protection elements, averages; 50 a second), with the
 * per-sample and per-cycle path marked "ram" (pretokenised in RAM, bundle.ts
 * RAM_FUNCTIONS). Without "ram" the same app measured 40 per pair + 3,400 per second
 * (13,400 a second at 250 Hz: more than a 240 MHz ESP32 has).
 */
export const MEASURED = { iterationsPerPair: 17.4, iterationsPerSecond: 4900 };
/**
 * Variables in use, booted from Storage and metering at 250 Hz, in the -esp32vars build
 * (16383 fixed 14-byte variables, Espruino's ESP32 format): process.memory().usage.
 * host-tests/build-espruino-real.test.ts re-measures it (within 10 %).
 */
export const ESPRUINO_VARS = { used: 9958, bytesPerVar: 14, maxVars: 16383 };
/** the same with provisioned keys and the radio link on (NodeLink, nRF24 driver): host-tests/build-link-espruino.test.ts */
export const ESPRUINO_VARS_LINK_ON = 10707;

export interface RateEstimate {
  iterationsPerPair: number;
  iterationsPerSecond: number;
  /** reference iterations per second on the ESP32 at 160 and 240 MHz */
  boardIterationsPerS: { at160: number; at240: number };
  /** sample pairs per second at 100 % CPU */
  sustainHz: { at160: number; at240: number };
  /** CPU share at a rate, 0..1+ (at 160 and 240 MHz) */
  cpuAt(rateHz: number): { at160: number; at240: number };
}

export function estimateRate(iterationsPerPair: number, iterationsPerSecond: number): RateEstimate {
  const ips = (mhz: number) => REFERENCE_LOOP_HZ * (mhz / REFERENCE_MHZ);
  const boardIterationsPerS = { at160: ips(ESP32_MHZ.low), at240: ips(ESP32_MHZ.high) };
  const sustain = (b: number) => Math.max(0, (b - iterationsPerSecond) / iterationsPerPair);
  return {
    iterationsPerPair,
    iterationsPerSecond,
    boardIterationsPerS,
    sustainHz: { at160: sustain(boardIterationsPerS.at160), at240: sustain(boardIterationsPerS.at240) },
    cpuAt: (rateHz) => {
      const it = iterationsPerPair * rateHz + iterationsPerSecond;
      return { at160: it / boardIterationsPerS.at160, at240: it / boardIterationsPerS.at240 };
    },
  };
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** Build notes: what Espruino sustains, and whether the board's configured rate fits (judged at 240 MHz). */
export function rateNotes(board: Board): string[] {
  const e = estimateRate(MEASURED.iterationsPerPair, MEASURED.iterationsPerSecond);
  const r = board.adc.rateHz;
  const cpu = e.cpuAt(r);
  const notes = [
    `sample rate: Espruino can sustain about ${Math.round(e.sustainHz.at240)} V+I pairs/s at 100 % CPU on its ${ESPRUINO_ESP32_MHZ} MHz ESP32 build (${Math.round(e.sustainHz.at160)} at 160 MHz); ` +
      `measured in the real interpreter against espruino.com/Performance's reference loop (docs/BUILD-ESPRUINO.md); the metering needs at least ${MIN_RATE_HZ}`,
  ];
  if (cpu.at240 > CPU_BUDGET) {
    notes.push(
      `WARNING adc.rateHz ${r} needs ${pct(cpu.at240)} of the CPU at 240 MHz (${pct(cpu.at160)} at 160 MHz; budget ${pct(CPU_BUDGET)}): ` +
        'PolledAdc will count overruns and the metering will have gaps; short circuits are cleared by the hardware comparator latch either way',
    );
  } else
    notes.push(
      `adc.rateHz ${r} needs ${pct(cpu.at240)} of the CPU at 240 MHz (budget ${pct(CPU_BUDGET)}; ${pct(cpu.at160)} on a 160 MHz build, which cannot keep up)`,
    );
  if (r < MIN_RATE_HZ) notes.push(`WARNING adc.rateHz ${r} is below ${MIN_RATE_HZ}: too few samples per mains cycle for accurate metering`);
  return notes;
}
