// The control unit's PC link (firmware/control/pc-link.ts, docs/PC-LINK.md): encoder,
// parser (fuzzed: never throws, every bad line answered), role table, and the link
// against the simulated network (readings, a trip, a signed disconnect forwarded).
import test from 'ava';
import fc from 'fast-check';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import { GUEST_SCOPES, MAX_LINE, PC_ROLES, PROTOCOL_VERSION, PcLink, encodeForward, parsePcLine } from '../firmware/control/pc-link';
import { may, policyTable } from '../firmware/access/policy';
import type { PcLinkPorts } from '../firmware/control/pc-link';
import { Net } from '../tools/sim/net-scenarios';
import { newTelemetryReading } from '../firmware/link/telemetry';

reportSeed(test.after.always, 'pc-link.test.ts');
const S = 1e6;

function ports(over: Partial<PcLinkPorts> = {}): PcLinkPorts {
  return { nodes: () => [1, 2], status: () => ({ ok: true }), sendCommand: () => '', ...over };
}

function rig(over: Partial<PcLinkPorts> = {}) {
  const out: string[] = [];
  const link = new PcLink(ports(over), (l) => out.push(l));
  return { link, out, json: () => out.map((l) => JSON.parse(l)) };
}

test('a reading line: versioned, scaled, NaN as null, relay state from the flags', (t) => {
  const r = newTelemetryReading();
  Object.assign(r, { vrms: 230.123, irms: 4.5678, p: 1000, energyWh: 12345, tempC: NaN, lpgPpm: 300, flags: 1 });
  const line = encodeForward({ kind: 'reading', nodeId: 3, tUs: 5e6, counter: 7, reading: r });
  t.deepEqual(JSON.parse(line), {
    v: 1,
    type: 'reading',
    node: 3,
    t: 5e6,
    ctr: 7,
    V: 230.12,
    I: 4.568,
    P: 1000,
    E: 12345,
    PF: 0.95,
    T: null,
    gas: 300,
    flags: 1,
    relay: 'closed',
  });
  t.false(line.includes('\n'));
  const trip = JSON.parse(encodeForward({ kind: 'event', nodeId: 1, tUs: 1, event: { kind: 'trip', seq: 2, state: 'tripped', reason: 'overcurrent' } }));
  t.deepEqual(trip, { v: 1, type: 'trip', node: 1, t: 1, seq: 2, state: 'tripped', reason: 'overcurrent' });
  const alarm = JSON.parse(encodeForward({ kind: 'alarm', nodeId: 2, tUs: 9, alarm: { tUs: 9, nodeId: 2, kind: 'silent', detail: 'x "q"' } }));
  t.is(alarm.detail, 'x "q"');
});

test('commands: good lines parse; each bad line names its fault', (t) => {
  const ok = parsePcLine('{"v":1,"id":4,"cmd":"relay","role":"household","node":2,"state":"off"}');
  t.true(ok.ok);
  const cases: [string, string][] = [
    ['hello', 'line: not JSON'],
    ['[1,2]', 'line: not a JSON object'],
    ['{"v":2,"id":1,"cmd":"ping","role":"household"}', 'v: protocol version 1 expected'],
    ['{"v":1,"id":1,"cmd":"dance","role":"household"}', 'cmd: unknown command'],
    ['{"v":1,"id":1,"cmd":"ping","role":"root"}', 'role: one of'],
    ['{"v":1,"id":1,"cmd":"relay","role":"household","node":0,"state":"off"}', 'node: an integer 1..254'],
    ['{"v":1,"id":1,"cmd":"relay","role":"household","node":1,"state":"toggle"}', 'state:'],
    ['{"v":1,"id":1,"cmd":"relay","role":"guest","node":1,"state":"on"}', 'forbidden: relay-on is not allowed to guest'],
    ['{"v":1,"id":1,"cmd":"command","role":"household","node":1,"hex":"00"}', 'forbidden: signed-command'],
    ['{"v":1,"id":1,"cmd":"command","role":"utility","node":1,"hex":"0g"}', 'hex:'],
    ['x'.repeat(MAX_LINE + 1), 'over the limit'],
  ];
  for (const [line, err] of cases) {
    const p = parsePcLine(line);
    t.false(p.ok, line);
    if (!p.ok) t.true(p.error.includes(err), `${line.slice(0, 60)} -> ${p.error}`);
  }
  const p = parsePcLine('{"v":1,"id":"abc","cmd":"dance","role":"household"}');
  t.false(p.ok);
  if (!p.ok) t.is(p.id, 'abc', 'the error carries the request id');
});

