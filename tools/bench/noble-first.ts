// The first Ed25519 verify after boot on the Moddable build (XS), by option: what it costs
// (computrons), what later verifies cost, and the XS slots the option keeps for good.
// noble builds its base-point table (window 6: 44 x 32 = 1408 points) on the first
// B.multiplyUnsafe, so with the table the first verify paid 15.3 M computrons (~8 s of an
// ESP32) and every later one 1.99 M. docs/LINK.md "The first verify" has the table.
//
//   npx tsx tools/bench/noble-first.ts        (prints the JSON object)
import { fileURLToPath } from 'node:url';
import { bundleForXs } from '../engines/bundle';
import { XsWorker } from '../engines/xsnap';
import { isEntry } from '../cli';

const ENTRY = fileURLToPath(new URL('./noble-first-entry.ts', import.meta.url));
const LOAD_ENTRY = fileURLToPath(new URL('./noble-load-entry.ts', import.meta.url));

export interface FirstVerifyOption {
  /** computrons of the option's own boot step (a warm-up), 0 when none */
  boot: number;
  /** the first verify after boot */
  first: number;
  /** every later verify */
  steady: number;
  /** XS slots still live after the verifies and a GC, over the shipped verify's (the table) */
  kept_slots: number;
}

const OPTIONS: Record<string, { boot: string; verify: string }> = {
  // what the Moddable build ships: verifyStrictNoble, one Strauss-Shamir walk
  joint_no_table: { boot: '', verify: 'entry.nobleBenchVerify(sb)' },
  // the former verify on noble's cached base table, by window (6 = noble's default)
  base_table_w6: { boot: '', verify: 'entry.tableVerify(sb)' },
  base_table_w4: { boot: 'entry.baseWindow(4)', verify: 'entry.tableVerify(sb)' },
  base_table_w2: { boot: 'entry.baseWindow(2)', verify: 'entry.tableVerify(sb)' },
  // no table, [S]B and [k]A as two separate walks
  base_no_table: { boot: 'entry.baseWindow(1)', verify: 'entry.tableVerify(sb)' },
  // the default table built at boot instead of at the first command
  base_table_w6_boot_warmup: { boot: 'entry.warmUp()', verify: 'entry.tableVerify(sb)' },
};

async function measure(code: string, globalName: string, boot: string, verify: string): Promise<Omit<FirstVerifyOption, 'kept_slots'> & { slots: number }> {
  const w = await XsWorker.start({ name: 'noble-first' });
  try {
    await w.evaluate(code);
    await w.evaluate(`var entry = globalThis[${JSON.stringify(globalName)}]; globalThis.sb = entry.nobleBenchSetup();`);
    const b = boot === '' ? 0 : (await w.evaluate(boot)).compute;
    const step = `if (!(${verify})) throw new Error('the genuine signature was refused');`;
    const first = (await w.evaluate(step)).compute;
    const steady = (await w.evaluate(step)).compute;
    await w.evaluate('gc()');
    const slots = (await w.evaluate('1')).currentHeapCount;
    return { boot: b, first, steady, slots };
  } finally {
    await w.close();
  }
}

/**
 * noble's module bodies at boot (the board loads noble-curves at boot: XS cannot preload it):
 * computrons, and the XS slots they keep (after a GC, over an empty worker's).
 */
export async function nobleModuleLoad(): Promise<{ computrons: number; kept_slots: number }> {
  const bundle = await bundleForXs(LOAD_ENTRY);
  const w = await XsWorker.start({ name: 'noble-load' });
  try {
    await w.evaluate('gc()');
    const before = (await w.evaluate('1')).currentHeapCount;
    const load = await w.evaluate(bundle.code);
    await w.evaluate('gc()');
    const after = (await w.evaluate('1')).currentHeapCount;
    return { computrons: load.compute, kept_slots: after - before };
  } finally {
    await w.close();
  }
}

export async function nobleFirstBench(): Promise<Record<string, FirstVerifyOption>> {
  const bundle = await bundleForXs(ENTRY);
  const raw: Record<string, { boot: number; first: number; steady: number; slots: number }> = {};
  for (const k of Object.keys(OPTIONS)) raw[k] = await measure(bundle.code, bundle.globalName, OPTIONS[k].boot, OPTIONS[k].verify);
  const base = raw.joint_no_table.slots;
  const out: Record<string, FirstVerifyOption> = {};
  for (const k of Object.keys(raw)) out[k] = { boot: raw[k].boot, first: raw[k].first, steady: raw[k].steady, kept_slots: raw[k].slots - base };
  return out;
}

if (isEntry(import.meta.url)) {
  Promise.all([nobleFirstBench(), nobleModuleLoad()]).then(
    ([f, load]) => {
      console.log(JSON.stringify({ options: f, module_load: load }, null, 2));
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
