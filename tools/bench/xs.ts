// XS cost of the metering + protection hot path, from xsnap's compute meter (counts
// work, not time: deterministic on any host). One step = one DMA block of 8 pairs of a
// 1 s, cycle-whole recording at 230 V / 8 A / PF 0.9 with harmonics, so per-cycle and
// half-cycle work is included at its true rate.
import { fileURLToPath } from 'node:url';
import { bundleForXs } from '../engines/bundle';
import { measureXs } from '../engines/run';
import { XsWorker } from '../engines/xsnap';
import { DEVKIT, DEVKIT_CAL, synth } from '../../host-tests/support/signal';

const ENTRY = fileURLToPath(new URL('../../firmware/parity/bench.ts', import.meta.url));

/**
 * Assumed XS speed on an ESP32 (240 MHz Xtensa LX6): "a few million computrons per
 * second". 2 M/s is the low end, so the block processing time it implies is pessimistic.
 */
export const ESP32_COMPUTRONS_PER_S = 2e6;

/** XS slot size on the ESP32 (32-bit build): 16 bytes (Moddable docs, "XS in C"). */
const ESP32_SLOT_BYTES = 16;

export interface XsFigures {
  computrons_per_sample: number;
  computrons_per_block: number;
  /** live heap of the metering + protection state: slots it adds x 16 B (ESP32 slot size) */
  heap_bytes: number;
  heap_slots_core: number;
  /** what xsnap reports as "allocate": the chunk heap it took from the OS (host build) */
  heap_allocate_host: number;
  heap_slots_after_setup: number;
  heap_growth_slots_per_block: number;
  cpu_pct_at_4khz_esp32_est: number;
  block_processing_us_esp32_est: number;
}

export async function xsCost(): Promise<XsFigures> {
  const blocks = synth([{ tone: { vrms: 230, irms: 8, freqHz: 50, pfDeg: 25, v3: 0.03, i3: 0.12, i5: 0.06 }, seconds: 1 }], DEVKIT);
  const cal = [DEVKIT_CAL.vGain, DEVKIT_CAL.iGain, DEVKIT_CAL.phaseShift];
  const setup = `globalThis.st = entry.makeState(${JSON.stringify(blocks)}, ${JSON.stringify(cal)}, ${DEVKIT.rateHz});`;
  const r = await measureXs(ENTRY, setup, 'entry.step(st);', 2000);
  const perBlock = r.computePerStep;
  const slots = await coreSlots(blocks[0], cal);
  const perSample = perBlock / DEVKIT.blockPairs;
  return {
    computrons_per_sample: Math.round(perSample * 10) / 10,
    computrons_per_block: Math.round(perBlock),
    heap_bytes: slots * ESP32_SLOT_BYTES,
    heap_slots_core: slots,
    heap_allocate_host: r.allocate,
    heap_slots_after_setup: r.heapCountAfterSetup,
    heap_growth_slots_per_block: Math.round(r.heapGrowthPerStep * 1000) / 1000,
    cpu_pct_at_4khz_esp32_est: Math.round(((perSample * DEVKIT.rateHz) / ESP32_COMPUTRONS_PER_S) * 1000) / 10,
    block_processing_us_esp32_est: Math.round((perBlock / ESP32_COMPUTRONS_PER_S) * 1e6),
  };
}

/**
 * Slots the core's live state adds to XS: a worker with the bundle loaded, before and
 * after makeState() on one block (so the signal recording is not counted).
 */
async function coreSlots(block: number[], cal: number[]): Promise<number> {
  const bundle = await bundleForXs(ENTRY);
  const w = await XsWorker.start({ name: 'heap' });
  try {
    await w.evaluate(bundle.code);
    await w.evaluate(`var entry = globalThis[${JSON.stringify(bundle.globalName)}]; var blk = [${JSON.stringify(block)}]; gc();`);
    const before = await w.evaluate('gc();');
    await w.evaluate(`globalThis.st = entry.makeState(blk, ${JSON.stringify(cal)}, ${DEVKIT.rateHz}); entry.step(st); gc();`);
    const after = await w.evaluate('gc();');
    return after.currentHeapCount - before.currentHeapCount;
  } finally {
    await w.close();
  }
}
