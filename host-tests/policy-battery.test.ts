// The shared battery through a day: load hiding yields to a demand-response order and to
// a safety need and resumes after them; the scheduler's relay requests yield to the user.
import test from 'ava';
import { defaultBattery } from '../firmware/privacy/battery';
import { BatteryController } from '../firmware/privacy/controller';
import { makeHider, OURS } from '../firmware/privacy/hiding';
import { HouseholdPolicy, PRIVACY, SAFETY, SAVINGS, USER, UTILITY } from '../firmware/policy/policy';
import { plan, ScheduleRunner } from '../firmware/schedule/runner';
import { householdTrace } from '../tools/privacy/synth';
import { householdSchedulingDay } from '../tools/privacy/sched-cases';

test('a day: hiding, then a 1 h demand-response discharge, then a safety idle, then hiding again', (t) => {
  const policy = new HouseholdPolicy();
  const hider = makeHider(OURS, defaultBattery())!;
  const ctl = new BatteryController(hider, policy);
  t.true(policy.submit({ source: PRIVACY, resource: 'battery', action: 'hide' }, 0).granted);
  const tr = householdTrace(120);
  const owners: Record<number, number> = {};
  let realWh = 0;
  let visWh = 0;
  for (let i = 1; i < tr.length; i++) {
    const now = tr[i].t;
    if (now === 17 * 3600)
      t.true(policy.submit({ source: UTILITY, resource: 'battery', action: 'discharge', watts: 800, untilS: 18 * 3600, verified: true }, now).granted);
    if (now === 20 * 3600) t.true(policy.submit({ source: SAFETY, resource: 'battery', action: 'idle' }, now).granted);
    if (now === 20.5 * 3600) policy.release(SAFETY, 'battery', now);
    const dt = now - tr[i - 1].t;
    const s = ctl.step(tr[i].watts, dt, now);
    owners[s.owner] = (owners[s.owner] ?? 0) + 1;
    const x = tr[i].watts;
    if (now >= 17 * 3600 && now < 18 * 3600) {
      t.is(s.owner, UTILITY);
      // the order is served as far as the load and the battery allow, never as hiding
      t.true(s.batteryW <= 0 && s.batteryW >= -800 - 1e-9, `${now}: ${s.batteryW}`);
      if (hider.battery!.soc() > 0.2 && x >= 800) t.true(Math.abs(s.batteryW + 800) < 1e-6, `${now}: ${s.batteryW}`);
    } else if (now >= 20 * 3600 && now < 20.5 * 3600) {
      t.is(s.owner, SAFETY);
      t.is(s.batteryW, 0);
      t.is(s.visibleW, x);
    } else t.is(s.owner, PRIVACY);
    realWh += (x * dt) / 3600;
    visWh += (s.visibleW * dt) / 3600;
  }
  t.is(owners[UTILITY], 30);
  t.is(owners[SAFETY], 15);
  const b = hider.battery!;
  t.true(Math.abs(visWh - realWh - b.storedDeltaWh() - b.lossWh) < 1, 'energy balance still closes');
});

test('the scheduler asks through the policy: a user override holds the heater off, and it runs once released', (t) => {
  const d = householdSchedulingDay();
  const sched = plan(d, 'optimal');
  const policy = new HouseholdPolicy();
  const relays: Record<string, boolean> = {};
  const runner = new ScheduleRunner(d, sched, {
    set: (relay, on) => {
      const g = policy.submit({ source: SAVINGS, resource: `relay:${relay}`, action: on ? 'on' : 'off' }, now);
      if (g.granted) relays[relay] = on;
      return g.granted;
    },
  });
  let now = 0;
  const heaterOn = sched.on[2][0] * d.slotS;
  t.true(policy.submit({ source: USER, resource: 'relay:heater', action: 'off', untilS: heaterOn + 600 }, 0).granted);
  let heaterSeenOn = -1;
  for (now = 0; now < 96 * d.slotS; now += 60) {
    runner.tick(now);
    if (relays.heater === true && heaterSeenOn < 0) heaterSeenOn = now;
  }
  t.true(runner.refused > 0);
  t.is(heaterSeenOn, heaterOn + 600); // held by the user until the override lapsed, then the plan resumes
});
