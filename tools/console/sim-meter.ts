// `--port sim`: a real meter node (firmware/app/meter-node.ts) on the virtual board, its
// console on the board's UART. Virtual time runs at wall-clock pace while attached, so
// readings move as they would on a bench; a Restart rebuilds the node on the same flash.
// The `Sim` command (sim-faults.ts: inject a short, a sag, gas, ...) is answered here, in
// order with the node's replies; every other command goes to the node's UART as typed.
import { MeterNode } from '../../firmware/app/meter-node';
import { SimBoard } from '../../hal/sim/board';
import { SimStore } from '../../hal/sim/store';
import { loadBoard } from '../../boards/schema';
import type { ByteDuplex } from './duplex';
import { splitLine } from '../../firmware/console/parser';
import { isSimCommand, runSimCommand } from './sim-faults';

export interface SimMeter {
  duplex: ByteDuplex;
  sim(): SimBoard;
  node(): MeterNode;
  /** advance virtual time (tests call this instead of waiting) */
  advance(us: number): void;
  close(): void;
}

export function createSimMeter(opts: { board?: string; pin?: string; realtime?: boolean; seed?: number } = {}): SimMeter {
  const board = loadBoard(opts.board ?? 'esp32-devkitc-meter');
  const store = new SimStore();
  const listeners: ((b: Uint8Array) => void)[] = [];
  let sim!: SimBoard;
  let node!: MeterNode;
  let boots = 0;
  const boot = (startUs: number) => {
    sim = new SimBoard({ board, store, startUs, seed: (opts.seed ?? 1) + boots++ });
    sim.uart.onHostData((b) => listeners.forEach((l) => l(b)));
    // a restart requested by the console happens once its reply is out
    node = new MeterNode(sim.device, board, { onRestart: () => setImmediate(() => boot(sim.now() + 1e6)) });
    sim.run(3.5e6); // boot: the breaker closes after 2 s of healthy supply
  };
  boot(0);
  if (opts.pin !== undefined && node.consoleTarget.setPin(opts.pin) !== '') throw new Error('sim: bad PIN');
  let timer: NodeJS.Timeout | undefined;
  if (opts.realtime !== false) {
    timer = setInterval(() => sim.run(50e3), 50);
    timer.unref();
  }
  const toNode = (b: Uint8Array) => {
    sim.uart.hostWrite(b);
    sim.run(20e3); // the console answers within a few callbacks
  };
  const emit = (reply: unknown) => {
    const bytes = Buffer.from(JSON.stringify(reply) + '\r\n', 'latin1');
    listeners.forEach((l) => l(bytes));
  };
  // whole lines: a line with a Sim command is split, each command answered in turn
  let pending = '';
  const line = (text: string, end: string) => {
    const cmds = splitLine(text);
    if (cmds.tooMany || !cmds.commands.some(isSimCommand)) return toNode(Buffer.from(text + end, 'latin1'));
    for (const c of cmds.commands) {
      if (isSimCommand(c)) emit(runSimCommand(sim, c));
      else toNode(Buffer.from(c + '\r\n', 'latin1'));
    }
  };
  return {
    duplex: {
      write: (b) => {
        pending += Buffer.from(b).toString('latin1');
        let m: RegExpExecArray | null;
        while ((m = /\r\n|\r|\n/.exec(pending)) !== null) {
          const text = pending.slice(0, m.index);
          pending = pending.slice(m.index + m[0].length);
          line(text, m[0]);
        }
      },
      onData: (cb) => listeners.push(cb),
    },
    sim: () => sim,
    node: () => node,
    advance: (us) => sim.run(us),
    close: () => {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
