// The simulated home runs the boards' own start-ups (issue 7): its control unit is
// startControlUnit (firmware/app/start-control-unit.ts, what the Moddable build's
// targets/control-unit/main.ts calls) on a simulated esp32-control-unit board, and its nodes
// reach it through nRF24L01+ chip models on one air. So the home's PC link is the board's:
// `time` sets the unit's WallClock (and the access log says so), `enrol` and `delete-finger`
// run the reader's flows, and `npm start` no longer logs "this unit has no settable clock".
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nacl from 'tweetnacl';
import { SimHome, HOME_EPOCH_S, HOME_PSEUDONYM, HOME_UNIT_BOARD } from '../tools/home/home';
import { PROVISIONED_AT_S } from '../tools/sim/net-scenarios';
import { signDrOrder } from '../tools/dr';
import { DR_LIMIT } from '../firmware/policy/dr-kinds';
import { Nrf24Radio } from '../firmware/link/nrf24';
import { RfMedium, type AirFrame, type Station } from '../hal/sim/radio-medium';
import { Scheduler } from '../hal/sim/scheduler';
import { Prng } from '../hal/sim/prng';

const REPO = resolve(fileURLToPath(import.meta.url), '../..');

type Line = Record<string, any>;

function rig(h: SimHome) {
  const lines: Line[] = [];
  h.onLine((l) => lines.push(JSON.parse(l) as Line));
  let id = 0;
  const ask = (o: Line): number => {
    const n = ++id;
    h.send(JSON.stringify({ v: 1, id: n, ...o }) + '\n');
    return n;
  };
  const answer = (n: number) => lines.find((l) => l.id === n);
  const pins = h.unitBoard.board.pins as Record<string, number>;
  const touch = h.unitBoard.digitalPin(pins.fpTouch);
  /** a finger on the reader for `s` seconds: the module sees it, the R503's touch line goes high */
  const finger = (who: number, s: number) => {
    h.reader.fingerOn(who);
    touch.set(1, 'r503');
    h.step(s);
    h.reader.fingerOff();
    touch.set(0, 'r503');
  };
  return { lines, ask, answer, finger, access: (kind: string) => lines.filter((l) => l.type === 'access' && l.kind === kind) };
}

test('the home unit is startControlUnit on the control-unit board; the nodes reach it through nRF24 chips', (t) => {
  const h = new SimHome({ seed: 6 });
  const r = rig(h);
  h.step(12);
  t.is(h.unitBoard.board.name, HOME_UNIT_BOARD);
  t.is(h.unitLog[0], 'control unit up on esp32-control-unit: 3 node(s), radio present, clock set');
  t.is(h.unit.provisioning, '', 'the unit read its nodes from its own flash');
  t.is(h.unit.reader, 'ok', 'the reader took the provisioned module password');
  t.is(h.enrolled, 'ok', 'the first member enrolled with the button and the finger twice');
  t.true(h.unit.radio instanceof Nrf24Radio);
  for (const n of h.net.nodes) {
    t.true(n.radio instanceof Nrf24Radio, `node ${n.id} links through the nRF24 driver`);
    const got = r.lines.filter((l) => l.type === 'reading' && l.node === n.id).length;
    t.true(got >= 4, `node ${n.id}: ${got} readings`);
  }
  const st = r.ask({ cmd: 'status', role: 'household' });
  t.like(r.answer(st), {
    type: 'reply',
    status: { radio: true, reader: 'ok', accessLog: h.access.log.count(), clock: Math.floor(HOME_EPOCH_S + h.net.now() / 1e6) },
  });
  // a forged flood at the unit's pipe address: refused and counted by the unit's link layer
  const before = h.net.cu.log.total;
  t.is(h.fault('forgery-flood', 2), '');
  h.step(12);
  t.true(h.net.cu.log.total - before > 500, `${h.net.cu.log.total - before} forged frames refused`);
  t.true(
    r.lines.some((l) => l.type === 'alarm'),
    'an alarm on the PC link',
  );
});

test("PC-link time on the home's unit: first set, a step, a refused jump, all in the access log; guest codes wait for it", (t) => {
  const h = new SimHome({ seed: 6, rtc: false });
  const r = rig(h);
  h.step(3);
  t.false(h.unit.wall.isSet());
  t.regex(String(r.answer(r.ask({ cmd: 'guest-pass', role: 'household', scope: 'read', uses: 1, minutes: 10 }))?.error), /clock/);
  const unix = HOME_EPOCH_S + 3;
  t.like(r.answer(r.ask({ cmd: 'time', role: 'household', unix })), { type: 'reply', ok: true, unix, step: null });
  t.true(h.unit.wall.isSet());
  t.true(Math.abs((h.unit.wall.wallS() as number) - unix) < 0.01);
  h.step(10);
  t.like(r.answer(r.ask({ cmd: 'time', role: 'household', unix: unix + 40 })), { type: 'reply', ok: true, step: 30 });
  t.regex(String(r.answer(r.ask({ cmd: 'time', role: 'household', unix: unix + 86400 }))?.error), /^time: step 8\d+ s over the limit of 120 s/);
  t.regex(String(r.answer(r.ask({ cmd: 'time', role: 'guest', unix, code: '1-000000' }))?.error), /^forbidden/);
  const recs = h.access.log.entries(0, 100).filter((e) => e.text.includes('set-clock'));
  t.deepEqual(
    recs.map((e) => e.kind),
    ['action', 'action', 'action-refused'],
  );
  t.is(recs[0].text, `household set-clock to ${unix} first set via pc-link`);
  t.true(
    r.access('action').some((l) => l.detail === `household set-clock to ${unix} first set via pc-link`),
    'the record went out on the PC link',
  );
  t.true(h.access.verifyLog());
  t.like(r.answer(r.ask({ cmd: 'guest-pass', role: 'household', scope: 'read', uses: 1, minutes: 10 })), { type: 'reply', ok: true });
});

