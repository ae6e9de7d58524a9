// Espruino figures measured in the REAL interpreter (Espruino 2v29 for Linux,
// ../shared/tools; tools/build/espruino/real.ts):
//   espruino.vars_used       process.memory().usage of the built app booted from Storage
//                            and metering at the board's rate, in the -esp32vars build
//                            (Espruino's ESP32 format: 14-byte variables, 16383 at most);
//   espruino.pairs_per_s_max V+I pairs per second at 100 % CPU of an ESP32 at 240 MHz
//                            (Espruino's ESP32 build; and _160mhz), from the app's cost in reference-loop
//                            iterations (real-rate.ts) and the published speed of that
//                            loop (espruino.com/Performance: 4 kHz at 72 MHz, scaled by clock).
// With a binary missing the figure is null and `skipped` says why.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../../boards/schema';
import { boardForUpload, buildEspruino } from '../build/espruino';
import { EspruinoFlash, espruinoMissing, meterDriver, STANDINS } from '../build/espruino/real';
import { measureRealRate } from '../build/espruino/real-rate';

export interface EspruinoBench {
  vars_used: number | null;
  vars_total: number | null;
  vars_bytes: number | null;
  iterations_per_pair: number | null;
  iterations_per_s_fixed: number | null;
  pairs_per_s_max: number | null;
  pairs_per_s_max_160mhz: number | null;
  cpu_pct_at_board_rate: number | null;
  board_rate_hz: number;
  skipped?: string;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export async function espruinoBench(): Promise<EspruinoBench> {
  const board = loadBoard('espruino-esp32-wroom');
  const out: EspruinoBench = {
    vars_used: null,
    vars_total: null,
    vars_bytes: null,
    iterations_per_pair: null,
    iterations_per_s_fixed: null,
    pairs_per_s_max: null,
    pairs_per_s_max_160mhz: null,
    cpu_pct_at_board_rate: null,
    board_rate_hz: board.adc.rateHz,
  };
  const skipped: string[] = [];
  const missVars = espruinoMissing('esp32vars');
  if (missVars !== undefined) skipped.push(`vars_used: ${missVars}`);
  else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-espruino-'));
    const flash = new EspruinoFlash('esp32vars');
    try {
      const r = await buildEspruino(board, dir);
      await flash.write({
        '.boot0': STANDINS,
        '.bootcde': readFileSync(join(r.outDir, 'app.js'), 'utf8'),
        '.boot1': meterDriver(boardForUpload(board), [{ at: 3.6, js: 'snap("metering")' }]),
      });
      const res = (await flash.boot(60000)).result as { phases: { mem: { usage: number; total: number } }[] } | undefined;
      const m = res?.phases[0]?.mem;
      if (m === undefined) skipped.push('vars_used: the app gave no result in espruino-linux-esp32vars');
      else {
        out.vars_used = m.usage;
        out.vars_total = m.total;
        out.vars_bytes = m.usage * 14;
      }
    } finally {
      flash.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const missLinux = espruinoMissing('linux');
  if (missLinux !== undefined) skipped.push(`pairs_per_s_max: ${missLinux}`);
  else {
    const m = await measureRealRate(board);
    out.iterations_per_pair = r1(m.iterationsPerPair);
    out.iterations_per_s_fixed = Math.round(m.iterationsPerSecond);
    out.pairs_per_s_max = Math.round(m.pairsPerSMax.at240);
    out.pairs_per_s_max_160mhz = Math.round(m.pairsPerSMax.at160);
    out.cpu_pct_at_board_rate = Math.round(m.cpuAt(board.adc.rateHz).at240 * 100);
  }
  if (skipped.length > 0) out.skipped = skipped.join('; ');
  return out;
}
