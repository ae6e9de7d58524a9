// Attacks on the simulated air, end to end: LinkSender -> nRF24 driver -> chip model ->
// RF medium (attacker hooks) -> chip -> driver -> LinkReceiver. Every attack frame that
// reaches the link layer must be rejected with a reason; legitimate telemetry keeps flowing.
// Figures: npx ava --verbose host-tests/link-attacks.test.ts
import test from 'ava';
import { RadioRig, RIG_PINS } from '../hal/sim/radio-rig';
import { SimStore } from '../hal/sim/store';
import { Nrf24Radio } from '../firmware/link/nrf24';
import { FrameCounter } from '../firmware/link/counter';
import { PersistentReplayWindow } from '../firmware/link/replay';
import { LinkSender, LinkReceiver, PROFILE_NRF24, DIR_UP, MSG_TELEMETRY, HEADER_BYTES, writeHeader } from '../firmware/link/frame';
import { encodeTelemetry, TELEMETRY_BYTES } from '../firmware/link/telemetry';
import type { Transmission } from '../hal/sim/radio-medium';

const NODE_ADDR = Uint8Array.from([0x01, 0x4e, 0x4f, 0x44, 0x45]);
const CU_ADDR = Uint8Array.from([0x00, 0x43, 0x55, 0x4e, 0x54]);
const KEY = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const KEY2 = Uint8Array.from({ length: 32 }, (_, i) => (i * 13) & 0xff);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('replay (immediate, after reboots of either side), forgery, bit flips, truncation, reordering, duplication, old epoch', (t) => {
  const rig = new RadioRig(7, { edgeLoss: 0 });
  const nodeStore = new SimStore();
  const cuStore = new SimStore();
  const meterChip = rig.addNrf24Node('meter', 0, 0);
  const cuChip = rig.addNrf24Node('control', 6, 0);
  const mkMeter = () =>
    new Nrf24Radio({ io: meterChip.io, pins: RIG_PINS, hz: 8e6, channel: 76, ownAddress: NODE_ADDR, peerAddress: CU_ADDR, retries: 5, retryDelayUs: 500 });
  const cuRadio = new Nrf24Radio({
    io: cuChip.io,
    pins: RIG_PINS,
    hz: 8e6,
    channel: 76,
    ownAddress: CU_ADDR,
    peerAddress: NODE_ADDR,
    retries: 5,
    retryDelayUs: 500,
  });
  const meterRadio = mkMeter();
  let tx = new LinkSender(PROFILE_NRF24, KEY, 1, 7, DIR_UP, new FrameCounter(nodeStore, 'ctr.up', 100));
  const mkRx = () => new LinkReceiver(PROFILE_NRF24, 7, DIR_UP, KEY, 1, new PersistentReplayWindow(cuStore, 'rx7u'));
  let rx = mkRx();
  const genuine = new Set<string>();
  const accepted: string[] = [];
  const events: string[] = [];
  const hook = (r: LinkReceiver) => {
    r.onReject = (reason) => events.push(reason);
  };
  hook(rx);
  cuRadio.onReceive = (f) => {
    const o = rx.open(f, f.length);
    if (o.ok) accepted.push(hex(f));
  };
  const sniffed: Transmission[] = [];
  rig.medium.sniff((s) => {
    if (!s.isAck && s.from === 'meter') sniffed.push(s);
  });
  const body = new Uint8Array(TELEMETRY_BYTES);
  let attackFrames = 0;
  const sendReading = (i: number) => {
    encodeTelemetry({ vrms: 230 + i / 10, irms: 1 + i / 100, p: 200 + i, energyWh: 1000 + i, tempC: 25, lpgPpm: 300, flags: 0 }, body, 0);
    const s = tx.seal(MSG_TELEMETRY, body, TELEMETRY_BYTES);
    if (!s.ok) throw new Error(s.error);
    genuine.add(hex(s.frame));
    t.true(meterRadio.send(s.frame));
  };
  const inject = (payload: Uint8Array) => {
    attackFrames++;
    // a fresh PID, so the chip's duplicate filter does not hide the frame from the link
    rig.medium.inject({ channel: 76, address: CU_ADDR, payload, pid: attackFrames & 3, noAck: false, isAck: false }, 200, 3, 3);
    rig.sched.runFor(3000);
  };
  const step = () => rig.sched.runFor(20_000);

  rig.sched.runFor(1000);
  for (let i = 0; i < 10; i++) {
    sendReading(i);
    step();
  }
  t.is(accepted.length, 10);
  const old = sniffed.map((s) => s.payload);
  // immediate replay and duplication
  inject(old[9]);
  inject(old[9]);
  inject(old[3]);
  // bit flips everywhere in a captured frame
  for (let bit = 0; bit < old[5].length * 8; bit += 7) {
    const g = old[5].slice();
    g[bit >> 3] ^= 1 << (bit & 7);
    inject(g);
  }
  // truncation and extension
  inject(old[6].slice(0, 29));
  inject(old[6].slice(0, 10));
  const ext = new Uint8Array(32);
  ext.set(old[6]);
  inject(ext);
  // forgery: a fresh counter ahead of the window with a made-up body and tag
  for (let k = 0; k < 20; k++) {
    const f = new Uint8Array(30);
    writeHeader(f, DIR_UP, 1, MSG_TELEMETRY, 7, 500 + k);
    for (let i = HEADER_BYTES; i < 30; i++) f[i] = (k * 31 + i * 17) & 0xff;
    inject(f);
  }
  // reordering: the attacker swallows every copy of one frame (the meter gives up after
  // its retransmits), lets the next one through, then delivers the swallowed one late
  let held: Uint8Array | undefined;
  rig.medium.tamper = (s) => {
    if (s.from !== 'meter' || s.isAck) return 'pass';
    if (held === undefined) held = s.payload.slice();
    return hex(s.payload) === hex(held) ? 'drop' : 'pass';
  };
  sendReading(10);
  step();
  rig.medium.tamper = undefined;
  sendReading(11);
  step();
  rig.medium.inject({ channel: 76, address: CU_ADDR, payload: held as Uint8Array, pid: 3, noAck: false, isAck: false }, 200, 3, 3);
  rig.sched.runFor(3000);
  t.is(accepted.length, 12, 'the late frame is accepted once (inside the window)');
  inject(held as Uint8Array); // and a second late copy is a replay
  // reboot the meter (counter resumes at its persisted mark) and the control unit
  tx = new LinkSender(PROFILE_NRF24, KEY, 1, 7, DIR_UP, new FrameCounter(nodeStore, 'ctr.up', 100));
  rx = mkRx();
  hook(rx);
  for (const p of old) inject(p);
  sendReading(12);
  step();
  t.is(accepted.length, 13, 'traffic resumes after both reboots');
  // key rotation to epoch 2; frames of epoch 1 are refused afterwards
  rx.expectKey(KEY2, 2);
  tx.rekey(KEY2, 2);
  sendReading(13);
  step();
  t.is(rx.epoch, 2);
  inject(sniffed[sniffed.length - 2].payload);
  // the verdict
  const unique = new Set(accepted);
  t.is(unique.size, accepted.length, 'no frame accepted twice');
  t.true(
    accepted.every((a) => genuine.has(a)),
    'only genuine frames accepted',
  );
  t.is(events.length, attackFrames, 'every attack frame rejected, counted and reported');
  const pct = (100 * events.length) / attackFrames;
  t.log(`link.attack_frames_rejected_pct ${pct} (${events.length}/${attackFrames})`);
  t.log(`reasons ${JSON.stringify(events.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {}))}`);
  t.is(pct, 100);
});

