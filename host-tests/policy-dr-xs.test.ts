// Demand-response orders in XS (xsnap, the Moddable engine the control unit runs on): the
// same orders give the same decisions in Node and XS, the signature verified in slices as
// on the unit; and the XS cost of what a refused order costs before any signature work.
// Figures: npx ava --verbose host-tests/policy-dr-xs.test.ts
import test, { type Implementation } from 'ava';
import { existsSync } from 'node:fs';
import { EngineSession, measureXs, compareParity } from '../tools/engines/run';
import { XSNAP_BINARY } from '../tools/engines/xsnap';

const ENTRY = 'firmware/policy/dr-entry.ts';
const session = new EngineSession();
test.after.always(() => session.close());
const noXs = existsSync(XSNAP_BINARY) ? '' : `xsnap-worker not built at ${XSNAP_BINARY} (npm rebuild @agoric/xsnap)`;
function xsTest(title: string, fn: Implementation<[]>): void {
  if (noXs === '') test(title, fn);
  else test.skip(`${title} [SKIPPED: ${noXs}]`, fn);
}

xsTest('the same orders, the same decisions in Node and XS (sliced verify, as on the unit)', async (t) => {
  const input = { wall: 1800000000 };
  const node = (await session.callNode(ENTRY, 'drVectors', input)) as { decisions: string[]; units: number[] };
  t.deepEqual(node.decisions, ['ok:1', 'replay', 'signature', 'home', 'expired', 'not-yet-valid', 'ok:6', 'replay', 'short']);
  const xs = await session.callXs(ENTRY, 'drVectors', input);
  t.deepEqual(compareParity(node, xs.value, 0), []);
  t.log(
    `sliced verify: ${node.units.join(', ')} units; XS ${Math.round(xs.meter.compute / 1e6)} M computrons for the run (9 orders signed, 3 sliced verifies)`,
  );
});

xsTest('XS cost: a replayed or stale order is refused for a few thousand computrons, before any signature work', async (t) => {
  const setup =
    'globalThis.st = entry.drBenchSetup(); if (entry.drBenchReplay(st) !== "replay" || entry.drBenchBegin(st) !== "begun") throw new Error("bench setup");';
  const replay = await measureXs(ENTRY, setup, 'entry.drBenchReplay(st)', 32);
  const begin = await measureXs(ENTRY, setup, 'entry.drBenchBegin(st)', 32);
  t.log(`xs.computrons_dr_refuse_replay ${Math.round(replay.computePerStep)}`);
  t.log(`xs.computrons_dr_checks_before_signature ${Math.round(begin.computePerStep)}`);
  // a verify is ~43.5 M (tweetnacl) or ~2 M (noble): the checks before it must be a rounding error of that
  t.true(replay.computePerStep < 50000, `${replay.computePerStep}`);
  t.true(begin.computePerStep < 100000, `${begin.computePerStep}`);
});
