// TypeScript -> Moddable modules: one ES module per TS file, reached from an entry by
// following value imports. Each module gets the specifier the manifest declares for it
// (its repo path without extension, e.g. "firmware/app/meter-node"), and every import in
// the emitted JS is rewritten to such a specifier, because XS resolves modules by the
// names in the manifest's "modules" map, not by file paths.
//
// - TypeScript's transpileModule (isolatedModules) compiles each file alone; imports used
//   only as types vanish, so type-only files (boards/board.ts) are not shipped.
// - SDK modules (embedded:*, timer, time, preference, mc/config) stay as they are.
// - tweetnacl is CommonJS; Moddable modules are ES modules, so esbuild bundles it into one
//   minified ES module "tweetnacl" whose default export is the nacl object. Its guarded
//   require('crypto') resolves to an empty stub (XS has no require; the guard is false).
// - @noble/curves is ES modules imported by subpath (ed25519.js, abstract/curve.js,
//   utils.js): every subpath maps to ONE module "noble-curves", bundled from an entry that
//   re-exports exactly the names the firmware imports (esbuild drops the rest), so the
//   package's shared internals (the field, the Point class) exist once. It is NOT preloaded
//   (NOBLE_NOT_PRELOADED: XS compares preloaded BigInts wrongly), nor are the modules that
//   import it (ed25519-noble, the meter node's entry, main): they load at boot.
// - preloadable(): XS preload runs module bodies at build time on the build machine, where
//   native functions cannot be called (Moddable documentation/xs/preload.md, "What Cannot
//   be Preloaded"). A module whose top level calls or constructs an SDK import cannot be
//   preloaded, nor can anything that imports it (preloading a module preloads its imports).
import ts from 'typescript';
import { build, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ModdableModule {
  /** the specifier other modules import it by, and its key in the manifest's "modules" */
  specifier: string;
  /** where it came from: a repo path, or "npm:tweetnacl" */
  source: string;
  /** output path relative to the app folder, with .js */
  file: string;
  code: string;
  /** specifiers it imports (ours, third-party and SDK) */
  imports: string[];
  /** why XS cannot preload it; '' when it can */
  notPreloadable: string;
}

/** SDK modules: provided by the Moddable manifests we include, never compiled here. */
export function isSdkModule(spec: string): boolean {
  return /^embedded:/.test(spec) || spec === 'timer' || spec === 'time' || spec === 'preference' || spec === 'mc/config';
}

/**
 * Why noble-curves is not preloaded. Preloaded BigInts live in flash (XS_BIGINT_X_KIND), and
 * the XS of Moddable SDK 8.2.3 compares a flash BigInt with a RAM one as unequal under ===
 * and == (xs/sources/xsRun.c, XS_CODE_STRICT_EQUAL / XS_CODE_EQUAL: the mixed
 * XS_BIGINT_KIND / XS_BIGINT_X_KIND case is missing there, while fxIsSameSlot has it).
 * noble keeps its constants (0n, 1n, the field order) at module level and compares against
 * them everywhere: preloaded, every verify failed ("zero divider" inside toAffine) in the
 * real lin build (tools/build/moddable/lin-noble.ts). Loaded at boot, it verifies.
 */
const NOBLE_NOT_PRELOADED =
  "its module-level BigInts would live in flash, and XS (SDK 8.2.3) compares a flash BigInt with a RAM one as unequal under === (xsRun.c XS_CODE_STRICT_EQUAL): noble's verify fails when preloaded";

/**
 * npm specifiers the firmware may import -> the bundled ES module that provides them.
 * 'default': a CommonJS package, its exports object as the default export; 'named': ES
 * module subpaths, re-exported by name (several subpaths may share one module).
 */
const THIRD_PARTY: Record<string, { module: string; kind: 'default' | 'named'; notPreloadable?: string }> = {
  tweetnacl: { module: 'tweetnacl', kind: 'default' },
  '@noble/curves/ed25519.js': { module: 'noble-curves', kind: 'named', notPreloadable: NOBLE_NOT_PRELOADED },
  '@noble/curves/abstract/curve.js': { module: 'noble-curves', kind: 'named', notPreloadable: NOBLE_NOT_PRELOADED },
  '@noble/curves/utils.js': { module: 'noble-curves', kind: 'named', notPreloadable: NOBLE_NOT_PRELOADED },
};

/** The module names of the bundled npm packages (tweetnacl, noble-curves). */
export function thirdPartyModules(): string[] {
  const out: string[] = [];
  for (const k of Object.keys(THIRD_PARTY)) if (out.indexOf(THIRD_PARTY[k].module) < 0) out.push(THIRD_PARTY[k].module);
  return out;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.ESNext,
  isolatedModules: true,
  // XS implements ES2020+ classes; keep TS's constructor-assignment fields (ES2020 default)
  useDefineForClassFields: false,
  removeComments: true,
  newLine: ts.NewLineKind.LineFeed,
};

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** repo-relative path without extension: the module's specifier */
function specifierFor(root: string, absTs: string): string {
  return toPosix(relative(root, absTs)).replace(/\.ts$/, '');
}

function resolveRelative(fromFile: string, spec: string): string {
  const base = resolve(dirname(fromFile), spec);
  for (const cand of [`${base}.ts`, `${base}/index.ts`]) if (existsSync(cand)) return cand;
  throw new Error(`${fromFile}: import '${spec}' resolves to no .ts file (tried ${base}.ts, ${base}/index.ts)`);
}

/**
 * Compile `entries` (absolute .ts paths under root) and everything they import by value.
 * Returns the modules in a stable order (sorted by specifier), third-party bundles included.
 */
export async function compileModules(root: string, entries: string[]): Promise<ModdableModule[]> {
  const out = new Map<string, ModdableModule>();
  // bundled module -> npm specifier -> the names imported from it ('default' for a CommonJS package)
  const thirdParty = new Map<string, Map<string, Set<string>>>();
  const queue = entries.map((e) => resolve(e));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const abs = queue.shift()!;
    if (seen.has(abs)) continue;
    seen.add(abs);
    if (!abs.startsWith(root + sep)) throw new Error(`${abs}: outside the repository ${root}; the Moddable build only compiles repo files`);
    const text = ts.sys.readFile(abs);
    if (text === undefined) throw new Error(`${abs}: cannot read`);
    const imports: string[] = [];
    const rewrite = (spec: string, names: string[]): string => {
      let mapped: string;
      if (spec.startsWith('.')) {
        const target = resolveRelative(abs, spec);
        queue.push(target);
        mapped = specifierFor(root, target);
      } else if (isSdkModule(spec)) {
        mapped = spec;
      } else if (THIRD_PARTY[spec] !== undefined) {
        const tp = THIRD_PARTY[spec];
        const bad = names.filter((n) => (tp.kind === 'default' ? n !== 'default' : n === 'default' || n === '*'));
        if (bad.length > 0)
          throw new Error(
            `${toPosix(relative(root, abs))}: imports ${bad.join(', ')} from '${spec}'; the Moddable build takes ${tp.kind === 'default' ? 'its default export only' : 'named imports only'} (tools/build/moddable/modules.ts THIRD_PARTY)`,
          );
        let bySpec = thirdParty.get(tp.module);
        if (bySpec === undefined) thirdParty.set(tp.module, (bySpec = new Map()));
        let set = bySpec.get(spec);
        if (set === undefined) bySpec.set(spec, (set = new Set()));
        for (const n of names) set.add(n);
        mapped = tp.module;
      } else {
        throw new Error(
          `${toPosix(relative(root, abs))}: imports '${spec}', which is neither a repo file, a Moddable SDK module nor a bundled package (${Object.keys(THIRD_PARTY).join(', ')})`,
        );
      }
      if (!imports.includes(mapped)) imports.push(mapped);
      return mapped;
    };
    const result = ts.transpileModule(text, {
      fileName: abs,
      reportDiagnostics: true,
      compilerOptions: COMPILER_OPTIONS,
      transformers: { after: [specifierRewriter(rewrite)] },
    });
    const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) throw new Error(`${abs}: ${ts.flattenDiagnosticMessageText(errors[0].messageText, '\n')}`);
    const specifier = specifierFor(root, abs);
    const code = result.outputText.replace(/\n?\/\/# sourceMappingURL=.*$/, '');
    out.set(specifier, {
      specifier,
      source: toPosix(relative(root, abs)),
      file: `modules/${specifier}.js`,
      code,
      imports,
      notPreloadable: topLevelSdkUse(code),
    });
  }
  for (const [spec, bySpec] of thirdParty) {
    const pkgs = [...bySpec.keys()].sort();
    const code = await bundlePackage(spec, bySpec);
    // its top level calls nothing native (checked like ours); noble must not be preloaded all the same
    const tp = THIRD_PARTY[pkgs[0]];
    out.set(spec, {
      specifier: spec,
      source: pkgs.map((p) => `npm:${p}`).join(' '),
      file: `modules/${spec}.js`,
      code,
      imports: [],
      notPreloadable: tp.notPreloadable ?? topLevelSdkUse(code),
    });
  }
  propagatePreload(out);
  return [...out.values()].sort((a, b) => (a.specifier < b.specifier ? -1 : a.specifier > b.specifier ? 1 : 0));
}

