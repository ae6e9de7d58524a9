// Prints the three-engine figures for an entry:
//   npx tsx tools/engines/report.ts [entry.ts] [exportName] [vectors.ts] [vectorsExport]
// defaults: firmware/parity/entry.ts runVectors host-tests/vectors/core.ts coreVectors.
// Host wall times are informative only (the ESP32 is far slower): the XS compute meter is
// the deterministic cost figure.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForXs } from './bundle';
import { compileToLua } from './lua';
import { EngineSession, parityDiffs } from './run';

async function main(argv: string[]): Promise<number> {
  const entry = argv[0] ?? 'firmware/parity/entry.ts';
  const exportName = argv[1] ?? 'runVectors';
  const vectorsFile = argv[2] ?? 'host-tests/vectors/core.ts';
  const vectorsExport = argv[3] ?? 'coreVectors';
  const mod = (await import(pathToFileURL(resolve(vectorsFile)).href)) as Record<string, unknown>;
  const make = mod[vectorsExport];
  if (typeof make !== 'function') {
    console.error(`${vectorsFile} has no exported function '${vectorsExport}'`);
    return 2;
  }
  const input = (make as () => unknown)();

  let t = performance.now();
  const bundle = await bundleForXs(entry);
  const bundleMs = performance.now() - t;
  t = performance.now();
  const chunk = compileToLua(entry);
  const luaMs = performance.now() - t;

  const session = new EngineSession();
  try {
    t = performance.now();
    const node = await session.callNode(entry, exportName, input);
    const nodeMs = performance.now() - t;
    t = performance.now();
    const xs = await session.callXs(entry, exportName, input);
    const xsMs = performance.now() - t;
    t = performance.now();
    const lua = session.callLua(entry, exportName, input, node);
    const luaRunMs = performance.now() - t;
    const diffs = parityDiffs({ node, xs: xs.value, lua, meters: { xs: xs.meter } });
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`entry            ${entry} ${exportName}(${vectorsFile} ${vectorsExport}())`);
    console.log(`input            ${JSON.stringify(input).length} bytes of JSON`);
    console.log(`xs bundle        ${bundle.code.length} bytes, built in ${ms(bundleMs)}`);
    console.log(`lua chunk        ${chunk.code.length} bytes, compiled in ${ms(luaMs)}`);
    console.log(`node run         ${ms(nodeMs)}`);
    console.log(
      `xs run           ${ms(xsMs)} (incl. bundle load), compute ${xs.meter.compute}, heap slots ${xs.meter.currentHeapCount}, allocate ${xs.meter.allocate} B`,
    );
    console.log(`lua run          ${ms(luaRunMs)} (fengari, incl. chunk load)`);
    console.log(`parity           ${diffs.length === 0 ? 'all three engines agree' : `${diffs.length} difference(s)`}`);
    for (const d of diffs.slice(0, 20)) console.log(`  ${d}`);
    return diffs.length === 0 ? 0 : 1;
  } finally {
    await session.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
