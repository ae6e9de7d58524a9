import test from 'ava';
import { RadioRig, RIG_PINS, type RigNode } from '../hal/sim/radio-rig';
import { Nrf24Radio, checkNrf24Setup, type Nrf24Setup } from '../firmware/link/nrf24';
import { R } from '../hal/sim/nrf24-chip';
import { SimPacketRadio } from '../hal/sim/radio-sim';
import { loraAirtimeUs } from '../hal/sim/radio-medium';

const NODE_ADDR = Uint8Array.from([0x01, 0x4e, 0x4f, 0x44, 0x45]);
const CU_ADDR = Uint8Array.from([0x00, 0x43, 0x55, 0x4e, 0x54]);

function radio(n: RigNode, own: Uint8Array, peer: Uint8Array, extra: Partial<Nrf24Setup> = {}): Nrf24Radio {
  return new Nrf24Radio({ io: n.io, pins: RIG_PINS, hz: 8e6, channel: 76, ownAddress: own, peerAddress: peer, retries: 5, retryDelayUs: 500, ...extra });
}

function pair(seed = 1, medium = {}) {
  const rig = new RadioRig(seed, { edgeLoss: 0, ...medium });
  const a = rig.addNrf24Node('meter', 0, 0);
  const b = rig.addNrf24Node('control', 5, 0);
  const meter = radio(a, NODE_ADDR, CU_ADDR);
  const cu = radio(b, CU_ADDR, NODE_ADDR);
  return { rig, a, b, meter, cu };
}

test('driver configures the chip registers as the datasheet asks', (t) => {
  const { a, meter } = pair();
  t.true(meter.present);
  t.is(a.chip.peek(R.CONFIG), 0x0f); // EN_CRC, CRCO, PWR_UP, PRIM_RX
  t.is(a.chip.peek(R.RF_CH), 76);
  t.is(a.chip.peek(R.SETUP_RETR), (1 << 4) | 5); // ARD 500 µs, ARC 5
  t.is(a.chip.peek(R.FEATURE), 0x05);
  t.is(a.chip.peek(R.EN_RXADDR), 0x02);
  t.is(a.pin(RIG_PINS.ce).level, 1);
  t.is(a.pin(RIG_PINS.irq).level, 1); // active low, idle high
});

test('frames go both ways with auto-ack; every send is reported delivered', (t) => {
  const { rig, meter, cu } = pair();
  const atCu: string[] = [];
  const atMeter: string[] = [];
  const sent: boolean[] = [];
  cu.onReceive = (f) => atCu.push(Buffer.from(f).toString('hex'));
  meter.onReceive = (f) => atMeter.push(Buffer.from(f).toString('hex'));
  meter.onSent = (ok) => sent.push(ok);
  rig.sched.runFor(1000);
  t.true(meter.send(Uint8Array.from({ length: 30 }, (_, i) => i)));
  t.true(meter.send(Uint8Array.from([1, 2, 3])));
  rig.sched.runFor(5000);
  t.deepEqual(atCu, [Buffer.from(Uint8Array.from({ length: 30 }, (_, i) => i)).toString('hex'), '010203']);
  t.deepEqual(sent, [true, true]);
  t.true(cu.send(Uint8Array.from([9, 9])));
  rig.sched.runFor(5000);
  t.deepEqual(atMeter, ['0909']);
  t.is(rig.medium.stats.collided, 0);
});

test('no ACK: the chip retransmits ARC times, then MAX_RT reports a failure and the radio listens again', (t) => {
  const rig = new RadioRig(1, { edgeLoss: 0 });
  const a = rig.addNrf24Node('meter', 0, 0);
  const meter = radio(a, NODE_ADDR, CU_ADDR, { retries: 3 });
  const sent: boolean[] = [];
  meter.onSent = (ok) => sent.push(ok);
  rig.sched.runFor(1000);
  meter.send(Uint8Array.from([1]));
  rig.sched.runFor(20000);
  t.deepEqual(sent, [false]);
  t.is(a.chip.stats.transmitted, 4);
  t.is(a.chip.stats.retransmits, 3);
  t.is(a.chip.peek(R.OBSERVE_TX) >>> 4, 1); // PLOS_CNT
  t.is(a.chip.peek(R.CONFIG), 0x0f);
});

