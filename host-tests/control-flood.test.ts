// The control unit's CPU under a forgery flood (firmware/control/flood-guard.ts): the
// nRF24 driver's receive pause on the chip model, and the unit's two budgets (frames read
// per second, tag checks while a flood lasts) at the airtime limit, in virtual time.
import test from 'ava';
import { RadioRig, RIG_PINS, type RigNode } from '../hal/sim/radio-rig';
import { Nrf24Radio } from '../firmware/link/nrf24';
import { R } from '../hal/sim/nrf24-chip';
import { Scheduler } from '../hal/sim/scheduler';
import { SimTimer } from '../hal/sim/peripherals';
import { SimStore } from '../hal/sim/store';
import { ControlUnit } from '../firmware/app/control-unit';
import { FloodGuard, defaultFloodGuardOptions } from '../firmware/control/flood-guard';
import { DIR_UP, LinkSender, MSG_TELEMETRY, PROFILE_NRF24, writeHeader } from '../firmware/link/frame';
import { encodeTelemetry, newTelemetryReading, TELEMETRY_BYTES } from '../firmware/link/telemetry';
import type { Radio } from '../hal/radio';

const NODE_ADDR = Uint8Array.from([0x01, 0x4e, 0x4f, 0x44, 0x45]);
const CU_ADDR = Uint8Array.from([0x00, 0x43, 0x55, 0x4e, 0x54]);
const radio = (n: RigNode, own: Uint8Array, peer: Uint8Array) =>
  new Nrf24Radio({ io: n.io, pins: RIG_PINS, hz: 8e6, channel: 76, ownAddress: own, peerAddress: peer, retries: 3, retryDelayUs: 500 });

test('nRF24 pauseReceive: RX_DR masked, frames wait in the FIFO then go unacknowledged; resume reads the waiting ones', (t) => {
  const rig = new RadioRig(1, { edgeLoss: 0 });
  const a = rig.addNrf24Node('meter', 0, 0);
  const b = rig.addNrf24Node('control', 5, 0);
  const meter = radio(a, NODE_ADDR, CU_ADDR);
  const cu = radio(b, CU_ADDR, NODE_ADDR);
  const got: number[] = [];
  const sent: boolean[] = [];
  cu.onReceive = (f) => got.push(f[0]);
  meter.onSent = (ok) => sent.push(ok);
  rig.sched.runFor(1000);
  cu.pauseReceive();
  t.is(b.chip.peek(R.CONFIG), 0x4f, 'MASK_RX_DR | EN_CRC | CRCO | PWR_UP | PRIM_RX');
  for (let k = 1; k <= 5; k++) {
    t.true(meter.send(Uint8Array.of(k, 0, 0)));
    rig.sched.runFor(20000);
  }
  t.deepEqual(got, [], 'nothing reaches the JS thread while paused');
  t.is(b.pin(RIG_PINS.irq).level, 1, 'the IRQ line stays high: no interrupt to serve');
  t.deepEqual(sent, [true, true, true, false, false], 'three frames fill the FIFO; the chip acknowledges no more (§7.5.2)');
  // a send from the paused unit still completes (TX_DS is not masked) and keeps the mask
  t.true(cu.send(Uint8Array.of(9)));
  rig.sched.runFor(20000);
  t.is(cu.stats.delivered, 1, JSON.stringify([cu.stats, meter.stats, a.chip.stats, b.chip.stats]));
  t.is(b.chip.peek(R.CONFIG), 0x4f);
  cu.resumeReceive();
  t.is(b.chip.peek(R.CONFIG), 0x0f);
  t.deepEqual(got, [1, 2, 3], 'the waiting frames, in order');
  t.true(meter.send(Uint8Array.of(6)));
  rig.sched.runFor(20000);
  t.deepEqual(got, [1, 2, 3, 6]);
});

/** a radio the test feeds by hand, and that records pauses */
function handRadio(): Radio & { paused: boolean; pauses: number; deliver(f: Uint8Array): void } {
  const r = {
    profile: 'nrf24' as const,
    maxPayload: 32,
    onReceive: undefined as ((f: Uint8Array) => void) | undefined,
    onSent: undefined as ((ok: boolean) => void) | undefined,
    paused: false,
    pauses: 0,
    send: () => true,
    close: () => {},
    pauseReceive() {
      r.paused = true;
      r.pauses++;
    },
    resumeReceive() {
      r.paused = false;
    },
    // a paused nRF24 hands nothing over: the chip drops what does not fit its FIFO
    deliver(f: Uint8Array) {
      if (!r.paused && r.onReceive !== undefined) r.onReceive(f);
    },
  };
  return r;
}

