// The Lua-core rules of the portable-subset lint (tools/lint-subset.ts). They apply to the
// files tsconfig.lua.json includes: code that typescript-to-lua compiles for NodeMCU-class
// targets and that the parity tests run in fengari. Each rule names a construct that
// either does not compile with TSTL or compiles to Lua that behaves differently from JS.
// docs/PORTABLE-SUBSET.md explains each one.

import ts from 'typescript';

export type Report = (node: ts.Node, rule: string, message: string) => void;

const TYPED_ARRAYS = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
]);

// String members typescript-to-lua 1.37 translates (dist/transformation/builtins/string.js).
const TSTL_STRING_MEMBERS = new Set([
  'length',
  'replace',
  'replaceAll',
  'concat',
  'indexOf',
  'substr',
  'substring',
  'slice',
  'toLowerCase',
  'toUpperCase',
  'trim',
  'trimEnd',
  'trimRight',
  'trimStart',
  'trimLeft',
  'split',
  'charAt',
  'charCodeAt',
  'startsWith',
  'endsWith',
  'includes',
  'repeat',
  'padStart',
  'padEnd',
  'toString',
]);

// Shifts whose JS meaning Lua cannot give: TSTL refuses `>>` for 5.3 (Lua's `>>` is a
// logical shift), and compiles `>>>` as `(x & 4294967295) >> n`, whose mask does not fit
// fengari's or NodeMCU's 32-bit lua_Integer and so raises "no integer representation".
const SHIFTS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.GreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanEqualsToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
]);
// `x | 0`, `x ^ 0` truncate in JS; in Lua 5.3 they raise an error on a float with a fraction.
const TRUNCATING = new Set<ts.SyntaxKind>([ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken, ts.SyntaxKind.LessThanLessThanToken]);

function isZeroLiteral(e: ts.Expression): boolean {
  const u = unwrap(e);
  return ts.isNumericLiteral(u) && Number(u.text) === 0;
}

const TRUTHY_HINT = 'in Lua 0, NaN and "" are true; compare explicitly (x !== 0, s !== \'\', v !== undefined)';

/** True if `sym` is declared only in TypeScript's default lib files (a real global). */
export function isLibGlobal(program: ts.Program, sym: ts.Symbol | undefined): boolean {
  const decls = sym && sym.declarations;
  if (!decls || decls.length === 0) return false;
  return decls.every((d) => program.isSourceFileDefaultLibrary(d.getSourceFile()));
}

/** A type Lua tests for truth the way JS does: boolean, object, null/undefined, never. */
function isTruthSafe(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every((t) => isTruthSafe(checker, t));
  if (type.isIntersection()) return type.types.some((t) => isTruthSafe(checker, t));
  const f = type.flags;
  if (f & ts.TypeFlags.TypeParameter) {
    const c = checker.getBaseConstraintOfType(type);
    return c !== undefined && c !== type && isTruthSafe(checker, c);
  }
  const safe =
    ts.TypeFlags.BooleanLike |
    ts.TypeFlags.Undefined |
    ts.TypeFlags.Null |
    ts.TypeFlags.Void |
    ts.TypeFlags.Never |
    ts.TypeFlags.Object |
    ts.TypeFlags.NonPrimitive |
    ts.TypeFlags.ESSymbolLike;
  return (f & safe) !== 0;
}

function isNumberLike(checker: ts.TypeChecker, e: ts.Expression): boolean {
  const t = checker.getTypeAtLocation(e);
  const parts = t.isUnion() ? t.types : [t];
  return parts.some((p) => (p.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.Any)) !== 0);
}

function isStringLike(checker: ts.TypeChecker, e: ts.Expression): boolean {
  const t = checker.getTypeAtLocation(e);
  return (t.flags & ts.TypeFlags.StringLike) !== 0 || (t.isUnion() && t.types.every((p) => (p.flags & ts.TypeFlags.StringLike) !== 0));
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) e = e.expression;
  return e;
}

/** Checks an expression whose truth value decides control flow. */
export function checkCondition(checker: ts.TypeChecker, expr: ts.Expression, report: Report): void {
  const e = unwrap(expr);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
      checkCondition(checker, e.left, report);
      checkCondition(checker, e.right, report);
      return;
    }
  }
  // `!x` is checked where the visitor meets the `!` (its operand is a condition).
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return;
  const type = checker.getTypeAtLocation(e);
  if (!isTruthSafe(checker, type)) {
    report(e, 'truthiness', `condition of type '${checker.typeToString(type)}': ${TRUTHY_HINT}`);
  }
}

