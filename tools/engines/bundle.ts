// Bundles a TypeScript entry into ONE classic script for XS (xsnap evaluates scripts,
// not modules): format iife, exports on a global, target es2020, platform neutral.
// tweetnacl must bundle too: it calls `require('crypto')` behind a
// `typeof require !== 'undefined'` guard, so Node built-ins resolve to an empty stub
// (the guard is false in XS; the stub only keeps the bundler from failing).

import { build, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';

export interface ScriptBundle {
  /** Absolute path of the entry. */
  entry: string;
  /** The global the script assigns the entry's exports to. */
  globalName: string;
  /** The script text. */
  code: string;
}

const cache = new Map<string, Promise<ScriptBundle>>();

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const stubNodeBuiltins: Plugin = {
  name: 'stub-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (builtins.has(args.path) ? { path: args.path, namespace: 'node-builtin-stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'node-builtin-stub' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
  },
};

/** A stable, identifier-safe global name for an entry path. */
export function globalNameFor(entry: string): string {
  const abs = resolve(entry);
  const base = abs
    .replace(/^.*[\\/]/, '')
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9_]/g, '_');
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 8);
  return `__entry_${base}_${hash}`;
}

/** Bundles `entry` (cached in memory per entry path for the life of the process). */
export function bundleForXs(entry: string): Promise<ScriptBundle> {
  const abs = resolve(entry);
  let hit = cache.get(abs);
  if (!hit) {
    hit = doBundle(abs);
    cache.set(abs, hit);
    // Don't cache failures: the next call retries (e.g. after a syntax error is fixed).
    hit.catch(() => cache.delete(abs));
  }
  return hit;
}

async function doBundle(abs: string): Promise<ScriptBundle> {
  const globalName = globalNameFor(abs);
  const result = await build({
    entryPoints: [abs],
    bundle: true,
    write: false,
    format: 'iife',
    globalName,
    target: 'es2020',
    platform: 'neutral',
    // 'neutral' has no default main fields; tweetnacl has only "main".
    mainFields: ['module', 'main'],
    plugins: [stubNodeBuiltins],
    logLevel: 'silent',
    legalComments: 'none',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${abs}`);
  // xsnap evaluates `e` scripts so that a top-level `var` need not land on globalThis:
  // publish the exports explicitly.
  const code = `${file.text}\nglobalThis.${globalName} = ${globalName};\n`;
  return { entry: abs, globalName, code };
}
