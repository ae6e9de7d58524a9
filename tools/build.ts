// npm run build -- --target <moddable|espruino|lua> --board <name> [--out build] [--native]
// --native (moddable only): use the C host modules (ESP-IDF adc_continuous at the board's
// rate, and the trip ISR) instead of the ECMA-419 polled ADC; see docs/MODDABLE-NATIVE.md.
// It writes to <out>/moddable-native/<board>/, not over the polled build, so `flash` takes
// the one it is asked for (`flash --native`), never whichever was built last.
// Turns the TypeScript into what a board runs; each target's builder lives in tools/build/.
import { resolve } from 'node:path';
import { loadBoard } from '../boards/schema';
import type { Builder, BuildResult } from './build/types';
import { cliError, isEntry, parseCli } from './cli';

const TARGETS = ['moddable', 'espruino', 'lua'] as const;
type Target = (typeof TARGETS)[number];

async function builderFor(target: Target): Promise<Builder> {
  if (target === 'moddable') return (await import('./build/moddable')).buildModdable;
  if (target === 'espruino') return (await import('./build/espruino')).buildEspruino;
  return (await import('./build/lua')).buildLua;
}

/** Where a build goes: <out>/<target>/<board>/, and the native build its own folder. */
export function buildDir(out: string, target: string, board: string, native = false): string {
  return resolve(out, native ? NATIVE_FOLDER : target, board);
}
/** the native Moddable build's folder under the output root (tools/flash.ts reads it) */
export const NATIVE_FOLDER = 'moddable-native';

export async function build(target: Target, boardName: string, out = 'build', native = false): Promise<BuildResult> {
  const board = loadBoard(boardName);
  if (native) {
    if (target !== 'moddable') throw new Error('--native: only the moddable target has native modules (adc_continuous, trip ISR)');
    return (await import('./build/moddable')).buildModdableWith(board, buildDir(out, target, board.name, true), { native: true });
  }
  return (await builderFor(target))(board, buildDir(out, target, board.name));
}

const USAGE = `usage: npm run build -- --target <${TARGETS.join('|')}> --board <name> [--out build] [--native]
  --target   what to build for (${TARGETS.join(', ')})
  --board    a board of boards/*.json
  --out      output root (default build): writes <out>/<target>/<board>/
  --native   moddable only: the C host modules (docs/MODDABLE-NATIVE.md), written to
             <out>/moddable-native/<board>/ (flash it with flash --native)`;

function usage(msg: string): never {
  return cliError('build', USAGE, msg);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseCli('build', USAGE, argv, {
    target: { type: 'string' },
    board: { type: 'string' },
    out: { type: 'string' },
    native: { type: 'boolean' },
  });
  const target = (values.target as string | undefined) ?? '';
  const board = (values.board as string | undefined) ?? '';
  const out = (values.out as string | undefined) ?? 'build';
  const native = values.native === true;
  if (!(TARGETS as readonly string[]).includes(target)) usage(`--target must be one of ${TARGETS.join(', ')}, got '${target}'`);
  if (board === '') usage('--board is required (see boards/*.json)');
  try {
    const r = await build(target as Target, board, out, native);
    console.log(`built ${r.target} for ${r.board}: ${r.files.length} files, ${r.bytes} bytes of source in ${r.outDir}`);
    for (const n of r.notes) console.log(`  ${n}`);
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    process.exit(1);
  }
}

if (isEntry(import.meta.url)) void main(process.argv.slice(2));
