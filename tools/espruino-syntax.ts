// The syntax Espruino's interpreter lacks, as one rule set over TypeScript's AST. Two
// checks use it: tools/lint-subset.ts on firmware/ sources (adds type-aware rules: banned
// globals, the Lua core) and tools/build/espruino/check.ts on the emitted bundle (adds
// rules only emitted JS can break: class fields, tagged templates, missing globals).
// Espruino 2v2x: https://www.espruino.com/Features (ES5 plus let/const, arrows, classes,
// template literals).
import ts from 'typescript';

export type Report = (node: ts.Node, rule: string, message: string) => void;

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessor(node) ||
    ts.isSetAccessor(node) ||
    ts.isConstructorDeclaration(node)
  );
}

/** Report the Espruino-unsupported syntax at `node` (not its children). */
export function checkEspruinoSyntaxNode(node: ts.Node, report: Report): void {
  if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) {
    // the outermost pattern only
    if (!ts.isBindingElement(node.parent)) report(node, 'destructuring', 'destructuring is not in Espruino; read fields one by one');
  } else if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))
  ) {
    report(node.left, 'destructuring', 'destructuring assignment is not in Espruino; assign fields one by one');
  } else if (
    (ts.isForOfStatement(node) || ts.isForInStatement(node)) &&
    (ts.isObjectLiteralExpression(node.initializer) || ts.isArrayLiteralExpression(node.initializer))
  ) {
    report(node.initializer, 'destructuring', 'destructuring in a loop head is not in Espruino');
  } else if (ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) {
    report(node, 'spread', 'spread (...) is not in Espruino; copy with a loop');
  } else if (ts.isParameter(node)) {
    if (node.dotDotDotToken) report(node, 'rest', 'rest parameters are not in Espruino; pass an array');
    if (node.initializer) report(node.initializer, 'default-parameter', 'default parameter values are not in Espruino; test `x === undefined` in the body');
  } else if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node)) && node.questionDotToken) {
    report(node.questionDotToken, 'optional-chaining', 'optional chaining (?.) is not in Espruino; test for undefined first');
  } else if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.QuestionQuestionEqualsToken) {
      report(node.operatorToken, 'nullish', 'nullish coalescing (??) is not in Espruino; write `x !== undefined ? x : d`');
    } else if (op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.AmpersandAmpersandEqualsToken) {
      report(node.operatorToken, 'logical-assignment', 'logical assignment (||=, &&=) is not in Espruino; write it out');
    }
  } else if (ts.isLabeledStatement(node)) {
    report(node.label, 'label', 'labelled statements are not in Espruino; use a flag or a function');
  } else if (ts.isAwaitExpression(node)) {
    report(node, 'async', 'await is not in Espruino; use callbacks or a state machine');
  } else if (ts.isPrivateIdentifier(node)) {
    report(node, 'private-name', '#private fields are not in Espruino; use a plain property');
  } else if (ts.isBigIntLiteral(node)) {
    report(node, 'bigint', 'BigInt is not in Espruino or Lua');
  } else if (ts.isYieldExpression(node)) {
    report(node, 'generator', 'yield is not in Espruino');
  }
  if (ts.isForOfStatement(node)) report(node, 'for-of', 'for-of is not in Espruino; use an index loop');
  if (isFunctionLike(node)) {
    if (node.asteriskToken) report(node, 'generator', 'generators are not in Espruino; use an explicit iterator object');
    const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
    if (mods && mods.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      report(node, 'async', 'async functions are not in Espruino; use callbacks or a state machine');
    }
  }
}

// ---- declaration order: Espruino hoists nothing ----
//
// Espruino's interpreter executes a script statement by statement and defines a function
// or a var only when it reaches the declaration (espruino/Espruino issue #274; checked in
// 2v29: `f(); function f() {}` -> ReferenceError "f" is not defined, and `x = 5; var x;`
// inside a function assigns a GLOBAL x). TypeScript's ES5 class output is exactly that
// shape: `var O = (function (_super) { __extends(O, _super); function O() {...} ...`.
// The build moves function declarations to the top of their statement list
// (hoistFunctionDeclarations below); this check proves the output needs no hoisting.

type Scope = { node: ts.Node; decls: Map<string, number>; iife: boolean; parent: Scope | undefined };

function isScopeNode(n: ts.Node): boolean {
  return ts.isSourceFile(n) || isFunctionLike(n);
}

