// Runs one exported function (plain data in, plain data out) in Node, XS and Lua 5.3,
// and measures its XS cost. An EngineSession keeps one XS worker and one Lua state per
// entry alive between calls; open it once per test file and close it in `after.always`.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForXs } from './bundle';
import { LuaRunner } from './lua';
import { compareParity } from './parity';
import { decodePlain, encodePlain, PLAIN_CODEC_XS } from './plain';
import { XsWorker, XsError, type XsMeter } from './xsnap';

export { compareParity } from './parity';
export type { XsMeter } from './xsnap';

export interface EngineResults {
  node: unknown;
  xs: unknown;
  lua: unknown;
  meters: { xs: XsMeter };
}

export interface XsCost {
  /** Incremental compute of one step: ((c(2N) - c(N)) - loop overhead) / N. */
  computePerStep: number;
  /** Compute of the empty loop per iteration (already subtracted above). */
  loopOverheadPerStep: number;
  /** Compute to evaluate the bundle (module init) and to run the setup once. */
  bundleCompute: number;
  setupCompute: number;
  /** Live XS slots after setup, and their retained growth per step (GC makes this approximate). */
  heapCountAfterSetup: number;
  heapGrowthPerStep: number;
  /** Bytes the XS heap holds from the OS at the end. */
  allocate: number;
  steps: number;
}

const decoder = new TextDecoder();

export class EngineSession {
  private xs: XsWorker | undefined;
  private readonly xsLoaded = new Set<string>();
  private readonly luaRunners = new Map<string, LuaRunner>();
  private readonly replies: Uint8Array[] = [];
  private lock: Promise<unknown> = Promise.resolve();

  /** Calls `exportName(input)` in all three engines; Node's result is the shape hint for Lua. */
  runEverywhere(entryFile: string, exportName: string, input: unknown): Promise<EngineResults> {
    return this.serial(async () => {
      const node = await this.callNodeUnlocked(entryFile, exportName, input);
      const xs = await this.callXsUnlocked(entryFile, exportName, input);
      const lua = this.luaRunner(entryFile).call(exportName, structuredClone(input), node);
      return { node, xs: xs.value, lua, meters: { xs: xs.meter } };
    });
  }

  callNode(entryFile: string, exportName: string, input: unknown): Promise<unknown> {
    return this.serial(() => this.callNodeUnlocked(entryFile, exportName, input));
  }

  callXs(entryFile: string, exportName: string, input: unknown): Promise<{ value: unknown; meter: XsMeter }> {
    return this.serial(() => this.callXsUnlocked(entryFile, exportName, input));
  }

  callLua(entryFile: string, exportName: string, input: unknown, shapeHint?: unknown): unknown {
    return this.luaRunner(entryFile).call(exportName, input, shapeHint);
  }

  async close(): Promise<void> {
    for (const r of this.luaRunners.values()) r.close();
    this.luaRunners.clear();
    const xs = this.xs;
    this.xs = undefined;
    this.xsLoaded.clear();
    if (xs) await xs.close();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async callNodeUnlocked(entryFile: string, exportName: string, input: unknown): Promise<unknown> {
    const mod = (await import(pathToFileURL(resolve(entryFile)).href)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn !== 'function') throw new Error(`${entryFile} has no exported function '${exportName}'`);
    return (fn as (x: unknown) => unknown)(structuredClone(input));
  }

  private async callXsUnlocked(entryFile: string, exportName: string, input: unknown) {
    const worker = await this.worker();
    const bundle = await bundleForXs(entryFile);
    if (!this.xsLoaded.has(bundle.entry)) {
      await worker.evaluate(bundle.code);
      this.xsLoaded.add(bundle.entry);
    }
    const g = JSON.stringify(bundle.globalName);
    const fn = `globalThis[${g}][${JSON.stringify(exportName)}]`;
    this.replies.length = 0;
    const meter = await worker.evaluate(
      `if (typeof ${fn} !== 'function') throw new Error(${JSON.stringify(`${entryFile} has no exported function '${exportName}'`)});\n` +
        `__plain.reply(${fn}(__plain.decode(${JSON.stringify(encodePlain(input))})));`,
    );
    const reply = this.replies.shift();
    if (!reply) throw new XsError(`XS call ${exportName}() produced no reply`);
    const text = decoder.decode(reply);
    return { value: text === 'undefined' ? undefined : decodePlain(text), meter };
  }

  private async worker(): Promise<XsWorker> {
    if (!this.xs) {
      const xs = await XsWorker.start({ name: 'parity' });
      xs.onCommand((bytes) => {
        this.replies.push(bytes);
        return new Uint8Array(0);
      });
      await xs.evaluate(PLAIN_CODEC_XS);
      this.xs = xs;
    }
    return this.xs;
  }

  private luaRunner(entryFile: string): LuaRunner {
    const abs = resolve(entryFile);
    let r = this.luaRunners.get(abs);
    if (!r) {
      r = LuaRunner.load(abs);
      this.luaRunners.set(abs, r);
    }
    return r;
  }
}

/** One-shot runEverywhere (opens and closes its own session). Prefer an EngineSession in tests. */
export async function runEverywhere(entryFile: string, exportName: string, input: unknown): Promise<EngineResults> {
  const session = new EngineSession();
  try {
    return await session.runEverywhere(entryFile, exportName, input);
  } finally {
    await session.close();
  }
}

/** Differences of XS and Lua against Node, each prefixed with the engine name. */
export function parityDiffs(r: EngineResults, relTol = 1e-9): string[] {
  return [...compareParity(r.node, r.xs, relTol).map((d) => `xs  ${d}`), ...compareParity(r.node, r.lua, relTol).map((d) => `lua ${d}`)];
}

/**
 * XS cost of a step, in a fresh worker. `setupCode` and `stepCode` are script text in
 * which `entry` is the bundle's exports; keep state on globalThis, e.g.
 * setup `globalThis.st = entry.makeState()`, step `entry.step(st)`. The step runs N and
 * 2N times (and so does an empty loop), so bundle, setup and loop costs cancel.
 */
export async function measureXs(entryFile: string, setupCode: string, stepCode: string, steps: number): Promise<XsCost> {
  if (!Number.isInteger(steps) || steps < 1 || steps > 1e7) {
    throw new RangeError(`measureXs steps: ${steps} is out of range (an integer 1 .. 1e7)`);
  }
  const bundle = await bundleForXs(entryFile);
  const worker = await XsWorker.start({ name: 'measure' });
  try {
    const loaded = await worker.evaluate(bundle.code);
    await worker.evaluate(`var entry = globalThis[${JSON.stringify(bundle.globalName)}];`);
    const setup = await worker.evaluate(setupCode);
    const loop = (n: number, body: string) => worker.evaluate(`for (let __i = 0; __i < ${n}; __i++) { ${body}\n}`);
    const b1 = await loop(steps, '');
    const b2 = await loop(2 * steps, '');
    const c1 = await loop(steps, stepCode);
    const c2 = await loop(2 * steps, stepCode);
    const overhead = (b2.compute - b1.compute) / steps;
    return {
      computePerStep: (c2.compute - c1.compute) / steps - overhead,
      loopOverheadPerStep: overhead,
      bundleCompute: loaded.compute,
      setupCompute: setup.compute,
      heapCountAfterSetup: setup.currentHeapCount,
      // the 2N-step loop ran after the N-step one, so its retained growth spans 2N steps
      heapGrowthPerStep: (c2.currentHeapCount - c1.currentHeapCount) / (2 * steps),
      allocate: c2.allocate,
      steps,
    };
  } finally {
    await worker.close();
  }
}
