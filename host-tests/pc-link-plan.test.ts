// The whole plan on the PC link (docs/PC-LINK.md "plan"): one versioned `plan` line a load,
// its slots as a hex bitmap, bounded by MAX_LINE at the scheduler's limits; sent before the
// energy line when the plan changes and every PLAN_EVERY lines, and on the `plan` command;
// the gateway reads it back to the same slots and publishes them in stat/<home>-cu/PLAN.
import test from 'ava';
import fc from 'fast-check';
import { HomeEnergy } from '../firmware/policy/home-energy';
import type { EnergyState } from '../firmware/policy/home-energy';
import { clip, encodeEnergy, encodePlan, MAX_LINE, PcLink, PLAN_EVERY, slotBitmap } from '../firmware/control/pc-link';
import { MAX_LOADS, MAX_SLOTS } from '../firmware/schedule/model';
import type { SchedulerInput } from '../firmware/schedule/model';
import { parseDeviceLine } from '../tools/gateway/lines';
import type { EnergyMsg, PlanMsg } from '../tools/gateway/lines';
import { PlanLines, planPayload, slotRuns } from '../tools/gateway/unit-energy';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import { widestDr } from '../tools/bench/dr';

reportSeed(test.after.always, 'pc-link-plan');

const S = 1e6;

function day(slots: number, slotS: number, loads: number, name: (i: number) => string): SchedulerInput {
  const price = Array.from({ length: slots }, (_, i) => (i % 7 === 0 ? 0.1 : 0.3));
  return {
    slotS,
    pricePerKWh: price,
    baseW: price.map(() => 0),
    capW: 3600,
    meterMaxPowerW: 4000,
    loads: Array.from({ length: loads }, (_, i) => ({
      name: name(i),
      relay: `node:${i + 1}`,
      earliestS: 0,
      deadlineS: slots * slotS,
      energyWh: (300 * slotS * 3) / 3600,
      powerW: 300,
      interruptible: true,
    })),
  };
}

function planned(inp: SchedulerInput): EnergyState {
  const e = new HomeEnergy({});
  if (e.setSchedule(inp, 0, () => true, 'greedy') !== '') throw new Error('plan refused');
  e.step(0);
  e.step(S);
  return e.state();
}

test('plan lines: one a load, bounded at the scheduler’s limits (8 loads, 672 slots, long non-ASCII names), read back to the same slots', (t) => {
  const inp = day(MAX_SLOTS, 900, MAX_LOADS, (i) => `Wärmepumpe-Küche-${i}-überlang`);
  const st = planned(inp);
  const lines = encodePlan(5 * S, st);
  t.is(lines.length, MAX_LOADS);
  const longest = Math.max(...lines.map((l) => l.length));
  t.true(longest <= MAX_LINE, `${longest} characters`);
  t.log(`longest plan line at 8 loads x 672 slots: ${longest} characters (MAX_LINE ${MAX_LINE})`);
  const sched = st.schedule!;
  const got = new PlanLines();
  for (let i = 0; i < lines.length; i++) {
    const p = parseDeviceLine(lines[i]);
    t.true(p.ok, p.ok ? '' : p.error);
    const m = (p as { msg: PlanMsg }).msg;
    t.like(m, { pv: 1, load: i, of: MAX_LOADS, slots: MAX_SLOTS, slotS: 900, start: 0, powerW: 300 });
    // the bitmap is the plan: every slot the scheduler chose, and no other
    const back: number[] = [];
    for (const [a, b] of slotRuns(m.on, m.slots)) for (let q = a; q < b; q++) back.push(q);
    // (+ 0: the greedy scheduler hands slot 0 as -0, which JSON and the bitmap both write as 0)
    t.deepEqual(
      back,
      sched.loads[i].slots.map((q) => q + 0),
    );
    got.add(m);
  }
  t.truthy(got.complete(0, MAX_LOADS));
  t.is(got.complete(1, MAX_LOADS), undefined, 'another plan’s lines are not this one');
  t.false(parseDeviceLine(lines[0].replace('"pv":1', '"pv":2')).ok, 'an unknown plan schema version is refused');
  t.false(parseDeviceLine(lines[0].replace(/"on":"[0-9a-f]*"/, '"on":"ff"')).ok, 'a bitmap of the wrong length is refused');
  t.deepEqual(encodePlan(0, { ...st, schedule: undefined }), [], 'no plan, no lines');
});

test('fuzz: the bitmap holds any set of slots exactly', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_SLOTS }), fc.uniqueArray(fc.nat({ max: MAX_SLOTS - 1 })), (n, raw) => {
      const slots = raw.filter((q) => q < n).sort((a, b) => a - b);
      const bm = slotBitmap(slots, n);
      const back: number[] = [];
      for (const [a, b] of slotRuns(bm, n)) for (let q = a; q < b; q++) back.push(q);
      return bm.length === Math.ceil(n / 4) && JSON.stringify(back) === JSON.stringify(slots);
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.pass();
});