/** Is `fn` called right where it is written: `(function () {...})()`, `(function(){}).call(this)`? */
function isImmediatelyInvoked(fn: ts.Node): boolean {
  let p: ts.Node = fn.parent;
  let child: ts.Node = fn;
  while (ts.isParenthesizedExpression(p)) {
    child = p;
    p = p.parent;
  }
  if (ts.isCallExpression(p) && p.expression === child) return true;
  if (
    ts.isPropertyAccessExpression(p) &&
    p.expression === child &&
    (p.name.text === 'call' || p.name.text === 'apply') &&
    ts.isCallExpression(p.parent) &&
    p.parent.expression === p
  )
    return true;
  return false;
}

/** var / function declarations and parameters that belong to scope node `s` (not nested functions), with positions. */
function scopeDeclarations(s: ts.Node, sf: ts.SourceFile): Map<string, number> {
  const decls = new Map<string, number>();
  if (isFunctionLike(s)) {
    for (const p of s.parameters) if (ts.isIdentifier(p.name)) decls.set(p.name.text, -1);
    // a named function expression sees its own name
    if (ts.isFunctionExpression(s) && s.name !== undefined) decls.set(s.name.text, -1);
  }
  const add = (name: string, pos: number): void => {
    if (!decls.has(name)) decls.set(name, pos);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n)) {
      if (n.name !== undefined) add(n.name.text, n.getStart(sf));
      return; // its body is its own scope
    }
    if (n !== s && isFunctionLike(n)) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) add(n.name.text, n.getStart(sf));
    if (ts.isCatchClause(n)) return; // the catch variable is block-scoped: not a var of this scope
    ts.forEachChild(n, visit);
  };
  const body = isFunctionLike(s) ? s.body : s;
  if (body !== undefined) ts.forEachChild(body, visit);
  return decls;
}

/**
 * The identifier names a property or a declaration (`o.x`, `{x: 1}`, a method, `var x`,
 * `function x`, a parameter...): it is not a read or a write of a variable.
 */
export function isNameSlot(id: ts.Identifier): boolean {
  const p = id.parent;
  const named =
    ts.isPropertyAccessExpression(p) ||
    ts.isPropertyAssignment(p) ||
    ts.isMethodDeclaration(p) ||
    ts.isPropertyDeclaration(p) ||
    ts.isGetAccessor(p) ||
    ts.isSetAccessor(p) ||
    ts.isVariableDeclaration(p) ||
    ts.isFunctionDeclaration(p) ||
    ts.isParameter(p) ||
    ts.isClassDeclaration(p) ||
    ts.isFunctionExpression(p) ||
    ts.isBindingElement(p);
  return named && p.name === id;
}

/** An identifier read or written as a variable (not a property name, not a declaration's own name, not a label). */
function isVariableReference(id: ts.Identifier): boolean {
  return !isNameSlot(id) && !ts.isLabeledStatement(id.parent) && !ts.isBreakOrContinueStatement(id.parent);
}

/**
 * Reports every variable used, in the code that runs at that point, before its var or
 * function declaration in the same scope: code that works in any JS engine (hoisting)
 * and fails in Espruino. A use inside a function that is only called later is not
 * reported; a use inside an immediately invoked function counts at the call.
 */
export function checkDeclarationOrder(sf: ts.SourceFile, report: Report): void {
  const scopes = new Map<ts.Node, Scope>();
  const scopeOf = (n: ts.Node): Scope => {
    let s = scopes.get(n);
    if (s === undefined) {
      let up: ts.Node | undefined = n.parent;
      while (up !== undefined && !isScopeNode(up)) up = up.parent;
      s = { node: n, decls: scopeDeclarations(n, sf), iife: n !== sf && isImmediatelyInvoked(n), parent: up === undefined ? undefined : scopeOf(up) };
      scopes.set(n, s);
    }
    return s;
  };
  const visit = (n: ts.Node, scope: Scope): void => {
    if (n !== scope.node && isScopeNode(n)) {
      const inner = scopeOf(n);
      // parameter defaults and the body run when called; only an IIFE runs here
      ts.forEachChild(n, (c) => visit(c, inner));
      return;
    }
    if (ts.isIdentifier(n) && isVariableReference(n)) {
      const at = n.getStart(sf);
      let s: Scope | undefined = scope;
      let runsNow = true; // the reference runs while the scope's own code runs (scope, or IIFEs inside it)
      while (s !== undefined) {
        const pos = s.decls.get(n.text);
        if (pos !== undefined) {
          if (runsNow && pos > at) {
            const kind = ts.isTypeOfExpression(n.parent) ? 'read with typeof' : 'used';
            report(
              n,
              'declaration-order',
              `'${n.text}' is ${kind} before its declaration; Espruino does not hoist var or function declarations (declare it first)`,
            );
          }
          break;
        }
        runsNow = runsNow && s.iife;
        s = s.parent;
      }
    }
    ts.forEachChild(n, (c) => visit(c, scope));
  };
  visit(sf, scopeOf(sf));
}

