// The syntax Espruino's interpreter lacks, as one rule set over TypeScript's AST. Two
// checks use it: tools/lint-subset.ts on firmware/ sources (adds type-aware rules: banned
// globals, the Lua core) and tools/build/espruino/check.ts on the emitted bundle (adds
// rules only emitted JS can break: class fields, tagged templates, missing globals).
// Espruino 2v2x: https://www.espruino.com/Features (ES5 plus let/const, arrows, classes,
// template literals).
import ts from 'typescript';

export type Report = (node: ts.Node, rule: string, message: string) => void;

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node) || ts.isConstructorDeclaration(node);
}

/** Report the Espruino-unsupported syntax at `node` (not its children). */
export function checkEspruinoSyntaxNode(node: ts.Node, report: Report): void {
  if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) {
    // the outermost pattern only
    if (!ts.isBindingElement(node.parent)) report(node, 'destructuring', 'destructuring is not in Espruino; read fields one by one');
  } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))) {
    report(node.left, 'destructuring', 'destructuring assignment is not in Espruino; assign fields one by one');
  } else if ((ts.isForOfStatement(node) || ts.isForInStatement(node)) &&
      (ts.isObjectLiteralExpression(node.initializer) || ts.isArrayLiteralExpression(node.initializer))) {
    report(node.initializer, 'destructuring', 'destructuring in a loop head is not in Espruino');
  } else if (ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) {
    report(node, 'spread', 'spread (...) is not in Espruino; copy with a loop');
  } else if (ts.isParameter(node)) {
    if (node.dotDotDotToken) report(node, 'rest', 'rest parameters are not in Espruino; pass an array');
    if (node.initializer) report(node.initializer, 'default-parameter', 'default parameter values are not in Espruino; test `x === undefined` in the body');
  } else if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node)) &&
      node.questionDotToken) {
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