test('the PC link sends the plan before the energy line when it changes and every PLAN_EVERY lines, and on `plan`; the gateway’s PLAN carries every slot', (t) => {
  const st = planned(day(48, 1800, 2, (i) => `load ${i}`));
  const out: string[] = [];
  const pc = new PcLink({ nodes: () => [], status: () => ({}), sendCommand: () => '' }, (l) => out.push(l.trim()));
  const types = () => out.map((l) => JSON.parse(l).type as string);
  pc.forward({ kind: 'energy', nodeId: 0, tUs: 60 * S, energy: st });
  t.deepEqual(types(), ['plan', 'plan', 'energy'], 'a new plan goes out ahead of its energy line');
  for (let k = 1; k < PLAN_EVERY; k++) pc.forward({ kind: 'energy', nodeId: 0, tUs: (60 + 60 * k) * S, energy: st });
  t.is(types().filter((x) => x === 'plan').length, 2, 'unchanged: not again until PLAN_EVERY lines');
  pc.forward({ kind: 'energy', nodeId: 0, tUs: 700 * S, energy: st });
  t.is(types().filter((x) => x === 'plan').length, 4, 'then once more, for a gateway that came late');
  out.length = 0;
  pc.line('{"v":1,"id":"p","cmd":"plan","role":"household"}');
  t.deepEqual(types(), ['plan', 'plan', 'reply']);
  t.like(JSON.parse(out[2]), { id: 'p', ok: true, loads: 2, start: 0 });
  // the gateway's payload: each load's runs on the wall clock
  const msgs = out.slice(0, 2).map((l) => (parseDeviceLine(l) as { msg: PlanMsg }).msg);
  const energyLine = parseDeviceLine(
    (() => {
      const o: string[] = [];
      new PcLink({ nodes: () => [], status: () => ({}), sendCommand: () => '' }, (l) => o.push(l.trim())).forward({
        kind: 'energy',
        nodeId: 0,
        tUs: 60 * S,
        energy: st,
      });
      return o[o.length - 1];
    })(),
  );
  const em = (energyLine as { msg: EnergyMsg }).msg;
  const wall = new Date('2026-11-27T00:01:00Z');
  const p = planPayload(em, wall, { unitUs: 60 * S, wallMs: wall.getTime() }, msgs);
  const l0 = p.Loads![0];
  const want = slotRuns(msgs[0].on, 48).map(([a, b]) => ({
    From: new Date(Date.UTC(2026, 10, 27) + a * 1800e3).toISOString(),
    To: new Date(Date.UTC(2026, 10, 27) + b * 1800e3).toISOString(),
  }));
  t.deepEqual(l0.Slots, want);
  t.true(want.length > 0);
  t.is(l0.PowerW, 300);
  t.is(planPayload(em, wall, { unitUs: 60 * S, wallMs: wall.getTime() }).Loads![0].Slots, undefined, 'without the plan lines: no Slots');
});

test('the energy line stays under MAX_LINE with 8 long-named loads and a demand-response order on 8 relays', (t) => {
  const st = planned(day(48, 1800, MAX_LOADS, (i) => `a very long appliance name ${i}`));
  st.dr = {
    id: 0xffffffff,
    seq: 0xffffffff,
    kind: 'limit',
    limitW: 65535,
    relays: [1, 2, 3, 4, 5, 6, 7, 8].map((k) => 246 + k),
    startUs: 1e15,
    endUs: 1e15 + 86400e6,
    active: true,
    refused: ['x', 'y'],
  };
  st.drLast = '4294967295 cancelled';
  const line = encodeEnergy(1e15, st);
  t.true(line.length <= MAX_LINE, `${line.length} characters`);
  t.log(`energy line, 8 loads and an order on 8 relays: ${line.length} characters`);
  t.true(parseDeviceLine(line).ok);
  t.is(JSON.parse(line).sched.loads[0][0], 'a very long appl', 'names cut to 16 JSON characters');
  // every text at its limit and the numbers at their widest: the texts are left out, the line stays whole
  for (const l of st.schedule!.loads) Object.assign(l, { name: 'n'.repeat(40), relay: 'r'.repeat(40), unmet: 'u'.repeat(80), nextS: 604799 });
  Object.assign(st, { realW: -123456.7, visibleW: -123456.7, batteryW: -123456.7, soc: 0.123, realWh: 123456789.1, visibleWh: 123456789.1 });
  const worst = encodeEnergy(1e16, st);
  t.true(worst.length <= MAX_LINE, `${worst.length}`);
  t.deepEqual(JSON.parse(worst).sched.loads[0], ['', '', JSON.parse(worst).sched.loads[0][2], 604799, '']);
  t.true(parseDeviceLine(worst).ok);
});

test('fuzz: any names (any Unicode, quotes, controls) keep the energy and plan lines under MAX_LINE and readable', (t) => {
  const base = planned(day(MAX_SLOTS, 900, MAX_LOADS, (i) => `load ${i}`));
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 80 })),
        { minLength: MAX_LOADS, maxLength: MAX_LOADS },
      ),
      (names) => {
        const st = structuredClone(base);
        st.schedule!.loads.forEach((l, i) => {
          l.name = names[i][0];
          l.relay = names[i][1];
          l.unmet = names[i][2];
        });
        widestDr(st);
        const all = [encodeEnergy(1e15, st), ...encodePlan(1e15, st)];
        return all.every((l) => l.length <= MAX_LINE && parseDeviceLine(l).ok);
      },
    ),
    { numRuns: fuzzRuns(100) },
  );
  t.is(clip('Wärme', 8), 'Wär', 'a non-ASCII character takes its 6-character escape');
  t.is(clip('Wärme', 7), 'Wä');
  t.is(clip('Wärme', 6), 'W');
  t.is(clip('plain', 16), 'plain');
});
