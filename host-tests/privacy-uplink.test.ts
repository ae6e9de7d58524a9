// Data minimisation: exactly which fields leave the home, at what resolution, under which
// id. A day of 1 s readings goes in; 48 half-hour records and the protection events come out.
import test from 'ava';
import { defaultBattery } from '../firmware/privacy/battery';
import { makeHider, OURS } from '../firmware/privacy/hiding';
import { checkUplink, defaultUplink, UtilityUplink, type BillingRecord, type EventRecord } from '../firmware/privacy/uplink';
import { householdTrace } from '../tools/privacy/synth';

const PSEUDONYM = '3f9a0c17e2b45d68';
const METER_SERIAL = 'ESP32-METER-00042';
const DAY0 = Date.UTC(2026, 10, 27) / 1000;

function day(intervalS: number) {
  const out: (BillingRecord | EventRecord)[] = [];
  const up = new UtilityUplink({ ...defaultUplink(PSEUDONYM), intervalS }, (r) => out.push(r));
  const hider = makeHider(OURS, defaultBattery())!;
  const tr = householdTrace(1);
  let gridWh = 0;
  for (let i = 1; i < tr.length; i++) {
    const dt = tr[i].t - tr[i - 1].t;
    const visible = hider.step(tr[i].watts, dt); // what the meter sees after load hiding
    const wh = (visible * dt) / 3600;
    gridWh += wh;
    up.addEnergy(DAY0 + tr[i].t, dt, wh);
    if (tr[i].t === 50000) up.event(DAY0 + tr[i].t + 0.37, 'trip-overcurrent');
  }
  up.flush();
  return { out, gridWh };
}

test('a day at 1 s leaves the home as 48 half-hour Wh totals and one event, nothing else', (t) => {
  const { out, gridWh } = day(1800);
  const bills = out.filter((r): r is BillingRecord => 'wh' in r);
  const events = out.filter((r): r is EventRecord => 'event' in r);
  t.is(out.length, 49);
  t.is(bills.length, 48);
  for (const [i, r] of bills.entries()) {
    // exactly these fields, at this resolution
    t.deepEqual(Object.keys(r).sort(), ['dur', 'id', 'start', 'v', 'wh']);
    t.is(r.v, 1);
    t.is(r.id, PSEUDONYM);
    t.is(r.dur, 1800);
    t.is(r.start, DAY0 + i * 1800);
    t.true(Number.isInteger(r.wh) && r.wh >= 0);
  }
  // the totals add up to the day's grid energy (rounding remainders carry forward)
  t.true(Math.abs(bills.reduce((a, r) => a + r.wh, 0) - gridWh) <= 0.5);
  t.deepEqual(events, [{ v: 1, id: PSEUDONYM, t: DAY0 + 50000, event: 'trip-overcurrent' }]);
  // no trace of the meter's serial, nor of anything finer than the interval
  const text = JSON.stringify(out);
  t.false(text.includes(METER_SERIAL));
  t.false(/"(p|w|watts|vrms|irms|power|voltage|current|soc|serial)"/.test(text));
});

test('the interval is configurable (15 min gives 96 records)', (t) => {
  const { out } = day(900);
  t.is(out.filter((r) => 'wh' in r).length, 96);
});

test('a step across a boundary is split in proportion; a late reading joins the open interval', (t) => {
  const out: BillingRecord[] = [];
  const up = new UtilityUplink(defaultUplink(PSEUDONYM), (r) => out.push(r as BillingRecord));
  up.addEnergy(1800 + 600, 1200, 120); // 600 s before the boundary, 600 s after: 60 Wh each
  up.addEnergy(1800 + 100, 10, 5); // late: booked to the open interval
  up.flush();
  t.deepEqual(
    out.map((r) => [r.start, r.wh]),
    [
      [0, 60],
      [1800, 65],
    ],
  );
});

test('only the listed protection events go upstream', (t) => {
  const out: unknown[] = [];
  const up = new UtilityUplink(defaultUplink(PSEUDONYM), (r) => out.push(r));
  t.true(up.event(10, 'gas-alarm'));
  t.false(up.event(11, 'kettle-on'));
  t.false(up.event(12, 'door-opened'));
  t.is(out.length, 1);
});

test('settings out of range are refused naming the field and the range', (t) => {
  t.is(checkUplink(defaultUplink(PSEUDONYM)), '');
  t.is(checkUplink({ ...defaultUplink(PSEUDONYM), intervalS: 60 }), 'intervalS: 60 is out of range (300 .. 86400 s, dividing a day)');
  t.is(checkUplink({ ...defaultUplink(PSEUDONYM), intervalS: 1000 }), 'intervalS: 1000 is out of range (300 .. 86400 s, dividing a day)');
  t.is(checkUplink(defaultUplink(METER_SERIAL)), `pseudonym: "${METER_SERIAL}" is out of range (16 lower-case hex digits)`);
  t.throws(() => new UtilityUplink({ pseudonym: 'x', intervalS: 1800 }, () => {}), { message: /^uplink pseudonym/ });
});
