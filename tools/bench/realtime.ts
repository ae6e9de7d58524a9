// Simulator speed: simulated seconds per wall second, one meter node at the board's
// default rate (4000 pairs/s in blocks of 8) with a household load.
import { bootNode, round } from './common';

export function realtimeFactor(seconds = 60): { realtime_factor: number; simulated_s: number; wall_s: number } {
  const { sim } = bootNode({ seed: 3, mains: { irms: 6, pfAngleDeg: 20, i3: 0.1 } });
  const t0 = performance.now();
  sim.run(seconds * 1e6);
  const wall = (performance.now() - t0) / 1000;
  return { realtime_factor: round(seconds / wall, 1), simulated_s: seconds, wall_s: round(wall, 3) };
}
