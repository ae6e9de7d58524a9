// The meter node's board program on the Moddable SDK (XS on the ESP32). The generated
// main.js (tools/build/moddable.ts) reads the board from the manifest's config ("mc/config")
// and calls startMeter; this file wires the ECMA-419 provider (hal/moddable) to
// startMeterNode (firmware/app/start.ts).
//
// The one thing that differs from the simulator is the ADC: ECMA-419 has no continuous
// (DMA) ADC, so hal/moddable samples V and I with a PolledAdc on the Moddable Timer, whose
// delays are whole milliseconds (Moddable timer docs: Timer.set(callback, ms, repeatMs)).
// A board asking for more than 1 kHz therefore runs at 1 kHz here, with blocks of the same
// duration; polledBoard() (hal/moddable/polled-board.ts) makes that explicit so the
// metering maths uses the real rate.
//
// The radio link (NodeLink over the nRF24L01+ on the board's SPI pins) is attached once the
// node protects; without provisioned keys the node runs alone and logs "link off: ...".
// XS has BigInt, so the authority's signatures are verified with @noble/curves
// (verifyStrictNoble: ~2 M computrons, ~1 s of an ESP32, against tweetnacl's 43.5 M; the
// first verify after boot costs the same, docs/LINK.md). Espruino (no BigInt) keeps tweetnacl.
// One piece is ~1 s with the JS thread busy: a board whose comparator trips in hardware
// (the 74HC74 latch) keeps protecting meanwhile; on any other board this polled build's trip
// path is a JS callback, so the verify runs in tweetnacl slices instead (verifyUnitsPerSlice).
import type { BoardDescription } from '../../boards/board';
import { createDevice } from '../../hal/moddable/device';
import { polledBoard } from '../../hal/moddable/polled-board';
import type { MeterNode } from '../../firmware/app/meter-node';
import { checkMeterRole, startMeterNode, startRadioLink } from '../../firmware/app/start';
import type { NodeLinkOptions } from '../../firmware/app/node-link';
import { verifyStrictNoble } from '../../firmware/link/ed25519-noble';

/** tweetnacl units per slice on a board without the hardware latch (~78k computrons each, docs/LINK.md) */
const SLICE_UNITS = 1;

/** How this build verifies the authority's signatures on `board`. */
export function verifyOptions(board: BoardDescription): NodeLinkOptions {
  if (board.frontend !== undefined && board.frontend.comparatorPath === 'latch') return { verify: verifyStrictNoble };
  return { verifyUnitsPerSlice: SLICE_UNITS };
}

/**
 * Boot the meter node on the Moddable provider. `log` receives one line per event, and the
 * provider's reports (a console UART it could not open: xsbug holds UART0 in a debug build;
 * the node then runs without its console). `serialDevice` is for the lin build only (the
 * tty its Serial opens).
 */
export function startMeter(board: BoardDescription, log: (line: string) => void, serialDevice?: string): MeterNode {
  checkMeterRole(board);
  const b = polledBoard(board);
  const device = createDevice(b, { report: log, serialDevice: serialDevice });
  if (b !== board) log('adc: ' + board.adc.rateHz + ' Hz requested, polling at ' + b.adc.rateHz + ' Hz in blocks of ' + b.adc.blockPairs);
  const node = startMeterNode(device, b, {
    log: log,
    // A software reset needs a native call the ECMA-419 set does not have; the technician
    // power-cycles the node (docs/BUILD-MODDABLE.md).
    onRestart: function (): void {
      log('restart requested: power-cycle the node');
    },
  });
  // the radio link after protection is up: it never stops the node (docs/LINK.md)
  startRadioLink(node, device, b, log, verifyOptions(b));
  return node;
}
