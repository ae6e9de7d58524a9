// Proof that a Moddable build runs: the GENERATED modules (build/moddable/<board>/, not
// the TypeScript) are bundled by esbuild into one script for xsnap, resolving every import
// the way the manifest declares it:
//   - a specifier listed in manifest.modules -> that file (a missing entry fails the bundle,
//     so the manifest is proved complete);
//   - "mc/config" -> the manifest's "config" object (what mcconfig generates);
//   - embedded:io/*, timer, time, preference -> stand-ins over the simulated board
//     (xs-sim.ts).
// The script runs in XS (tools/engines/xsnap.ts); each scenario boots main(), injects a
// fault and reports back through issueCommand.
//
// CLI: npx tsx tools/build/moddable/xs-proof.ts [board] [fault...]   (prints JSON)
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsWorker, type XsMeter } from '../../engines/xsnap';
import type { ModdableManifest } from '../moddable';
import type { LinkProofFixture, ProofFault, ProofResult, ProofRun } from './xs-sim';
import type { LinkProofResult } from '../link-e2e';
import { isEntry } from '../../cli';

const HERE = dirname(fileURLToPath(import.meta.url));
const XS_SIM = join(HERE, 'xs-sim.ts');

const SHIMS: Record<string, string> = {
  'embedded:io/analog': 'Analog',
  'embedded:io/digital': 'Digital',
  'embedded:io/serial': 'Serial',
  'embedded:io/spi': 'SPI',
  timer: 'Timer',
  time: 'Time',
  preference: 'Preference',
};

export interface ProofBundle {
  code: string;
  /** the files of the build that went into the bundle (relative to outDir) */
  inputs: string[];
}

/**
 * Bundle a build's main.js and modules for XS, resolved through its manifest. `simFile`
 * provides the SDK stand-ins and `runScenario` (default xs-sim.ts, the meter node's;
 * xs-cu-sim.ts for the control unit); `plugins` go before the manifest's resolver.
 */
export async function bundleBuild(outDir: string, simFile: string = XS_SIM, plugins: Plugin[] = []): Promise<ProofBundle> {
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as ModdableManifest;
  const map: Record<string, string> = {};
  for (const [key, v] of Object.entries(manifest.modules)) {
    if (key === '*') {
      for (const p of Array.isArray(v) ? v : [v]) map[p.replace(/^.*\//, '')] = resolve(outDir, `${p}.js`);
    } else if (typeof v === 'string') map[key] = resolve(outDir, `${v}.js`);
  }
  const absOut = resolve(outDir);
  const plugin: Plugin = {
    name: 'moddable-manifest',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (a.namespace === 'proof') {
          if (a.path === 'main') return { path: map.main };
          return undefined;
        }
        if (a.path === 'proof-entry') return { path: 'proof-entry', namespace: 'proof' };
        const fromBuild = a.importer.startsWith(absOut) || a.namespace === 'proof';
        // the peer's firmware (link-e2e.ts) takes the build's own tweetnacl module (XS has no require)
        if (!fromBuild && a.path === 'tweetnacl' && map.tweetnacl !== undefined) return { path: map.tweetnacl };
        if (!fromBuild) return undefined; // xs-sim.ts, link-e2e.ts and hal/sim: ordinary resolution
        if (SHIMS[a.path] !== undefined) return { path: a.path, namespace: 'shim' };
        if (a.path === 'mc/config') return { path: 'mc/config', namespace: 'config' };
        const file = map[a.path];
        if (file === undefined) return { errors: [{ text: `'${a.path}' (imported by ${a.importer}) is not declared in manifest.json "modules"` }] };
        return { path: file };
      });
      b.onLoad({ filter: /.*/, namespace: 'proof' }, () => ({
        // the meter node's stand-ins also run the link scenario (a peer control unit on the air)
        contents:
          simFile === XS_SIM
            ? `import main from "main";\nimport { runScenario, runLinkScenario } from ${JSON.stringify(simFile)};\nexport { main, runScenario, runLinkScenario };`
            : `import main from "main";\nimport { runScenario } from ${JSON.stringify(simFile)};\nexport { main, runScenario };`,
        loader: 'js',
        resolveDir: HERE,
      }));
      b.onLoad({ filter: /.*/, namespace: 'shim' }, (a) => ({
        contents: `export { ${SHIMS[a.path]} as default } from ${JSON.stringify(simFile)};`,
        loader: 'js',
        resolveDir: HERE,
      }));
      b.onLoad({ filter: /.*/, namespace: 'config' }, () => ({
        // mcconfig freezes mc/config; so do we, so a write to it fails here as it would there
        contents: `const config = ${JSON.stringify(manifest.config)};\nfunction deepFreeze(o) { Object.freeze(o); for (const k of Object.keys(o)) if (typeof o[k] === "object" && o[k] !== null) deepFreeze(o[k]); return o; }\nexport default deepFreeze(config);`,
        loader: 'js',
      }));
    },
  };
  const r = await build({
    entryPoints: ['proof-entry'],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'ModdableProof',
    footer: { js: 'globalThis.ModdableProof = ModdableProof;' },
    target: 'es2020',
    platform: 'neutral',
    metafile: true,
    plugins: [...plugins, plugin],
    logLevel: 'silent',
  });
  const inputs = Object.keys(r.metafile.inputs)
    .map((p) => resolve(p))
    .filter((p) => p.startsWith(absOut))
    .map((p) => p.slice(absOut.length + 1))
    .sort();
  return { code: r.outputFiles[0].text, inputs };
}

