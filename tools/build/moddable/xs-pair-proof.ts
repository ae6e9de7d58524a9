// The two BUILT Moddable apps talking to each other in XS (issue 7 item 2, last step): the
// meter node's generated modules and the control unit's, bundled into ONE xsnap script and run
// on one simulated air with one virtual clock (xs-pair-sim.ts). The node sends sealed
// telemetry and a trip event; the built unit opens them and prints them on its PC link; an
// authority-signed disconnect (and reconnect) goes in on the unit's PC link, over the air, and
// the built node obeys and acks.
//
// Bundling two manifests at once: both builds declare modules under the same names ("main",
// "firmware/link/nrf24", "tweetnacl", ...) with different files, and both import the same SDK
// names (embedded:io/*, timer, time, preference, mc/config). Every import is therefore resolved
// by its IMPORTER's build folder: a module of the node's build gets the node's manifest entry,
// the node's "mc/config" and the node's stand-ins (xs-sim.ts); a module of the unit's build the
// unit's (xs-cu-sim.ts). Common firmware files are bundled twice, once per build, as two
// separate module instances: the two apps share nothing but the air and the clock.
//
// Provisioning: the real tool (tools/provision.ts via link-fixture.ts) makes the node's flash
// and the registry; the unit's cu.prov is written from that registry by
// firmware/control/registry.ts. The authority's commands are signed offline on the host.
//
// CLI: npx tsx tools/build/moddable/xs-pair-proof.ts   (prints JSON)
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsWorker, type XsMeter } from '../../engines/xsnap';
import { buildModdableWith, type ModdableManifest } from '../moddable';
import { loadBoard } from '../../../boards/schema';
import { makeLinkFixture } from '../link-fixture';
import { unhex } from '../link-e2e';
import { SimStore } from '../../../hal/sim/store';
import { storeControlProvisioning } from '../../../firmware/control/registry';
import { READER_PASSWORD } from './xs-cu-sim';
import type { PairFixture, PairResult } from './xs-pair-sim';
import { isEntry } from '../../cli';

const HERE = dirname(fileURLToPath(import.meta.url));
const PAIR_SIM = join(HERE, 'xs-pair-sim.ts');
export const NODE_BOARD = 'esp32-devkitc-meter';
export const CU_BOARD = 'esp32-control-unit';

/** the SDK names each build imports, and the export of its stand-in file that serves it */
const SHIMS: Record<string, string> = {
  'embedded:io/analog': 'Analog',
  'embedded:io/digital': 'Digital',
  'embedded:io/serial': 'Serial',
  'embedded:io/spi': 'SPI',
  timer: 'Timer',
  time: 'Time',
  preference: 'Preference',
};

interface Side {
  tag: 'node' | 'cu';
  outDir: string;
  /** the stand-in file this build's SDK imports go to */
  sim: string;
  manifest: ModdableManifest;
  map: Record<string, string>;
}