test('lost ACKs cause retransmits that the receiver drops as duplicates (same PID)', (t) => {
  const { rig, b, meter, cu } = pair();
  let acks = 0;
  rig.medium.tamper = (tx) => (tx.isAck && acks++ < 2 ? 'drop' : 'pass');
  const got: number[] = [];
  cu.onReceive = (f) => got.push(f[0]);
  rig.sched.runFor(1000);
  meter.send(Uint8Array.from([42]));
  rig.sched.runFor(10000);
  t.deepEqual(got, [42]);
  t.is(b.chip.stats.duplicates, 2);
});

test('TX FIFO holds 3: a 4th send is refused without side effect', (t) => {
  const { rig, meter } = pair();
  rig.sched.runFor(1000);
  const r = [1, 2, 3, 4].map((k) => meter.send(Uint8Array.from([k])));
  t.deepEqual(r, [true, true, true, false]);
  t.false(meter.send(new Uint8Array(33)));
  t.false(meter.send(new Uint8Array(0)));
});

test('a frame addressed elsewhere is not received; jamming loses frames; sniffing sees them', (t) => {
  const { rig, meter, cu } = pair();
  const got: number[] = [];
  cu.onReceive = (f) => got.push(f[0]);
  const sniffed: number[] = [];
  rig.medium.sniff((tx) => {
    if (!tx.isAck) sniffed.push(tx.payload[0]);
  });
  rig.sched.runFor(1000);
  rig.medium.inject({ channel: 76, address: Uint8Array.from([9, 9, 9, 9, 9]), payload: Uint8Array.from([7]), pid: 1, noAck: true, isAck: false }, 100, 1, 1);
  rig.sched.runFor(2000);
  rig.medium.jam(76, rig.sched.now(), rig.sched.now() + 50000);
  const sent: boolean[] = [];
  meter.onSent = (ok) => sent.push(ok);
  meter.send(Uint8Array.from([5]));
  rig.sched.runFor(60000);
  t.deepEqual(got, []);
  t.deepEqual(sent, [false]);
  t.true(sniffed.includes(7) && sniffed.includes(5));
});

test('no chip on the bus: present is false', (t) => {
  const rig = new RadioRig(1);
  const a = rig.addNrf24Node('meter', 0, 0);
  const r = new Nrf24Radio({
    io: a.io,
    pins: { ...RIG_PINS, select: 4 },
    hz: 8e6,
    channel: 76,
    ownAddress: NODE_ADDR,
    peerAddress: CU_ADDR,
    retries: 5,
    retryDelayUs: 500,
  });
  t.false(r.present);
});

test('bad setup names the field and range', (t) => {
  const base = { io: {} as Nrf24Setup['io'], pins: RIG_PINS, hz: 8e6, channel: 76, ownAddress: NODE_ADDR, peerAddress: CU_ADDR, retries: 5, retryDelayUs: 500 };
  t.is(checkNrf24Setup({ ...base, channel: 126 }), 'channel 126 out of range 0..125');
  t.is(checkNrf24Setup({ ...base, retryDelayUs: 300 }), 'retryDelayUs 300 out of range 250..4000 (steps of 250)');
  t.is(checkNrf24Setup({ ...base, hz: 2e7 }), 'hz 20000000 out of range 1..10000000');
  t.is(checkNrf24Setup({ ...base, ownAddress: new Uint8Array(3) }), 'ownAddress length 3 out of range 5..5');
});

