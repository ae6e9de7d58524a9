// What the core does on a NodeMCU-ESP32 firmware built with its default Lua 5.3 numbers:
// 32-bit integers and single-precision (float32) floats. A test-only build emulates that
// in Node, with no change to the core:
//
//   TypeScript -> JS with a transformer that rounds every numeric result to float32
//   (Math.fround): arithmetic (+ - * / % **, and their compound assignments), Math.*
//   calls, and literals float32 cannot hold exactly (0.1, 1e-9, ...). Integer counters
//   (++/--) are left alone: Lua keeps those as 32-bit integers, exact to 2^31.
//   esbuild then bundles the transformed modules, and Node imports the bundle.
//
// This over-approximates one thing: Lua does integer arithmetic (`#t`, math.floor
// results, integer literals) exactly in 32-bit integers, while here every product is
// rounded; below 2^24 the two agree, and the core's integer values stay far below that.
//
// `npx tsx tools/build/lua/float32.ts` prints the comparison (docs/BUILD-LUA.md quotes it).
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../engines/lua';
import type { CoreCase, CoreResult, ParityInput, ParityOutput } from '../../../firmware/parity/entry';
import { DEVKIT, synth, truth, type SynthOptions, type Tone } from '../../../host-tests/support/signal';
import { isEntry } from '../../cli';

const ARITH = new Set([
  ts.SyntaxKind.PlusToken,
  ts.SyntaxKind.MinusToken,
  ts.SyntaxKind.AsteriskToken,
  ts.SyntaxKind.SlashToken,
  ts.SyntaxKind.PercentToken,
  ts.SyntaxKind.AsteriskAsteriskToken,
]);
const COMPOUND: Record<number, ts.BinaryOperator> = {
  [ts.SyntaxKind.PlusEqualsToken]: ts.SyntaxKind.PlusToken,
  [ts.SyntaxKind.MinusEqualsToken]: ts.SyntaxKind.MinusToken,
  [ts.SyntaxKind.AsteriskEqualsToken]: ts.SyntaxKind.AsteriskToken,
  [ts.SyntaxKind.SlashEqualsToken]: ts.SyntaxKind.SlashToken,
  [ts.SyntaxKind.PercentEqualsToken]: ts.SyntaxKind.PercentToken,
};

export interface Float32Stats {
  /** expressions wrapped in Math.fround, by kind */
  arithmetic: number;
  compound: number;
  mathCalls: number;
  literals: number;
  /** compound assignments whose target was too complex to rewrite (left in float64) */
  skipped: string[];
}

function float32Transformer(checker: ts.TypeChecker, stats: Float32Stats): ts.TransformerFactory<ts.SourceFile> {
  const isNumber = (n: ts.Node): boolean => (checker.getTypeAtLocation(n).flags & ts.TypeFlags.NumberLike) !== 0;
  return (ctx) => {
    const f = ctx.factory;
    const fround = (e: ts.Expression): ts.Expression =>
      f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), 'fround'), undefined, [e]);
    // a fresh copy of a simple assignment target (x, this.x, a.b[k]) to read it back
    const rebuild = (e: ts.Expression): ts.Expression | undefined => {
      if (ts.isIdentifier(e)) return f.createIdentifier(e.text);
      if (e.kind === ts.SyntaxKind.ThisKeyword) return f.createThis();
      if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.name)) {
        const o = rebuild(e.expression);
        return o === undefined ? undefined : f.createPropertyAccessExpression(o, e.name.text);
      }
      if (ts.isElementAccessExpression(e) && (ts.isIdentifier(e.argumentExpression) || ts.isNumericLiteral(e.argumentExpression))) {
        const o = rebuild(e.expression);
        const k = ts.isIdentifier(e.argumentExpression) ? f.createIdentifier(e.argumentExpression.text) : f.createNumericLiteral(e.argumentExpression.text);
        return o === undefined ? undefined : f.createElementAccessExpression(o, k);
      }
      return undefined;
    };
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isBinaryExpression(node)) {
        const op = node.operatorToken.kind;
        if (ARITH.has(op) && isNumber(node)) {
          stats.arithmetic++;
          return fround(ts.visitEachChild(node, visit, ctx));
        }
        const base = COMPOUND[op];
        if (base !== undefined && isNumber(node.left)) {
          const target = rebuild(node.left);
          const read = rebuild(node.left);
          if (target === undefined || read === undefined) {
            stats.skipped.push(node.getText());
            return ts.visitEachChild(node, visit, ctx);
          }
          stats.compound++;
          const right = ts.visitNode(node.right, visit) as ts.Expression;
          return f.createAssignment(target, fround(f.createBinaryExpression(read, base, f.createParenthesizedExpression(right))));
        }
      }
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        ts.isIdentifier(node.expression.expression) &&
        node.expression.expression.text === 'Math' &&
        isNumber(node)
      ) {
        stats.mathCalls++;
        return fround(ts.visitEachChild(node, visit, ctx));
      }
      if (ts.isNumericLiteral(node)) {
        const v = Number(node.text);
        if (Math.fround(v) !== v) {
          stats.literals++;
          return fround(node);
        }
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return (sf) => ts.visitNode(sf, visit) as ts.SourceFile;
  };
}

