import test from 'ava';
import fc from 'fast-check';
import { Breaker } from '../firmware/protection/breaker';
import { iecOperateS, InverseTimeElement } from '../firmware/protection/inverse-time';
import { applySettings, defaultSettings, PROTECTION_FIELDS, validateSettings } from '../firmware/protection/settings';
import { VoltageElements } from '../firmware/protection/elements';

test('IEC 60255-151 curve figures at TMS 1, M 10', (t) => {
  t.is(Math.round(iecOperateS(10, 0, 1) * 100) / 100, 2.97);
  t.is(iecOperateS(10, 1, 1), 1.5);
  t.is(Math.round(iecOperateS(10, 2, 1) * 1000) / 1000, 0.808);
});

test('defaults are valid; every field rejects out-of-range values by name and keeps the old settings', (t) => {
  const s = defaultSettings();
  t.true(validateSettings(s).ok);
  for (const f of PROTECTION_FIELDS) {
    const before = JSON.stringify(s);
    const r = applySettings(s, { [f.name]: f.max + 1 });
    t.false(r.ok);
    t.is(r.field, f.name);
    t.regex(r.error, new RegExp(`^${f.name}: .*${f.min}\\.\\.${f.max}`));
    t.is(JSON.stringify(s), before);
    t.false(applySettings(s, { [f.name]: NaN }).ok);
  }
});

test('overlapping voltage bands and an instantaneous pickup below overload are refused', (t) => {
  const s = defaultSettings();
  const r = applySettings(s, { uvTripV: 229, ovTripV: 231 });
  t.false(r.ok);
  t.is(r.field, 'ovTripV'); // the error names a field the change touched
  t.regex(r.error, /overlaps/);
  const r2 = applySettings(s, { ocPeakA: 20 });
  t.is(r2.field, 'ocPeakA');
  t.is(applySettings(s, { olPickupA: 40 }).field, 'olPickupA');
  t.is(s.ocPeakA, 45);
  t.false(applySettings(s, { nonsense: 1 }).ok);
  t.true(applySettings(s, { ovTripV: 270, uvTripV: 180 }).ok);
  t.is(s.ovTripV, 270);
});

test('fuzzed changes: either applied whole and valid, or rejected with the old settings intact', (t) => {
  const names = PROTECTION_FIELDS.map((f) => f.name);
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...names, 'bogus'), fc.double()), (change) => {
      const s = defaultSettings();
      const before = JSON.stringify(s);
      const r = applySettings(s, change);
      if (r.ok) return validateSettings(s).ok;
      return JSON.stringify(s) === before && r.error.startsWith(r.field + ':');
    }),
  );
  t.pass();
});

test('inverse-time element integrates to the curve (constant current)', (t) => {
  const s = defaultSettings();
  for (const curve of [0, 1, 2]) {
    for (const m of [1.5, 2, 5, 10]) {
      s.olCurve = curve;
      const el = new InverseTimeElement();
      const target = iecOperateS(m, curve, s.olTms);
      let tUs = 0;
      let tripAt = -1;
      while (tripAt < 0 && tUs < 200e6) {
        for (let b = 0; b < 10 && tripAt < 0; b++) if (el.due(tUs + b * 2000)) tripAt = tUs + b * 2000;
        if (tripAt >= 0) break;
        tUs += 20000;
        if (el.onCycle(m * s.olPickupA, 0.02, tUs, s)) tripAt = tUs;
      }
      t.true(Math.abs(tripAt / 1e6 - target) / target < 0.01, `curve ${curve} M ${m}: ${tripAt / 1e6} vs ${target}`);
    }
  }
});

test('voltage elements: pickup delay and hysteresis', (t) => {
  const s = defaultSettings();
  s.ovPickupMs = 40;
  const v = new VoltageElements();
  t.is(v.onHalfCycle(270, 0, s), '');
  t.is(v.onHalfCycle(262, 10000, s), ''); // below trip but above reset (264.5 * 0.98): still timing
  t.is(v.onHalfCycle(270, 40000, s), 'overvoltage');
  const w = new VoltageElements();
  w.onHalfCycle(270, 0, s);
  w.onHalfCycle(250, 10000, s); // back inside the band: reset
  t.is(w.onHalfCycle(270, 40000, s), '');
  t.true(w.healthy(230, s));
  t.false(w.healthy(262, s));
});

