// Parity: firmware/parity/entry.ts `runVectors` gives the same answer in Node, XS (xsnap)
// and Lua 5.3 (typescript-to-lua + fengari). Floats agree to 1e-9 relative (with the
// absolute floor documented in tools/engines/parity.ts); everything else exactly.
import test from 'ava';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineSession, parityDiffs, type EngineResults } from '../tools/engines/run';

const ENTRY = 'firmware/parity/entry.ts';
const VECTORS = resolve('host-tests/vectors/core.ts');
const session = new EngineSession();
test.after.always(() => session.close());

interface NamedInput {
  name: string;
  input: unknown;
}

/** The core vectors (host-tests/vectors/core.ts coreVectors()); without them the test fails, it does not pass on stand-in inputs. */
async function parityInputs(): Promise<NamedInput[]> {
  if (!existsSync(VECTORS)) throw new Error(`${VECTORS} is missing: the parity test needs the core vectors`);
  const mod = (await import(pathToFileURL(VECTORS).href)) as { coreVectors?: () => unknown };
  if (typeof mod.coreVectors !== 'function') throw new Error(`${VECTORS} does not export coreVectors()`);
  const v = mod.coreVectors();
  return Array.isArray(v) ? v.map((input, i) => ({ name: `coreVectors[${i}]`, input })) : [{ name: 'coreVectors', input: v }];
}

/** Adds the case name to diffs under `$.cases[i]`, when the output has named cases. */
function annotate(diffs: string[], r: EngineResults): string[] {
  const cases = (r.node as { cases?: { name?: unknown }[] }).cases;
  return diffs.map((d) => {
    const m = /\$\.cases\[(\d+)\]/.exec(d);
    const name = m && Array.isArray(cases) ? cases[Number(m[1])]?.name : undefined;
    return typeof name === 'string' ? `${d}   (case '${name}')` : d;
  });
}

test('runVectors agrees in Node, XS and Lua', async (t) => {
  const inputs = await parityInputs();
  t.true(inputs.length > 0);
  for (const { name, input } of inputs) {
    const r = await session.runEverywhere(ENTRY, 'runVectors', input);
    // The output must carry something, or "no differences" would prove nothing.
    t.true(JSON.stringify(r.node).length > 20, `${name}: Node output is empty`);
    t.deepEqual(annotate(parityDiffs(r), r), [], `${name}: engines differ`);
    t.log(`${name}: XS compute ${r.meters.xs.compute}, heap slots ${r.meters.xs.currentHeapCount}`);
  }
});
