// One upload script at Espruino's language level, from a TypeScript entry.
//
// 1. esbuild bundles the entry (format cjs, target es2015). cjs, not iife: for an
//    external module an iife gets esbuild's `__require` shim (it uses Proxy), while cjs
//    leaves `require("Storage")` as it is, which is exactly Espruino's built-in module
//    call. The whole script is then wrapped in a function so nothing leaks into
//    Espruino's global scope. Node built-ins (tweetnacl's guarded `require('crypto')`)
//    resolve to an empty stub, as in tools/engines/bundle.ts.
// 2. TypeScript lowers the bundle to ES5. esbuild cannot lower classes or let/const,
//    and its own helpers (`__copyProps`, used to import tweetnacl) contain for-of even
//    at es2015; the ES5 pass turns for-of over arrays into index loops, classes into
//    prototype functions and block-scoped closures into `_loop_` functions, which is
//    the part of the language Espruino interprets most reliably. Class fields are
//    assigned in the constructor (useDefineForClassFields false): no defineProperty per
//    instance field.
// 3. esbuild minifies the ES5 script at target es5 (whitespace, syntax, local names).
//    Espruino executes from source text: every comment, space and long local name is
//    parsed again on each call (espruino.com/Performance), and the upload halves
//    (~199 kB -> ~90 kB for the meter app). Property names stay, so errors still name
//    methods. `minify: false` keeps a readable script for debugging on the board.
// 4. checkEspruinoSyntax (check.ts) runs on the result; any issue fails the build.
import { build, transform, type Plugin } from 'esbuild';
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { checkEspruinoSyntax, formatIssue } from './check';
import { hoistFunctionDeclarations } from '../../espruino-syntax';
import { ESPRUINO_BOARD_JSON } from './cli';

/** Modules Espruino has built in (boards/espruino/ESP32.json info.builtin_modules): left as require(). */
export const ESPRUINO_BUILTIN_MODULES: string[] = (JSON.parse(readFileSync(ESPRUINO_BOARD_JSON, 'utf8')) as { info: { builtin_modules: string[] } }).info
  .builtin_modules;

export interface EspruinoBundleOptions {
  /** the TypeScript entry */
  entry: string;
  /** esbuild `define`: identifier -> JSON text, e.g. the board description */
  define?: Record<string, string>;
  /** name shown in errors */
  fileName?: string;
  /** minify the ES5 script (default true): see the header */
  minify?: boolean;
  /**
   * globals the script itself polyfills before use (test stand-ins only, e.g. Map for the
   * simulator's scheduler in radio-standin.ts): their missing-global issues are not errors
   */
  polyfilled?: string[];
}

export interface EspruinoBundle {
  code: string;
  /** esbuild's es2015 output before the ES5 pass (bytes), for the notes */
  es2015Bytes: number;
}

