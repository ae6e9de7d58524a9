// Energy Today/Yesterday/Total from the node's register: the published total never steps
// back (not by a bad frame, not by the rounding of a total read back from the broker),
// and a register that really goes back is refused, never published.
import test from 'ava';
import fc from 'fast-check';
import { energyUpdate, TOTAL_SLACK_WH } from '../tools/gateway/energy';
import type { DayRecord } from '../tools/gateway/energy';

const day = (d: number) => new Date(2026, 10, d, 12, 0, 0);

test('a total read back rounded to the watt-hour does not make the next reading "go back"', (t) => {
  // register 3.6 Wh was published as 0.004 kWh; a restarted gateway reads 4 Wh back
  const restored: DayRecord = { date: '2026-11-27', startWh: 1, yesterdayWh: 0, lastWh: 4 };
  const e = energyUpdate(restored, 3.7, day(27));
  if (!e.ok) return t.fail(e.why);
  t.is(e.totalKWh, 0.004, 'published total holds, not 0.004 -> 0.004 -> 0.003');
  t.false(energyUpdate(restored, 4 - TOTAL_SLACK_WH - 0.01, day(27)).ok, 'more than half a watt-hour back is a register that went back');
});

test('published totals never decrease and Today never goes negative, whatever the register does', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ wh: fc.oneof(fc.double({ min: -5, max: 5e6, noNaN: true }), fc.constant(null)), dayStep: fc.nat(2) }), { maxLength: 60 }),
      (steps) => {
        let prev: DayRecord | undefined;
        let lastTotal = -Infinity;
        let d = 1;
        for (const s of steps) {
          d += s.dayStep;
          const e = energyUpdate(prev, s.wh, day(d));
          if (!e.ok) continue;
          if (e.totalKWh < lastTotal) return false;
          if (e.todayKWh < 0 || e.yesterdayKWh < 0) return false;
          lastTotal = e.totalKWh;
          prev = e.day;
        }
        return true;
      },
    ),
  );
  t.pass();
});

test('a day change moves what the register gained into Yesterday', (t) => {
  let e = energyUpdate(undefined, 100, day(1));
  if (!e.ok) return t.fail();
  e = energyUpdate(e.day, 350, day(1));
  if (!e.ok) return t.fail();
  t.is(e.todayKWh, 0.25);
  e = energyUpdate(e.day, 400, day(2));
  if (!e.ok) return t.fail();
  t.like(e, { changedDay: true, yesterdayKWh: 0.25, todayKWh: 0.05, totalKWh: 0.4 });
  t.like(energyUpdate(e.day, 10, day(2)), { ok: false });
  t.like(energyUpdate(e.day, null, day(2)), { ok: false });
});
