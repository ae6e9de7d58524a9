// Exercise for hal/nodemcu in Lua: host-tests/boards-providers.test.ts compiles this with
// typescript-to-lua, runs it in fengari against stand-in NodeMCU modules (adc, gpio,
// uart, spi, tmr, node, file written in Lua by the test) and checks the record returned.
import type { BoardDescription } from '../../boards/board';
import { createDevice } from './device';

/** provided by the test's Lua stand-ins: run due tmr alarms, feed UART bytes, raise an edge */
declare const fake_fire_timers: (rounds: number) => void;
declare const fake_uart_feed: (id: number, data: string) => void;
declare const fake_gpio_edge: (pin: number) => void;

export function probe(board: BoardDescription): Record<string, unknown> {
  const dev = createDevice(board);
  const out: Record<string, unknown> = {};
  const v = new dev.io.Analog({ pin: board.pins.adcV });
  out.analog = v.read();
  out.resolution = v.resolution;

  let edges = 0;
  const cmp = new dev.io.Digital({ pin: board.pins.comparator, mode: 'input', edge: 1, onReadable: () => (edges = edges + 1) });
  const relay = new dev.io.Digital({ pin: board.pins.relayMain, mode: 'output' });
  relay.write(1);
  out.relayRead = relay.read();
  fake_gpio_edge(board.pins.comparator);
  out.edges = edges;
  cmp.close();

  let readable = 0;
  const serial = new dev.io.Serial({ baud: 115200, onReadable: (n) => (readable = n) });
  fake_uart_feed(0, 'Hi\r');
  const got: number[] = [];
  let b = serial.read();
  while (b !== undefined) {
    got.push(b);
    b = serial.read();
  }
  out.serialReadable = readable;
  out.serialBytes = got;
  serial.write([79, 75] as unknown as Uint8Array);
  serial.write(10);

  const spiBuf = [1, 2, 3] as unknown as Uint8Array;
  new dev.io.SPI({ select: board.pins.radioCs, hz: 8000000 }).transfer(spiBuf);
  out.spi = spiBuf;

  out.clock = dev.clock.now();

  dev.store.write('cal', [7, 0, 255] as unknown as Uint8Array);
  out.storeRead = dev.store.read('cal');
  dev.store.delete('cal');
  out.storeAfterDelete = dev.store.read('cal') === undefined;

  const blocks: number[][] = [];
  const stamps: number[] = [];
  const adc = new dev.io.ContinuousAdc({
    pins: [board.pins.adcV, board.pins.adcI],
    rateHz: 1000,
    blockPairs: 2,
    onBlock: (blk, t) => {
      blocks.push(blk.slice());
      stamps.push(t);
    },
  });
  adc.start();
  fake_fire_timers(5);
  adc.stop();
  fake_fire_timers(3);
  out.blocks = blocks;
  out.blockTimes = stamps;
  out.overruns = adc.overruns;

  let once = 0;
  const id = dev.timer.set(() => (once = once + 1), 5000);
  fake_fire_timers(2);
  const id2 = dev.timer.set(() => (once = once + 100), 5000);
  dev.timer.clear(id2);
  fake_fire_timers(2);
  out.timerCalls = once;
  out.timerIds = [id, id2];
  return out;
}