export interface ProofReport extends ProofResult {
  /** XS compute meter for the whole scenario (boot + fault window; the simulator included) */
  computrons: number;
}

/**
 * Run `runs` against a build in one XS worker (each run boots a fresh simulated board and
 * flash). Rejects if the bundle or a run fails in XS.
 */
export async function runXsProof(outDir: string, runs: ProofRun[]): Promise<{ bundle: ProofBundle; results: ProofReport[] }> {
  const bundle = await bundleBuild(outDir);
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as ModdableManifest;
  const results: ProofReport[] = [];
  let last: ProofResult | undefined;
  const xs = await XsWorker.start({ name: 'moddable-proof' });
  xs.onCommand((bytes) => {
    last = JSON.parse(Buffer.from(bytes).toString('utf8')) as ProofResult;
    return new Uint8Array(0);
  });
  try {
    // Moddable's trace() writes to the debug console; here it collects the app's lines
    await xs.evaluate('globalThis.proofLog = []; globalThis.trace = (s) => { globalThis.proofLog.push(String(s).replace(/\\n$/, "")); };');
    await xs.evaluate(bundle.code);
    for (const run of runs) {
      last = undefined;
      const m: XsMeter = await xs.evaluate(`(() => {
        globalThis.proofLog.length = 0;
        const r = ModdableProof.runScenario(ModdableProof.main, ${JSON.stringify(manifest.config.board)}, ${JSON.stringify(run)}, globalThis.proofLog);
        const s = JSON.stringify(r);
        const b = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
        issueCommand(b.buffer);
      })()`);
      if (last === undefined) throw new Error(`XS proof: scenario ${run.fault} reported nothing`);
      results.push({ ...(last as ProofResult), computrons: m.compute });
    }
  } finally {
    await xs.close();
  }
  return { bundle, results };
}

export interface LinkProofReport extends LinkProofResult {
  /** XS compute meter for the whole run (boot, telemetry, two signed commands with tweetnacl verifies, the trip; the simulator and the peer included) */
  computrons: number;
  /** the app's log lines (trace) */
  log: string[];
}

/**
 * The link proof in XS: the built node (this build's main.js and modules) and a peer control
 * unit on one simulated air, in one XS script (xs-sim.ts runLinkScenario). `fx` comes from
 * tools/build/link-fixture.ts.
 */
