// An in-process node for `--port sim` and tests: the portable firmware console over a
// FakeTarget, exposed as a ByteDuplex. Replaced by the simulated board's UART
// (fromSimUart(board.uart)) once the full simulator is wired to the console.
import { Console } from '../../firmware/console/console';
import { FakeTarget, ManualClock } from '../../firmware/console/fake-target';
import type { ByteDuplex } from './duplex';

export interface SimNode {
  duplex: ByteDuplex;
  target: FakeTarget;
  console: Console;
  clock: ManualClock;
}

export function createSimNode(): SimNode {
  const clock = new ManualClock(0);
  const target = new FakeTarget(clock);
  const listeners: ((b: Uint8Array) => void)[] = [];
  const con = new Console(target, (bytes) => {
    for (const l of listeners) l(bytes);
  });
  const duplex: ByteDuplex = {
    write(bytes) {
      for (const b of bytes) con.receive(b);
    },
    onData(cb) {
      listeners.push(cb);
    },
  };
  return { duplex, target, console: con, clock };
}
