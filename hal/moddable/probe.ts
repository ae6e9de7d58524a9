// Exercise for hal/moddable in XS: host-tests/boards-providers.test.ts bundles this with
// esbuild, aliasing embedded:io/*, timer, time and preference to stand-ins, runs it in
// xsnap and checks the record returned.
import type { BoardDescription } from '../../boards/board';
import { createDevice } from './device';

/** the test's Timer stand-in: run due timers */
declare const fakeFireTimers: (rounds: number) => void;
declare const fakeRaiseEdge: (pin: number) => void;

export function probe(board: BoardDescription): Record<string, unknown> {
  const dev = createDevice(board);
  const out: Record<string, unknown> = {};
  out.analog = new dev.io.Analog({ pin: board.pins.adcV }).read();
  let edges = 0;
  new dev.io.Digital({ pin: board.pins.comparator, mode: 'input', edge: 1, onReadable: () => edges++ });
  fakeRaiseEdge(board.pins.comparator);
  out.edges = edges;
  const relay = new dev.io.Digital({ pin: board.pins.relayMain, mode: 'output' });
  relay.write(1);
  out.relay = relay.read();
  const got: number[] = [];
  const serial = new dev.io.Serial({ baud: 115200, onReadable: () => {} });
  let b = serial.read();
  while (b !== undefined) {
    got.push(b);
    b = serial.read();
  }
  out.serialIn = got;
  serial.write(Uint8Array.of(79, 75));
  const buf = Uint8Array.of(1, 2, 3);
  new dev.io.SPI({ select: board.pins.radioCs, hz: 8e6 }).transfer(buf);
  out.spi = Array.from(buf);
  out.clock = dev.clock.now();
  dev.store.write('a-rather-long-store-key', Uint8Array.of(9, 8));
  out.store = Array.from(dev.store.read('a-rather-long-store-key') as Uint8Array);
  dev.store.delete('a-rather-long-store-key');
  out.storeGone = dev.store.read('a-rather-long-store-key') === undefined;
  const blocks: number[][] = [];
  const adc = new dev.io.ContinuousAdc({ pins: [board.pins.adcV, board.pins.adcI], rateHz: 1000, blockPairs: 2, onBlock: (blk) => blocks.push(blk.slice()) });
  adc.start();
  fakeFireTimers(4);
  adc.stop();
  out.blocks = blocks;
  return out;
}