/** The names an import declaration takes: 'default', '*' (namespace) or the exported names. */
function importedNames(c: ts.ImportClause | undefined): string[] {
  const names: string[] = [];
  if (c === undefined) return names;
  if (c.name) names.push('default');
  const nb = c.namedBindings;
  if (nb && ts.isNamespaceImport(nb)) names.push('*');
  if (nb && ts.isNamedImports(nb)) for (const e of nb.elements) names.push((e.propertyName ?? e.name).text);
  return names;
}

/** Rewrites the module specifier of every remaining import/export-from declaration. */
function specifierRewriter(rewrite: (spec: string, names: string[]) => string): ts.TransformerFactory<ts.SourceFile> {
  return (ctx) => (sf) => {
    const f = ctx.factory;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const spec = rewrite(node.moduleSpecifier.text, importedNames(node.importClause));
        return f.updateImportDeclaration(node, node.modifiers, node.importClause, f.createStringLiteral(spec), node.attributes);
      }
      if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
        const ec = node.exportClause;
        const names = ec === undefined || !ts.isNamedExports(ec) ? ['*'] : ec.elements.map((e) => (e.propertyName ?? e.name).text);
        return f.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          f.createStringLiteral(rewrite(node.moduleSpecifier.text, names)),
          node.attributes,
        );
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        throw new Error(`${sf.fileName}: dynamic import() is not supported by the Moddable build (XS preload and the manifest need static imports)`);
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return ts.visitEachChild(sf, visit, ctx);
  };
}

