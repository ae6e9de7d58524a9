// The portable-subset lint can fail: every banned construct is flagged in a small snippet,
// clean code passes, and the real firmware/ tree has no errors (this guards everyone's code).
import test from 'ava';
import { errorsOnly, firmwareFiles, formatViolation, lintSource, lintSubset, luaCoreFiles, REPO_ROOT } from '../tools/lint-subset';
import { resolve } from 'node:path';
import { boundaryError, checkImportBoundaries, checkImports, formatImportViolation, layerOf } from '../tools/lint-imports';

// [rule, snippet, lua rules on?]
const BANNED: [string, string, boolean][] = [
  ['destructuring', 'const o = { a: 1 }; const { a } = o;', false],
  ['destructuring', 'const xs = [1, 2]; const [p, q] = xs;', false],
  ['destructuring', 'function f({ a }: { a: number }) { return a; }', false],
  ['destructuring', 'let p = 0; let q = 0; [p, q] = [q, p];', false],
  ['spread', 'const a = [1]; const b = [...a, 2];', false],
  ['spread', 'const a = { x: 1 }; const b = { ...a };', false],
  ['spread', 'function f(a: number, b: number) { return a + b; } const xs: [number, number] = [1, 2]; f(...xs);', false],
  ['rest', 'function f(...xs: number[]) { return xs.length; }', false],
  ['default-parameter', 'function f(a = 1) { return a; }', false],
  ['default-parameter', 'const f = (a: number, b = 2) => a + b;', false],
  ['for-of', 'for (const x of [1, 2]) { x; }', false],
  ['map-set', 'const m = new Map<string, number>();', false],
  ['map-set', 'const s = new Set<number>();', false],
  ['map-set', 'const w = new WeakMap<object, number>();', false],
  ['map-set', 'class Cache extends Map<string, number> {}', false],
  ['optional-chaining', 'const o: { a?: { b: number } } = {}; const b = o.a?.b;', false],
  ['optional-chaining', 'const f: (() => void) | undefined = undefined; f?.();', false],
  ['nullish', 'const a: number | undefined = undefined; const b = a ?? 1;', false],
  ['nullish', 'let a: number | undefined; a ??= 1;', false],
  ['logical-assignment', 'let a = 0; a ||= 1;', false],
  ['regexp', 'const r = /a+/;', false],
  ['length-write', 'const xs = [1, 2, 3]; xs.length = 1;', false],
  ['length-write', 'const xs: number[] = []; xs.length -= 1;', false],
  ['typed-array-slice', 'const b = new Uint8Array(4); const c = b.slice(1);', false],
  ['regexp', "const r = new RegExp('a+');", false],
  ['generator', 'function* g() { yield 1; }', false],
  ['generator', 'class C { *items() { yield 1; } }', false],
  ['async', 'async function f() { return 1; }', false],
  ['async', 'const f = async () => 1;', false],
  ['label', 'outer: for (let i = 0; i < 2; i++) { break outer; }', false],
  ['private-name', 'class C { #x = 1; get x() { return this.#x; } }', false],
  ['bigint', 'const b = 10n;', false],
  // Lua core only
  ['typed-array', 'const b = new Uint8Array(4);', true],
  ['typed-array', 'function f(b: Float32Array) { return b.length; }', true],
  ['typed-array', 'const v = new DataView(new ArrayBuffer(4));', true],
  ['json', "const o = JSON.parse('{}');", true],
  ['string-method', "const s = 'abc'; const m = s.match('b');", true],
  ['string-method', "const s = 'abc'; const i = s.lastIndexOf('b');", true],
  ['string-method', "const s = 'abc'; const c = s.codePointAt(0);", true],
  ['truthiness', 'function f(n: number) { if (n) return 1; return 0; }', true],
  ['truthiness', "function f(s: string) { while (s) s = ''; }", true],
  ['truthiness', 'function f(n: number | undefined) { return n ? 1 : 0; }', true],
  ['truthiness', 'function f(n: number) { return !n; }', true],
  ['truthiness', 'function f(n: number, d: number) { return n || d; }', true],
  ['truthiness', 'function f(a: boolean, n: number) { if (a && n) return 1; return 0; }', true],
  ['truthiness', 'function f(x: any) { if (x) return 1; return 0; }', true],
  ['truthiness', 'function f<T extends number>(x: T) { return x ? 1 : 0; }', true],
  ['bitwise', 'function f(x: number) { return x | 0; }', true],
  ['bitwise', 'function f(x: number) { return x >> 1; }', true],
  ['bitwise', 'function f(x: number) { return x >>> 0; }', true],
  ['bitwise', 'function f(x: number) { return ~~x; }', true],
  ['number-to-string', 'function f(x: number) { return `x=${x}`; }', true],
  ['number-to-string', "function f(x: number) { return 'x=' + x; }", true],
  ['number-to-string', 'function f(x: number) { return x.toString(); }', true],
  ['number-to-string', 'function f(x: number) { return String(x); }', true],
];