export async function runXsLinkProof(outDir: string, fx: LinkProofFixture): Promise<LinkProofReport> {
  const bundle = await bundleBuild(outDir);
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as ModdableManifest;
  let got: { result: LinkProofResult; log: string[] } | undefined;
  const xs = await XsWorker.start({ name: 'moddable-link-proof' });
  xs.onCommand((bytes) => {
    got = JSON.parse(Buffer.from(bytes).toString('utf8')) as { result: LinkProofResult; log: string[] };
    return new Uint8Array(0);
  });
  try {
    await xs.evaluate('globalThis.proofLog = []; globalThis.trace = (s) => { globalThis.proofLog.push(String(s).replace(/\\n$/, "")); };');
    await xs.evaluate(bundle.code);
    const m: XsMeter = await xs.evaluate(`(() => {
      const r = ModdableProof.runLinkScenario(ModdableProof.main, ${JSON.stringify(manifest.config.board)}, ${JSON.stringify(fx)}, globalThis.proofLog);
      const s = JSON.stringify({ result: r, log: globalThis.proofLog });
      const b = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
      issueCommand(b.buffer);
    })()`);
    if (got === undefined) throw new Error('XS link proof reported nothing');
    return { ...got.result, computrons: m.compute, log: got.log };
  } finally {
    await xs.close();
  }
}

export interface PollCost {
  /** V+I pairs the polled ADC delivered per second of virtual time */
  sampleHz: number;
  /** XS computrons per 1 ms tick spent by the app (timer callback, two reads, PolledAdc,
   *  metering and protection), with the simulator's share removed by the baseline run */
  appComputronsPerTick: number;
  /** the same as a share of an ESP32 core at the README's 2 M computrons/s estimate */
  esp32Load: number;
}

/** What the polled ADC path reaches in XS: rate, and its cost per tick (app only). */
export async function measurePollCost(outDir: string, seconds = 2): Promise<PollCost> {
  const { results } = await runXsProof(outDir, [
    { fault: 'none', afterMs: seconds * 1000 },
    { fault: 'none', afterMs: seconds * 1000, baseline: true },
  ]);
  const [app, base] = results;
  const ticks = app.timerCalls;
  const perTick = (app.computrons - base.computrons) / ticks;
  // README "XS costs": an ESP32 at 240 MHz is estimated at 2 M computrons per second
  return { sampleHz: app.sampleHz, appComputronsPerTick: perTick, esp32Load: (perTick * app.sampleHz) / 2e6 };
}

if (isEntry(import.meta.url)) {
  const args = process.argv.slice(2);
  const boardName = args[0] ?? 'esp32-devkitc-meter';
  const faults = (args.length > 1 ? args.slice(1) : ['none', 'shortCircuit', 'overcurrent', 'sag']) as ProofFault[];
  const linkOnly = args[1] === 'link';
  void (async () => {
    const { buildModdableWith } = await import('../moddable');
    const { loadBoard } = await import('../../../boards/schema');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'moddable-proof-'));
    try {
      const built = await buildModdableWith(loadBoard(boardName), dir, { mcconfig: false });
      if (linkOnly) {
        const { makeLinkFixture } = await import('../link-fixture');
        const t1 = Date.now();
        const link = await runXsLinkProof(dir, makeLinkFixture(loadBoard(boardName)));
        console.log(JSON.stringify({ board: boardName, 'build.moddable.bytes': built.bytes, wallMs: Date.now() - t1, link }, null, 2));
        return;
      }
      const t = Date.now();
      const { results } = await runXsProof(
        dir,
        faults.map((fault) => ({ fault, afterMs: fault === 'none' ? 2000 : 600 })),
      );
      const wallMs = Date.now() - t;
      const cost = await measurePollCost(dir);
      console.log(JSON.stringify({ board: boardName, 'build.moddable.bytes': built.bytes, wallMs, pollCost: cost, results }, null, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
}
