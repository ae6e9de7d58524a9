// Shared bench plumbing: a meter node on a simulated board, booted and closed.
import type { BoardDescription } from '../../boards/board';
import { SimBoard } from '../../hal/sim/board';
import type { SimBoardOptions } from '../../hal/sim/board';
import { MeterNode } from '../../firmware/app/meter-node';
import type { MeterNodeOptions } from '../../firmware/app/meter-node';
import { loadBoard } from '../../boards/schema';

export const BOOT_US = 3e6;

export function bootNode(opts: Partial<SimBoardOptions> & { settings?: Record<string, number> }, nodeOpts: MeterNodeOptions = {}, board?: BoardDescription) {
  const b = board ?? loadBoard('esp32-devkitc-meter');
  const sim = new SimBoard({ board: b, ...opts });
  const node = new MeterNode(sim.device, b, { settings: opts.settings, ...nodeOpts });
  sim.runUntil(sim.now() + BOOT_US);
  if (node.state() !== 'closed') throw new Error(`bench: node did not close at boot (state ${node.state()})`);
  return { sim, node, board: b };
}

/** First relay-open command at or after tUs, or undefined. */
export function firstOpenAfter(sim: SimBoard, tUs: number): number | undefined {
  const c = sim.relays.main.firstOpenCommandAfter(tUs);
  return c === undefined ? undefined : c.tUs;
}

export function maxOf(xs: number[]): number {
  return xs.reduce((a, b) => (b > a ? b : a), -Infinity);
}

export function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
