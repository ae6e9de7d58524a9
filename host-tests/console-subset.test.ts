// firmware/console must stay inside the Espruino language level (project rule 1). This
// walks the TypeScript AST of every file there and rejects the constructs Espruino lacks.
import test from 'ava';
import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = 'firmware/console';

function violations(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true);
  const out: string[] = [];
  const at = (n: ts.Node, what: string) => out.push(`${file}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${what}`);
  const visit = (n: ts.Node): void => {
    if (ts.isSpreadElement(n) || ts.isSpreadAssignment(n)) at(n, 'spread');
    else if (ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n)) at(n, 'destructuring');
    else if (
      ts.isArrayLiteralExpression(n) &&
      ts.isBinaryExpression(n.parent) &&
      n.parent.left === n &&
      n.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
    )
      at(n, 'destructuring assignment');
    else if (ts.isForOfStatement(n) || ts.isForInStatement(n)) at(n, 'for-of/for-in');
    else if (ts.isParameter(n) && n.initializer !== undefined) at(n, 'default parameter');
    else if ((ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n)) && n.questionDotToken !== undefined)
      at(n, 'optional chaining');
    else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) at(n, 'nullish coalescing');
    else if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) at(n, 'RegExp literal');
    else if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && ['Map', 'Set', 'WeakMap', 'RegExp', 'Proxy'].includes(n.expression.text))
      at(n, `new ${n.expression.text}`);
    else if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.asteriskToken !== undefined) at(n, 'generator');
    else if (ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) at(n, 'async');
    else if (ts.isPropertyDeclaration(n) && n.initializer !== undefined) at(n, 'class field initializer');
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

test('firmware/console stays in the Espruino subset', (t) => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  t.true(files.length >= 7);
  t.deepEqual(
    files.flatMap((f) => violations(join(DIR, f))),
    [],
  );
});

test('the subset checker catches each forbidden construct', (t) => {
  const bad =
    'const {a} = o; const x = [...y]; for (const z of q) {} function f(p = 1) {} o?.p; a ?? b; /re/; new Map(); async function g() {} function* h() {} class C { x = 1 }';
  const file = join(process.env.TMPDIR ?? '/tmp', `subset-probe-${process.pid}.ts`);
  ts.sys.writeFile(file, bad);
  t.is(violations(file).length, 11);
});
