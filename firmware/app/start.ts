// startMeterNode: the one start-up every board program (targets/*/main.ts) calls with its
// device provider. It checks the board's role, starts MeterNode, and reports each trip and
// what boot restored as one line each. Platform-neutral: the target brings the Device, the
// log (trace, print, console.log) and the restart its platform has.
import type { BoardDescription } from '../../boards/board';
import type { Device } from '../../hal/io';
import type { TripEvent } from '../protection/trip-log';
import { MeterNode } from './meter-node';

export interface MeterNodeStart {
  /** one line per trip and the boot summary; undefined: the node starts silently */
  log: ((line: string) => void) | undefined;
  /** the platform's restart (the console's Restart and FactoryReset end with it) */
  onRestart: () => void;
}

/** One line per trip for the log (trace on the device, print in the XS proof). */
export function tripLine(e: TripEvent): string {
  return 'trip ' + e.seq + ' ' + e.reason + ' -> ' + e.state + ' at ' + Math.round(e.tUs / 1000) + ' ms: ' + e.detail;
}

/** Boot the meter node on `device` (already made by the target's provider for `board`). */
export function startMeterNode(device: Device, board: BoardDescription, start: MeterNodeStart): MeterNode {
  const log = start.log;
  const node = new MeterNode(device, board, {
    onTrip: function (e: TripEvent): void {
      if (log !== undefined) log(tripLine(e));
    },
    onRestart: start.onRestart,
  });
  if (log !== undefined) log('meter node up on ' + board.name + (node.restored.length > 0 ? ' (restored: ' + node.restored.join(', ') + ')' : ''));
  return node;
}

/** The role check every meter target makes before it opens any hardware. */
export function checkMeterRole(board: BoardDescription): void {
  if (board.role !== 'meter') throw new Error('board ' + board.name + ': role must be "meter" for the meter app, got "' + board.role + '"');
}
