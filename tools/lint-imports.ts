// Import boundaries (the charter's rule 1; README "Layout"): imports point one way,
//   targets/<board>/main.ts -> firmware/ -> the hal interfaces (hal/io.ts, hal/radio.ts)
// and the providers (hal/moddable, hal/espruino, hal/nodemcu, hal/common) and the simulator
// (hal/sim) implement those interfaces, depending on them only. Each file under targets/,
// firmware/ and hal/ is checked here by its relative imports and re-exports (type-only ones
// too: a type from a provider in firmware is still a dependency on that provider). Run by
// tools/lint-subset.ts (CLI and host-tests/subset-lint.test.ts).
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';

/** What part of the tree a repo-relative path (no extension needed) belongs to. */
export type Layer = 'target' | 'firmware' | 'hal-interface' | 'hal-common' | 'hal-provider' | 'hal-sim' | 'board-type' | 'board-data' | 'tools' | 'other';

const HAL_INTERFACES = ['hal/io', 'hal/radio'];

export function layerOf(path: string): Layer {
  const p = path.replace(/\.(d\.)?ts$/, '');
  if (p.startsWith('targets/')) return 'target';
  if (p.startsWith('firmware/')) return 'firmware';
  if (HAL_INTERFACES.includes(p)) return 'hal-interface';
  if (p.startsWith('hal/common/')) return 'hal-common';
  if (p.startsWith('hal/sim/')) return 'hal-sim';
  if (p.startsWith('hal/')) return 'hal-provider';
  // the board description type: data every layer reads (boards/schema.ts is the host's loader)
  if (p === 'boards/board') return 'board-type';
  // one board's description (boards/<name>.json): the simulator and tests may pick one
  if (p.startsWith('boards/') && p.endsWith('.json')) return 'board-data';
  if (p.startsWith('tools/')) return 'tools';
  return 'other';
}

/** the provider a hal path belongs to: 'hal/moddable', 'hal/espruino', ... */
function providerOf(path: string): string {
  return path.split('/').slice(0, 2).join('/');
}

/** the board a targets/ path belongs to: 'targets/moddable', ... */
function targetOf(path: string): string {
  return path.split('/').slice(0, 2).join('/');
}

/**
 * Why `from` (repo-relative file) may not import `to` (repo-relative, resolved), or '' when
 * it may. Package and built-in imports (bare specifiers) are the type checkers' business.
 */
export function boundaryError(from: string, to: string): string {
  const a = layerOf(from);
  const b = layerOf(to);
  const interfaces = 'the hal interfaces (hal/io.ts, hal/radio.ts)';
  if (b === 'board-type' && a !== 'other') return '';
  switch (a) {
    case 'target':
      if (b === 'target' && targetOf(from) !== targetOf(to)) return `a board program imports only its own folder, not ${targetOf(to)}/`;
      if (b === 'firmware' || b === 'hal-interface' || b === 'hal-common' || b === 'hal-provider' || b === 'target') return '';
      return `a board program (targets/) imports firmware/ and its hal provider, not ${describe(b)}`;
    case 'firmware':
      if (b === 'firmware' || b === 'hal-interface') return '';
      return `firmware/ imports only firmware/ and ${interfaces}, not ${describe(b)}: hardware comes in through a Device the board program passes`;
    case 'hal-interface':
      if (b === 'hal-interface') return '';
      return `the hal interfaces import nothing but each other, not ${describe(b)}`;
    case 'hal-common':
      if (b === 'hal-interface' || b === 'hal-common') return '';
      return `hal/common is shared by every provider and imports only ${interfaces}, not ${describe(b)}`;
    case 'hal-provider':
      if (b === 'hal-interface' || b === 'hal-common') return '';
      if (b === 'hal-provider' && providerOf(from) === providerOf(to)) return '';
      if (b === 'hal-provider')
        return `a hal provider imports only its own folder, hal/common and ${interfaces}, not ${providerOf(to)}/ (move what is shared to hal/common)`;
      return `a hal provider imports only ${interfaces} (and its own folder, hal/common), not ${describe(b)}`;
    case 'hal-sim':
      if (b === 'hal-interface' || b === 'hal-sim' || b === 'board-data') return '';
      return `hal/sim imports only ${interfaces} and hal/sim, not ${describe(b)}`;
    default:
      return '';
  }
}

function describe(l: Layer): string {
  return {
    target: 'targets/',
    firmware: 'firmware/',
    'hal-interface': 'the hal interfaces',
    'hal-common': 'hal/common',
    'hal-provider': 'a hal provider',
    'hal-sim': 'hal/sim',
    'board-type': 'boards/board.ts',
    'board-data': 'a board description (boards/*.json): the board program passes it in',
    tools: 'tools/',
    other: 'a file outside the layers',
  }[l];
}

export interface ImportViolation {
  file: string;
  line: number;
  column: number;
  specifier: string;
  message: string;
}

/** The relative imports of one source text that cross a boundary. `file` is repo-relative. */
export function checkImports(file: string, text: string): ImportViolation[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2020, true);
  const out: ImportViolation[] = [];
  for (const st of sf.statements) {
    const spec =
      (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier !== undefined && ts.isStringLiteral(st.moduleSpecifier)
        ? st.moduleSpecifier
        : undefined;
    if (spec === undefined || !spec.text.startsWith('.')) continue;
    const to = posix.normalize(posix.join(posix.dirname(file), spec.text));
    const why = boundaryError(file, to);
    if (why === '') continue;
    const { line, character } = sf.getLineAndCharacterOfPosition(spec.getStart(sf));
    out.push({ file, line: line + 1, column: character + 1, specifier: spec.text, message: why });
  }
  return out;
}

/** Every .ts source (not .d.ts) under `dir`, absolute paths, sorted; [] if it is missing. */
export function tsSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every .ts file (not .d.ts) under targets/, firmware/ and hal/, repo-relative, sorted. */
export function layeredFiles(root: string): string[] {
  return ['targets', 'firmware', 'hal'].flatMap((d) => tsSources(join(root, d)).map((p) => relative(root, p).split('\\').join('/')));
}

/** The import-boundary violations of the whole tree under `root`. */
export function checkImportBoundaries(root: string): ImportViolation[] {
  return layeredFiles(root).flatMap((f) => checkImports(f, readFileSync(join(root, f), 'utf8')));
}

export function formatImportViolation(v: ImportViolation): string {
  return `${v.file}:${v.line}:${v.column} error [layers/import-boundary] '${v.specifier}': ${v.message}`;
}
