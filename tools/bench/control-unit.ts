// The control unit's build figures (issue 7, item 1):
//   build.control_unit.bytes   the generated app's JS (main.js + modules), as build.moddable.bytes
//   xs.computrons_cu_boot      XS compute of the BUILT app's boot in xsnap: startControlUnit
//                              (radio set-up over SPI, reader password, PC-link hello) and
//                              0.5 s of virtual time, less a baseline run of the same
//                              simulated world without the app (tools/build/moddable/xs-cu-sim.ts)
//   xs.computrons_cu_proof     the whole XS proof run (the peer meter node and simulator
//                              included: for scale, not an ESP32 cost)
// With xsnap missing the XS figures are null and `skipped` says why.
import { existsSync } from 'node:fs';
import { XSNAP_BINARY } from '../engines/xsnap';
import { buildAndProve } from '../build/moddable/xs-cu-proof';
import { buildModdableWith } from '../build/moddable';
import { loadBoard } from '../../boards/schema';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ControlUnitBench {
  bytes: number;
  computrons_cu_boot: number | null;
  computrons_cu_proof: number | null;
  skipped?: string;
}

export async function controlUnitBench(): Promise<ControlUnitBench> {
  if (!existsSync(XSNAP_BINARY)) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cu-'));
    try {
      const b = await buildModdableWith(loadBoard('esp32-control-unit'), dir, { mcconfig: false });
      return { bytes: b.bytes, computrons_cu_boot: null, computrons_cu_proof: null, skipped: `xsnap-worker not built at ${XSNAP_BINARY}` };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const { built, results } = await buildAndProve([{ kind: 'boot' }, { kind: 'boot', baseline: true }, { kind: 'full' }]);
  const [boot, base, full] = results;
  return { bytes: built.bytes, computrons_cu_boot: boot.computrons - base.computrons, computrons_cu_proof: full.computrons };
}
