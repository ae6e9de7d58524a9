// Control-unit pieces on their own: event and ack codecs, the security log, the anomaly
// detector, and the argument checks of ControlUnit and NodeLink.
import test from 'ava';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import fc from 'fast-check';
import {
  ACK_FAILED,
  ACK_REFUSED,
  decodeAck,
  decodeEvent,
  encodeAck,
  encodeRekeyEvent,
  encodeSecurityEvent,
  encodeTripEvent,
  SECURITY_CLASSES,
} from '../firmware/link/messages';
import { COMMAND_REJECTS } from '../firmware/link/command';
import { AnomalyDetector, defaultAnomalyOptions } from '../firmware/control/anomaly';
import { SecurityLog } from '../firmware/control/security-log';
import { ControlUnit } from '../firmware/app/control-unit';
import { NodeLink } from '../firmware/app/node-link';
import { NetSim } from '../hal/sim/radio-net';
import { SimStore } from '../hal/sim/store';
import { SimBoard } from '../hal/sim/board';
import { MeterNode } from '../firmware/app/meter-node';
import { loadBoard } from '../boards/schema';
import { newTelemetryReading } from '../firmware/link/telemetry';

test('event and ack bodies round-trip and fit one nRF24 body', (t) => {
  const b = new Uint8Array(18);
  let n = encodeTripEvent(513, 'lockout', 'overcurrent-instantaneous', b);
  t.is(n, 18);
  t.deepEqual(decodeEvent(b, n), { kind: 'trip', seq: 513, state: 'lockout', reason: 'overcurrent-in' });
  const counts = [1, 2, 3, 70000, 5, 6, 7, 70001];
  n = encodeSecurityEvent(counts, b);
  t.is(n, 17);
  const d = decodeEvent(b, n);
  t.deepEqual(d, {
    kind: 'security',
    counts: { linkTag: 1, linkReplay: 2, linkOther: 3, cmdSignature: 65535, cmdSafety: 6, cmdReplay: 5, cmdOther: 7, total: 70001 & 0xffff },
  });
  n = encodeRekeyEvent(0xfffffffe, b);
  t.deepEqual(decodeEvent(b, n), { kind: 'rekey', epoch: 0xfffffffe });
  n = encodeAck(4, ACK_REFUSED, COMMAND_REJECTS.indexOf('signature'), 77, b);
  t.deepEqual(decodeAck(b, n), { code: 4, result: 'refused', reason: 'signature', seq: 77 });
  n = encodeAck(3, ACK_FAILED, 3, 9, b);
  t.deepEqual(decodeAck(b, n), { code: 3, result: 'failed', reason: 'limit-range', seq: 9 });
  t.is(SECURITY_CLASSES.length, 8);
});

test('event and ack decoders never throw and name what is wrong', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 20 }), fc.integer({ min: -2, max: 22 }), (bytes, len) => {
      const e = decodeEvent(bytes, len);
      if (e.kind === 'invalid') return e.error.length > 0;
      const a = decodeAck(bytes, len);
      return typeof a === 'string' ? a.length > 0 : true;
    }),
    { numRuns: fuzzRuns(2000) },
  );
  t.deepEqual(decodeEvent(Uint8Array.of(9), 1), { kind: 'invalid', error: 'event kind 9 out of range 1..3' });
  t.is(decodeAck(new Uint8Array(7).fill(9), 7), 'ack result 9 out of range 0..3');
});

test('security log: a bounded ring, totals that never roll over', (t) => {
  const log = new SecurityLog(3);
  for (let i = 0; i < 5; i++) log.add({ tUs: i * 1e6, nodeId: 1, source: 'air', reason: i % 2 ? 'tag' : 'replay', count: 1 });
  log.add({ tUs: 9e6, nodeId: 2, source: 'node', reason: 'cmdSignature', count: 4 });
  t.deepEqual(
    log.list().map((e) => e.tUs),
    [3e6, 4e6, 9e6],
  );
  t.is(log.count('air.replay'), 3);
  t.is(log.count('air.tag'), 2);
  t.is(log.count('node.cmdSignature'), 4);
  t.is(log.total, 9);
  t.throws(() => new SecurityLog(0), { message: /capacity 0 out of range 1..10000/ });
  // a flood: repeats within a second join one of the 8 newest entries, totals stay exact
  const f = new SecurityLog(512);
  for (let i = 0; i < 33000; i++) f.addAir(i * 303, 1 + (i % 3), i % 5 === 0 ? 'tag' : 'ratelimit');
  t.true(f.size() <= 6 * 11, `${f.size()} entries for 10 s of 3,300 frames/s`);
  t.is(f.total, 33000);
  t.is(f.count('air.tag'), 6600);
});