test('LoRa SX127x profile: 255-byte packet radio with datasheet airtime', (t) => {
  const rig = new RadioRig(3, { edgeLoss: 0, rangeM: 2000 });
  const a = new SimPacketRadio({ id: 'meter', medium: rig.medium, sched: rig.sched, profile: 'lora', channel: 1, x: 0, y: 0 });
  const b = new SimPacketRadio({ id: 'cu', medium: rig.medium, sched: rig.sched, profile: 'lora', channel: 1, x: 500, y: 0 });
  // SX1276 SF7 / 125 kHz, 255 bytes: 8 + ceil((2040 - 28 + 44) / 28) * 5 = 378 symbols + 12.25 preamble
  t.is(Math.round(loraAirtimeUs(255, 7, 125000)), Math.round((12.25 + 8 + 74 * 5) * 1024));
  const got: number[] = [];
  b.onReceive = (f) => got.push(f.length);
  t.true(a.send(new Uint8Array(255)));
  t.false(a.send(new Uint8Array(10)), 'busy while on air');
  t.false(a.send(new Uint8Array(256)));
  rig.sched.runFor(1e6);
  t.deepEqual(got, [255]);
});

test('a unit with several nodes: each frame goes to the node its header names; a frame for another node waits for the FIFO', (t) => {
  const rig = new RadioRig(3, { edgeLoss: 0 });
  const n1 = rig.addNrf24Node('node1', 0, 0);
  const n2 = rig.addNrf24Node('node2', 3, 0);
  const c = rig.addNrf24Node('control', 5, 0);
  const addr = (id: number) => Uint8Array.from([id, 0x4e, 0x4f, 0x44, 0x45]);
  const r1 = radio(n1, addr(1), CU_ADDR);
  const r2 = radio(n2, addr(2), CU_ADDR);
  const scratch = new Uint8Array(5);
  const cu = radio(c, CU_ADDR, addr(1), {
    peerOf: (f) => {
      scratch.set(addr(f[1]));
      return scratch;
    },
  });
  const at1: number[] = [];
  const at2: number[] = [];
  r1.onReceive = (f) => at1.push(f[2]);
  r2.onReceive = (f) => at2.push(f[2]);
  const queue = [
    [0, 1, 10],
    [0, 1, 11],
    [0, 2, 20],
    [0, 1, 12],
    [0, 2, 21],
  ].map((a) => Uint8Array.from(a));
  const flush = () => {
    while (queue.length > 0 && cu.send(queue[0])) queue.shift();
  };
  cu.onSent = () => flush();
  rig.sched.runFor(1000);
  flush();
  t.is(queue.length, 3, 'the frame for node 2 waits while node 1 frames are in flight');
  rig.sched.runFor(20000);
  t.deepEqual(at1, [10, 11, 12]);
  t.deepEqual(at2, [20, 21]);
  t.true(cu.stats.busy >= 1);
  t.is(cu.stats.failed, 0);
  // without peerOf every frame goes to peerAddress: node 2 hears nothing
  const one = radio(c, CU_ADDR, addr(1));
  t.true(one.send(Uint8Array.from([0, 2, 30])));
  rig.sched.runFor(5000);
  t.deepEqual(at2, [20, 21]);
});

test('after a failed send (MAX_RT) the payload is not sent again and the radio listens at once', (t) => {
  const rig = new RadioRig(1, { edgeLoss: 0 });
  const a = rig.addNrf24Node('meter', 0, 0);
  const meter = radio(a, NODE_ADDR, CU_ADDR);
  const sent: boolean[] = [];
  meter.onSent = (ok) => sent.push(ok);
  rig.sched.runFor(1000);
  t.true(meter.send(Uint8Array.of(1, 2, 3))); // nobody answers
  rig.sched.runFor(20000);
  t.deepEqual(sent, [false]);
  // ARC 5: the first transmission and five retransmits, and no more (clearing MAX_RT with
  // CE high and the payload still queued would have sent it again, §7.4.2)
  t.is(a.chip.stats.transmitted, 6);
  const b = rig.addNrf24Node('control', 5, 0);
  const cu = radio(b, CU_ADDR, NODE_ADDR);
  const got: number[] = [];
  meter.onReceive = (f) => got.push(f[0]);
  rig.sched.runFor(1000);
  t.true(cu.send(Uint8Array.of(7)));
  rig.sched.runFor(20000);
  t.deepEqual(got, [7], 'the meter hears the unit right after its failure');
  t.is(cu.stats.delivered, 1);
});
