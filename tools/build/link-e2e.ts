// The air between a BUILT meter node and a control unit, for the engine proofs
// (docs/LINK.md "In the builds"). Portable TypeScript without Node built-ins: xs-proof.ts
// bundles it into the XS script and the Espruino link proof into the Espruino script.
//
// One world: one Scheduler (virtual time), one RfMedium, and one simulated nRF24L01+ chip
// (hal/sim/nrf24-chip.ts) per participant. A participant's firmware drives its chip through
// SPI, CE and IRQ exactly as on the board:
//   - the built node: its platform's SPI stand-in (xs-sim.ts SPI, or Espruino's SPI1.send
//     stand-in) reaches the chip the world attached on the board's radioCs pin;
//   - the peer: `nrf24Station` gives it io.SPI / io.Digital classes wired to its own chip, and
//     `PeerControlUnit` runs the control unit's firmware (firmware/app/control-unit.ts, the
//     same composition as the simulator's Net: registry keys, nRF24 driver, onForward).
// Frames cross the medium with airtime, auto-ack and retransmits, all in virtual time, so
// every run gives the same bytes.
//
// To connect another participant (e.g. a BUILT control unit in XS, in place of
// PeerControlUnit): give it a station on the same world (`world.station(name, x, y, cost)`:
// io.SPI / io.Digital on pins STATION_PINS, the control-unit board's radioCs/radioCe/radioIrq),
// start its firmware on those classes with the addresses of firmware/app/start.ts
// (CONTROL_RADIO_ADDRESS, nodeRadioAddress(id)), and advance the one scheduler. A built
// Moddable app reaches hardware through xs-sim.ts's SDK stand-ins, which today serve ONE
// simulated board (a module-level SimBoard); a second built app in the same XS script needs
// those stand-ins per app (e.g. an `embedded:io/spi` whose device is the station's io.SPI).
// Two worlds in two engines (the Espruino node, the XS unit) are joined in lock-step virtual
// time by tools/build/cross/cross-engine.ts: each engine has an AirWorld, the coordinator
// carries the frames between them, and each chip answers ACKs on its own air.
import type { Digital, DigitalOptions, SPI, SPIOptions } from '../../hal/io';
import { makeDigital, makeSpi, SimTimer, type PeripheralWiring, type SpiDevice } from '../../hal/sim/peripherals';
import { SimPin } from '../../hal/sim/pin';
import { Prng } from '../../hal/sim/prng';
import { RfMedium } from '../../hal/sim/radio-medium';
import { Nrf24Chip } from '../../hal/sim/nrf24-chip';
import type { Scheduler } from '../../hal/sim/scheduler';
import type { Store } from '../../hal/io';
import { Nrf24Radio } from '../../firmware/link/nrf24';
import { ControlUnit } from '../../firmware/app/control-unit';
import type { Forward } from '../../firmware/app/control-unit';
import type { ControlNodeConfig } from '../../firmware/control/node-table';
import { CONTROL_RADIO_ADDRESS, NRF24_RETRIES, NRF24_RETRY_DELAY_US, NRF24_SPI_HZ, nodeRadioAddress } from '../../firmware/app/start';

/** the pins a station's chip hangs on (the control-unit board's, boards/esp32-control-unit.json) */
export const STATION_PINS = { select: 5, ce: 17, irq: 16 };

export interface Station {
  name: string;
  io: { SPI: new (o: SPIOptions) => SPI; Digital: new (o: DigitalOptions) => Digital };
  pin(n: number): SimPin;
  chip: Nrf24Chip;
}

/** Pins on a board: SimBoard.digitalPin, or a station's own. */
export interface PinSource {
  (n: number): SimPin;
}

/** A world: the air and the clock every participant shares. */
export class AirWorld {
  readonly medium: RfMedium;
  readonly stations: Station[] = [];
  /** every chip on this air (attached to boards and on stations) */
  readonly chips: Nrf24Chip[] = [];
  constructor(
    readonly sched: Scheduler,
    seed: number,
  ) {
    // no edge loss: a proof that a frame arrives must not depend on a dice roll
    this.medium = new RfMedium({ sched: sched, prng: new Prng(seed).fork('medium'), edgeLoss: 0 });
  }

  /** An nRF24L01+ on pins of a board that already has SPI (SimBoard.attachSpi + its digitalPin). */
  attachChip(
    id: string,
    pins: { select: number; ce: number; irq: number },
    pin: PinSource,
    attachSpi: (select: number, dev: SpiDevice) => void,
    x: number,
    y: number,
  ): Nrf24Chip {
    const chip = new Nrf24Chip({ id: id, medium: this.medium, sched: this.sched, ce: pin(pins.ce), irq: pin(pins.irq), x: x, y: y });
    attachSpi(pins.select, chip);
    this.chips.push(chip);
    return chip;
  }

  /** A participant with no board of its own: its GPIO, its SPI bus and its chip. */
  station(name: string, x: number, y: number, callbackCostUs: number): Station {
    const pins: Record<number, SimPin> = {};
    const pin = (n: number): SimPin => {
      if (pins[n] === undefined) pins[n] = new SimPin(n);
      return pins[n];
    };
    const spi: Record<number, SpiDevice> = {};
    const w: PeripheralWiring = {
      sched: this.sched,
      callbackCostUs: () => callbackCostUs,
      pin: pin,
      analogRead: () => undefined,
      isAnalog: () => false,
      bits: 12,
      spiDevice: (sel) => spi[sel],
      uart: () => {
        throw new Error('station ' + name + ': no UART');
      },
    };
    const chip = this.attachChip(name, STATION_PINS, pin, (sel, dev) => (spi[sel] = dev), x, y);
    const s: Station = { name: name, io: { SPI: makeSpi(w), Digital: makeDigital(w) }, pin: pin, chip: chip };
    this.stations.push(s);
    return s;
  }
}