test('anomaly detector: reject rate, flood, silence, physical range, energy going back', (t) => {
  const a = new AnomalyDetector({ ...defaultAnomalyOptions(10), rejectsPerNode: 3, floodPerSecond: 5 });
  a.watch(1, 0);
  a.watch(2, 0);
  for (let i = 0; i < 4; i++) a.onReject(1, 'tag', i * 1000);
  t.deepEqual(
    a.alarms.map((x) => x.kind),
    ['reject-rate'],
  );
  for (let i = 0; i < 3; i++) a.onReject(2, 'tag', 5000 + i);
  t.deepEqual(
    a.alarms.map((x) => `${x.kind}/${x.nodeId}`),
    ['reject-rate/1', 'flood/0'],
  );
  // held: the same alarm is not raised again within holdUs
  for (let i = 0; i < 10; i++) a.onReject(1, 'tag', 10000 + i);
  t.is(a.alarms.length, 2, 'held: no second reject-rate or flood alarm');
  const r = newTelemetryReading();
  r.vrms = 231;
  r.irms = 5;
  r.p = 1100;
  r.energyWh = 100;
  r.tempC = 25;
  r.lpgPpm = 300;
  a.onReading(1, r, 1e6);
  t.is(a.alarms.length, 2, 'a plausible reading raises nothing');
  r.energyWh = 50;
  a.onReading(1, r, 2e6);
  t.is(a.alarms[2].kind, 'energy-back');
  t.regex(a.alarms[2].detail, /import register went back from 100 to 50 Wh/);
  r.energyWh = 120;
  r.p = 5000; // more than V * I
  a.onReading(2, r, 2e6);
  t.regex(a.alarms[3].detail, /\|P\| 5000 W above/);
  a.onSeen(1, 30e6);
  a.tick(36e6);
  t.deepEqual(
    a.alarms.filter((x) => x.kind === 'silent').map((x) => x.nodeId),
    [2],
  );
  a.tick(80e6);
  t.deepEqual(
    a.alarms.filter((x) => x.kind === 'silent').map((x) => x.nodeId),
    [2, 1],
  );
  t.throws(() => new AnomalyDetector({ ...defaultAnomalyOptions(10), rejectsPerNode: 0 }), { message: /rejectsPerNode 0 out of range/ });
});

test('ControlUnit and NodeLink refuse bad set-ups with the field and range', (t) => {
  const net = new NetSim({ seed: 1 });
  const radio = net.radio('cu', 'nrf24', 76, 0, 0, undefined);
  const key = new Uint8Array(32);
  const mk = (o: object) => new ControlUnit({ clock: net.air, store: new SimStore(), radio, nodes: [{ nodeId: 1, epoch: 0, up: key, down: key }], ...o });
  t.throws(() => mk({ reportEveryS: 0 }), { message: 'ControlUnit.reportEveryS 0 out of range 1..3600' });
  t.throws(() => mk({ nodes: [{ nodeId: 255, epoch: 0, up: key, down: key }] }), { message: 'node id 255 out of range 1..254' });
  t.throws(
    () =>
      mk({
        nodes: [
          { nodeId: 1, epoch: 0, up: key, down: key },
          { nodeId: 1, epoch: 0, up: key, down: key },
        ],
      }),
    { message: /node id 1 appears twice/ },
  );
  const cu = mk({});
  t.is(cu.sendCommand(9, new Uint8Array(8)), 'node 9 not in the registry');
  t.regex(cu.armRekey(1, 1, key), /no public key/);
  const board = loadBoard('esp32-devkitc-meter');
  const sim = new SimBoard({ board });
  const node = new MeterNode(sim.device, board, {});
  const r2 = net.radio('n', 'nrf24', 76, 1, 0, sim.sched);
  t.throws(() => new NodeLink(node, r2, {}), { message: /NodeLink: link keys missing/ });
  t.throws(
    () =>
      new ControlUnit({
        clock: net.air,
        store: new SimStore(),
        radio: { ...radio, profile: 'zigbee' as 'nrf24', maxPayload: 1, send: () => true, onReceive: undefined, onSent: undefined, close: () => {} },
        nodes: [],
      }),
    { message: /radio profile 'zigbee' out of range/ },
  );
});

test('a re-provisioned node gets a fresh replay window at the control unit; a reboot alone does not reset it', (t) => {
  const net = new NetSim({ seed: 1 });
  const store = new SimStore();
  const k1 = new Uint8Array(32).fill(1);
  const k2 = new Uint8Array(32).fill(2);
  const boot = (up: Uint8Array) =>
    new ControlUnit({ clock: net.air, store, radio: net.radio('cu', 'nrf24', 76, 0, 0, undefined), nodes: [{ nodeId: 1, epoch: 0, up, down: up }] });
  t.true(boot(k1).node(1)?.windowReset);
  t.false(boot(k1).node(1)?.windowReset);
  t.true(boot(k2).node(1)?.windowReset);
});

reportSeed((fn) => test.after.always(fn), 'net-control.test.ts');
