// The control unit under a forgery flood at the nRF24 airtime limit, in XS
// (tools/bench/cu-flood-entry.ts, firmware/control/flood-guard.ts): XS computrons per
// simulated second of 3,300 forged frames, with the flood guard and with budgets that
// never bite, and what share of an ESP32 that is at the bench's computron rate.
//   npx tsx tools/bench/cu-flood.ts
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { measureXs } from '../engines/run';
import { XSNAP_BINARY } from '../engines/xsnap';
import { isEntry } from '../cli';
import { ESP32_COMPUTRONS_PER_S } from './xs';

const ENTRY = fileURLToPath(new URL('./cu-flood-entry.ts', import.meta.url));

export interface CuFlood {
  /** XS computrons per second of flood: the guard on, and budgets that never bite */
  cu_flood_computrons_per_s: { guarded: number; unguarded: number } | null;
  /** the same as a share of an ESP32 (ESP32_COMPUTRONS_PER_S), % */
  cu_flood_cpu_pct_esp32_est: { guarded: number; unguarded: number } | null;
  skipped?: string;
}

export async function cuFloodBench(): Promise<CuFlood> {
  if (!existsSync(XSNAP_BINARY))
    return { cu_flood_computrons_per_s: null, cu_flood_cpu_pct_esp32_est: null, skipped: `xsnap-worker not built at ${XSNAP_BINARY}` };
  const run = (mode: string, steps: number) => measureXs(ENTRY, `globalThis.st = entry.setup('${mode}');`, 'entry.second(st);', steps);
  const h = (await run('harness', 4)).computePerStep;
  const g = (await run('guarded', 4)).computePerStep - h;
  const u = (await run('unguarded', 1)).computePerStep - h;
  const pct = (c: number) => Math.round((1000 * c) / ESP32_COMPUTRONS_PER_S) / 10;
  const guarded = Math.round(g);
  const unguarded = Math.round(u);
  return { cu_flood_computrons_per_s: { guarded, unguarded }, cu_flood_cpu_pct_esp32_est: { guarded: pct(guarded), unguarded: pct(unguarded) } };
}

if (isEntry(import.meta.url)) {
  cuFloodBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
