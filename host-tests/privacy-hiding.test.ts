// Load hiding on the synthetic household day: ours leaks less than every baseline at the
// same battery, within its stated energy overhead, and the same code gives the same
// visible load in XS as in Node.
import test from 'ava';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultBattery } from '../firmware/privacy/battery';
import { ALGORITHMS, DEFAULT_CAP_W, OURS, SlotLevels, slotLevelsDefaults } from '../firmware/privacy/hiding';
import { runTrace } from '../firmware/privacy/entry';
import { Evaluation } from '../tools/privacy/evaluate';
import { householdTrace, mulberry32 } from '../tools/privacy/synth';
import { seedRange, sweep } from '../tools/privacy/sweep';
import { EngineSession, compareParity } from '../tools/engines/run';

/** Stated energy overhead bound of ours: battery losses <= 6 % of the household's energy (at 90 % round trip). */
const OURS_MAX_OVERHEAD_PCT = 6;

function evaluate(step: number) {
  const ev = new Evaluation(ALGORITHMS, defaultBattery());
  for (const r of householdTrace(step)) ev.add(r.t, r.watts);
  return ev.results();
}

for (const step of [120, 1]) {
  test(`ours leaks less than every baseline, repo day at ${step} s`, (t) => {
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
    }
    // edge detection (Yang 2012): on this day no more exposed events than any baseline, and a
    // third of stepping's at most (over many days best-effort often exposes fewer: docs/PRIVACY.md)
    for (const name of ALGORITHMS)
      t.true(ours.events_per_day <= r[name].events_per_day, `events: ours ${ours.events_per_day} vs ${name} ${r[name].events_per_day}`);
    t.true(ours.events_per_day * 3 <= r.stepping.events_per_day, `events: ours ${ours.events_per_day} vs stepping ${r.stepping.events_per_day}`);
    t.true(ours.overhead_pct <= OURS_MAX_OVERHEAD_PCT, `overhead ${ours.overhead_pct} %`);
    t.is(ours.energy_balance_err_wh < 1e-3 && ours.energy_balance_err_wh > -1e-3, true);
    // Yang et al. 2012 saturation attack: where the visible load equals the real one, the
    // attacker reads it directly. Best-effort and NILL saturate; ours never hands the load over.
    t.true(r['best-effort'].saturated_pct > 0 && r.nill.saturated_pct > 0);
    t.is(ours.saturated_pct, 0);
    // Yang 2012's load-change recovery: an attacker reading each visible step as an appliance's
    // is right for a third to a half of best-effort's, NILL's and stepping's steps at 2 min, and
    // for under a tenth of ours (its steps are the 5-minute dither, not the appliances)
    for (const name of ['best-effort', 'nill', 'stepping']) t.true(ours.edge_precision_pct < r[name].edge_precision_pct, `precision vs ${name}`);
    t.true(ours.edge_precision_pct < 10, `${ours.edge_precision_pct} %`);
    t.true(ours.visible_levels <= 8, `${ours.visible_levels} visible levels`);
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

for (const step of [120, 1]) {
  test(`seed sweep at ${step} s: ours below every baseline in at least 19 of 20 synthetic days, within its overhead`, (t) => {
    // the same battery, estimator and traces for all (tools/privacy/sweep.ts; npm run privacy -- --sweep 20)
    const r = sweep(defaultBattery(), step, seedRange(20));
    t.log(
      `ours lower MI than: ${JSON.stringify(r.ours_lower_mi)}; than all: ${r.ours_lower_mi_than_all}/20; events <= : ${JSON.stringify(r.ours_fewer_or_equal_events)}`,
    );
    t.log(r.seeds.map((s, i) => `${s}: ours ${r.mi_bits[OURS][i]} / stepping ${r.mi_bits.stepping[i]}`).join('; '));
    t.true(r.ours_lower_mi_than_all >= 19, `${r.ours_lower_mi_than_all}/20`);
    t.is(r.ours_lower_mi['best-effort'], 20);
    t.is(r.ours_lower_mi.nill, 20);
    t.is(r.ours_fewer_or_equal_events.stepping, 20);
    t.true(r.ours_max_overhead_pct <= OURS_MAX_OVERHEAD_PCT, `${r.ours_max_overhead_pct} %`);
  });
}

test('ours: under the rung the visible load is 0 or H and changes only on the 5-minute clock', (t) => {
  // a load that never forces a move (always between the standby and H): every change of the
  // visible load falls on a slot boundary, whatever the load does inside the slot
  const h = new SlotLevels(defaultBattery(), slotLevelsDefaults(DEFAULT_CAP_W));
  const r = mulberry32(5);
  let last = -1;
  const values = new Set<number>();
  for (let s = 1; s <= 6 * 3600; s++) {
    const x = s === 1 ? 150 : 150 + Math.floor(r() * 8) * 100; // 150 .. 850 W, new value every second
    const y = h.step(x, 1);
    values.add(y);
    if (last >= 0 && y !== last) t.is((s - 1) % 300, 0, `change at ${s} s`);
    last = y;
  }
  t.is(h.rung(), 1100); // 1 kW charge limit + the 150 W standby, rounded down to 100 W
  t.deepEqual(
    [...values].sort((a, b) => a - b),
    [0, 1100],
  );
});

test('ours: the share of charge slots follows the mean load, not the load of the moment', (t) => {
  // two loads with the same mean: flat 400 W, and 200/600 W alternating slot by slot. The
  // duty is planned from the mean, so both charge in the same share of slots, and the
  // alternating load's charge slots are not where its load is low (or high)
  const run = (alt: boolean) => {
    const h = new SlotLevels(defaultBattery(), slotLevelsDefaults(DEFAULT_CAP_W));
    h.step(150, 1); // the same standby for both, so the same rung
    const charge = [0, 0]; // in 200 W slots, in 600 W slots (or even / odd slots when flat)
    for (let s = 0; s < 8 * 3600; s++) {
      const slot = Math.floor(s / 300);
      const y = h.step(alt ? (slot % 2 === 0 ? 200 : 600) : 400, 1);
      if (s % 300 === 150 && y > 0) charge[slot % 2]++;
    }
    return charge;
  };
  const flat = run(false);
  const alt = run(true);
  t.log(`charge slots (even, odd): flat ${flat}, alternating ${alt} of 48 each`);
  t.true(Math.abs(flat[0] + flat[1] - alt[0] - alt[1]) <= 2);
  t.true(Math.abs(alt[0] - alt[1]) <= 3, `${alt}`);
});

test('ours on the control unit: zeros before the first reading, a bad reading and a glitch do not stick', (t) => {
  const h = new SlotLevels(defaultBattery(), slotLevelsDefaults(DEFAULT_CAP_W));
  for (let s = 0; s < 10; s++) h.step(0, 1); // HomeEnergy reports 0 W until a node has reported
  for (let s = 0; s < 600; s++) h.step(150, 1);
  t.is(h.rung(), 1100);
  t.true(Number.isNaN(h.step(NaN, 1))); // garbage in is not hidden, and teaches nothing
  t.true(Number.isFinite(h.step(150, 1)));
  t.is(h.rung(), 1100);
  h.step(40, 1); // a glitch: the rung follows it down at once (so the battery can always charge at it) ...
  t.is(h.rung(), 1000);
  for (let s = 0; s < 2 * 86400; s += 60) h.step(150, 60);
  t.is(h.rung(), 1100); // ... and forgets it within two days
});