function unit(o: { flood?: object } = {}) {
  const sched = new Scheduler();
  const key = new Uint8Array(32).fill(3);
  const r = handRadio();
  const cu = new ControlUnit({
    clock: sched,
    store: new SimStore(),
    radio: r,
    timer: new SimTimer(sched, () => 0),
    nodes: [{ nodeId: 1, epoch: 0, up: key, down: key }],
    reportEveryS: 1,
    ...o,
  });
  let c = 0;
  const sender = new LinkSender(PROFILE_NRF24, key, 0, 1, DIR_UP, { next: () => ++c });
  const body = new Uint8Array(TELEMETRY_BYTES);
  encodeTelemetry({ ...newTelemetryReading(), vrms: 230, irms: 1, p: 230 }, body, 0);
  const genuine = () => {
    const s = sender.seal(MSG_TELEMETRY, body, body.length);
    if (!s.ok) throw new Error(s.error);
    return s.frame.slice();
  };
  let forgedCounter = 1e6;
  const forged = () => {
    const f = new Uint8Array(30);
    writeHeader(f, DIR_UP, 0, MSG_TELEMETRY, 1, forgedCounter++);
    return f;
  };
  const rx = cu.node(1)!.receiver;
  return { sched, cu, r, genuine, forged, rx };
}

/** `perSecond` forged frames for `seconds`, a genuine one every second among them */
function flood(u: ReturnType<typeof unit>, perSecond: number, seconds: number): void {
  const step = 1e6 / perSecond;
  const t0 = u.sched.now();
  for (let k = 0; k < perSecond * seconds; k++) {
    u.sched.at(t0 + k * step + 1, () => u.r.deliver(u.forged()));
    if (k % perSecond === perSecond / 2) u.sched.at(t0 + k * step + 2, () => u.r.deliver(u.genuine()));
  }
  u.sched.runFor(seconds * 1e6);
}

test('a flood at the airtime limit: at most rxPerSecond frames a second are read, tag checks are budgeted, and the unit recovers', (t) => {
  const u = unit();
  u.r.deliver(u.genuine());
  t.is(u.cu.stats.accepted, 1);
  flood(u, 3300, 5);
  const st = u.cu.stats;
  // read: the frames before each second's pause; the rest never reached the JS thread
  const budget = defaultFloodGuardOptions().rxPerSecond;
  // five seconds of the rate, the burst (a tenth of a second's worth) and the genuine frame before
  t.true(st.received <= 5 * budget + budget / 10 + 1, `frames read ${st.received}`);
  t.true(u.r.pauses >= 5 * 5, `the radio was paused in short spells through every second: ${u.r.pauses}`);
  // tag checks: 21 before the budget armed (the 21st refusal in a second arms it), then the
  // burst of 16 and one a second
  const tagChecks = u.rx.rejects.tag + u.rx.accepted;
  t.true(tagChecks <= 21 + 16 + 5 + 2, `tag checks ${tagChecks}`);
  t.true(u.rx.rejects.ratelimit > 900, `ratelimit refusals ${u.rx.rejects.ratelimit}`);
  t.true(u.cu.flood!.isArmed());
  t.true(u.cu.anomaly.alarms.some((a) => a.kind === 'flood'));
  t.is(u.cu.stats.accepted - 1, u.rx.accepted - 1, 'no forged frame was accepted');
  // the flood stops: a token comes back within a second, and the node's frames are read again
  u.sched.runFor(1.5e6);
  u.r.deliver(u.genuine());
  t.is(u.rx.accepted, u.cu.stats.accepted);
  const before = u.rx.accepted;
  u.sched.runFor(0.1e6);
  u.r.deliver(u.genuine());
  t.is(u.rx.accepted, before + 1, 'a genuine frame after the flood is accepted');
  // and after 60 quiet seconds every tag is checked again
  u.sched.runFor(61e6);
  t.false(u.cu.flood!.isArmed());
  t.false(u.rx.tagFailuresLimited());
});

test('under the budgets, ordinary traffic and a short burst of refusals change nothing', (t) => {
  const u = unit();
  for (let s = 0; s < 10; s++) {
    u.r.deliver(u.genuine());
    for (let k = 0; k < 20; k++) u.r.deliver(u.forged()); // 20 refusals a second: the mark, not past it
    u.sched.runFor(1e6);
  }
  t.is(u.rx.accepted, 10);
  t.is(u.rx.rejects.tag, 200);
  t.is(u.rx.rejects.ratelimit, 0);
  t.false(u.cu.flood!.isArmed());
  t.is(u.r.pauses, 0);
});

test('flood budgets out of range are refused with the field and range', (t) => {
  const r = handRadio();
  const sched = new Scheduler();
  t.throws(() => new FloodGuard({ ...defaultFloodGuardOptions(), rxPerSecond: 5 }, r, sched, new SimTimer(sched, () => 0), () => {}), {
    message: 'FloodGuard.rxPerSecond 5 out of range 10..100000',
  });
  t.throws(() => unit({ flood: { quietS: 0 } }), { message: 'FloodGuard.quietS 0 out of range 1..3600' });
});
