import test from 'ava';
import { SimStore } from '../hal/sim/store';
import { FrameCounter } from '../firmware/link/counter';
import { ReplayWindow, PersistentReplayWindow } from '../firmware/link/replay';
import {
  LinkSender,
  LinkReceiver,
  PROFILE_NRF24,
  PROFILE_LORA,
  HEADER_BYTES,
  DIR_UP,
  DIR_DOWN,
  MSG_TELEMETRY,
  MSG_COMMAND,
  maxBody,
} from '../firmware/link/frame';
import { encodeTelemetry, decodeTelemetry, newTelemetryReading, TELEMETRY_BYTES, type TelemetryReading } from '../firmware/link/telemetry';

const kUp = Uint8Array.from({ length: 32 }, (_, i) => i);
const kUp2 = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const NODE = 7;

const reading: TelemetryReading = { vrms: 231.47, irms: 4.213, p: 951.3, energyWh: 123456, tempC: 24.56, lpgPpm: 312, flags: 0x0005 };

function pair(store = new SimStore(), cu = new SimStore()) {
  const tx = new LinkSender(PROFILE_NRF24, kUp, 1, NODE, DIR_UP, new FrameCounter(store, 'ctr.up', 1000));
  const rx = new LinkReceiver(PROFILE_NRF24, NODE, DIR_UP, kUp, 1, new PersistentReplayWindow(cu, 'rx7u'));
  return { tx, rx, store, cu };
}

function telemetryFrame(tx: LinkSender): Uint8Array {
  const body = new Uint8Array(TELEMETRY_BYTES);
  encodeTelemetry(reading, body, 0);
  const r = tx.seal(MSG_TELEMETRY, body, TELEMETRY_BYTES);
  if (!r.ok) throw new Error(r.error);
  return r.frame.slice();
}

test('one telemetry reading fits one 32-byte nRF24 frame with 14 bytes overhead and an 8-byte tag', (t) => {
  t.true(maxBody(PROFILE_NRF24) >= TELEMETRY_BYTES);
  const { tx, rx } = pair();
  const f = telemetryFrame(tx);
  t.true(f.length <= 32);
  t.is(f.length, 30);
  t.is(f.length - TELEMETRY_BYTES, 14);
  t.is(PROFILE_NRF24.tagLen, 8);
  const o = rx.open(f, f.length);
  t.true(o.ok);
  if (!o.ok) return;
  t.is(o.type, MSG_TELEMETRY);
  const back = newTelemetryReading();
  t.deepEqual(decodeTelemetry(o.body, o.body.length, back), { ok: true });
  t.is(back.vrms, 231.47);
  t.is(back.irms, 4.213);
  t.is(back.p, 951);
  t.is(back.energyWh, 123456);
  t.is(back.tempC, 24.56);
  t.is(back.lpgPpm, 312);
  t.is(back.flags, 5);
});

test('telemetry clamps out-of-range fields, names them, and carries NaN as "no value"', (t) => {
  const body = new Uint8Array(TELEMETRY_BYTES);
  const r = { ...reading, vrms: 900, p: -1e7, tempC: NaN };
  t.is(encodeTelemetry(r, body, 0), 'vrms,p');
  const back = newTelemetryReading();
  t.true(decodeTelemetry(body, TELEMETRY_BYTES, back).ok);
  t.is(back.vrms, 655.34);
  t.is(back.p, -32767);
  t.true(Number.isNaN(back.tempC));
  t.deepEqual(decodeTelemetry(body, 17, back), { ok: false, reason: 'length', field: 'body length 17, expected 16' });
});

test('replay, duplicate, reorder, truncation, bit flips, wrong node/direction are rejected and counted', (t) => {
  const { tx, rx } = pair();
  const f1 = telemetryFrame(tx);
  const f2 = telemetryFrame(tx);
  const f3 = telemetryFrame(tx);
  t.true(rx.open(f2, f2.length).ok);
  t.true(rx.open(f1, f1.length).ok); // reordered, inside the window: accepted once
  t.deepEqual(rx.open(f1, f1.length), { ok: false, reason: 'replay' });
  t.deepEqual(rx.open(f2, f2.length), { ok: false, reason: 'replay' });
  t.deepEqual(rx.open(f3, f3.length - 1), { ok: false, reason: 'tag' }); // truncated by one byte
  t.deepEqual(rx.open(f3, 13), { ok: false, reason: 'short' });
  const big = new Uint8Array(33);
  big.set(f3);
  t.deepEqual(rx.open(big, 33), { ok: false, reason: 'long' });
  let flips = 0;
  for (let bit = 0; bit < f3.length * 8; bit++) {
    const g = f3.slice();
    g[bit >> 3] ^= 1 << (bit & 7);
    const o = rx.open(g, g.length);
    if (o.ok) t.fail(`bit ${bit}`);
    else flips++;
  }
  t.is(flips, 240);
  t.true(rx.open(f3, f3.length).ok, 'the genuine frame still opens after the attack frames');
  const other = new LinkReceiver(PROFILE_NRF24, 8, DIR_UP, kUp, 1, new ReplayWindow());
  t.deepEqual(other.open(f3, f3.length), { ok: false, reason: 'node' });
  const down = new LinkReceiver(PROFILE_NRF24, NODE, DIR_DOWN, kUp, 1, new ReplayWindow());
  t.deepEqual(down.open(f3, f3.length), { ok: false, reason: 'direction' });
  t.is(rx.accepted, 3);
  const total = Object.values(rx.rejects).reduce((a, b) => a + b, 0);
  t.is(total, 2 + 1 + 1 + 1 + 240);
});