function floodRun(limit: boolean, floodEveryUs: number) {
  const rig = new RadioRig(11, { edgeLoss: 0 });
  const m = rig.addNrf24Node('meter', 0, 0);
  const c = rig.addNrf24Node('control', 6, 0);
  const meterRadio = new Nrf24Radio({
    io: m.io,
    pins: RIG_PINS,
    hz: 8e6,
    channel: 76,
    ownAddress: NODE_ADDR,
    peerAddress: CU_ADDR,
    retries: 15,
    retryDelayUs: 500,
  });
  const cuRadio = new Nrf24Radio({
    io: c.io,
    pins: RIG_PINS,
    hz: 8e6,
    channel: 76,
    ownAddress: CU_ADDR,
    peerAddress: NODE_ADDR,
    retries: 5,
    retryDelayUs: 500,
  });
  let n = 0;
  const tx = new LinkSender(PROFILE_NRF24, KEY, 1, 7, DIR_UP, { next: () => n++ });
  const rx = new LinkReceiver(PROFILE_NRF24, 7, DIR_UP, KEY, 1, new PersistentReplayWindow(new SimStore(), 'rx'));
  if (limit) rx.limitTagFailures({ now: () => rig.sched.now() }, 16, 1);
  let accepted = 0;
  cuRadio.onReceive = (f) => {
    if (rx.open(f, f.length).ok) accepted++;
  };
  const body = new Uint8Array(TELEMETRY_BYTES);
  let sent = 0;
  let forged = 0;
  const end = 10e6;
  for (let tUs = 1000; tUs < end; tUs += 100_000) {
    rig.sched.at(tUs, () => {
      const s = tx.seal(MSG_TELEMETRY, body, TELEMETRY_BYTES);
      if (s.ok && meterRadio.send(s.frame)) sent++;
    });
  }
  for (let tUs = 500; tUs < end; tUs += floodEveryUs) {
    rig.sched.at(tUs, () => {
      const f = new Uint8Array(30);
      writeHeader(f, DIR_UP, 1, MSG_TELEMETRY, 7, n + 5 + (forged % 50)); // fresh counters just ahead
      f[20] = forged & 0xff;
      forged++;
      rig.medium.inject({ channel: 76, address: CU_ADDR, payload: f, pid: forged & 3, noAck: true, isAck: false }, 150, 3, 3);
    });
  }
  rig.sched.runUntil(end + 100_000);
  return { pct: (100 * accepted) / sent, accepted, sent, forged, rejects: rx.rejects, collided: rig.medium.stats.collided };
}

test('flood of forged frames: every one rejected; legitimate delivery measured with and without the failure limit', (t) => {
  const open = floodRun(false, 1997);
  const limited = floodRun(true, 1997);
  t.log(`link.legit_delivery_pct_under_flood ${open.pct.toFixed(1)} (no limit; ${open.forged} forged frames at ~500/s, ${open.collided} collisions)`);
  t.log(`link.legit_delivery_pct_under_flood_limited ${limited.pct.toFixed(1)} (tag-failure budget 16, 1/s)`);
  t.log(`rejects (no limit) ${JSON.stringify(open.rejects)}`);
  t.log(`rejects (limited) ${JSON.stringify(limited.rejects)}`);
  t.true(open.collided > 0, 'the flood also costs airtime');
  t.true(open.pct >= 90, `legit delivery ${open.pct}`);
  t.true(open.rejects.tag + open.rejects.replay + open.rejects.old > 0);
  t.true(limited.rejects.ratelimit > 0);
});