/** Applies the Lua-core rules to one node (the caller walks the tree). */
export function checkLuaNode(program: ts.Program, checker: ts.TypeChecker, node: ts.Node, report: Report): void {
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && TYPED_ARRAYS.has(node.typeName.text)) {
    report(node, 'typed-array', `${node.typeName.text} has no Lua counterpart; use plain number arrays`);
    return;
  }
  if (ts.isIdentifier(node) && isValueReference(node)) {
    const name = node.text;
    if (TYPED_ARRAYS.has(name) || name === 'JSON') {
      if (isLibGlobal(program, checker.getSymbolAtLocation(node))) {
        if (name === 'JSON') report(node, 'json', 'JSON is not available to the Lua core (TSTL has no JSON); encode at the edge, outside the core');
        else report(node, 'typed-array', `${name} has no Lua counterpart; use plain number arrays`);
      }
    }
    return;
  }
  if (ts.isPropertyAccessExpression(node)) {
    const member = node.name.text;
    if (isStringLike(checker, node.expression) && !TSTL_STRING_MEMBERS.has(member)) {
      report(node.name, 'string-method', `string.${member} is not supported by typescript-to-lua`);
    } else if (member === 'toString' && isNumberLike(checker, node.expression)) {
      report(node.name, 'number-to-string', 'number.toString() is Lua tostring(): 2 prints as "2.0" for floats; use toFixed(digits)');
    }
    return;
  }
  if (ts.isTemplateSpan(node) && isNumberLike(checker, node.expression)) {
    report(node.expression, 'number-to-string', 'number in a template string is Lua tostring(): 2 prints as "2.0" for floats; use toFixed(digits)');
    return;
  }
  if (
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'String' &&
    node.arguments.length === 1 &&
    isNumberLike(checker, node.arguments[0])
  ) {
    report(node, 'number-to-string', 'String(number) is Lua tostring(): 2 prints as "2.0" for floats; use toFixed(digits)');
    return;
  }
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (SHIFTS.has(op)) {
      report(
        node.operatorToken,
        'bitwise',
        'right shifts differ in Lua (`>>` is logical; `>>>` needs a 32-bit mask that fengari/NodeMCU integers cannot hold); use Math.floor(x / 2 ** n)',
      );
    } else if (TRUNCATING.has(op) && isZeroLiteral(node.right)) {
      report(node.operatorToken, 'bitwise', '`x | 0` truncation raises an error in Lua 5.3 for a float with a fraction; use Math.floor or Math.trunc');
    } else if (
      (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.PlusEqualsToken) &&
      ((isStringLike(checker, node.left) && isNumberLike(checker, node.right)) || (isNumberLike(checker, node.left) && isStringLike(checker, node.right)))
    ) {
      report(node.operatorToken, 'number-to-string', 'string + number is Lua tostring(): 2 prints as "2.0" for floats; use toFixed(digits)');
    } else if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
      // The left operand's truth decides the result even when the result is a value.
      checkCondition(checker, node.left, report);
    }
    return;
  }
  if (ts.isPrefixUnaryExpression(node)) {
    if (node.operator === ts.SyntaxKind.ExclamationToken) checkCondition(checker, node.operand, report);
    else if (
      node.operator === ts.SyntaxKind.TildeToken &&
      ts.isPrefixUnaryExpression(unwrap(node.operand)) &&
      (unwrap(node.operand) as ts.PrefixUnaryExpression).operator === ts.SyntaxKind.TildeToken
    ) {
      report(node, 'bitwise', '`~~x` truncation raises an error in Lua 5.3 for a float with a fraction; use Math.floor or Math.trunc');
    }
    return;
  }
  if (ts.isIfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) {
    checkCondition(checker, node.expression, report);
  } else if (ts.isForStatement(node) && node.condition) {
    checkCondition(checker, node.condition, report);
  } else if (ts.isConditionalExpression(node)) {
    checkCondition(checker, node.condition, report);
  }
}

/** An identifier that reads a value (not a declaration name, member name or type). */
export function isValueReference(id: ts.Identifier): boolean {
  return !isDeclarationName(id) && !isMemberName(id) && !isInTypePosition(id);
}

function isInTypePosition(node: ts.Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    // `class A extends B` names a value even though the AST node is a type-ish one.
    if (
      ts.isExpressionWithTypeArguments(p) &&
      ts.isHeritageClause(p.parent) &&
      p.parent.token === ts.SyntaxKind.ExtendsKeyword &&
      ts.isClassLike(p.parent.parent)
    )
      return false;
    if (ts.isTypeNode(p)) return true;
    if (ts.isStatement(p) || ts.isSourceFile(p)) return false;
  }
  return false;
}

function isDeclarationName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (
    (ts.isVariableDeclaration(p) ||
      ts.isFunctionDeclaration(p) ||
      ts.isClassDeclaration(p) ||
      ts.isParameter(p) ||
      ts.isInterfaceDeclaration(p) ||
      ts.isTypeAliasDeclaration(p) ||
      ts.isImportSpecifier(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isMethodSignature(p) ||
      ts.isEnumMember(p)) &&
    p.name === id
  );
}

function isMemberName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isPropertyAssignment(p) && p.name === id) || ts.isQualifiedName(p);
}