/**
 * '' if the module body, run at preload time, calls or constructs nothing imported from an
 * SDK module; else the first such use. Function bodies are skipped: they run later.
 */
export function topLevelSdkUse(code: string): string {
  const sf = ts.createSourceFile('m.js', code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
  const sdkNames = new Set<string>();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !isSdkModule(st.moduleSpecifier.text)) continue;
    const c = st.importClause;
    if (c === undefined) continue;
    if (c.name) sdkNames.add(c.name.text);
    const nb = c.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) sdkNames.add(nb.name.text);
    if (nb && ts.isNamedImports(nb)) for (const e of nb.elements) sdkNames.add(e.name.text);
  }
  let found = '';
  const rootName = (e: ts.Expression): string | undefined => {
    while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = e.expression;
    return ts.isIdentifier(e) ? e.text : undefined;
  };
  const visit = (n: ts.Node): void => {
    if (found !== '') return;
    if (ts.isFunctionLike(n)) return; // runs later, not at preload
    if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) {
      // heritage (extends X) and static initialisers run at definition time; methods do not
      for (const h of n.heritageClauses ?? []) visit(h);
      for (const m of n.members)
        if (ts.isPropertyDeclaration(m) && m.initializer && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) visit(m.initializer);
      return;
    }
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && sdkNames.has(rootName(n.expression) ?? '')) {
      const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
      found = `line ${line + 1} calls ${n.expression.getText()} at load time (a native function)`;
      return;
    }
    ts.forEachChild(n, visit);
  };
  for (const st of sf.statements) visit(st);
  return found;
}

/** A module that imports a non-preloadable module of ours cannot be preloaded either. */
function propagatePreload(mods: Map<string, ModdableModule>): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const m of mods.values()) {
      if (m.notPreloadable !== '') continue;
      for (const dep of m.imports) {
        const d = mods.get(dep);
        if (d !== undefined && d.notPreloadable !== '') {
          m.notPreloadable = `imports ${dep}, which cannot be preloaded`;
          changed = true;
          break;
        }
      }
    }
  }
}

const stubBuiltins: Plugin = {
  name: 'stub-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?crypto$/ }, (a) => ({ path: a.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/**
 * One minified ES module from npm: a CommonJS package with its exports object as the default
 * export (tweetnacl), or the named exports the firmware imports from ES module subpaths
 * (@noble/curves), from one generated entry so shared internals are bundled once.
 */
async function bundlePackage(module: string, bySpec: Map<string, Set<string>>): Promise<string> {
  const req = createRequire(import.meta.url);
  const specs = [...bySpec.keys()].sort();
  const named = THIRD_PARTY[specs[0]].kind === 'named';
  let contents = '';
  if (named) {
    const seen = new Map<string, string>();
    const lines: string[] = [];
    for (const spec of specs) {
      const names = [...(bySpec.get(spec) as Set<string>)].sort();
      for (const n of names) {
        const other = seen.get(n);
        if (other !== undefined) throw new Error(`${module}: '${n}' is imported from both '${other}' and '${spec}'; one bundled module cannot export both`);
        seen.set(n, spec);
      }
      lines.push(`export { ${names.join(', ')} } from ${JSON.stringify(spec)};`);
    }
    contents = lines.join('\n');
  }
  const r = await build({
    ...(named
      ? { stdin: { contents, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: 'js' as const, sourcefile: `${module}-entry.js` } }
      : { entryPoints: [req.resolve(specs[0])] }),
    bundle: true,
    write: false,
    format: 'esm',
    // XS implements ES2022 and later: static class fields stay as they are
    target: 'es2022',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    plugins: [stubBuiltins],
    logLevel: 'silent',
    // third-party code is not debugged in xsbug: minify it to save flash (our modules stay readable)
    minify: true,
    legalComments: 'inline',
  });
  const from = specs.map((s) => toPosix(req.resolve(s)).replace(/^.*\/node_modules\//, 'node_modules/')).join(', ');
  return `// ${module}: bundled from ${from} by tools/build/moddable/modules.ts\n${r.outputFiles[0].text}`;
}
