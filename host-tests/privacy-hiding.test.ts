// Load hiding on the synthetic household day: ours leaks less than every baseline at the
// same battery, within its stated energy overhead, and the same code gives the same
// visible load in XS as in Node.
import test from 'ava';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultBattery } from '../firmware/privacy/battery';
import { ALGORITHMS, OURS } from '../firmware/privacy/hiding';
import { runTrace } from '../firmware/privacy/entry';
import { Evaluation } from '../tools/privacy/evaluate';
import { householdTrace } from '../tools/privacy/synth';
import { EngineSession, compareParity } from '../tools/engines/run';

/** Stated energy overhead bound of ours: battery losses <= 6 % of the household's energy (at 90 % round trip). */
const OURS_MAX_OVERHEAD_PCT = 6;

function evaluate(step: number) {
  const ev = new Evaluation(ALGORITHMS, defaultBattery());
  for (const r of householdTrace(step)) ev.add(r.t, r.watts);
  return ev.results();
}

for (const step of [120, 1]) {
  test(`ours leaks less than every baseline, day at ${step} s`, (t) => {
    const r = evaluate(step);
    const ours = r[OURS];
    t.log(
      Object.entries(r)
        .map(([k, v]) => `${k}: ${v.mi_bits} bits, ${v.events_per_day} events/day, ${v.overhead_pct} %`)
        .join('; '),
    );
    for (const name of ALGORITHMS) {
      if (name === OURS) continue;
      t.true(ours.mi_bits < r[name].mi_bits, `MI: ours ${ours.mi_bits} vs ${name} ${r[name].mi_bits}`);
      t.true(ours.events_per_day <= r[name].events_per_day, `events: ours ${ours.events_per_day} vs ${name} ${r[name].events_per_day}`);
    }
    t.true(ours.overhead_pct <= OURS_MAX_OVERHEAD_PCT, `overhead ${ours.overhead_pct} %`);
    // Yang et al. 2012 saturation attack: where the visible load equals the real one, the
    // attacker reads it directly. Best-effort and NILL saturate; ours never hands the load over.
    t.true(r['best-effort'].saturated_pct > 0 && r.nill.saturated_pct > 0);
    t.is(ours.saturated_pct, 0);
    t.true(ours.visible_levels <= 6, `${ours.visible_levels} visible levels`);
  });
}

test('NILL exposes a handful of events a day at 1 s, as its paper reports (1.1-5.9)', (t) => {
  const r = evaluate(1);
  t.true(r.nill.events_per_day >= 1 && r.nill.events_per_day <= 8, `${r.nill.events_per_day}`);
});

const session = new EngineSession();
test.after.always(() => session.close());
const ENTRY = fileURLToPath(new URL('../firmware/privacy/entry.ts', import.meta.url));
const XSNAP = fileURLToPath(new URL('../node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker', import.meta.url));

// a missing engine skips visibly (ava lists it as skipped, with the reason in the title)
const xsTest = existsSync(XSNAP) ? test : test.skip;
xsTest(`XS runs the same algorithms to the same visible load (2 min day)${existsSync(XSNAP) ? '' : ' [SKIP: xsnap-worker not built: npm ci]'}`, async (t) => {
  const trace: number[] = [];
  for (const r of householdTrace(120)) trace.push(r.t, r.watts);
  for (const algorithm of ALGORITHMS) {
    const input = { algorithm, spec: defaultBattery(), trace };
    const node = runTrace(structuredClone(input));
    const xs = await session.callXs(ENTRY, 'runTrace', input);
    t.deepEqual(compareParity(node, xs.value), [], algorithm);
  }
});

test('over ten other seeds: ours always below best-effort and NILL, no exposed events, MI within a tie band of stepping', (t) => {
  // Stepping with beta = the battery's power already sits near the per-sample MI floor a
  // 1 kW battery allows (docs/PRIVACY.md, "Where ours stands"); ours ties it there and
  // wins on events. This test pins that claim, not a lucky seed.
  const lines: string[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    const ev = new Evaluation(ALGORITHMS, defaultBattery());
    for (const r of householdTrace(120, seed)) ev.add(r.t, r.watts);
    const r = ev.results();
    const o = r[OURS];
    lines.push(`${seed}: ours ${o.mi_bits} / stepping ${r.stepping.mi_bits}`);
    t.true(o.mi_bits < r['best-effort'].mi_bits && o.mi_bits < r.nill.mi_bits, `seed ${seed}`);
    t.true(Math.abs(o.mi_bits - r.stepping.mi_bits) <= 0.15, `seed ${seed}: ${o.mi_bits} vs ${r.stepping.mi_bits}`);
    t.true(o.events_per_day <= 2 && o.events_per_day < r.stepping.events_per_day, `seed ${seed}`);
  }
  t.log(lines.join('; '));
});
