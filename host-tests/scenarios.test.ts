// Every named scenario on the virtual board, with the outcome a user would expect.
import test from 'ava';
import { loadBoard } from '../boards/schema';
import { runScenario } from '../tools/sim/run';
import type { TimelineEvent } from '../tools/sim/run';
import { findScenario, SCENARIOS } from '../tools/sim/scenarios';

const board = loadBoard('esp32-devkitc-meter');

function run(name: string) {
  const sc = findScenario(name);
  if (sc === undefined) throw new Error(`no scenario ${name}`);
  return runScenario(sc, board, 1).result;
}

type Trip = Extract<TimelineEvent, { kind: 'trip' }>;
type Relay = Extract<TimelineEvent, { kind: 'relay' }>;
const trips = (r: ReturnType<typeof run>) => r.events.filter((e): e is Trip => e.kind === 'trip');
const opens = (r: ReturnType<typeof run>) => r.events.filter((e): e is Relay => e.kind === 'relay' && !e.closed);

const expectations: Record<string, { reason: string; final: string; maxMs: number; source?: string }> = {
  'short-circuit': { reason: 'comparator', final: 'tripped', maxMs: 0.5, source: 'latch' },
  'short-during-long-task': { reason: 'comparator', final: 'tripped', maxMs: 0.5, source: 'latch' },
  overcurrent: { reason: 'overcurrent', final: 'tripped', maxMs: 5 },
  sag: { reason: 'undervoltage', final: 'closed', maxMs: 200 + 20 + 5 },
  swell: { reason: 'overvoltage', final: 'closed', maxMs: 40 + 20 + 5 + 20 },
  overload: { reason: 'overload', final: 'tripped', maxMs: 25000 },
  overpower: { reason: 'overpower', final: 'tripped', maxMs: 10100 },
  'energy-cap': { reason: 'energycap', final: 'reclosing', maxMs: 35000 },
  'gas-leak': { reason: 'gas', final: 'tripped', maxMs: 40000 },
  overheating: { reason: 'temperature', final: 'tripped', maxMs: 60000 },
  'ntc-open': { reason: 'sensor', final: 'failsafe', maxMs: 2100 },
  'gas-sensor-shorted': { reason: 'sensor', final: 'failsafe', maxMs: 2100 },
  'current-sensor-stuck': { reason: 'sensor', final: 'failsafe', maxMs: 600 },
  'adc-nan': { reason: 'sensor', final: 'failsafe', maxMs: 30 },
  'mains-loss': { reason: 'undervoltage', final: 'closed', maxMs: 200 + 25 + 5 },
};

for (const [name, x] of Object.entries(expectations)) {
  test(`scenario ${name}: ${x.reason} trip, relays open within ${x.maxMs} ms, ends ${x.final}`, (t) => {
    const r = run(name);
    const tr = trips(r);
    t.true(tr.length >= 1, 'a trip is recorded');
    t.is(tr[0].reason, x.reason);
    const open = opens(r)[0];
    t.truthy(open, 'the relays were commanded open');
    t.true(open.afterFaultMs !== null && open.afterFaultMs <= x.maxMs, `opened ${open.afterFaultMs} ms after the fault`);
    if (x.source) t.is(open.source, x.source);
    t.is(r.finalState, x.final);
  });
}

test('scenario household: a day-like load profile never trips', (t) => {
  const r = run('household');
  t.is(trips(r).length, 0);
  t.is(r.finalState, 'closed');
  const readings = r.events.filter((e) => e.kind === 'reading');
  t.true(readings.length >= 15);
});

test('scenario repeated-sags-lockout: reclose twice, then lock out', (t) => {
  const r = run('repeated-sags-lockout');
  t.deepEqual(
    trips(r).map((e) => e.state),
    ['reclosing', 'reclosing', 'lockout'],
  );
  t.is(r.finalState, 'lockout');
});

test('without the latch, a comparator trip waits for the long task (why the board has one)', (t) => {
  const r = run('short-during-long-task-js-path');
  const open = opens(r)[0];
  t.is(open.source, 'js');
  t.true(open.afterFaultMs !== null && open.afterFaultMs > 1000);
});

test('every scenario is listed with a description and runs deterministically', (t) => {
  t.true(SCENARIOS.length >= 15);
  for (const s of SCENARIOS) t.true(s.description.length > 10);
  const a = run('sag');
  const b = run('sag');
  t.deepEqual(a.events, b.events);
});
