// The Espruino syntax check: parses the OUTPUT script (what the board will interpret)
// and lists every construct Espruino's interpreter lacks. The TypeScript lint
// (tools/lint-subset.ts) guards firmware/ sources; this guards what esbuild, the ES5
// pass and third-party code (tweetnacl) actually put into the upload, including bundler
// helpers that never appear in our sources (esbuild's own helpers use for-of, for one).
//
// Rules: the Espruino level of docs/PORTABLE-SUBSET.md (destructuring, spread/rest,
// default parameters, for-of, Map/Set, ?., ??, logical assignment, generators, async,
// labels, #private, BigInt, RegExp) plus what only appears in emitted JS: class fields,
// the ** operator, tagged templates and Proxy/Reflect/Symbol/BigInt as values. A global
// used only under `typeof X` is feature detection and is allowed. Two whole-script rules
// come from running the upload in the real interpreter (Espruino 2v29): a var or function
// used before its declaration (Espruino hoists nothing) and slice() on an ArrayBuffer.
import ts from 'typescript';
import { checkArrayBufferSlice, checkDeclarationOrder, checkEspruinoSyntaxNode, isNameSlot, type Report } from '../../espruino-syntax';

export interface EspruinoIssue {
  rule: string;
  line: number; // 1-based
  column: number; // 1-based
  message: string;
  /** the offending source text, shortened */
  text: string;
}

/** Globals Espruino does not have; referencing one as a value fails at run time. */
const MISSING_GLOBALS: Record<string, string> = {
  Map: 'Map is not in Espruino; use a plain object keyed by string',
  Set: 'Set is not in Espruino; use a plain object or an array',
  WeakMap: 'WeakMap is not in Espruino',
  WeakSet: 'WeakSet is not in Espruino',
  Proxy: 'Proxy is not in Espruino',
  Reflect: 'Reflect is not in Espruino',
  Symbol: 'Symbol is not in Espruino',
  BigInt: 'BigInt is not in Espruino or Lua',
  BigInt64Array: 'BigInt64Array is not in Espruino',
  BigUint64Array: 'BigUint64Array is not in Espruino',
  RegExp: 'RegExp is banned in the upload (partial and slow in Espruino, missing in Lua)',
};

/** Lists the Espruino-unsupported constructs in `code` (a classic script), in source order. */
export function checkEspruinoSyntax(code: string, fileName = 'app.js'): EspruinoIssue[] {
  const sf = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out: EspruinoIssue[] = [];
  const seen = new Set<string>();
  const report = (node: ts.Node, rule: string, message: string): void => {
    const start = node.getStart(sf);
    const key = `${start}:${rule}`;
    if (seen.has(key)) return;
    seen.add(key);
    const lc = sf.getLineAndCharacterOfPosition(start);
    const raw = code.slice(start, Math.min(node.getEnd(), start + 60)).replace(/\s+/g, ' ');
    out.push({ rule, line: lc.line + 1, column: lc.character + 1, message, text: raw });
  };
  // a script that does not parse is the first thing to report
  const parseErrors = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  for (const d of parseErrors) {
    const lc = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    out.push({ rule: 'syntax', line: lc.line + 1, column: lc.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, ' '), text: '' });
  }
  const declared = declaredNames(sf);
  const visit = (node: ts.Node): void => {
    checkNode(node, declared, report);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  checkDeclarationOrder(sf, report);
  checkArrayBufferSlice(sf, report);
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

export function formatIssue(fileName: string, i: EspruinoIssue): string {
  return `${fileName}:${i.line}:${i.column} [espruino/${i.rule}] ${i.message}${i.text !== '' ? `: ${i.text}` : ''}`;
}

// The syntax rules shared with the source lint, plus what only emitted JS can break.
function checkNode(node: ts.Node, declared: Set<string>, report: Report): void {
  checkEspruinoSyntaxNode(node, report);
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.AsteriskAsteriskToken || op === ts.SyntaxKind.AsteriskAsteriskEqualsToken) {
      report(node.operatorToken, 'exponent', 'the ** operator is not reliably in Espruino; use Math.pow');
    }
  } else if (ts.isRegularExpressionLiteral(node)) {
    report(node, 'regexp', MISSING_GLOBALS.RegExp);
  } else if (ts.isForOfStatement(node) && node.awaitModifier) {
    report(node, 'async', 'await is not in Espruino');
  } else if (ts.isPropertyDeclaration(node)) {
    report(node, 'class-field', 'class fields are not in Espruino; assign in the constructor');
  } else if (ts.isTaggedTemplateExpression(node)) {
    report(node, 'tagged-template', 'tagged templates are not in Espruino');
  } else if (ts.isIdentifier(node) && Object.prototype.hasOwnProperty.call(MISSING_GLOBALS, node.text)) {
    if (isFreeValueReference(node) && !declared.has(node.text)) {
      report(node, node.text === 'RegExp' ? 'regexp' : node.text.startsWith('BigInt') ? 'bigint' : 'missing-global', MISSING_GLOBALS[node.text]);
    }
  }
}

/** An identifier read as a value (not a property name, not a declaration, not under typeof). */
function isFreeValueReference(id: ts.Identifier): boolean {
  // feature detection reads a missing global safely: `typeof Proxy !== "undefined"`
  return !isNameSlot(id) && !ts.isTypeOfExpression(id.parent);
}

/** Every name the script declares itself (a local `Set` shadows the missing global). */
function declaredNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isParameter(n) || ts.isClassDeclaration(n)) &&
      n.name !== undefined &&
      ts.isIdentifier(n.name)
    )
      names.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return names;
}
