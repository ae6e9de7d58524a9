// The household policy table: every pair of conflicting sources, on every resource they
// can both claim, in both orders of arrival; the utility's signature and rate limit; the
// battery shared between load hiding, demand response and safety.
import test from 'ava';
import { HouseholdPolicy, PRIVACY, SAFETY, SAVINGS, SOURCE_NAMES, USER, UTILITY, UTILITY_ORDERS_PER_HOUR, type Request } from '../firmware/policy/policy';

// what each source asks of each kind of resource in the pair tests (distinct per source, so the winner shows)
const RELAY_ASK: Record<number, string> = { [SAFETY]: 'off', [UTILITY]: 'off', [USER]: 'on', [SAVINGS]: 'on' };
const RELAY_ASK_ALT: Record<number, string> = { [SAFETY]: 'off', [UTILITY]: 'on', [USER]: 'off', [SAVINGS]: 'on' };
const BATTERY_ASK: Record<number, Request['action']> = { [SAFETY]: 'idle', [UTILITY]: 'discharge', [USER]: 'charge', [SAVINGS]: 'charge', [PRIVACY]: 'hide' };

function ask(source: number, resource: string, alt = false): Request {
  if (resource === 'battery') {
    const action = BATTERY_ASK[source];
    return { source, resource, action, watts: action === 'charge' || action === 'discharge' ? 800 + source : undefined, verified: source === UTILITY };
  }
  return { source, resource, action: (alt ? RELAY_ASK_ALT : RELAY_ASK)[source], verified: source === UTILITY };
}

const RESOURCES: [string, number[]][] = [
  ['main', [SAFETY, UTILITY, USER, SAVINGS]],
  ['relay:heater', [SAFETY, UTILITY, USER, SAVINGS]],
  ['battery', [SAFETY, UTILITY, USER, SAVINGS, PRIVACY]],
];

let pairs = 0;
for (const [resource, sources] of RESOURCES) {
  for (const hi of sources) {
    for (const lo of sources) {
      if (hi >= lo) continue;
      pairs++;
      const name = `${SOURCE_NAMES[hi]} over ${SOURCE_NAMES[lo]} on ${resource}`;
      test(`${name}: the higher rank takes over, and the lower resumes when it lets go`, (t) => {
        const p = new HouseholdPolicy();
        const a = ask(lo, resource);
        const b = ask(hi, resource, true);
        t.true(p.submit(a, 0).granted);
        const d = p.submit(b, 10);
        t.true(d.granted);
        t.is(d.reason, `overrides ${SOURCE_NAMES[lo]}`);
        t.is(p.owner(resource, 11), hi);
        t.is(p.effective(resource, 11), b);
        t.is(p.release(hi, resource, 20), lo);
        t.is(p.effective(resource, 21), a);
      });
      test(`${name}: the lower rank is refused while the higher holds it, naming the holder`, (t) => {
        const p = new HouseholdPolicy();
        const b = ask(hi, resource);
        t.true(p.submit(b, 0).granted);
        const d = p.submit(ask(lo, resource, true), 10);
        t.false(d.granted);
        t.is(d.owner, hi);
        t.is(d.reason, `${SOURCE_NAMES[hi]} (rank ${hi}) holds ${resource}`);
        t.is(p.effective(resource, 11), b);
        // a refused request does not queue
        t.is(p.release(hi, resource, 20), 0);
      });
    }
  }
}

test('every conflicting pair is covered: 6 on each relay kind, 10 on the battery', (t) => {
  t.is(pairs, 6 + 6 + 10);
});

test('the battery: hiding yields to demand response and to safety, and resumes after', (t) => {
  const p = new HouseholdPolicy();
  t.true(p.submit({ source: PRIVACY, resource: 'battery', action: 'hide' }, 0).granted);
  t.true(p.hidingAllowed(1));
  t.true(p.submit({ source: UTILITY, resource: 'battery', action: 'discharge', watts: 1000, untilS: 1800, verified: true }, 100).granted);
  t.false(p.hidingAllowed(200));
  t.true(p.hidingAllowed(1800)); // the order lapsed
  t.true(p.submit({ source: SAFETY, resource: 'battery', action: 'idle' }, 2000).granted);
  t.false(p.hidingAllowed(2001));
  t.false(p.submit({ source: PRIVACY, resource: 'battery', action: 'hide' }, 2002).granted);
  // its standing claim from t = 0 resumes (the refused one at 2002 queued nothing)
  t.is(p.release(SAFETY, 'battery', 3000), PRIVACY);
  t.true(p.hidingAllowed(3001));
});

test('utility orders need a verified signature and are rate-limited per resource', (t) => {
  const p = new HouseholdPolicy();
  const order = (at: number, verified: boolean) => p.submit({ source: UTILITY, resource: 'main', action: at % 2 === 0 ? 'off' : 'on', verified }, at);
  t.is(order(0, false).reason, 'utility order without a verified signature');
  for (let i = 0; i < UTILITY_ORDERS_PER_HOUR; i++) t.true(order(i * 60, true).granted);
  const d = order(600, true);
  t.false(d.granted);
  t.is(d.reason, `utility rate limit: ${UTILITY_ORDERS_PER_HOUR} orders per hour on main`);
  t.true(order(3600 + 1, true).granted); // the first one left the window
  // another resource has its own budget
  t.true(p.submit({ source: UTILITY, resource: 'relay:ev', action: 'off', verified: true }, 700).granted);
});

test('safety is never refused, even by an earlier safety claim or a utility order', (t) => {
  const p = new HouseholdPolicy();
  t.true(p.submit({ source: UTILITY, resource: 'main', action: 'on', verified: true }, 0).granted);
  t.true(p.submit({ source: SAFETY, resource: 'main', action: 'off' }, 1).granted);
  t.true(p.submit({ source: SAFETY, resource: 'main', action: 'off' }, 2).granted);
  t.false(p.submit({ source: USER, resource: 'main', action: 'on' }, 3).granted);
  t.is(p.effective('main', 4)!.action, 'off');
});

test('malformed requests are refused with the reason', (t) => {
  const p = new HouseholdPolicy();
  t.is(p.submit({ source: PRIVACY, resource: 'relay:heater', action: 'off' }, 0).reason, 'privacy (load hiding) drives the battery only');
  t.is(p.submit({ source: USER, resource: 'battery', action: 'hide' }, 0).reason, 'only privacy asks for hiding');
  t.is(p.submit({ source: PRIVACY, resource: 'battery', action: 'charge', watts: 1 }, 0).reason, 'privacy asks for hiding only');
  t.is(p.submit({ source: USER, resource: 'battery', action: 'charge' }, 0).reason, 'charge and discharge need watts > 0');
  t.is(p.submit({ source: USER, resource: 'relay:x', action: 'toggle' }, 0).reason, 'a relay is switched on or off, not "toggle"');
  t.is(p.submit({ source: 9, resource: 'main', action: 'on' }, 0).reason, 'unknown source 9');
  t.is(p.submit({ source: USER, resource: 'garage', action: 'on' }, 0).reason, 'unknown resource garage');
});