/** The peer's flash: a plain object of copies (no Map, no typed-array slice: it runs in Espruino too). */
export class ObjectStore implements Store {
  private readonly cells: Record<string, Uint8Array> = {};
  read(key: string): Uint8Array | undefined {
    const v = this.cells[key];
    return v === undefined ? undefined : copyBytes(v);
  }
  write(key: string, value: Uint8Array): void {
    this.cells[key] = copyBytes(value);
  }
  delete(key: string): void {
    delete this.cells[key];
  }
}

function copyBytes(v: Uint8Array): Uint8Array {
  const c = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) c[i] = v[i];
  return c;
}

/** A registry node as JSON can carry it (hex keys): tools/provision.ts controlNodes, serialised. */
export interface PeerNodeJson {
  nodeId: number;
  epoch: number;
  up: string;
  down: string;
  publicKey: string;
}

export function unhex(s: string): Uint8Array {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(i * 2, 2), 16);
  return b;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/**
 * The control unit's firmware on a station: ControlUnit (firmware/app/control-unit.ts) with
 * the registry's keys, over the nRF24 driver on the station's chip. Its radio talks to one
 * node (the driver has one peer address: TX_ADDR = the node's pipe).
 */
export class PeerControlUnit {
  readonly cu: ControlUnit;
  readonly radio: Nrf24Radio;
  readonly forwards: Forward[] = [];
  readonly station: Station;
  constructor(world: AirWorld, nodes: PeerNodeJson[], talkTo: number, channel: number, x: number, y: number) {
    // callbacks cost no time: the peer shares the scheduler with the node's JS thread,
    // which must not wait for the peer's (separate) CPU
    this.station = world.station('control', x, y, 0);
    this.radio = new Nrf24Radio({
      io: this.station.io,
      pins: STATION_PINS,
      hz: NRF24_SPI_HZ,
      channel: channel,
      ownAddress: new Uint8Array(CONTROL_RADIO_ADDRESS),
      peerAddress: nodeRadioAddress(talkTo),
      retries: NRF24_RETRIES,
      retryDelayUs: NRF24_RETRY_DELAY_US,
    });
    const cfg: ControlNodeConfig[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      cfg.push({ nodeId: n.nodeId, epoch: n.epoch, up: unhex(n.up), down: unhex(n.down), publicKey: unhex(n.publicKey) });
    }
    const sched = world.sched;
    this.cu = new ControlUnit({
      clock: sched,
      store: new ObjectStore(),
      radio: this.radio,
      timer: new SimTimer(sched, () => 0),
      nodes: cfg,
      onForward: (f) => this.forwards.push(f),
    });
  }

  /** A command the authority signed offline, sealed and sent by the control unit ('' or why not). */
  send(nodeId: number, signed: Uint8Array): string {
    return this.cu.sendCommand(nodeId, signed);
  }

  count(kind: string): number {
    let n = 0;
    for (let i = 0; i < this.forwards.length; i++) if (this.forwards[i].kind === kind) n++;
    return n;
  }
}

/** What a link proof reports, the same shape from every engine. */
export interface LinkProofResult {
  engine: string;
  /** the board program's own line: "link on: ..." or "link off: ..." */
  linkStatus: string;
  readings: number;
  firstReading: { vrms: number; irms: number; p: number; counter: number; flags: number } | null;
  /** sealed frames the peer opened (telemetry, events, acks) */
  sealedOpened: number;
  trip: { reason: string; state: string; latencyMs: number } | null;
  disconnect: { ack: string; state: string; relayPin: number; contactsClosed: boolean };
  reconnect: { ack: string; state: string; contactsClosed: boolean };
  /** refusals the peer's control unit logged (0 on a clean air) */
  peerRejects: number;
  air: { transmitted: number; retransmits: number; acked: number; lost: number };
  errors: string[];
}

/** The control unit's acks as "code:result[:reason]". */
export function ackLines(peer: PeerControlUnit): string[] {
  const out: string[] = [];
  for (let i = 0; i < peer.forwards.length; i++) {
    const f = peer.forwards[i];
    if (f.kind === 'ack') out.push(f.ack.code + ':' + f.ack.result + (f.ack.reason === '' ? '' : ':' + f.ack.reason));
  }
  return out;
}

export function firstReading(peer: PeerControlUnit): LinkProofResult['firstReading'] {
  for (let i = 0; i < peer.forwards.length; i++) {
    const f = peer.forwards[i];
    if (f.kind === 'reading') return { vrms: f.reading.vrms, irms: f.reading.irms, p: f.reading.p, counter: f.counter, flags: f.reading.flags };
  }
  return null;
}

export function tripEvent(peer: PeerControlUnit, faultAtUs: number): LinkProofResult['trip'] {
  for (let i = 0; i < peer.forwards.length; i++) {
    const f = peer.forwards[i];
    if (f.kind === 'event' && f.event.kind === 'trip') return { reason: f.event.reason, state: f.event.state, latencyMs: (f.tUs - faultAtUs) / 1000 };
  }
  return null;
}

export function airStats(world: AirWorld): LinkProofResult['air'] {
  const a = { transmitted: 0, retransmits: 0, acked: 0, lost: 0 };
  for (let i = 0; i < world.chips.length; i++) {
    const st = world.chips[i].stats;
    a.transmitted += st.transmitted;
    a.retransmits += st.retransmits;
    a.acked += st.acked;
    a.lost += st.lostPackets;
  }
  return a;
}
