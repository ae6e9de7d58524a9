// near(t, actual, expected, tol, what): a float comparison that says what it compared when
// it fails. `t.true(Math.abs(a - b) < tol)` prints only "false"; this prints both values,
// the tolerance and the difference. NaN (or a non-number) is never near anything.
import type { ExecutionContext } from 'ava';

/** |actual - expected| <= tol, as one assertion; returns whether it held */
export function near(t: ExecutionContext, actual: number, expected: number, tol: number, what: string): boolean {
  const d = actual - expected;
  if (typeof actual === 'number' && Math.abs(d) <= tol) {
    t.pass();
    return true;
  }
  t.fail(`${what}: ${actual} is not within ${tol} of ${expected} (off by ${d})`);
  return false;
}

/** |actual / expected - 1| <= tolRel (e.g. 0.01 for 1 %) */
export function nearRel(t: ExecutionContext, actual: number, expected: number, tolRel: number, what: string): boolean {
  const r = actual / expected - 1;
  if (typeof actual === 'number' && Math.abs(r) <= tolRel) {
    t.pass();
    return true;
  }
  t.fail(`${what}: ${actual} is not within ${tolRel * 100} % of ${expected} (off by ${(r * 100).toPrecision(3)} %)`);
  return false;
}
