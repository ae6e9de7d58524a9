// `link.built_targets` for `npm run bench`: the targets whose BUILT meter node delivered a
// sealed frame to the peer control unit in this run (the engine proofs of docs/LINK.md "In the
// builds": XS always, Espruino where the real interpreter is here), and the size the link adds
// to the Espruino upload.
//
// CLI: npx tsx tools/build/link-bench.ts   (prints JSON)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../../boards/schema';
import { buildModdableWith } from './moddable';
import { runXsLinkProof } from './moddable/xs-proof';
import { makeLinkFixture } from './link-fixture';
import { runEspruinoLinkProof } from './espruino/link-proof';
import { espruinoMissing } from './espruino/real';
import { isEntry } from '../cli';

/** app.js of espruino-esp32-wroom before the link was wired in (commit 2beebdd, same CLI and minifier) */
export const ESPRUINO_APP_BYTES_WITHOUT_LINK = 103736;

export interface BuiltLinkBench {
  built_targets: string[];
  /** per target: sealed frames the peer opened, or why it was not run */
  sealed_opened: Record<string, number | string>;
  xs_computrons_link_scenario: number | null;
  espruino_app_bytes: number | null;
  espruino_app_bytes_delta: number | null;
}

export async function builtLinkBench(): Promise<BuiltLinkBench> {
  const out: BuiltLinkBench = {
    built_targets: [],
    sealed_opened: {},
    xs_computrons_link_scenario: null,
    espruino_app_bytes: null,
    espruino_app_bytes_delta: null,
  };
  const dir = mkdtempSync(join(tmpdir(), 'bench-link-'));
  try {
    const board = loadBoard('esp32-devkitc-meter');
    await buildModdableWith(board, dir, { mcconfig: false });
    const xs = await runXsLinkProof(dir, makeLinkFixture(board));
    out.sealed_opened.moddable = xs.sealedOpened;
    out.xs_computrons_link_scenario = xs.computrons;
    if (xs.readings > 0 && xs.errors.length === 0) out.built_targets.push('moddable');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const miss = espruinoMissing('linux');
  if (miss !== undefined) out.sealed_opened.espruino = `skipped: ${miss}`;
  else {
    const r = await runEspruinoLinkProof(loadBoard('espruino-esp32-wroom'));
    out.sealed_opened.espruino = r.sealedOpened;
    out.espruino_app_bytes = r.appBytes;
    out.espruino_app_bytes_delta = r.appBytes - ESPRUINO_APP_BYTES_WITHOUT_LINK;
    if (r.readings > 0 && r.errors.length === 0 && r.appErrors.length === 0) out.built_targets.push('espruino');
  }
  out.sealed_opened.nodemcu = 'not built: no Uint8Array in Lua, no XSalsa20/Poly1305/Ed25519 in NodeMCU (docs/LINK.md)';
  return out;
}

if (isEntry(import.meta.url)) {
  void builtLinkBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