/** Compiles `entry` and what it imports with every number rounded to float32; returns the module. */
export async function importFloat32<T>(entry: string): Promise<{ mod: T; stats: Float32Stats }> {
  const abs = resolve(REPO_ROOT, entry);
  const outDir = resolve(REPO_ROOT, '.float32-out');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    types: [],
    rootDir: REPO_ROOT,
    outDir,
    noEmit: false,
    declaration: false,
    lib: ['lib.es2020.d.ts'],
  };
  const program = ts.createProgram([abs], options);
  const stats: Float32Stats = { arithmetic: 0, compound: 0, mathCalls: 0, literals: 0, skipped: [] };
  const js = new Map<string, string>();
  const emit = program.emit(
    undefined,
    (name, text) => {
      if (name.endsWith('.js')) js.set(resolve(REPO_ROOT, relative(outDir, name)).replace(/\.js$/, '.ts'), text);
    },
    undefined,
    false,
    { before: [float32Transformer(program.getTypeChecker(), stats)] },
  );
  const errors = emit.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(`float32 build of ${entry}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
  const out = await esbuild.build({
    entryPoints: [abs],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
    plugins: [
      {
        name: 'float32',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, (args) => {
            const code = js.get(args.path);
            if (code === undefined) throw new Error(`float32: no transformed JS for ${relative(REPO_ROOT, args.path)}`);
            return { contents: code, loader: 'js' };
          });
        },
      },
    ],
  });
  const code = out.outputFiles[0].text;
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as T;
  return { mod, stats };
}

type Entry = { runVectors(input: ParityInput): ParityOutput; runCase(c: CoreCase): CoreResult };

/** Every number of plain data rounded to float32 (what the app would hold after reading it). */
export function froundDeep<T>(v: T): T {
  if (typeof v === 'number') return Math.fround(v) as T;
  if (Array.isArray(v)) return v.map(froundDeep) as T;
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = froundDeep(x);
    return o as T;
  }
  return v;
}

export interface CaseDiff {
  name: string;
  tripsF64: string[];
  tripsF32: string[];
  stateF64: string;
  stateF32: string;
  /** largest |trip time difference|, µs (NaN when the trip lists differ) */
  tripDtUs: number;
  cyclesF64: number;
  cyclesF32: number;
  /** worst relative difference over cycles, when both have the same cycles */
  vrms: number;
  irms: number;
  p: number;
  freq: number;
}

function cyclesWorst(a: number[], b: number[]): { vrms: number; irms: number; p: number; freq: number } {
  const w = { vrms: 0, irms: 0, p: 0, freq: 0 };
  if (a.length !== b.length) return { vrms: NaN, irms: NaN, p: NaN, freq: NaN };
  const rel = (x: number, y: number) => (Math.abs(x) < 1e-6 && Math.abs(y) < 1e-6 ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
  for (let k = 0; k + 5 < a.length; k += 6) {
    w.vrms = Math.max(w.vrms, rel(a[k + 1], b[k + 1]));
    w.irms = Math.max(w.irms, rel(a[k + 2], b[k + 2]));
    w.p = Math.max(w.p, rel(a[k + 3], b[k + 3]));
    w.freq = Math.max(w.freq, rel(a[k + 4], b[k + 4]));
  }
  return w;
}

/** Runs parity input through the normal (float64) core and the float32 build; per-case differences. */
export function compareCases(f64: Entry, f32: Entry, input: ParityInput): CaseDiff[] {
  const a = f64.runVectors(structuredClone(input));
  const b = f32.runVectors(froundDeep(input));
  return a.cases.map((x, k) => {
    const y = b.cases[k];
    const same = x.trips.join() === y.trips.join();
    let dt = same ? 0 : NaN;
    if (same) for (let j = 0; j < x.tripTimes.length; j++) dt = Math.max(dt, Math.abs(x.tripTimes[j] - y.tripTimes[j]));
    return {
      name: x.name,
      tripsF64: x.trips,
      tripsF32: y.trips,
      stateF64: x.state,
      stateF32: y.state,
      tripDtUs: dt,
      cyclesF64: x.cycles.length / 6,
      cyclesF32: y.cycles.length / 6,
      ...cyclesWorst(x.cycles, y.cycles),
    };
  });
}

/** The NodeMCU board's sampling: 1 kHz polled, 20-pair blocks, the same front end. */
export const NODEMCU_SYNTH: SynthOptions = { ...DEVKIT, rateHz: 1000, blockPairs: 20, skewUs: 500 };
const NODEMCU_CAL = [
  NODEMCU_SYNTH.fullScaleVolts / 4096 / NODEMCU_SYNTH.vAdcVoltsPerVolt,
  NODEMCU_SYNTH.fullScaleVolts / 4096 / NODEMCU_SYNTH.iAdcVoltsPerAmp,
  0.5,
];

export function steadyCase(name: string, tone: Tone, seconds: number, t0Us: number, o: SynthOptions = NODEMCU_SYNTH): CoreCase {
  const codes: number[] = [];
  for (const b of synth([{ tone, seconds }], { ...o, seed: 11 })) if (b.length === o.blockPairs * 2) for (const c of b) codes.push(c);
  const slow: number[] = [];
  for (let k = 0; k < Math.ceil(seconds); k++) slow.push(2140, 560);
  return { name, names: [], values: [], cal: NODEMCU_CAL, rateHz: o.rateHz, blockPairs: o.blockPairs, t0Us, codes, slow };
}

export interface AccuracyRow {
  tone: string;
  t0Us: number;
  /** error of the 1 s average (cycles from 0.2 s to 1.2 s), % of the true value (freq: Hz) */
  f64: Accuracy;
  f32: Accuracy;
}
export interface Accuracy {
  vrms: number;
  irms: number;
  p: number;
  freqHz: number;
  cycles: number;
  trips: number;
}

function averageError(r: CoreResult, tone: Tone): Accuracy {
  const t = truth(tone);
  const c = r.cycles;
  // cycles 10 .. 10 + 1 s of cycles, chosen by index: a float32 time at 2e11 µs has a
  // 16 ms step, so choosing by time would average different cycles in the two builds
  const first = 10;
  const last = first + Math.round(tone.freqHz);
  const sum = { v: 0, i: 0, p: 0, f: 0 };
  let n = 0;
  for (let k = 0; k + 5 < c.length; k += 6) {
    if (k / 6 < first || k / 6 >= last) continue;
    n++;
    sum.v += c[k + 1];
    sum.i += c[k + 2];
    sum.p += c[k + 3];
    sum.f += c[k + 4];
  }
  if (n === 0) return { vrms: NaN, irms: NaN, p: NaN, freqHz: NaN, cycles: c.length / 6, trips: r.trips.length };
  return {
    vrms: (100 * Math.abs(sum.v / n - t.vrms)) / t.vrms,
    irms: (100 * Math.abs(sum.i / n - t.irms)) / t.irms,
    p: (100 * Math.abs(sum.p / n - t.p)) / Math.abs(t.p),
    freqHz: Math.abs(sum.f / n - tone.freqHz),
    cycles: c.length / 6,
    trips: r.trips.length,
  };
}

export const ACCURACY_TONES: Tone[] = [
  { vrms: 230, irms: 8, freqHz: 50, pfDeg: 25, v3: 0.03, i3: 0.12, i5: 0.06 },
  { vrms: 230, irms: 2, freqHz: 50, pfDeg: 60 },
  { vrms: 240, irms: 16, freqHz: 60, pfDeg: -30, i3: 0.2 },
];
/** uptimes: 1 s, 50 min (3e9 µs), 2.3 days (2e11 µs: float32 steps of 16 ms, near a block) */
export const ACCURACY_T0 = [1e6, 3e9, 2e11];

/** Accuracy of 1 s averages, float64 and float32 cores, at the uptimes of ACCURACY_T0. */
export function accuracyMatrix(f64: Entry, f32: Entry, seconds = 1.5): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  for (const tone of ACCURACY_TONES) {
    for (const t0 of ACCURACY_T0) {
      const c = steadyCase('acc', tone, seconds, t0);
      rows.push({
        tone: `${tone.vrms} V ${tone.irms} A ${tone.freqHz} Hz ${tone.pfDeg}°`,
        t0Us: t0,
        f64: averageError(f64.runCase(structuredClone(c)), tone),
        f32: averageError(f32.runCase(froundDeep(c)), tone),
      });
    }
  }
  return rows;
}

type Drive = { energyDelta(c: CoreCase, startWh: number): { deltaWh: number; cycles: number; lastTUs: number } };

export interface EnergyRow {
  startWh: number;
  /** Wh counted during the run */
  f64Wh: number;
  f32Wh: number;
  /** f32 error relative to f64, % */
  errPct: number;
}

/** The import register after 2 s at 1.65 kW, from several meter readings (a float32 sum stops counting). */
export async function energyStudy(): Promise<EnergyRow[]> {
  const f64 = (await import(pathToFileURL(resolve(REPO_ROOT, 'tools/build/lua/f32-drive.ts')).href)) as Drive;
  const f32 = (await importFloat32<Drive>('tools/build/lua/f32-drive.ts')).mod;
  const c = steadyCase('energy', ACCURACY_TONES[0], 2, 1e6);
  const rows: EnergyRow[] = [];
  for (const start of [0, 1e4, 1e5, 1e6]) {
    const a = f64.energyDelta(structuredClone(c), start).deltaWh;
    const b = f32.energyDelta(froundDeep(c), Math.fround(start)).deltaWh;
    rows.push({ startWh: start, f64Wh: a, f32Wh: b, errPct: (100 * (b - a)) / a });
  }
  return rows;
}

export async function loadEntries(): Promise<{ f64: Entry; f32: Entry; stats: Float32Stats }> {
  const f64 = (await import(pathToFileURL(resolve(REPO_ROOT, 'firmware/parity/entry.ts')).href)) as Entry;
  const r = await importFloat32<Entry>('firmware/parity/entry.ts');
  return { f64, f32: r.mod, stats: r.stats };
}

async function main(): Promise<void> {
  const { f64, f32, stats } = await loadEntries();
  const { coreVectors } = (await import(pathToFileURL(resolve(REPO_ROOT, 'host-tests/vectors/core.ts')).href)) as { coreVectors: () => ParityInput };
  console.log(
    `float32 build: ${stats.arithmetic} arithmetic, ${stats.compound} compound, ${stats.mathCalls} Math calls, ${stats.literals} literals rounded; ${stats.skipped.length} skipped`,
  );
  for (const t0 of [3e9, 2e11]) {
    const input = coreVectors();
    for (const c of input.cases) c.t0Us = t0;
    console.log(`\nparity vectors (t0 = ${t0.toExponential(0)} µs), float64 vs float32:`);
    for (const d of compareCases(f64, f32, input)) {
      const trips =
        d.tripsF64.join() === d.tripsF32.join()
          ? `same trips [${d.tripsF64.join(', ')}], dt ${d.tripDtUs.toFixed(0)} µs`
          : `TRIPS DIFFER: [${d.tripsF64.join(', ')}] vs [${d.tripsF32.join(', ')}]`;
      const cyc =
        d.cyclesF64 === d.cyclesF32
          ? `worst rel diff V ${d.vrms.toExponential(1)} I ${d.irms.toExponential(1)} P ${d.p.toExponential(1)} f ${d.freq.toExponential(1)}`
          : `CYCLES ${d.cyclesF64} vs ${d.cyclesF32}`;
      console.log(`  ${d.name.padEnd(26)} ${d.stateF64 === d.stateF32 ? d.stateF64 : `${d.stateF64} vs ${d.stateF32}`}; ${trips}; ${cyc}`);
    }
  }
  console.log('\naccuracy of 1 s averages (NodeMCU sampling: 1 kHz, 20-pair blocks), error % (f: Hz), cycles seen in 1.5 s, trips:');
  console.log('  tone                           t0 µs  | float64: V     I     P     f       cyc trips | float32: V     I     P     f       cyc trips');
  const fmt = (e: Accuracy) => `${e.vrms.toFixed(3)} ${e.irms.toFixed(3)} ${e.p.toFixed(3)} ${e.freqHz.toFixed(4)}  ${String(e.cycles).padStart(3)} ${e.trips}`;
  for (const r of accuracyMatrix(f64, f32))
    console.log(`  ${r.tone.padEnd(30)} ${r.t0Us.toExponential(0).padEnd(6)} | ${fmt(r.f64).padEnd(41)} | ${fmt(r.f32)}`);
  console.log('\nimport energy counted in 2 s at ~1.65 kW, starting from a meter reading of:');
  for (const e of await energyStudy())
    console.log(`  ${String(e.startWh).padStart(8)} Wh: float64 ${e.f64Wh.toFixed(4)} Wh, float32 ${e.f32Wh.toFixed(4)} Wh (${e.errPct.toFixed(1)} %)`);
}

if (isEntry(import.meta.url)) void main();