for (const [rule, code, lua] of BANNED) {
  test(`flags ${rule}: ${code}`, (t) => {
    const vs = lintSource(code, { lua });
    const hit = vs.filter((v) => v.rule === rule);
    t.true(hit.length > 0, `expected [${rule}], got:\n${vs.map(formatViolation).join('\n') || '(nothing)'}`);
    t.is(hit[0].level, lua ? 'lua' : 'espruino');
    t.true(hit[0].line >= 1 && hit[0].column >= 1);
  });
}

const CLEAN_ESPRUINO = `
interface Reading { v: number; i: number }
class Meter {
  private total = 0;
  get energy(): number { return this.total; }
  set energy(x: number) { this.total = x; }
  add(r: Reading): void { this.total += r.v * r.i; }
}
const arr = [1, 2, 3];
const idx: { [k: string]: number } = {};
for (const k in idx) { idx[k] = 0; }
for (let i = 0; i < arr.length; i++) { arr[i] = arr[i] * 2; }
const f = (a: number, b: number): number => a + b;
const s = \`sum \${f(1, 2)}\`;
let m: Map<string, number> | undefined; // a Map *type* only: erased
export { Meter, s, m };
`;

const CLEAN_LUA = `
export interface Sample { v: number; name: string; ok?: { n: number } }
export function count(xs: Sample[], limit: number): number {
  let n = 0;
  const len = xs.length;
  for (let i = 0; i < len; i++) {
    const x = xs[i];
    if (x.v > limit && x.name !== '' && x.ok !== undefined) n += 1;
    if (x.ok) n += x.ok.n; // objects test truthy the same in Lua
  }
  const flags = 1 | 4; // integer flag masks are fine
  const label = 'n=' + n.toFixed(0);
  return n !== 0 && label !== '' ? n + (flags & 1) : 0;
}
`;

test('clean Espruino-level code passes (getters/setters, for-in, Map types, arrows)', (t) => {
  const vs = lintSource(CLEAN_ESPRUINO, { lua: false });
  t.deepEqual(vs.map(formatViolation), []);
});

test('clean Lua-core code passes the Lua rules', (t) => {
  const vs = lintSource(CLEAN_LUA, { lua: true });
  t.deepEqual(vs.map(formatViolation), []);
});

test('Lua rules stay off outside the Lua core', (t) => {
  const vs = lintSource('function f(n: number) { if (n) return JSON.stringify(new Uint8Array(n)); return ""; }', { lua: false });
  t.deepEqual(vs.map(formatViolation), []);
});

test('number-to-string is a warning, the rest are errors', (t) => {
  const vs = lintSource('function f(x: number) { if (x) return `x=${x}`; return ""; }', { lua: true });
  t.deepEqual(vs.map((v) => `${v.rule}:${v.severity}`).sort(), ['number-to-string:warning', 'truthiness:error']);
});

test('a subset-ok waiver with a reason silences only its rule on that line', (t) => {
  const code = [
    'function f(x: number) {',
    '  // subset-ok(truthiness): x is a count, 0 is meant to be false on every engine we ship',
    '  if (x) return 1;',
    '  if (x) return 2; // subset-ok(bitwise): wrong rule, still flagged',
    '  if (x) return 3; // subset-ok(truthiness)',
    '  return 0;',
    '}',
  ].join('\n');
  const lines = lintSource(code, { lua: true }).map((v) => v.line);
  t.deepEqual(lines, [4, 5]);
});