type Cmd = { open: boolean; t: number };

function breaker() {
  const cmds: Cmd[] = [];
  const b = new Breaker({ open: (t) => cmds.push({ open: true, t }), close: (t) => cmds.push({ open: false, t }) });
  b.state = 'closed';
  return { b, cmds };
}

const REASONS = ['comparator', 'overcurrent', 'overload', 'overvoltage', 'undervoltage', 'overpower', 'gas', 'temperature', 'sensor', 'energycap'];
const LATCHED = ['comparator', 'overcurrent', 'overload', 'gas', 'temperature'];

test('property: a trip always leaves the relays open; a latched trip never recloses without a local reset', (t) => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('trip'), reason: fc.constantFrom(...REASONS) }),
    fc.record({ k: fc.constant('tick'), clear: fc.boolean() }),
    fc.record({ k: fc.constant('cmd'), on: fc.boolean() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const { b, cmds } = breaker();
      let tUs = 0;
      let latched = false;
      for (const o of ops) {
        tUs += 1e6;
        if (o.k === 'trip') {
          b.trip(o.reason, tUs, false, 3, 600e6);
          if (cmds.length === 0 || !cmds[cmds.length - 1].open) return false;
          if (LATCHED.includes(o.reason) || o.reason === 'sensor') latched = true;
        } else if (o.k === 'tick') b.tickReclose(o.clear, tUs, 5e6);
        else b.command(o.on, tUs);
        if (latched && b.state === 'closed') return false;
        const last = cmds[cmds.length - 1];
        if (b.state !== 'closed' && last !== undefined && !last.open) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('voltage trips reclose after the delay; three in the window lock out', (t) => {
  const { b, cmds } = breaker();
  b.trip('undervoltage', 0, false, 3, 600e6);
  t.is(b.state, 'reclosing');
  t.false(b.tickReclose(true, 1e6, 30e6));
  t.false(b.tickReclose(false, 10e6, 30e6)); // fault came back: timer restarts
  t.false(b.tickReclose(true, 20e6, 30e6));
  t.true(b.tickReclose(true, 50e6, 30e6));
  t.is(b.state, 'closed');
  b.trip('overvoltage', 60e6, false, 3, 600e6);
  b.tickReclose(true, 60e6, 30e6);
  b.tickReclose(true, 90e6, 30e6);
  b.trip('overvoltage', 100e6, false, 3, 600e6);
  t.is(b.state, 'lockout');
  t.false(b.tickReclose(true, 1000e6, 30e6));
  t.is(b.command(true, 1001e6).startsWith('refused'), true);
  t.is(b.localReset(false, 1002e6).startsWith('refused'), true);
  t.is(b.localReset(true, 1003e6), 'ok');
  t.is(b.state, 'closed');
  t.false(cmds[cmds.length - 1].open);
});

test('remote on never overrides a safety trip; manual off/on works', (t) => {
  const { b } = breaker();
  t.is(b.command(false, 1), 'ok');
  t.is(b.state, 'open');
  t.is(b.command(true, 2), 'ok');
  b.trip('gas', 3, false, 3, 1e9);
  t.regex(b.command(true, 4), /refused: tripped \(gas\)/);
  b.trip('undervoltage', 5, false, 3, 1e9); // weaker reason never downgrades the latch
  t.is(b.state, 'tripped');
  t.is(b.reason, 'gas');
});

test('instantaneous qualification is a time: two samples at 4 kHz, never less than one', async (t) => {
  const { qualifySamples } = await import('../firmware/protection/settings');
  t.is(qualifySamples(500, 4000), 2);
  t.is(qualifySamples(500, 250), 1);
  t.is(qualifySamples(0, 4000), 1);
  t.is(qualifySamples(1000, 8000), 8);
});
