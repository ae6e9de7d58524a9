// An in-process console over a FakeTarget (firmware/console/fake-target.ts), exposed as a
// ByteDuplex: the console client's tests (host-tests/console-client.test.ts) use it. It is
// not a meter node: `--port sim` runs the real MeterNode on the virtual board
// (tools/console/sim-meter.ts).
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