test('role table: every PC-link cell comes from the one policy table, and the parser follows it', (t) => {
  const expect: Record<string, string[]> = {
    read: ['household', 'guest', 'technician', 'utility'],
    'relay-off': ['household', 'guest', 'technician'],
    'relay-on': ['household', 'technician'],
    'signed-command': ['utility'],
    'guest-login': ['guest'],
    'issue-guest-pass': ['household'],
    'set-clock': ['household', 'technician'],
    'enrol-finger': ['household'],
    'delete-finger': ['household'],
    'demand-response': ['utility'],
  };
  const offered = policyTable().filter((r) => r.pcLink.length > 0);
  t.deepEqual(Object.fromEntries(offered.map((r) => [r.action, r.pcLink])), expect);
  t.deepEqual(PC_ROLES, ['household', 'guest', 'technician', 'utility']);
  t.deepEqual(GUEST_SCOPES, ['read', 'relay-off']);
  // the parser refuses exactly the cells the table refuses
  const lines: Record<string, string> = {
    read: '"cmd":"ping"',
    'relay-off': '"cmd":"relay","node":1,"state":"off"',
    'relay-on': '"cmd":"relay","node":1,"state":"on"',
    'signed-command': '"cmd":"command","node":1,"hex":"00"',
    'guest-login': '"cmd":"guest-login","code":"1-123456"',
    'issue-guest-pass': '"cmd":"guest-pass","scope":"read","uses":1,"minutes":5',
    'set-clock': '"cmd":"time","unix":1800000000',
    'enrol-finger': '"cmd":"enrol"',
    'delete-finger': '"cmd":"delete-finger","page":3',
    'demand-response': '"cmd":"dr","hex":"00"',
  };
  for (const action of Object.keys(expect)) {
    for (const role of PC_ROLES) {
      const want = expect[action].includes(role);
      t.is(may(role, action, 'pc-link'), want, `${action}/${role}`);
      const p = parsePcLine(`{"v":1,"id":1,"role":"${role}",${lines[action]}}`);
      t.is(p.ok, want, `parse ${action}/${role}`);
      if (!p.ok) t.is(p.error, `forbidden: ${action} is not allowed to ${role} (allowed: ${expect[action].join(', ')})`);
    }
  }
});

test('fuzz: the line parser and the stream never throw, and answer every non-empty line', (t) => {
  const cmd = fc.record(
    {
      v: fc.oneof(fc.constant(1), fc.integer()),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 70 }), fc.constant(null)),
      cmd: fc.constantFrom('ping', 'status', 'nodes', 'relay', 'command', 'guest-login', 'guest-pass', 'dr', 'plan', 'x'),
      scope: fc.constantFrom('read', 'relay-off', 'all'),
      uses: fc.integer({ min: -1, max: 200 }),
      minutes: fc.integer({ min: 0, max: 20000 }),
      role: fc.constantFrom('household', 'guest', 'technician', 'utility', 'nobody'),
      node: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double()),
      state: fc.constantFrom('on', 'off', 'maybe'),
      hex: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{2,40}$/)),
      code: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  );
  const line = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.json(),
    cmd.map((o) => JSON.stringify(o)),
    fc.string({ minLength: MAX_LINE - 5, maxLength: MAX_LINE + 20 }),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 8 }), fc.integer({ min: 1, max: 50 }), (lines, chunk) => {
      const r = rig({ relay: () => '', guestCheck: (code) => (code === '123456' ? '' : 'guest: wrong code'), issueGuestPass: () => ({ code: '654321' }) });
      const text = lines.map((l) => l.replace(/[\r\n]/g, ' ')).join('\n') + '\n';
      for (let i = 0; i < text.length; i += chunk) r.link.feed(text.slice(i, i + chunk));
      const nonEmpty = lines.filter((l) => l.replace(/[\r\n]/g, ' ').length > 0).length;
      const replies = r.json();
      for (const o of replies) if (o.v !== PROTOCOL_VERSION || (o.type !== 'reply' && o.type !== 'error')) return false;
      for (const o of replies) if (o.type === 'error' && !(typeof o.error === 'string' && o.error.length > 0)) return false;
      return replies.length === nonEmpty;
    }),
    { numRuns: fuzzRuns(1000) },
  );
  t.pass();
});

test('an oversized line is dropped up to its newline and answered once; the next line works', (t) => {
  const r = rig();
  r.link.feed('y'.repeat(3 * MAX_LINE));
  r.link.feed('zz\n{"v":1,"id":9,"cmd":"ping","role":"household"}\n');
  const j = r.json();
  t.is(j.length, 2);
  t.is(j[0].type, 'error');
  t.deepEqual(j[1], { v: 1, type: 'reply', id: 9, ok: true, pong: true });
  t.is(r.link.stats.oversized, 1);
});