test('the Lua core list comes from tsconfig.lua.json', (t) => {
  const core = luaCoreFiles();
  t.true(core.has(resolve(REPO_ROOT, 'firmware/parity/entry.ts')));
  t.false([...core].some((f) => !f.startsWith(resolve(REPO_ROOT, 'firmware'))));
});

test('the real firmware/ tree has no portable-subset errors', (t) => {
  const files = firmwareFiles();
  t.true(files.length > 0);
  const vs = lintSubset(files);
  const errors = errorsOnly(vs);
  t.deepEqual(errors.map(formatViolation), []);
  const warnings = vs.length - errors.length;
  if (warnings > 0) t.log(`${warnings} advisory warning(s); run \`npx tsx tools/lint-subset.ts\` to list them`);
});

// Import boundaries (tools/lint-imports.ts): targets -> firmware -> hal interfaces; providers
// and hal/sim -> hal interfaces only. [importing file, specifier, allowed?]
const IMPORTS: [string, string, boolean][] = [
  ['firmware/app/node-core.ts', '../../hal/io', true],
  ['firmware/app/node-core.ts', '../../boards/board', true],
  ['firmware/app/node-core.ts', '../metering/mains-meter', true],
  ['firmware/app/start.ts', '../../hal/moddable/device', false],
  ['firmware/app/start.ts', '../../hal/sim/board', false],
  ['firmware/app/start.ts', '../../hal/common/polled-adc', false],
  ['firmware/app/start.ts', '../../tools/engines/run', false],
  ['firmware/app/start.ts', '../../targets/moddable/main', false],
  ['firmware/app/start.ts', '../../boards/moddable-two.json', false],
  ['hal/moddable/device.ts', '../io', true],
  ['hal/moddable/device.ts', '../common/polled-adc', true],
  ['hal/moddable/native/with-native.ts', '../continuous-adc', true],
  ['hal/moddable/device.ts', '../../firmware/app/meter-node', false],
  ['hal/espruino/device.ts', '../moddable/polled-adc', false],
  ['hal/nodemcu/device.ts', '../../tools/engines/run', false],
  ['hal/common/polled-adc.ts', '../moddable/device', false],
  ['hal/sim/board.ts', '../io', true],
  ['hal/sim/perf.ts', '../../boards/esp32-devkitc-meter.json', true],
  ['hal/sim/board.ts', '../../firmware/metering/mains-meter', false],
  ['hal/sim/board.ts', '../moddable/device', false],
  ['hal/io.ts', '../firmware/app/meter-node', false],
  ['targets/moddable/main.ts', '../../firmware/app/start', true],
  ['targets/moddable/main.ts', '../../hal/moddable/device', true],
  ['targets/moddable-native/main.ts', '../moddable/main', false],
  ['targets/espruino/main.ts', '../../tools/build/espruino', false],
  ['targets/espruino/main.ts', '../../hal/sim/board', false],
];

for (const [from, spec, ok] of IMPORTS) {
  test(`import boundary: ${from} -> ${spec} is ${ok ? 'allowed' : 'refused'}`, (t) => {
    const vs = checkImports(from, `import { x } from '${spec}';\n`);
    t.is(vs.length, ok ? 0 : 1, vs.map(formatImportViolation).join('\n'));
    if (!ok) t.regex(formatImportViolation(vs[0]), /import-boundary/);
  });
}

test('import boundary: type-only imports and re-exports count too; packages are not its business', (t) => {
  t.is(checkImports('firmware/x.ts', "import type { Device } from '../hal/moddable/device';").length, 1);
  t.is(checkImports('firmware/x.ts', "export { createDevice } from '../hal/nodemcu/device';").length, 1);
  t.is(checkImports('firmware/x.ts', "import nacl from 'tweetnacl';").length, 0);
  t.is(layerOf('hal/radio.ts'), 'hal-interface');
  t.not(boundaryError('firmware/a.ts', 'hal/espruino/device'), '');
});

test('the real tree keeps its import boundaries', (t) => {
  t.deepEqual(checkImportBoundaries(REPO_ROOT).map(formatImportViolation), []);
});
