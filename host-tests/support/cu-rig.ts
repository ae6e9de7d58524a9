// The control unit as its board program starts it (firmware/app/start-control-unit.ts), on a
// simulated control-unit board with the R30x module on UART2 and no RTC time (as on
// hardware before the PC link's `time`). `ask` sends one PC-link command and returns the
// line that answers it (the reader's flows answer later: `runS` then look in `lines`).
import controlJson from '../../boards/esp32-control-unit.json';
import type { BoardDescription } from '../../boards/board';
import { SimBoard } from '../../hal/sim/board';
import { SimR30xChip } from '../../hal/sim/r30x-chip';
import { startControlUnit } from '../../firmware/app/start-control-unit';

export const CU_BOARD = controlJson as unknown as BoardDescription;

export function cuRig() {
  const sim = new SimBoard({ board: CU_BOARD });
  const chip = new SimR30xChip({ sched: sim.sched, uart: sim.serialPort(2), password: 0 });
  const lines: any[] = [];
  const app = startControlUnit(sim.device, CU_BOARD, {
    log: undefined,
    wallS: () => undefined,
    random: (n) => new Uint8Array(n).fill(5),
    readerPort: 2,
    onPcLine: (l) => lines.push(JSON.parse(l)),
  });
  sim.sched.runFor(1e6);
  let id = 0;
  const send = (o: Record<string, unknown>): number => {
    app.pc.line(JSON.stringify({ v: 1, id: ++id, ...o }));
    return id;
  };
  const answer = (n: number) => lines.find((l) => l.id === n && (l.type === 'reply' || l.type === 'error'));
  const ask = (o: Record<string, unknown>) => {
    const n = send(o);
    sim.sched.runFor(10e3);
    return answer(n);
  };
  const runS = (s: number) => sim.sched.runFor(s * 1e6);
  return { sim, chip, app, lines, ask, send, answer, runS };
}
