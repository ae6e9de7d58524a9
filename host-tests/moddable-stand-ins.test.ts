// The xs-sim stand-ins (tools/build/moddable/xs-sim.ts) keep the limits of the real ESP32
// modules (modules/io/*/esp32 in the Moddable SDK), so the XS proof can fail where a board
// would: port and pins in use in a debug build, the 128-byte TX FIFO, calibrated analog,
// SPI port required. Run on Node: the stand-ins are plain TypeScript over hal/sim.
import test from 'ava';
import { loadBoard } from '../boards/schema';
import { Analog, bootSim, Serial, SPI, UART_FIFO_LEN } from '../tools/build/moddable/xs-sim';
import { ModdableSerial, TX_QUEUE_BYTES } from '../hal/moddable/serial-port';

const board = loadBoard('esp32-devkitc-meter');

test('Serial: a debug build has UART0 and GPIO 1/3 taken by xsbug', (t) => {
  bootSim(board, 1, 10, true);
  t.throws(() => new Serial({ port: 0, baud: 115200, transmit: 1, receive: 3 }), { message: 'in use' });
  t.throws(() => new Serial({ port: 0, baud: 115200, transmit: 17, receive: 16 }), { message: 'port in use' });
  t.notThrows(() => new Serial({ port: 2, baud: 115200, transmit: 17, receive: 16 }));
  bootSim(board, 1, 10, false);
  t.notThrows(() => new Serial({ port: 0, baud: 115200, transmit: 1, receive: 3 }));
});

test('Serial: more than the 128-byte FIFO throws "output full"; it drains at the baud rate and onWritable says so', (t) => {
  const sim = bootSim(board, 1, 10);
  const writable: number[] = [];
  const s = new Serial({ port: 0, baud: 115200, transmit: 1, receive: 3, format: 'number', onWritable: (n) => writable.push(n) });
  sim.runUntil(sim.now() + 1000);
  t.deepEqual(writable, [UART_FIFO_LEN], 'onWritable once at construction, FIFO empty');
  for (let k = 0; k < UART_FIFO_LEN; k++) s.write(65);
  t.throws(() => s.write(65), { message: 'output full' });
  // the first write's interrupt fired at once (1 byte < 10) and its message finds the FIFO
  // full: no onWritable (serialDeliver calls it only when count > 0); the 128th write had
  // re-armed it, so it comes when fewer than 10 bytes are left: 119 bytes at 10 bits a byte
  // at 115200 baud, ~10.3 ms
  sim.runUntil(sim.now() + 10e3);
  t.is(writable.length, 1);
  sim.runUntil(sim.now() + 1e3);
  t.is(writable.length, 2);
  t.true(writable[1] > UART_FIFO_LEN - 10, `free ${writable[1]}`);
  const b = new Serial({ port: 1, baud: 115200, transmit: 17, receive: 16 });
  t.throws(() => b.write(new Uint8Array(UART_FIFO_LEN + 1).buffer), { message: 'output full' });
  t.notThrows(() => b.write(new Uint8Array(UART_FIFO_LEN).buffer));
});

test('Analog: calibrated by default (mV x 4095 / 2450, clipped at 2.45 V); calibrated false gives raw codes', (t) => {
  const sim = bootSim(board, 1, 10);
  const cal = new Analog({ pin: board.pins.adcV });
  const raw = new Analog({ pin: board.pins.adcI, esp32: { calibrated: false } });
  t.throws(() => new Analog({ pin: board.pins.adcV }), { message: 'in use' });
  t.throws(() => new Analog({ pin: 5 }), { message: 'not analog pin' });
  t.throws(() => new Analog({ pin: 33, esp32: { attenuation: 11 } }), { message: 'bad attenuation' });
  const max = (a: Analog): number => {
    let m = 0;
    for (let k = 0; k < 400; k++) {
      sim.runUntil(sim.now() + 100);
      m = Math.max(m, a.read());
    }
    return m;
  };
  // 230 V peaks: 1.55 V + 325 V x 0.0035 = 2.69 V, above 2.45 V: the calibrated V input clips
  t.is(max(cal), 4095);
  // no current (relays open at boot): the 1.55 V bias, raw 1.55 / 3.1 x 4095 = 2048
  t.true(Math.abs(max(raw) - 2048) < 30, 'raw bias');
  cal.close();
  raw.close();
  const rawV = new Analog({ pin: board.pins.adcV, esp32: { calibrated: false } });
  const calI = new Analog({ pin: board.pins.adcI });
  // raw 2.69 V of 3.1 V = 3553; calibrated bias 1550 mV x 4095 / 2450 = 2591 (the ~1.27x gain error)
  t.true(Math.abs(max(rawV) - 3553) < 40, 'raw V peak');
  t.true(Math.abs(max(calI) - 2591) < 30, 'calibrated bias');
});

test('SPI: the ESP32 needs a port (SPI1..3_HOST) and the usual checks', (t) => {
  bootSim(board, 1, 10);
  const pins = { clock: 18, out: 23, in: 19, select: 5, hz: 8e6 };
  t.throws(() => new SPI({ ...pins }), { message: 'invalid' });
  t.throws(() => new SPI({ ...pins, port: 3 }), { message: 'invalid port' });
  t.throws(() => new SPI({ ...pins, port: 2, hz: 50e6 }), { message: 'invalid hz' });
  const s = new SPI({ ...pins, port: 2, active: 0 });
  t.throws(() => new SPI({ ...pins, port: 2 }), { message: 'in use' });
  s.close();
  t.notThrows(() => new SPI({ ...pins, port: 2 }));
});

test('provider Serial: a reply longer than the TX queue is replaced by a JSON error line; a refused write stays queued; nothing throws', (t) => {
  const sent: number[][] = [];
  let onWritable: (n: number) => void = () => {};
  let refuse = false;
  const open = (o: Record<string, unknown>) => {
    onWritable = o.onWritable as (n: number) => void;
    return {
      read: () => undefined,
      write: (b: ArrayBuffer) => {
        if (refuse) throw new Error('output full');
        sent.push(Array.from(new Uint8Array(b)));
      },
      close: () => {},
    };
  };
  const s = new ModdableSerial(open, { port: 0, baud: 115200 }, undefined, () => {});
  s.write(new Uint8Array(10).fill(65));
  t.deepEqual(sent, [], 'nothing leaves before onWritable gives room');
  onWritable(4);
  t.deepEqual(sent, [[65, 65, 65, 65]], 'no more than the room given');
  refuse = true;
  onWritable(128);
  t.is(s.refused, 1);
  t.is(s.queued, 6, 'the refused bytes stay queued');
  refuse = false;
  onWritable(128);
  t.deepEqual(sent[1], [65, 65, 65, 65, 65, 65]);
  s.write(new Uint8Array(TX_QUEUE_BYTES + 1));
  t.is(s.dropped, TX_QUEUE_BYTES + 1);
  onWritable(UART_FIFO_LEN);
  t.is(String.fromCharCode(...sent[2]), `{"Error":"reply too long for the serial queue","Bytes":${TX_QUEUE_BYTES + 1},"Free":${TX_QUEUE_BYTES}}\r\n`);
  const reports: string[] = [];
  const dead = new ModdableSerial(
    () => {
      throw new Error('in use');
    },
    { port: 0, baud: 115200 },
    undefined,
    (l) => reports.push(l),
  );
  t.notThrows(() => dead.write(Uint8Array.of(1)));
  t.is(dead.read(), undefined);
  t.regex(reports[0], /^console: UART0 not opened \(Error: in use\); a debug build gives UART0 and GPIO 1\/3 to xsbug/);
});