/**
 * A TypeScript transformer that moves every function declaration to the top of its
 * statement list (after a "use strict" prologue), in source order: what a hoisting
 * engine does implicitly, made explicit for Espruino. Nothing else moves; a function
 * declaration has no side effects, so the order of the other statements is unchanged.
 */
export function hoistFunctionDeclarations(context: ts.TransformationContext): ts.Transformer<ts.SourceFile> {
  const f = context.factory;
  const reorder = (stmts: ts.NodeArray<ts.Statement>): ts.Statement[] | undefined => {
    let prologue = 0;
    while (prologue < stmts.length && ts.isExpressionStatement(stmts[prologue]) && ts.isStringLiteral((stmts[prologue] as ts.ExpressionStatement).expression))
      prologue++;
    const rest = stmts.slice(prologue);
    const fns = rest.filter((s) => ts.isFunctionDeclaration(s));
    const others = rest.filter((s) => !ts.isFunctionDeclaration(s));
    const moved = [...stmts.slice(0, prologue), ...fns, ...others];
    return moved.some((s, k) => s !== stmts[k]) ? moved : undefined;
  };
  const visit = (n: ts.Node): ts.Node => {
    const v = ts.visitEachChild(n, visit, context);
    if (ts.isBlock(v)) {
      const r = reorder(v.statements);
      return r === undefined ? v : f.updateBlock(v, r);
    }
    if (ts.isCaseClause(v)) {
      const r = reorder(v.statements);
      return r === undefined ? v : f.updateCaseClause(v, v.expression, r);
    }
    if (ts.isDefaultClause(v)) {
      const r = reorder(v.statements);
      return r === undefined ? v : f.updateDefaultClause(v, r);
    }
    return v;
  };
  return (sf) => {
    const v = ts.visitEachChild(sf, visit, context);
    const r = reorder(v.statements);
    return r === undefined ? v : f.updateSourceFile(v, r);
  };
}

// ---- ArrayBuffer.prototype.slice: not in Espruino ----
//
// Espruino's ArrayBuffer has no slice (2v29: `Function "slice" not found!`); its typed
// arrays do (and `new Uint8Array(buf)` views, `.set` copies). Without types, the check
// follows where ArrayBuffers come from: `new ArrayBuffer(..)`, `*.readArrayBuffer(..)`
// (Storage), `E.toArrayBuffer(..)` and `*.buffer` (a typed array's buffer), directly or
// through a variable of the same scope initialised or assigned from one.

function isArrayBufferSource(e: ts.Expression): boolean {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'ArrayBuffer') return true;
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const name = e.expression.name.text;
    if (name === 'readArrayBuffer' || name === 'toArrayBuffer') return true;
  }
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'buffer') return true;
  return false;
}

/** Reports `.slice(` on an ArrayBuffer (as far as the sources above show it is one). */
export function checkArrayBufferSlice(sf: ts.SourceFile, report: Report): void {
  // per scope node: names holding an ArrayBuffer
  const buffers = new Map<ts.Node, Set<string>>();
  const scopeOfNode = (n: ts.Node): ts.Node => {
    let up: ts.Node = n.parent;
    while (!isScopeNode(up)) up = up.parent;
    return up;
  };
  // the scope that declares `name` as seen from `n` (or the file when undeclared)
  const declaringScope = (n: ts.Node, name: string): ts.Node => {
    let s = scopeOfNode(n);
    for (;;) {
      if (ts.isSourceFile(s) || scopeDeclarations(s, sf).has(name)) return s;
      s = scopeOfNode(s);
    }
  };
  const mark = (at: ts.Node, name: string): void => {
    const s = declaringScope(at, name);
    let set = buffers.get(s);
    if (set === undefined) buffers.set(s, (set = new Set()));
    set.add(name);
  };
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer !== undefined && isArrayBufferSource(n.initializer)) mark(n, n.name.text);
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && isArrayBufferSource(n.right))
      mark(n, n.left.text);
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'slice') {
      const obj = n.expression.expression;
      const direct = isArrayBufferSource(obj);
      const named = ts.isIdentifier(obj) && buffers.get(declaringScope(n, obj.text))?.has(obj.text) === true;
      if (direct || named) {
        report(
          n.expression,
          'arraybuffer-slice',
          'ArrayBuffer has no slice() in Espruino; copy through a typed array: var c = new Uint8Array(n); c.set(new Uint8Array(buf))',
        );
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