test("PC-link enrol and delete-finger on the home's unit: the reader's flows, then the finger identifies and no longer does", (t) => {
  const h = new SimHome({ seed: 6 });
  const r = rig(h);
  h.step(4);
  t.is(h.enrolled, 'ok');
  t.is(h.reader.templates(), 1);
  const e = r.ask({ cmd: 'enrol', role: 'household' });
  t.is(r.answer(e), undefined, 'the reply waits for the reader');
  r.finger(9, 0.8);
  h.step(0.5);
  r.finger(9, 1.5);
  h.step(1);
  t.deepEqual(r.answer(e), { v: 1, type: 'reply', id: e, ok: true, page: 1, enrolled: true });
  t.is(h.reader.templates(), 2);
  t.true(r.access('enrol').some((l) => l.detail === 'page 1 by household'));
  t.true(r.access('action').some((l) => l.detail === 'household enrol-finger page 1 via pc-link'));
  // the new finger on the reader: the touch line wakes the unit, which identifies it
  r.finger(9, 1.5);
  t.true(r.access('identify-match').some((l) => /page 1/.test(l.detail)));
  const d = r.ask({ cmd: 'delete-finger', role: 'household', page: 1 });
  h.step(1);
  t.like(r.answer(d), { type: 'reply', ok: true });
  t.is(h.reader.templates(), 1);
  t.true(r.access('action').some((l) => l.detail === 'household delete-finger page 1 via pc-link'));
  const misses = r.access('identify-no-match').length;
  r.finger(9, 1.5);
  t.is(r.access('identify-no-match').length, misses + 1, 'the deleted finger is not known any more');
  t.regex(String(r.answer(r.ask({ cmd: 'enrol', role: 'guest', code: '1-000000' }))?.error), /^forbidden: enrol-finger/);
  t.true(h.access.verifyLog());
});

test('npm start: the gateway sets the home unit clock at connect; no "no settable clock" in its log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'home-start-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tools/start.ts'), '--http-port', '0', '--mqtt-port', '0', '--state-dir', dir], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  try {
    const end = Date.now() + 120_000;
    while (!/time \(connect\)/.test(out) && child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    t.regex(out, /gateway: time \(connect\): unit clock set to \d{4}-\d\d-\d\dT[0-9:.]+Z, first set/, out);
    t.notRegex(out, /no settable clock/);
  } finally {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the air forgets what ended long ago: a home running for days keeps a short log, and collisions are judged the same', (t) => {
  const sched = new Scheduler();
  const m = new RfMedium({ sched, prng: new Prng(1), edgeLoss: 0 });
  const got: number[] = [];
  const rx: Station = { id: 'rx', x: 0, y: 0, channel: 5, receive: (f: AirFrame) => got.push(f.payload[0]) };
  m.attach(rx);
  const frame = (b: number): AirFrame => ({ channel: 5, address: new Uint8Array(0), payload: Uint8Array.of(b), pid: 0, noAck: true, isAck: false });
  m.inject(frame(1), 100, 1, 0, 0);
  m.inject(frame(2), 100, 1, 0, 1000);
  m.inject(frame(3), 100, 1, 0, 1050);
  m.inject(frame(4), 100, 1, 0, 6000);
  sched.runUntil(500);
  t.is(m.forget(1050), 1, 'only the frame that ended before 1050 µs (the second ends at 1100)');
  t.is(m.forget(1050), 0);
  t.deepEqual(
    m.log.map((x) => x.index),
    [1, 2, 3],
    'indexes stay absolute',
  );
  t.throws(() => m.replay(0, 0, 0), { message: /out of range 1\.\.3/ });
  sched.runUntil(10000);
  // the second and third overlap and are both lost, as without forget(); the first and fourth arrive
  t.deepEqual(got, [1, 4]);
  t.is(m.stats.collided, 2);
  // the simulated home keeps a minute of air
  const h = new SimHome({ seed: 6, reportEveryS: 1 });
  h.step(180);
  const log = h.net.net.medium.log;
  t.true(log[0].startUs > h.net.now() - 61e6, 'nothing older than a minute');
  t.true(log[0].index > 300, `${log[0].index} transmissions forgotten`);
});

test("a utility's signed demand-response order over the home unit's PC link: verified on the unit against its cu.dr key, then held; a forged one refused", (t) => {
  const h = new SimHome({ seed: 8 });
  const r = rig(h);
  h.step(5);
  const wall = Math.floor(h.unit.wall.wallS() as number);
  const order = {
    kind: DR_LIMIT,
    home: HOME_PSEUDONYM,
    seq: 1,
    provisionedAt: PROVISIONED_AT_S,
    notBefore: wall - 5,
    startS: wall + 30,
    endS: wall + 630,
    orderId: 3,
    limitW: 1500,
    relays: [3],
  };
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const forged = r.ask({ cmd: 'dr', role: 'utility', hex: hex(signDrOrder(order, nacl.sign.keyPair().secretKey)) });
  h.step(20);
  t.regex(String(r.answer(forged)?.error), /signature/);
  const good = r.ask({ cmd: 'dr', role: 'utility', hex: hex(signDrOrder(order, h.net.authority.secretKey)) });
  h.step(20);
  t.like(r.answer(good), { type: 'reply', order: 3, kind: 'limit', accepted: true });
  h.step(40);
  const e = r.lines.filter((l) => l.type === 'energy').pop();
  t.like(e?.dr, { id: 3, kind: 'limit', limitW: 1500, relays: [3], active: true });
});
