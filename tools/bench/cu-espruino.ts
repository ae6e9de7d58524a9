// Can Espruino carry the control unit? The same composition (startControlUnit) bundled for
// Espruino as the meter node's upload is (tools/build/espruino/bundle.ts: ES5, minified),
// put in Storage as `.bootcde` and booted in the REAL interpreter's ESP32 variable format
// (espruino-linux-esp32vars: 16383 variables of 14 bytes, Espruino's boards/ESP32.py), with
// stand-in IO (tools/bench/cu-espruino-entry.ts). It issues and uses one guest pass over
// the PC link, then reads process.memory(). Figures:
//   espruino_cu.bundle_bytes   the minified upload
//   espruino_cu.vars_used      variables in use after boot and one guest login
//   espruino_cu.vars_total     the variables an ESP32 build has
// CLI: npx tsx tools/bench/cu-espruino.ts
import { loadBoard } from '../../boards/schema';
import { bundleForEspruino } from '../build/espruino/bundle';
import { EspruinoFlash, espruinoMissing } from '../build/espruino/real';
import { isEntry } from '../cli';

export interface CuEspruinoBench {
  bundle_bytes: number;
  vars_used: number | null;
  vars_total: number | null;
  /** the guest login answered ok in Espruino */
  guest_ok: boolean | null;
  skipped?: string;
}

export async function cuEspruinoBench(): Promise<CuEspruinoBench> {
  const b = await bundleForEspruino({
    entry: 'tools/bench/cu-espruino-entry.ts',
    define: { __CU_BOARD__: JSON.stringify(loadBoard('esp32-control-unit')) },
    fileName: 'cu.js',
  });
  const out: CuEspruinoBench = { bundle_bytes: Buffer.byteLength(b.code), vars_used: null, vars_total: null, guest_ok: null };
  const miss = espruinoMissing('esp32vars');
  if (miss !== undefined) return { ...out, skipped: miss };
  const flash = new EspruinoFlash('esp32vars');
  try {
    await flash.write({ '.bootcde': b.code });
    const r = await flash.boot(60000);
    const res = r.result as { usage: number; total: number; lines: string[] } | undefined;
    if (res === undefined) return { ...out, skipped: `the control unit gave no result in espruino-linux-esp32vars: ${r.stdout.slice(-600)}` };
    return { ...out, vars_used: res.usage, vars_total: res.total, guest_ok: res.lines.some((l) => /"id":2,"ok":true/.test(l)) };
  } finally {
    flash.close();
  }
}

if (isEntry(import.meta.url)) {
  void cuEspruinoBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
