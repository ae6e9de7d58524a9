// Simulator speed: one meter board at its ADC rate (4000 pairs/s in blocks of 8) with a
// do-nothing consumer, a 1 Hz NTC/MQ-6 read and a 1 Hz timer, no faults.
// Prints simulated seconds per wall second (must be >= 100).
//   npx tsx hal/sim/perf.ts [simulatedSeconds]
import { performance } from 'node:perf_hooks';
import type { BoardDescription } from '../../boards/board';
import boardJson from '../../boards/esp32-devkitc-meter.json';
import { SimBoard } from './board';

export interface PerfResult {
  simulatedS: number;
  wallS: number;
  speedup: number;
  blocks: number;
  events: number;
}

export function measureSpeed(simulatedS: number, seed = 1): PerfResult {
  const board = new SimBoard({ board: boardJson as BoardDescription, seed, relaysClosedAtStart: true });
  const d = board.device;
  let blocks = 0;
  const adc = new d.io.ContinuousAdc({
    pins: [d.pin.adcV, d.pin.adcI],
    rateHz: board.board.adc.rateHz,
    blockPairs: board.board.adc.blockPairs,
    onBlock: () => {
      blocks++;
    },
  });
  const ntc = new d.io.Analog({ pin: d.pin.ntc });
  const gas = new d.io.Analog({ pin: d.pin.gas });
  d.timer.set(
    () => {
      ntc.read();
      gas.read();
    },
    1e6,
    1e6,
  );
  adc.start();
  const t0 = performance.now();
  board.run(simulatedS * 1e6);
  const wallS = (performance.now() - t0) / 1000;
  return { simulatedS, wallS, speedup: simulatedS / wallS, blocks, events: board.sched.dispatched };
}

if (process.argv[1] && process.argv[1].endsWith('perf.ts')) {
  const s = Number(process.argv[2] || 60);
  measureSpeed(2); // warm up the JIT
  const r = measureSpeed(s);
  console.log(
    `simulated ${r.simulatedS} s in ${r.wallS.toFixed(3)} s wall: ${r.speedup.toFixed(0)}x real time ` +
      `(${r.blocks} blocks, ${r.events} events, ${(r.events / r.wallS / 1e6).toFixed(2)} M events/s)`,
  );
}