const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function stubs(): Plugin {
  return {
    name: 'espruino-externals',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (ESPRUINO_BUILTIN_MODULES.includes(args.path) && args.importer !== '' && !args.importer.includes('node_modules')) {
          return { path: args.path, external: true };
        }
        // tweetnacl's require('crypto') sits behind `typeof require !== 'undefined'`; on
        // Espruino that guard is true, and the stub's missing randomBytes makes nacl skip it
        if (nodeBuiltins.has(args.path)) return { path: args.path, namespace: 'node-builtin-stub' };
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'node-builtin-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}

/** Bundles `entry` into one ES5 classic script for Espruino and checks it; throws on any issue. */
export async function bundleForEspruino(o: EspruinoBundleOptions): Promise<EspruinoBundle> {
  const entry = resolve(o.entry);
  const fileName = o.fileName ?? 'app.js';
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'cjs',
    target: 'es2015',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    plugins: [stubs()],
    define: o.define ?? {},
    logLevel: 'silent',
    legalComments: 'none',
    charset: 'ascii', // Espruino strings are bytes: keep the upload 7-bit
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  const es5 = lowerToEs5(file.text, fileName);
  let code = `(function () {\n${es5}})();\n`;
  if (o.minify !== false) {
    // target es5: the minifier may only use ES5 syntax; the check below verifies it
    code = (await transform(code, { minify: true, target: 'es5', charset: 'ascii', legalComments: 'none' })).code;
  }
  const poly = o.polyfilled ?? [];
  const issues = checkEspruinoSyntax(code, fileName).filter((i) => !(i.rule.endsWith('missing-global') && poly.indexOf(i.text) >= 0));
  if (issues.length > 0) {
    const list = issues.slice(0, 20).map((i) => formatIssue(fileName, i));
    throw new Error(`the ${fileName} bundle uses syntax Espruino lacks (${issues.length}):\n${list.join('\n')}`);
  }
  return { code, es2015Bytes: Buffer.byteLength(file.text) };
}

/** TypeScript's ES5 emit of a JS script (TS 6 marks ES5 deprecated; the pinned 6.0.2 still emits it). */
export function lowerToEs5(code: string, fileName: string): string {
  const out = ts.transpileModule(code, {
    fileName: fileName.endsWith('.js') ? fileName : `${fileName}.js`,
    reportDiagnostics: true,
    // Espruino hoists nothing: function declarations move to the top of their scope
    transformers: { after: [hoistFunctionDeclarations, markRamFunctions(RAM_FUNCTIONS)] },
    compilerOptions: {
      target: ts.ScriptTarget.ES5,
      module: ts.ModuleKind.CommonJS,
      allowJs: true,
      alwaysStrict: false,
      ignoreDeprecations: '6.0',
      removeComments: true,
      noEmitHelpers: false,
      importHelpers: false,
      downlevelIteration: false,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(`ES5 pass over ${fileName}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
  }
  return out.outputText;
}

/**
 * The per-sample path: functions (methods, object properties, declarations) by name that
 * get Espruino's "ram" directive. Espruino then keeps them in RAM pretokenised instead of
 * lexing their source from flash on every call (espruino.com/Performance: 'Add "ram" to
 * the top of your function to tell Espruino to keep it in RAM and pretokenise it').
 * Measured in the real interpreter (tools/build/espruino/real-rate.ts): the cost of a V+I
 * pair drops from ~40 to ~17 reference-loop iterations. The price is RAM: their
 * pretokenised text lives in variables (espruino.vars_used counts it).
 * Generic names (read, now) also catch a few cold functions; that costs a little RAM only.
 */
export const RAM_FUNCTIONS = [
  'tick',
  'read',
  'now',
  'onBlock', // PolledAdc, the Analog read, the clock, the sampler's block callback
  'processBlock',
  'closeCycle',
  'accumulate',
  'setHalfLen',
  'resyncWindow',
  'railOrStuck',
  'bridgeGap', // MainsMeter
  'onBlockEnd',
  'onHalfCycle',
  'onPeak', // Protection, per block and half cycle
  'onCycle',
  'superviseMains',
  'tickReclose',
  'update',
  'healthy',
  'due',
  'sensorsHealthy', // per 50 Hz cycle
];

/** A transformer that puts "ram"; first in the body of every function bound to one of `names`
 *  (`X.prototype.name = function`, `name: function`, `function name`). Top-down: after the
 *  ES5 pass the nodes are synthesised and have no parent links. */
export function markRamFunctions(names: string[]): ts.TransformerFactory<ts.SourceFile> {
  const wanted = new Set(names);
  return (context) => {
    const f = context.factory;
    const withRam = (body: ts.Block): ts.Block => f.updateBlock(body, [f.createExpressionStatement(f.createStringLiteral('ram')), ...body.statements]);
    const mark = (fn: ts.FunctionExpression): ts.FunctionExpression =>
      f.updateFunctionExpression(fn, fn.modifiers, fn.asteriskToken, fn.name, fn.typeParameters, fn.parameters, fn.type, withRam(fn.body));
    const visit = (n: ts.Node): ts.Node => {
      const v = ts.visitEachChild(n, visit, context);
      if (
        ts.isPropertyAssignment(v) &&
        ts.isFunctionExpression(v.initializer) &&
        (ts.isIdentifier(v.name) || ts.isStringLiteral(v.name)) &&
        wanted.has(v.name.text)
      ) {
        return f.updatePropertyAssignment(v, v.name, mark(v.initializer));
      }
      if (
        ts.isBinaryExpression(v) &&
        v.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isFunctionExpression(v.right) &&
        ts.isPropertyAccessExpression(v.left) &&
        ts.isIdentifier(v.left.name) &&
        wanted.has(v.left.name.text)
      ) {
        return f.updateBinaryExpression(v, v.left, v.operatorToken, mark(v.right));
      }
      if (ts.isFunctionDeclaration(v) && v.name !== undefined && wanted.has(v.name.text) && v.body !== undefined) {
        return f.updateFunctionDeclaration(v, v.modifiers, v.asteriskToken, v.name, v.typeParameters, v.parameters, v.type, withRam(v.body));
      }
      return v;
    };
    return (sf) => ts.visitEachChild(sf, visit, context);
  };
}
