// Proof that the control unit's Moddable build runs: its GENERATED modules, bundled the way
// xs-proof.ts bundles the meter node's (bundleBuild: every import through manifest.json,
// "mc/config" from the manifest), with the SDK stand-ins of xs-cu-sim.ts, in XS (xsnap).
// One run boots the app next to a simulated meter node on the same simulated air and
// checks, on the PC link, that it receives sealed telemetry, identifies the enrolled finger,
// accepts a guest code issued on the PC link and refuses it replayed, forwards an
// authority-signed disconnect from the PC link to the node (which obeys and acks it), and
// enrols a new finger with the button.
//
// Provisioning is done here, on the host, with the real tool (tools/provision.ts) and the
// unit's record (firmware/control/registry.ts): both flashes go into XS as byte images.
//
// CLI: npx tsx tools/build/moddable/xs-cu-proof.ts   (prints JSON)
import type { Plugin } from 'esbuild';
import { builtinModules, createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsWorker } from '../../engines/xsnap';
import { bundleBuild, type ProofBundle } from './xs-proof';
import type { CuProofResult, CuProofRun } from './xs-cu-sim';
import { READER_PASSWORD } from './xs-cu-sim';
import { buildModdableWith, type ModdableBuildResult } from '../moddable';
import { loadBoard } from '../../../boards/schema';
import { controlNodes, provisionNode } from '../../provision';
import { SimStore } from '../../../hal/sim/store';
import { storeControlProvisioning } from '../../../firmware/control/registry';
import { CMD_DISCONNECT, encodeCommand, newCommand } from '../../../firmware/link/command';
import nacl from 'tweetnacl';
import { isEntry } from '../../cli';

const HERE = dirname(fileURLToPath(import.meta.url));
export const XS_CU_SIM = join(HERE, 'xs-cu-sim.ts');
export const CONTROL_BOARD = 'esp32-control-unit';
export const PEER_BOARD = 'esp32-devkitc-meter';

/** tweetnacl (the peer's link) guards require('crypto'); the stub only keeps esbuild going */
export const stubBuiltins: Plugin = {
  name: 'stub-node-builtins',
  setup(b) {
    const names = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    // platform "neutral" reads no package.json main field: point the peer's tweetnacl at its file
    b.onResolve({ filter: /^tweetnacl$/ }, () => ({ path: createRequire(import.meta.url).resolve('tweetnacl') }));
    b.onResolve({ filter: /.*/ }, (a) => (names.has(a.path) ? { path: a.path, namespace: 'builtin-stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/** when the pair was provisioned (unix s): the node's clock starts there */
const PROVISIONED_AT_S = 1_790_000_000;

/**
 * Both flashes: the meter node's (link keys, the authority's public key) and the unit's
 * (cu.prov), seeded; and a disconnect for node 1 signed offline by the authority key, which
 * neither the unit nor the PC holds.
 */
export function provisionPair(): { cuImage: Record<string, number[]>; meterImage: Record<string, number[]>; disconnectHex: string } {
  const seq = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * k + 7) & 0xff);
  const authority = nacl.sign.keyPair.fromSeed(seq(32, 3));
  const r = provisionNode({
    board: loadBoard(PEER_BOARD),
    nodeId: 1,
    authorityPublic: authority.publicKey,
    nodeSecret: seq(32, 5),
    controlSecret: seq(32, 11),
    nowS: PROVISIONED_AT_S,
  });
  if ('error' in r) throw new Error(r.error);
  const cu = new SimStore();
  const err = storeControlProvisioning(cu, { readerPassword: READER_PASSWORD, nodes: controlNodes(r.registry) });
  if (err !== '') throw new Error(err);
  const c = newCommand(CMD_DISCONNECT, 1, 1);
  c.provisionedAt = r.registry.nodes['1'].provisionedAt;
  c.notBefore = PROVISIONED_AT_S - 60;
  c.notAfter = PROVISIONED_AT_S + 3600;
  c.relay = 1;
  const disconnectHex = Buffer.from(encodeCommand(c, authority.secretKey)).toString('hex');
  return { cuImage: cu.snapshot(), meterImage: r.image.store, disconnectHex };
}

export interface CuProofReport extends CuProofResult {
  computrons: number;
}

/** Run `runs` against a control-unit build in one XS worker. */
export async function runCuProof(
  outDir: string,
  runs: Omit<CuProofRun, 'cuImage' | 'meterImage' | 'meterBoard' | 'disconnectHex'>[],
): Promise<{ bundle: ProofBundle; results: CuProofReport[] }> {
  const bundle = await bundleBuild(outDir, XS_CU_SIM, [stubBuiltins]);
  const images = provisionPair();
  const board = loadBoard(CONTROL_BOARD);
  const peer = loadBoard(PEER_BOARD);
  const results: CuProofReport[] = [];
  let last: CuProofResult | undefined;
  const xs = await XsWorker.start({ name: 'control-unit-proof' });
  xs.onCommand((bytes) => {
    last = JSON.parse(Buffer.from(bytes).toString('utf8')) as CuProofResult;
    return new Uint8Array(0);
  });
  try {
    await xs.evaluate('globalThis.proofLog = []; globalThis.trace = (s) => { globalThis.proofLog.push(String(s).replace(/\\n$/, "")); };');
    await xs.evaluate(bundle.code);
    for (const r of runs) {
      last = undefined;
      const run: CuProofRun = {
        ...r,
        cuImage: images.cuImage,
        ...(r.kind === 'full' ? { meterImage: images.meterImage, meterBoard: peer, disconnectHex: images.disconnectHex } : {}),
      };
      const m = await xs.evaluate(`(() => {
        globalThis.proofLog.length = 0;
        const r = ModdableProof.runScenario(ModdableProof.main, ${JSON.stringify(board)}, ${JSON.stringify(run)}, globalThis.proofLog);
        const s = JSON.stringify(r);
        const b = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
        issueCommand(b.buffer);
      })()`);
      if (last === undefined) throw new Error(`XS control-unit proof: run ${r.kind} reported nothing`);
      results.push({ ...(last as CuProofResult), computrons: m.compute });
    }
  } finally {
    await xs.close();
  }
  return { bundle, results };
}

/** Build the control unit into a temporary folder and prove it; the folder is removed. */
export async function buildAndProve(
  runs: Omit<CuProofRun, 'cuImage' | 'meterImage' | 'meterBoard' | 'disconnectHex'>[],
): Promise<{ built: ModdableBuildResult; bundle: ProofBundle; results: CuProofReport[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'cu-proof-'));
  try {
    const built = await buildModdableWith(loadBoard(CONTROL_BOARD), dir, { mcconfig: false });
    const { bundle, results } = await runCuProof(dir, runs);
    return { built, bundle, results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isEntry(import.meta.url)) {
  void (async () => {
    const t = Date.now();
    const { built, results } = await buildAndProve([{ kind: 'boot' }, { kind: 'full' }, { kind: 'boot', debugBuild: true }]);
    console.log(JSON.stringify({ 'build.control_unit.bytes': built.bytes, wallMs: Date.now() - t, results }, null, 2));
  })();
}
