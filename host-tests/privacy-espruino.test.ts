// The real Espruino interpreter (espruino-linux 2v29, /work/shared/tools) runs the
// load-hiding algorithms and the scheduler from the same Espruino bundle the build makes
// (esbuild -> ES5 -> minify -> syntax check), and gets what Node gets.
import test from 'ava';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { bundleForEspruino } from '../tools/build/espruino/bundle';
import { defaultBattery } from '../firmware/privacy/battery';
import { ALGORITHMS } from '../firmware/privacy/hiding';
import { runTrace } from '../firmware/privacy/entry';
import { planFor } from '../firmware/schedule/entry';
import { householdTrace } from '../tools/privacy/synth';
import { smallCase } from '../tools/privacy/sched-cases';
import { compareParity } from '../tools/engines/run';
import { espruinoBinary } from '../tools/build/espruino/real';

const ESPRUINO = process.env.ESPRUINO_LINUX ?? espruinoBinary('linux');
const have = existsSync(ESPRUINO);
const espTest = have ? test : test.skip;
const dir = mkdtempSync(join(tmpdir(), 'privacy-espruino-'));

/** Runs `calls` (JS expressions over `P`, the published entry) in espruino-linux; returns their JSON results. */
async function inEspruino(calls: string[]): Promise<unknown[]> {
  const b = await bundleForEspruino({ entry: 'tools/privacy/espruino-entry.ts' });
  const file = join(dir, 'run.js');
  const body = calls.map((c) => `print('@@' + JSON.stringify(${c}));`).join('\n');
  writeFileSync(file, `${b.code}\nvar P = global.__privacyEspruino;\n${body}\nquit();\n`);
  const r = spawnSync(ESPRUINO, [file], { input: '', encoding: 'utf8', timeout: 170000 });
  if (r.status !== 0) throw new Error(`espruino-linux exit ${r.status}: ${r.stderr}${r.stdout.slice(-2000)}`);
  const out = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('@@'))
    .map((l) => JSON.parse(l.slice(2)));
  if (out.length !== calls.length) throw new Error(`espruino-linux printed ${out.length} of ${calls.length} results:\n${r.stdout.slice(-2000)}`);
  return out;
}

espTest(`every load-hiding algorithm gives Node's visible load in real Espruino (2 min day)${have ? '' : ' [SKIP: espruino-linux missing]'}`, async (t) => {
  const trace: number[] = [];
  for (const r of householdTrace(120)) trace.push(r.t, r.watts);
  const inputs = ALGORITHMS.map((algorithm) => ({ algorithm, spec: defaultBattery(), trace }));
  const got = await inEspruino(inputs.map((i) => `P.runTrace(${JSON.stringify(i)})`));
  inputs.forEach((input, k) => {
    const node = runTrace(structuredClone(input));
    const e = got[k] as { visible: number[]; soc: number | null };
    // JSON carries the NaN SoC of "no battery" as null
    if (Number.isNaN(node.soc)) t.is(e.soc, null);
    // Espruino prints doubles with ~11 significant digits in JSON
    t.deepEqual(compareParity(node.visible, e.visible, 1e-9), [], input.algorithm);
    if (!Number.isNaN(node.soc)) t.true(Math.abs(node.soc - (e.soc as number)) < 1e-9);
  });
});

espTest(`the scheduler plans 20 small cases as in Node, in real Espruino${have ? '' : ' [SKIP: espruino-linux missing]'}`, async (t) => {
  const inputs = [];
  for (let seed = 1; seed <= 20; seed++) for (const kind of ['optimal', 'greedy', 'immediate'] as const) inputs.push({ kind, sched: smallCase(seed) });
  const got = await inEspruino(inputs.map((i) => `P.planFor(${JSON.stringify(i)})`));
  inputs.forEach((input, k) => t.deepEqual(compareParity(planFor(structuredClone(input)), got[k], 1e-9), [], `${input.kind} ${k}`));
});
