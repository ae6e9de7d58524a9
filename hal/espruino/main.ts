// The Espruino application: the meter node on the Espruino provider, started at boot.
// `npm run build -- --target espruino --board <name>` bundles this file into
// build/espruino/<name>/app.js with the board description inlined (__ESPRUINO_BOARD__).
//
// Boot: the upload only registers an `init` handler; Espruino runs `init` handlers after
// save() and at every power-up (espruino.com/Reference#l_E_init), so uploading with
// `-e 'save()'` neither starts the node twice nor grabs the REPL during the upload.
// The technician console (MeterNode opens it on Serial1 when the board has uartRx) needs
// UART0, which is Espruino's REPL: the REPL moves to LoopbackA first. From then on the
// CLI cannot reach the REPL over USB; see docs/BUILD-ESPRUINO.md for getting it back.
// Runs ON Espruino: the Espruino subset (docs/PORTABLE-SUBSET.md).
import type { BoardDescription } from '../../boards/board';
import { MeterNode } from '../../firmware/app/meter-node';
import { createDevice } from './device';

/** Defined by tools/build/espruino.ts: the board JSON, inlined at build time. */
declare const __ESPRUINO_BOARD__: BoardDescription;
declare const E: { on(event: string, cb: () => void): void; reboot(): void };
declare const LoopbackA: { setConsole(): void };
declare const global: Record<string, unknown>;

function boot(): void {
  const board = __ESPRUINO_BOARD__;
  const technicianConsole = board.pins.uartRx !== undefined;
  console.log('meter ' + board.name + ': starting' + (technicianConsole ? '; the REPL moves to LoopbackA, Serial1 is the technician console' : ''));
  if (technicianConsole) LoopbackA.setConsole();
  const node = new MeterNode(createDevice(board), board, {
    onTrip: (e) => {
      if (!technicianConsole) console.log('trip ' + e.reason + ' ' + e.state);
    },
    onRestart: () => E.reboot(),
  });
  // one handle for debugging from the REPL (when it stays on Serial1) and for tests
  global.meterNode = node;
}

E.on('init', boot);
