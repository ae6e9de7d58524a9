// Portable-subset lint for the code that runs on a board: firmware/, the board programs
// (targets/) and the providers' shared hal/common (rules: docs/PORTABLE-SUBSET.md).
//   - Everywhere in firmware/: Espruino's language level (no destructuring, spread/rest,
//     default parameters, for-of, Map/Set, ?., ??, RegExp, generators, async, labels).
//   - In the Lua core (the files tsconfig.lua.json includes): also no typed arrays, JSON,
//     bitwise operators, unsupported string methods, number-to-string conversions, and
//     every condition must be boolean-typed (Lua treats 0 and "" as true). These use the
//     type checker (tools/engines/lua-subset.ts).
// CLI: `npx tsx tools/lint-subset.ts [--strict] [files...]` prints
// file:line:col severity [level/rule] message and exits 1 on any error (with --strict, on
// any warning too). `// subset-ok(rule): reason` on a line or the line above waives it.
// Without file arguments it also checks the import boundaries of targets/, firmware/ and
// hal/ (tools/lint-imports.ts: targets -> firmware -> hal interfaces <- providers, hal/sim).

import ts from 'typescript';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLuaNode, isLibGlobal, isValueReference, type Report } from './engines/lua-subset';
import { checkEspruinoSyntaxNode } from './espruino-syntax';
import { checkImportBoundaries, formatImportViolation, tsSources } from './lint-imports';
import { isEntry } from './cli';

export interface Violation {
  file: string; // relative to the repo root
  line: number; // 1-based
  column: number; // 1-based
  rule: string;
  message: string;
  level: 'espruino' | 'lua';
  /** 'warning' = advisory (the lint cannot prove the hazard); only errors fail the CLI and tests. */
  severity: 'error' | 'warning';
}

/**
 * Advisory rules. number-to-string: Lua prints a float 2.0 as "2.0" where JS prints "2",
 * but an integer that came from a literal prints alike, and the checker cannot tell the
 * two apart (both are `number`).
 */
// typed-array-slice and length-write are errors: both were found by the real Espruino
// interpreter (a typed array's slice is a plain Array; `xs.length = k` throws "Assignment to
// a constant" in 2v29); copy with firmware/link/bytes.ts, shorten with splice
export const WARNING_RULES = new Set(['number-to-string']);

export function errorsOnly(vs: Violation[]): Violation[] {
  return vs.filter((v) => v.severity === 'error');
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ESPRUINO_BANNED_GLOBALS: Record<string, string> = {
  Map: 'Map is not in Espruino; use a plain object keyed by string',
  Set: 'Set is not in Espruino; use a plain object or an array',
  WeakMap: 'WeakMap is not in Espruino',
  WeakSet: 'WeakSet is not in Espruino',
  RegExp: 'RegExp is banned in firmware/ (missing in Lua, slow and partial in Espruino); parse by hand',
};

/** All .ts sources (not .d.ts) that run on a board: firmware/, targets/ and hal/common/; absolute paths, sorted. */
export function firmwareFiles(root = REPO_ROOT): string[] {
  return [join(root, 'firmware'), join(root, 'targets'), join(root, 'hal', 'common')].flatMap(tsSources);
}

/** The Lua-core files: what tsconfig.lua.json's `include` matches (absolute paths). */
export function luaCoreFiles(root = REPO_ROOT): Set<string> {
  const cfgPath = join(root, 'tsconfig.lua.json');
  const read = ts.readConfigFile(cfgPath, (p) => ts.sys.readFile(p));
  if (read.error) return new Set();
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, cfgPath);
  return new Set(parsed.fileNames.map((f) => resolve(f)));
}

function compilerOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2020.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
}

/** Lints files (default: all of firmware/). Lua rules apply to `luaCore` (default: tsconfig.lua.json). */
export function lintSubset(files?: string[], luaCore?: Set<string>): Violation[] {
  const list = (files ?? firmwareFiles()).map((f) => resolve(f));
  const core = luaCore ?? luaCoreFiles();
  const program = ts.createProgram(list, compilerOptions());
  const out: Violation[] = [];
  for (const f of list) {
    const sf = program.getSourceFile(f);
    if (!sf) {
      out.push({ file: relative(REPO_ROOT, f), line: 1, column: 1, rule: 'missing', message: 'file not found', level: 'espruino', severity: 'error' });
      continue;
    }
    out.push(...lintSourceFile(program, sf, core.has(f)));
  }
  return out;
}

