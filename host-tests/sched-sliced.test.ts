// The exact scheduler within the board's means (issue 9): run in slices (SlicedPlanner, a
// bounded number of cells per call) it gives the same schedule as one uninterrupted run,
// stays optimal against exhaustive search, and the household day at the board's 30-minute
// slots fits the board's table budget; the control unit's HomeEnergy plans it one slice per
// tick.
import test from 'ava';
import fc from 'fast-check';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import { SlicedPlanner, scheduleOptimal } from '../firmware/schedule/solve';
import { scheduleExhaustive } from '../firmware/schedule/exhaustive';
import { BOARD_MAX_CELLS, BOARD_SLOT_S, HomeEnergy, PLAN_CELLS_PER_STEP } from '../firmware/policy/home-energy';
import { householdSchedulingDay, smallCase } from '../tools/privacy/sched-cases';

reportSeed(test.after.always, 'sched-sliced.test.ts');

function sliced(seed: number, budget: number) {
  const p = new SlicedPlanner(smallCase(seed));
  let calls = 0;
  while (p.run(budget) === 'running') calls++;
  return { s: p.result(), calls, cells: p.cells };
}

test('sliced = one run, and optimal against exhaustive search, on 300 seeded small cases', (t) => {
  let match = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const c = smallCase(seed);
    const r = sliced(seed, 1 + (seed % 9));
    t.deepEqual(r.s, scheduleOptimal(c), `seed ${seed}`);
    const ex = scheduleExhaustive(c);
    if (r.s.exact && r.s.unmet.length === ex.unmet.length && Math.abs(r.s.cost - ex.cost) < 1e-9) match++;
  }
  t.is(match, 300);
});

test('any budget gives the same schedule (fast-check), and a call never visits more than its budget of cells', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100000 }), fc.integer({ min: 1, max: 64 }), (seed, budget) => {
      const p = new SlicedPlanner(smallCase(seed));
      let before = 0;
      for (;;) {
        const st = p.run(budget);
        if (p.cells - before > budget) return false;
        before = p.cells;
        if (st === 'done') break;
      }
      return JSON.stringify(p.result()) === JSON.stringify(scheduleOptimal(smallCase(seed)));
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.pass();
});

test("the household day at the board's 30-minute slots: same cost as at 15 min, a 20x smaller table, within the board budget", (t) => {
  const d15 = householdSchedulingDay(900);
  const d30 = householdSchedulingDay(BOARD_SLOT_S);
  const p15 = new SlicedPlanner(d15);
  p15.run(Infinity);
  const p30 = new SlicedPlanner(d30, BOARD_MAX_CELLS);
  p30.run(Infinity);
  t.is(p15.tableBytesMax, 453600);
  t.is(p30.tableBytesMax, 23040);
  t.true(p30.tableBytesMax <= BOARD_MAX_CELLS);
  const a = p15.result();
  const b = p30.result();
  t.true(b.exact);
  t.is(b.unmet.length, 0);
  t.true(Math.abs(a.cost - b.cost) < 1e-9, `${a.cost} vs ${b.cost}`);
  // the 15-minute day over the board budget: greedy, and it says so
  const over = new SlicedPlanner(d15, BOARD_MAX_CELLS);
  over.run(Infinity);
  t.false(over.result().exact);
  t.is(over.tableBytesMax, 0, 'no table was allocated');
});

test('HomeEnergy plans the 30-minute day one slice per step, to the same schedule', (t) => {
  const d = householdSchedulingDay(BOARD_SLOT_S);
  const e = new HomeEnergy({});
  t.is(
    e.setSchedule(d, 0, () => true),
    '',
  );
  e.step(0);
  let s = 0;
  while (e.state().schedule?.planning === true && s < 1000) e.step(++s * 1e6);
  t.is(e.planSteps, Math.ceil(23040 / PLAN_CELLS_PER_STEP), `${e.planSteps} steps`);
  const st = e.state().schedule!;
  const ref = scheduleOptimal(d);
  t.is(st.cost, ref.cost);
  t.true(st.exact);
  t.deepEqual(
    st.loads.map((l) => l.unmet),
    ['', '', '', ''],
  );
});