test('a rejection fires the security-event hook with the reason', (t) => {
  const { tx, rx } = pair();
  const events: string[] = [];
  rx.onReject = (reason, h) => events.push(`${reason}:${h === undefined ? '-' : h.counter}`);
  const f = telemetryFrame(tx);
  rx.open(f, f.length);
  rx.open(f, f.length);
  rx.open(f, 3);
  t.deepEqual(events, ['replay:0', 'short:-']);
});

test('replay after a reboot of the node or of the control unit is rejected; traffic resumes', (t) => {
  const node = new SimStore();
  const cu = new SimStore();
  let { tx, rx } = pair(node, cu);
  const old = [telemetryFrame(tx), telemetryFrame(tx)];
  for (const f of old) t.true(rx.open(f, f.length).ok);
  ({ tx, rx } = pair(node, cu)); // both sides reboot
  for (const f of old) t.deepEqual(rx.open(f, f.length), { ok: false, reason: 'replay' });
  const fresh = telemetryFrame(tx);
  t.true(rx.open(fresh, fresh.length).ok);
  t.true(rx.open(fresh, fresh.length).ok === false);
});

test('key rotation: the pending key is promoted on its first good frame; old-epoch frames are refused', (t) => {
  const { tx, rx } = pair();
  const before = telemetryFrame(tx);
  const beforeLate = telemetryFrame(tx);
  t.true(rx.open(before, before.length).ok);
  rx.expectKey(kUp2, 2);
  tx.rekey(kUp2, 2);
  const after = telemetryFrame(tx);
  const o = rx.open(after, after.length);
  t.true(o.ok);
  if (o.ok) t.is(o.epoch, 2);
  t.is(rx.epoch, 2);
  t.deepEqual(rx.open(beforeLate, beforeLate.length), { ok: false, reason: 'epoch' });
});

test('sender refuses bad type and bad length with the range', (t) => {
  const { tx } = pair();
  t.deepEqual(tx.seal(0, new Uint8Array(1), 1), { ok: false, error: 'type 0 out of range 1..7' });
  t.deepEqual(tx.seal(MSG_COMMAND, new Uint8Array(19), 19), { ok: false, error: 'bodyLen 19 out of range 0..18' });
});

test('LoRa profile carries a 16-byte tag and 233-byte bodies', (t) => {
  const ctr = {
    n: 0,
    next() {
      return this.n++;
    },
  };
  const tx = new LinkSender(PROFILE_LORA, kUp, 0, 3, DIR_DOWN, ctr);
  const rx = new LinkReceiver(PROFILE_LORA, 3, DIR_DOWN, kUp, 0, new ReplayWindow());
  const body = Uint8Array.from({ length: 233 }, (_, i) => i);
  const r = tx.seal(MSG_COMMAND, body, 233);
  t.true(r.ok);
  if (!r.ok) return;
  t.is(r.frame.length, 255);
  t.is(r.frame.length - 233 - HEADER_BYTES, 16);
  const o = rx.open(r.frame, 255);
  t.true(o.ok);
  if (o.ok) t.deepEqual([...o.body], [...body]);
});

test('the worked example in docs/LINK.md', (t) => {
  let c = 5;
  const tx = new LinkSender(
    PROFILE_NRF24,
    Uint8Array.from({ length: 32 }, (_, i) => i),
    1,
    7,
    DIR_UP,
    { next: () => c++ },
  );
  const body = new Uint8Array(TELEMETRY_BYTES);
  encodeTelemetry({ vrms: 231.47, irms: 4.213, p: 951, energyWh: 123456, tempC: 24.56, lpgPpm: 312, flags: 5 }, body, 0);
  t.is(Buffer.from(body).toString('hex'), '6b5a7510b70340e20100980938010500');
  const s = tx.seal(MSG_TELEMETRY, body, TELEMETRY_BYTES);
  t.true(s.ok);
  if (s.ok) t.is(Buffer.from(s.frame).toString('hex'), '5107050000008071696' + '4b81dae2ce32507a69100' + '67b42d50f90ce6730a1c');
});

test('tag-failure rate limit: a forgery flood is refused unverified; traffic resumes as the budget refills', (t) => {
  const { tx, rx } = pair();
  let now = 0;
  rx.limitTagFailures({ now: () => now }, 4, 2); // 4 at once, 2 per second
  const forged = telemetryFrame(tx);
  const legit = telemetryFrame(tx);
  const reasons: string[] = [];
  for (let i = 0; i < 6; i++) {
    const g = forged.slice();
    g[10] ^= 1 + i;
    const o = rx.open(g, g.length);
    reasons.push(o.ok ? 'ok' : o.reason);
  }
  t.deepEqual(reasons, ['tag', 'tag', 'tag', 'tag', 'ratelimit', 'ratelimit']);
  t.deepEqual(rx.open(legit, legit.length), { ok: false, reason: 'ratelimit' });
  now += 500_000; // one token back
  t.true(rx.open(legit, legit.length).ok);
  t.is(rx.rejects.ratelimit, 3);
});
