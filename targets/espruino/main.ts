// The meter node's board program on Espruino, started at boot.
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
import { checkMeterRole, startMeterNode, startRadioLink } from '../../firmware/app/start';
import { createDevice } from '../../hal/espruino/device';

/** Defined by tools/build/espruino.ts: the board JSON, inlined at build time. */
declare const __ESPRUINO_BOARD__: BoardDescription;
declare const E: { on(event: string, cb: () => void): void; reboot(): void };
declare const LoopbackA: { setConsole(): void };
declare const global: Record<string, unknown>;

function boot(): void {
  const board = __ESPRUINO_BOARD__;
  checkMeterRole(board);
  const technicianConsole = board.pins.uartRx !== undefined;
  console.log('meter ' + board.name + ': starting' + (technicianConsole ? '; the REPL moves to LoopbackA, Serial1 is the technician console' : ''));
  if (technicianConsole) LoopbackA.setConsole();
  // with the technician console on UART0 there is no log line to print to: the console's
  // Trips command shows them
  const device = createDevice(board);
  const log = technicianConsole ? undefined : (line: string) => console.log(line);
  const node = startMeterNode(device, board, { log: log, onRestart: () => E.reboot() });
  // one handle for debugging from the REPL (when it stays on Serial1) and for tests
  global.meterNode = node;
  // the radio link once the node protects (never stops it; the console's Link command shows
  // "link off" reasons too: they are also kept on meterLinkStatus)
  const r = startRadioLink(node, device, board, log, {});
  global.meterLinkStatus = r.status;
  global.meterLink = r.link;
}

E.on('init', boot);