/** Lints a snippet of TypeScript (for tests and editors). `lua` turns on the Lua-core rules. */
export function lintSource(code: string, opts: { lua?: boolean; fileName?: string } = {}): Violation[] {
  const fileName = resolve(REPO_ROOT, opts.fileName ?? 'firmware/__snippet__.ts');
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    resolve(name) === fileName ? ts.createSourceFile(name, code, lang, true) : original(name, lang, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const sf = program.getSourceFile(fileName);
  if (!sf) throw new Error(`lintSource: could not create ${fileName}`);
  return lintSourceFile(program, sf, opts.lua === true);
}

function lintSourceFile(program: ts.Program, sf: ts.SourceFile, lua: boolean): Violation[] {
  const checker = program.getTypeChecker();
  const out: Violation[] = [];
  const seen = new Set<string>();
  const lines = sf.text.split('\n');
  const at =
    (level: Violation['level']): Report =>
    (node, rule, message) => {
      const start = node.getStart(sf);
      const key = `${start}:${rule}`;
      if (seen.has(key)) return;
      seen.add(key);
      const { line, character } = sf.getLineAndCharacterOfPosition(start);
      if (isWaived(lines[line], rule) || (line > 0 && isWaived(lines[line - 1], rule))) return;
      const severity = WARNING_RULES.has(rule) ? 'warning' : 'error';
      out.push({ file: relative(REPO_ROOT, sf.fileName), line: line + 1, column: character + 1, rule, message, level, severity });
    };
  const espruino = at('espruino');
  const luaReport = at('lua');
  const visit = (node: ts.Node): void => {
    checkEspruinoNode(program, checker, node, espruino);
    if (lua) checkLuaNode(program, checker, node, luaReport);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * A reviewed exception: `// subset-ok(rule[, rule]): why` on the line or the line above
 * waives those rules there. The reason is mandatory so the review is visible.
 */
function isWaived(text: string | undefined, rule: string): boolean {
  if (text === undefined) return false;
  const at = text.indexOf('subset-ok(');
  if (at < 0) return false;
  const close = text.indexOf(')', at);
  if (
    close < 0 ||
    !text
      .slice(close + 1)
      .trimStart()
      .startsWith(':') ||
    text.slice(close + 2).trim() === ''
  )
    return false;
  return text
    .slice(at + 'subset-ok('.length, close)
    .split(',')
    .map((r) => r.trim())
    .includes(rule);
}

function checkEspruinoNode(program: ts.Program, checker: ts.TypeChecker, node: ts.Node, report: Report): void {
  checkEspruinoSyntaxNode(node, report);
  if (ts.isIdentifier(node) && Object.prototype.hasOwnProperty.call(ESPRUINO_BANNED_GLOBALS, node.text)) {
    if (isValueReference(node) && isLibGlobal(program, checker.getSymbolAtLocation(node))) {
      report(node, node.text === 'RegExp' ? 'regexp' : 'map-set', ESPRUINO_BANNED_GLOBALS[node.text]);
    }
  } else if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
    report(node, 'regexp', 'RegExp literals are banned in firmware/ (missing in Lua, slow and partial in Espruino); parse by hand');
  } else if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
    node.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
    ts.isPropertyAccessExpression(node.left) &&
    node.left.name.text === 'length'
  ) {
    report(
      node.left.name,
      'length-write',
      'writing .length throws in Espruino 2v29 ("Assignment to a constant"); shorten with splice(k), empty with splice(0)',
    );
  } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'slice') {
    // Espruino 2v29 (real interpreter): ArrayBuffer has no slice, and a typed array's
    // slice returns a plain Array (no .buffer, no typed semantics)
    const t = checker.getNonNullableType(checker.getTypeAtLocation(node.expression.expression));
    const name = t.getSymbol()?.getName() ?? '';
    if (name === 'ArrayBuffer' || /^(Uint8|Uint8Clamped|Int8|Uint16|Int16|Uint32|Int32|Float32|Float64)Array$/.test(name)) {
      report(
        node.expression.name,
        'typed-array-slice',
        `${name}.slice is not usable in Espruino (${name === 'ArrayBuffer' ? 'missing' : 'returns a plain Array'}); copy: const c = new Uint8Array(n); for (...) c[k] = src[start + k]`,
      );
    }
  }
}

export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}:${v.column} ${v.severity} [${v.level}/${v.rule}] ${v.message}`;
}

function main(argv: string[]): number {
  const strict = argv.includes('--strict');
  const args = argv.filter((a) => a !== '--strict');
  const files = args.length > 0 ? args : undefined;
  const violations = lintSubset(files);
  for (const v of violations) console.log(formatViolation(v));
  const failing = strict ? violations : errorsOnly(violations);
  const warnings = violations.length - errorsOnly(violations).length;
  const n = (files ?? firmwareFiles()).length;
  console.log(`portable subset: ${n} files, ${violations.length - warnings} error(s), ${warnings} warning(s)${strict ? ' (--strict: warnings fail)' : ''}`);
  const crossings = files === undefined ? checkImportBoundaries(REPO_ROOT) : [];
  for (const v of crossings) console.log(formatImportViolation(v));
  if (files === undefined) console.log(`import boundaries: ${crossings.length} error(s)`);
  return failing.length === 0 && crossings.length === 0 ? 0 : 1;
}

if (isEntry(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
