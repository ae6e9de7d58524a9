// startMeterNode: the one start-up every board program (targets/*/main.ts) calls with its
// device provider. It checks the board's role, starts MeterNode, and reports each trip and
// what boot restored as one line each. Platform-neutral: the target brings the Device, the
// log (trace, print, console.log) and the restart its platform has.
import type { BoardDescription } from '../../boards/board';
import type { Device } from '../../hal/io';
import type { TripEvent } from '../protection/trip-log';
import { MeterNode } from './meter-node';
import { NodeLink } from './node-link';
import type { NodeLinkOptions } from './node-link';
import { Nrf24Radio } from '../link/nrf24';
import { loadLinkKeys, loadLinkProv } from '../link/keys';

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

// ---- the radio link (docs/LINK.md "In the builds") ----

/** nRF24 addresses (5 bytes, least significant first as written to the chip): a node's pipe
 *  is its id then "NODE", the control unit's is 0 then "CUNT"; byte 0 differs from node to node,
 *  as the datasheet advises for pipes that share the upper bytes (§7.6). */
export function nodeRadioAddress(nodeId: number): Uint8Array {
  // new Uint8Array(array), not Uint8Array.from: Espruino 2v29 has no Uint8Array.from
  return new Uint8Array([nodeId & 0xff, 0x4e, 0x4f, 0x44, 0x45]);
}
export const CONTROL_RADIO_ADDRESS = [0x00, 0x43, 0x55, 0x4e, 0x54];

/** SPI clock for the nRF24L01+ (at most 10 MHz, §8.1; 8 MHz leaves margin on jumper wires) */
export const NRF24_SPI_HZ = 8000000;
/** Enhanced ShockBurst: up to 15 retransmits, 500 µs apart (enough for the ACK at 2 Mbit/s, §7.4.2) */
export const NRF24_RETRIES = 15;
export const NRF24_RETRY_DELAY_US = 500;

/** The link a board program attached, or why there is none (`link` undefined). */
export interface RadioLinkStart {
  link: NodeLink | undefined;
  radio: Nrf24Radio | undefined;
  /** one line for the log: "link on: ..." or "link off: <why>" */
  status: string;
}

function linkOff(why: string, log: ((line: string) => void) | undefined): RadioLinkStart {
  const status = 'link off: ' + why + '; the node protects the home as usual';
  if (log !== undefined) log(status);
  return { link: undefined, radio: undefined, status: status };
}

/**
 * Attach NodeLink with the nRF24L01+ driver on the board's pins (radioCs on the SPI bus
 * spiSck/spiMosi/spiMiso, radioCe, radioIrq), keys from the node's store (tools/provision.ts).
 * Never throws: a board without a radio, a node without provisioned keys, a chip that does not
 * answer or a pin already taken each leave the node running without its link, and say so.
 */
export function startRadioLink(
  node: MeterNode,
  device: Device,
  board: BoardDescription,
  log: ((line: string) => void) | undefined,
  options: NodeLinkOptions,
): RadioLinkStart {
  const radioCfg = board.radio;
  if (radioCfg === undefined) return linkOff('board ' + board.name + ' has no radio section', log);
  if (radioCfg.profile !== 'nrf24') return linkOff('radio profile ' + radioCfg.profile + ' has no driver in this build (nrf24 only)', log);
  const p = board.pins;
  const need = ['spiSck', 'spiMosi', 'spiMiso', 'radioCs', 'radioCe', 'radioIrq'];
  for (let i = 0; i < need.length; i++) if (p[need[i]] === undefined) return linkOff('board ' + board.name + ' has no pin ' + need[i], log);
  const keys = loadLinkKeys(device.store);
  if (!keys.ok) return linkOff('no provisioned keys (link.keys ' + keys.reason + ')', log);
  if (loadLinkProv(device.store) < 0) return linkOff('no provisioning epoch (link.prov): provision the node with tools/provision.ts', log);
  let radio: Nrf24Radio;
  try {
    radio = new Nrf24Radio({
      io: { SPI: device.io.SPI, Digital: device.io.Digital },
      pins: { select: p.radioCs as number, ce: p.radioCe as number, irq: p.radioIrq as number },
      hz: NRF24_SPI_HZ,
      channel: radioCfg.channel,
      ownAddress: nodeRadioAddress(keys.keys.nodeId),
      peerAddress: new Uint8Array(CONTROL_RADIO_ADDRESS),
      retries: NRF24_RETRIES,
      retryDelayUs: NRF24_RETRY_DELAY_US,
    });
  } catch (e) {
    return linkOff('nRF24 driver: ' + String(e), log);
  }
  if (!radio.present) {
    radio.close();
    return linkOff('the nRF24L01+ does not answer on SPI (CS GPIO ' + p.radioCs + ')', log);
  }
  let link: NodeLink;
  try {
    link = new NodeLink(node, radio, options);
  } catch (e) {
    radio.close();
    return linkOff(String(e), log);
  }
  const status = 'link on: node ' + link.nodeId + ', key epoch ' + link.epoch + ', nRF24 channel ' + radioCfg.channel;
  if (log !== undefined) log(status);
  return { link: link, radio: radio, status: status };
}
