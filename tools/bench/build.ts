// Artifact sizes per target: bytes of JS or Lua source each build writes.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../../boards/schema';
import { buildEspruino } from '../build/espruino';
import { buildLua } from '../build/lua';
import { buildModdableWith } from '../build/moddable';
import { moddableRealSdk, type RealSdkFigures } from './moddable';

export async function buildSizes(): Promise<{
  moddable: { bytes: number; noble_curves_bytes: number } & RealSdkFigures;
  espruino: { bytes: number };
  lua: { bytes: number };
}> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-build-'));
  try {
    const m = await buildModdableWith(loadBoard('esp32-devkitc-meter'), join(dir, 'moddable'), { mcconfig: false });
    const e = await buildEspruino(loadBoard('espruino-esp32-wroom'), join(dir, 'espruino'));
    const l = await buildLua(loadBoard('nodemcu-32s-lua'), join(dir, 'lua'));
    // the Ed25519 verify's share of the Moddable app (@noble/curves, minified; docs/BUILD-MODDABLE.md "Build size")
    const noble = statSync(join(dir, 'moddable', 'modules', 'noble-curves.js')).size;
    return { moddable: { bytes: m.bytes, noble_curves_bytes: noble, ...(await moddableRealSdk()) }, espruino: { bytes: e.bytes }, lua: { bytes: l.bytes } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