test('guests: without the access module refused; with it, the code is checked; a throwing port is answered, not thrown', (t) => {
  const a = rig();
  a.link.line('{"v":1,"id":1,"cmd":"relay","role":"guest","node":1,"state":"off","code":"123456"}');
  t.regex(a.json()[0].error, /no access module/);
  const b = rig({ relay: () => '', guestCheck: (c) => (c === '123456' ? '' : 'guest: code refused') });
  b.link.line('{"v":1,"id":1,"cmd":"relay","role":"guest","node":1,"state":"off","code":"000000"}');
  b.link.line('{"v":1,"id":2,"cmd":"relay","role":"guest","node":1,"state":"off","code":"123456"}');
  b.link.line('{"v":1,"id":3,"cmd":"relay","role":"guest","node":1,"state":"off"}');
  t.deepEqual(
    b.json().map((o) => o.error ?? o.state),
    ['guest: code refused', 'off', 'guest: the command needs the guest code'],
  );
  const c = rig({
    sendCommand: () => {
      throw new Error('boom');
    },
  });
  c.link.line('{"v":1,"id":1,"cmd":"command","role":"utility","node":1,"hex":"0102"}');
  t.regex(c.json()[0].error, /internal: Error: boom/);
  const d = rig();
  d.link.line('{"v":1,"id":1,"cmd":"relay","role":"household","node":1,"state":"off"}');
  t.regex(d.json()[0].error, /no relay port \(ControlUnit.householdRelay is not wired\)/);
  // guest passes: household only, fields checked, the access module makes the code
  d.link.line('{"v":1,"id":2,"cmd":"guest-pass","role":"household","scope":"relay-off","uses":3,"minutes":60}');
  d.link.line('{"v":1,"id":3,"cmd":"guest-pass","role":"guest","scope":"relay-off","uses":3,"minutes":60}');
  d.link.line('{"v":1,"id":4,"cmd":"guest-pass","role":"household","scope":"relay-on","uses":3,"minutes":60}');
  t.deepEqual(
    d
      .json()
      .slice(1)
      .map((o) => o.error),
    ['guest: no access module on this unit', 'forbidden: issue-guest-pass is not allowed to guest (allowed: household)', 'scope: one of read, relay-off'],
  );
  const e = rig({ issueGuestPass: (scope, uses, minutes) => (uses > 50 ? 'too many uses' : { code: `c-${scope}-${uses}-${minutes}` }) });
  e.link.line('{"v":1,"id":5,"cmd":"guest-pass","role":"household","scope":"read","uses":2,"minutes":30}');
  t.deepEqual(e.json()[0], { v: 1, type: 'reply', id: 5, ok: true, code: 'c-read-2-30', scope: 'read', uses: 2, minutes: 30 });
});

test('against the simulator: readings and a trip come out as lines; a signed disconnect goes in through the link', (t) => {
  const net = new Net({ seed: 21, nodes: 2, reportEveryS: 2 });
  const out: string[] = [];
  const link = new PcLink(
    {
      nodes: () => Object.keys(net.cu.nodes).map(Number),
      status: () => ({ nodes: Object.keys(net.cu.nodes).length }),
      sendCommand: (id, b) => net.cu.sendCommand(id, b),
    },
    (l) => out.push(l),
  );
  let seen = 0;
  const pump = () => {
    for (; seen < net.forwards.length; seen++) link.forward(net.forwards[seen]);
  };
  net.run(5);
  pump();
  net.nodeOf(1).sim.mains.shortCircuit({ atUs: net.now() + 0.2 * S, prospectiveA: 300 });
  net.run(1);
  pump();
  const hex = Buffer.from(net.disconnect(2)).toString('hex');
  link.feed(JSON.stringify({ v: 1, id: 'd2', cmd: 'command', role: 'utility', node: 2, hex }) + '\n');
  net.run(3);
  pump();
  const j = out.map((l) => JSON.parse(l));
  t.true(j.filter((o) => o.type === 'reading' && o.node === 2).length >= 2);
  const trip = j.find((o) => o.type === 'trip' && o.node === 1);
  t.truthy(trip);
  t.is(trip.state, 'tripped');
  t.deepEqual(
    j.find((o) => o.type === 'reply'),
    { v: 1, type: 'reply', id: 'd2', ok: true, node: 2, queued: true },
  );
  const ack = j.find((o) => o.type === 'ack' && o.node === 2);
  t.is(ack?.result, 'done');
  t.is(net.nodeOf(2).node.state(), 'open');
  const last2 = j.filter((o) => o.type === 'reading' && o.node === 2).pop();
  t.is(last2.relay, 'open');
  t.true(j.every((o) => o.v === 1));
});