function side(tag: Side['tag'], outDir: string, sim: string): Side {
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as ModdableManifest;
  const map: Record<string, string> = {};
  for (const [key, v] of Object.entries(manifest.modules)) {
    if (key === '*') {
      for (const p of Array.isArray(v) ? v : [v]) map[p.replace(/^.*\//, '')] = resolve(outDir, `${p}.js`);
    } else if (typeof v === 'string') map[key] = resolve(outDir, `${v}.js`);
  }
  return { tag, outDir: resolve(outDir) + '/', sim, manifest, map };
}

export interface PairBundle {
  code: string;
  /** build files that went into the script, per side (relative to each outDir) */
  inputs: { node: string[]; cu: string[] };
}

/** One script for xsnap with both builds, each import resolved by its importer's build. */
export async function bundlePair(nodeDir: string, cuDir: string): Promise<PairBundle> {
  const sides = [side('node', nodeDir, join(HERE, 'xs-sim.ts')), side('cu', cuDir, join(HERE, 'xs-cu-sim.ts'))];
  if (sides[0].outDir.startsWith(sides[1].outDir) || sides[1].outDir.startsWith(sides[0].outDir))
    throw new Error('bundlePair: one build folder inside the other');
  const byTag = (t: string): Side => (t === 'node' ? sides[0] : sides[1]);
  const owner = (importer: string): Side | undefined => sides.find((s) => importer.startsWith(s.outDir));
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const plugin: Plugin = {
    name: 'moddable-two-manifests',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (a.path === 'pair-entry') return { path: 'pair-entry', namespace: 'pair' };
        const m = /^pair-main:(node|cu)$/.exec(a.path);
        if (m !== null) return { path: byTag(m[1]).map.main };
        // a stand-in module's own import of its sim file: ordinary resolution
        if (a.namespace.startsWith('shim-')) return undefined;
        const s = owner(a.importer);
        if (s === undefined) {
          // host-side TypeScript (the stand-ins, hal/sim, link-e2e.ts): ordinary resolution, except
          // tweetnacl (take the node build's module: XS has no require) and Node built-ins (never
          // reached in XS: tweetnacl's guarded require('crypto'))
          if (a.path === 'tweetnacl' && sides[0].map.tweetnacl !== undefined) return { path: sides[0].map.tweetnacl };
          if (builtins.has(a.path)) return { path: a.path, namespace: 'builtin-stub' };
          return undefined;
        }
        if (SHIMS[a.path] !== undefined) return { path: a.path, namespace: `shim-${s.tag}` };
        if (a.path === 'mc/config') return { path: 'mc/config', namespace: `config-${s.tag}` };
        const file = s.map[a.path];
        if (file === undefined)
          return { errors: [{ text: `'${a.path}' (imported by ${a.importer}) is not declared in the ${s.tag} build's manifest.json "modules"` }] };
        return { path: file };
      });
      b.onLoad({ filter: /.*/, namespace: 'pair' }, () => ({
        contents: `import nodeMain from "pair-main:node";\nimport cuMain from "pair-main:cu";\nimport { runPairScenario } from ${JSON.stringify(PAIR_SIM)};\nexport { nodeMain, cuMain, runPairScenario };`,
        loader: 'js',
        resolveDir: HERE,
      }));
      for (const s of sides) {
        b.onLoad({ filter: /.*/, namespace: `shim-${s.tag}` }, (a) => ({
          contents: `export { ${SHIMS[a.path]} as default } from ${JSON.stringify(s.sim)};`,
          loader: 'js',
          resolveDir: HERE,
        }));
        b.onLoad({ filter: /.*/, namespace: `config-${s.tag}` }, () => ({
          // mcconfig freezes mc/config; so do we
          contents: `const config = ${JSON.stringify(s.manifest.config)};\nfunction deepFreeze(o) { Object.freeze(o); for (const k of Object.keys(o)) if (typeof o[k] === "object" && o[k] !== null) deepFreeze(o[k]); return o; }\nexport default deepFreeze(config);`,
          loader: 'js',
        }));
      }
      b.onLoad({ filter: /.*/, namespace: 'builtin-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
  const r = await build({
    entryPoints: ['pair-entry'],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'PairProof',
    footer: { js: 'globalThis.PairProof = PairProof;' },
    target: 'es2020',
    platform: 'neutral',
    metafile: true,
    plugins: [plugin],
    logLevel: 'silent',
  });
  const inputs = { node: [] as string[], cu: [] as string[] };
  for (const p of Object.keys(r.metafile.inputs).map((x) => resolve(x))) {
    const s = owner(p);
    if (s !== undefined) inputs[s.tag].push(p.slice(s.outDir.length));
  }
  inputs.node.sort();
  inputs.cu.sort();
  return { code: r.outputFiles[0].text, inputs };
}

/**
 * Both flashes and the authority's commands, from the real provisioning code. `wrongUnitKeys`:
 * the unit's cu.prov gets link keys that differ from the node's in one bit (a unit provisioned
 * for another node), to show that nothing then gets through in either direction. `nodeBoard`:
 * the node's board (default NODE_BOARD; the cross-engine proof provisions the Espruino board).
 */
export function pairFixture(o: { wrongUnitKeys?: boolean; nodeBoard?: string } = {}): PairFixture {
  const fx = makeLinkFixture(loadBoard(o.nodeBoard ?? NODE_BOARD));
  const store = new SimStore();
  const key = (h: string): Uint8Array => {
    const k = unhex(h);
    if (o.wrongUnitKeys === true) k[0] ^= 1;
    return k;
  };
  const nodes = fx.nodes.map((n) => ({ nodeId: n.nodeId, epoch: n.epoch, up: key(n.up), down: key(n.down), publicKey: unhex(n.publicKey) }));
  const err = storeControlProvisioning(store, { readerPassword: READER_PASSWORD, nodes });
  if (err !== '') throw new Error(err);
  return { nodeId: fx.nodeId, nodeImage: fx.image, cuImage: store.snapshot(), disconnect: fx.disconnect, reconnect: fx.reconnect };
}

export interface PairReport extends PairResult {
  /** XS compute for the whole run: both apps, both stand-in sets, the air */
  computrons: number;
  inputs: PairBundle['inputs'];
}

/** Run the pair in one XS worker; `fx` defaults to pairFixture(). */
export async function runPairProof(nodeDir: string, cuDir: string, fx: PairFixture = pairFixture()): Promise<PairReport> {
  const bundle = await bundlePair(nodeDir, cuDir);
  let got: PairResult | undefined;
  const xs = await XsWorker.start({ name: 'moddable-pair-proof' });
  xs.onCommand((bytes) => {
    got = JSON.parse(Buffer.from(bytes).toString('utf8')) as PairResult;
    return new Uint8Array(0);
  });
  try {
    await xs.evaluate('globalThis.proofLog = []; globalThis.trace = (s) => { globalThis.proofLog.push(String(s).replace(/\\n$/, "")); };');
    await xs.evaluate(bundle.code);
    const m: XsMeter = await xs.evaluate(`(() => {
      const r = PairProof.runPairScenario(PairProof.nodeMain, PairProof.cuMain, ${JSON.stringify(loadBoard(NODE_BOARD))}, ${JSON.stringify(loadBoard(CU_BOARD))}, ${JSON.stringify(fx)}, globalThis.proofLog);
      const s = JSON.stringify(r);
      const b = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
      issueCommand(b.buffer);
    })()`);
    if (got === undefined) throw new Error('XS pair proof reported nothing');
    return { ...got, computrons: m.compute, inputs: bundle.inputs };
  } finally {
    await xs.close();
  }
}

/** Build both apps into temporary folders (removed after) and run the pair. */
export async function buildAndProvePair(fx?: PairFixture): Promise<PairReport> {
  const root = mkdtempSync(join(tmpdir(), 'pair-proof-'));
  try {
    const nodeDir = join(root, 'node');
    const cuDir = join(root, 'cu');
    await buildModdableWith(loadBoard(NODE_BOARD), nodeDir, { mcconfig: false });
    await buildModdableWith(loadBoard(CU_BOARD), cuDir, { mcconfig: false });
    return await runPairProof(nodeDir, cuDir, fx);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Did the pair deliver: reading opened, disconnect obeyed and acked, trip shown, no errors. */
export function pairDelivered(r: PairResult): boolean {
  return r.errors.length === 0 && r.reading !== null && r.disconnect.ack === '1:done' && !r.disconnect.contactsClosed && r.trip !== null;
}

if (isEntry(import.meta.url)) {
  void (async () => {
    const t = Date.now();
    const r = await buildAndProvePair();
    console.log(JSON.stringify({ delivered: pairDelivered(r), wallMs: Date.now() - t, ...r, pcLines: r.pcLines.slice(0, 40) }, null, 2));
  })();
}

export interface PairBench {
  /** the two builds delivered to each other in XS in this run */
  delivered: boolean;
  /** XS compute for the whole pair scenario (both apps, both stand-in sets, the air) */
  computrons: number | null;
  skipped?: string;
}

/** For `npm run bench`: run the pair once; skipped (with the reason) without xsnap. */
export async function pairBench(): Promise<PairBench> {
  const { existsSync } = await import('node:fs');
  const { XSNAP_BINARY } = await import('../../engines/xsnap');
  if (!existsSync(XSNAP_BINARY)) return { delivered: false, computrons: null, skipped: `xsnap-worker not built at ${XSNAP_BINARY}` };
  const r = await buildAndProvePair();
  return { delivered: pairDelivered(r), computrons: r.computrons };
}
