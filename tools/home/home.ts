// The simulated home: a control unit and three meter nodes, each on a different board
// description, on one simulated nRF24 air, with the control unit's PC link
// (firmware/control/pc-link.ts) on its USB serial port as its only output. `npm start`, the
// gateway tests and `npm run sim -- --homes N` drive it; the gateway reads its lines exactly
// as it reads a serial port.
//
// Every board runs its board program's own start-up (the rule: the code on the board is the
// code the tests run):
//   - the control unit is startControlUnit (firmware/app/start-control-unit.ts, what the
//     Moddable build's targets/control-unit/main.ts calls) on a simulated esp32-control-unit
//     board (hal/sim SimBoard): the nRF24 driver on its SPI, CE and IRQ lines to an nRF24L01+
//     chip model (hal/sim/nrf24-chip.ts); a simulated R30x module (hal/sim/r30x-chip.ts,
//     module password provisioned) on UART2 and the R503's touch line; the button, LED and
//     buzzer; its WallClock; the PC link on UART0. Its flash holds the provisioning record
//     (firmware/control/registry.ts) that tools/provision.ts makes for the three nodes.
//   - each meter node is startMeterNode + startRadioLink (firmware/app/start.ts, what
//     targets/*/main.ts call) on its board: the nRF24 driver on the board's pins to its own
//     chip model. All chips share one RF medium (hal/sim/radio-net.ts NetSim: each board on
//     its own clock and JS thread, in lockstep slices), with Enhanced ShockBurst auto-ack and
//     retransmits, and the attacker's frames (tools/sim/net-scenarios.ts flood) on the same air.
//
// One household finger is enrolled at start, the way the first member is on a real unit:
// the button (GPIO 0), then the finger twice on the reader (its touch line rising each time).
//
// Energy management (issue 9) is on: the unit's HomeEnergy (firmware/policy/home-energy.ts)
// hides the household's load behind the default battery (1.5 kWh / 1 kW / 90 %, the
// bench's, docs/PRIVACY.md) and runs a day's plan for one deferrable load, the workshop's
// water heater on node 3's relay, under a time-of-use tariff (workshopDay below). The plan
// begins at the next half hour of the home's clock (14:30 by default, 1000 s after start),
// so the first minutes - the tests' span - see no planned switching; `energy` lines every 10 s.
//
// Clock: by default the unit's board kept its time (an RTC, as the ESP32's system time across
// a software reset): HOME_EPOCH_S at the home's t = 0, the same every run. `rtc: false` boots
// it unset, as a board nobody has set: guest codes wait for the PC link's `time`, which the
// gateway sends at connect (`npm start` does this, with the host's clock as the epoch, and
// `npm run sim -- --homes N`). A gateway on a home with the default clock has its connect
// set refused and logged: the host's clock is months from the home's epoch, over the unit's
// 120 s step bound (firmware/access/wall-clock.ts).
//
// Time: step(s) advances simulated time deterministically (tests); start() follows the
// wall clock at `speed` x real time (npm start). A household's day of loads, temperature
// and gas is drawn from a seeded PRNG so every run is the same.
import { loadBoard } from '../../boards/schema';
import type { BoardDescription } from '../../boards/board';
import { SimBoard } from '../../hal/sim/board';
import { SimStore } from '../../hal/sim/store';
import type { Nrf24Chip } from '../../hal/sim/nrf24-chip';
import { SimR30xChip } from '../../hal/sim/r30x-chip';
import type { PcLink } from '../../firmware/control/pc-link';
import type { Access } from '../../firmware/access/access';
import { CU_RADIO_ADDRESS, startControlUnit } from '../../firmware/app/start-control-unit';
import type { ControlUnitApp } from '../../firmware/app/start-control-unit';
import { nodeRadioAddress, startMeterNode, startRadioLink } from '../../firmware/app/start';
import { loadControlProvisioning, storeControlProvisioning } from '../../firmware/control/registry';
import { Net, PROVISIONED_AT_S, flood } from '../sim/net-scenarios';
import type { NetNode, NetOptions } from '../sim/net-scenarios';
import { controlNodes } from '../provision';
import { BOARD_SLOT_S } from '../../firmware/policy/home-energy';
import { DemandResponse } from '../../firmware/policy/demand-response';
import type { DrHost } from '../../firmware/policy/demand-response';
import { loadDrIdentity, storeDrIdentity } from '../../firmware/policy/dr-authority';
import type { SchedulerInput } from '../../firmware/schedule/model';

const S = 1e6;
/** node id -> board: three boards the meter node runs on (boards/*.json) */
export const HOME_BOARDS: Record<number, string> = { 1: 'esp32-devkitc-meter', 2: 'nodemcu-32s-lua', 3: 'espruino-esp32-wroom' };
export const NODE_NAMES: Record<number, string> = { 1: 'kitchen', 2: 'living room', 3: 'workshop' };
/** the control unit's board (boards/esp32-control-unit.json) */
export const HOME_UNIT_BOARD = 'esp32-control-unit';

/** the R30x module password the home's unit was provisioned with */
export const HOME_READER_PASSWORD = 0x5ec2e7;
/** the household finger enrolled at start (a finger id of the simulated module), at page 0 */
export const HOUSEHOLD_FINGER = 7;
/** Unix time at the home's simulated t = 0 (the unit's time sync): a day after provisioning */
export const HOME_EPOCH_S = PROVISIONED_AT_S + 86400;

/** the home's pseudonym toward the utility (billing aggregates, demand-response orders: firmware/privacy/uplink.ts) */
export const HOME_PSEUDONYM = '5eed0000000000a1';

/** how often the unit sends its `energy` line in the home, s (the firmware's minimum, 10) */
export const HOME_ENERGY_EVERY_S = 10;

/**
 * How long send() runs the home after writing to the unit's USB port, s: the unit reads the
 * bytes in its next UART callback (50 µs of JS) and writes its reply at once, so the reply is
 * out when send() returns, as the gateway and the tests expect of the old in-process link.
 */
const SEND_RUN_S = 0.002;
/** how much of the air's history the home keeps, µs (a frame lasts under a millisecond) */
const AIR_KEEP_US = 60e6;
/** the unit's log lines SimHome keeps */
const LOG_KEEP = 200;

/**
 * Price per kWh at an hour of day: night 00:00-07:00 cheap, 16:00-19:00 peak (the shape of
 * UK Economy 7 / the Octopus "Flux"-style peak; the same tariff as the bench's household
 * day, tools/privacy/sched-cases.ts).
 */
export function touPrice(hour: number): number {
  return hour < 7 ? 0.12 : hour >= 16 && hour < 19 ? 0.42 : 0.28;
}

/**
 * The workshop's day from wall time `wallS` (Unix s): 30 min slots (BOARD_SLOT_S) for 24 h
 * from the next half hour; the water heater (2 kW, 3 kWh, interruptible) on node 3's relay,
 * done by 07:00 the next morning; the rest of the house taken as 600 W; a 3.6 kW cap under
 * the protection's default 4 kW MaxPower. Returns the input and the plan's first second.
 */
export function workshopDay(wallS: number): { input: SchedulerInput; startWallS: number } {
  const slot = BOARD_SLOT_S;
  const startWallS = Math.ceil(wallS / slot) * slot;
  const price: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < 86400 / slot; i++) {
    price.push(touPrice(Math.floor(((startWallS + i * slot) % 86400) / 3600)));
    base.push(600);
  }
  // 07:00 after the start, at least 8 h later (a plan begun at 06:30 runs to the next morning)
  let deadlineS = (7 * 3600 - (startWallS % 86400) + 86400) % 86400;
  if (deadlineS < 8 * 3600) deadlineS += 86400;
  if (deadlineS > 86400) deadlineS = 86400;
  return {
    startWallS,
    input: {
      slotS: slot,
      pricePerKWh: price,
      baseW: base,
      capW: 3600,
      meterMaxPowerW: 4000,
      loads: [{ name: 'water heater', relay: 'node:3', earliestS: 0, deadlineS, energyWh: 3000, powerW: 2000, interruptible: true }],
    },
  };
}

interface HomeNetOptions extends NetOptions {
  /** Unix time at the home's t = 0 */
  epochS: number;
  /** the unit's board kept its time (true) or boots with its clock unset (false) */
  rtc: boolean;
  /** the unit's log lines (boot, reader, enrol, alarms) */
  onUnitLog: (line: string) => void;
}

function pinsOf(board: BoardDescription): { select: number; ce: number; irq: number } {
  const p = board.pins as Record<string, number | undefined>;
  if (p.radioCs === undefined || p.radioCe === undefined || p.radioIrq === undefined)
    throw new Error(`home: board ${board.name} has no radioCs/radioCe/radioIrq`);
  return { select: p.radioCs, ce: p.radioCe, irq: p.radioIrq };
}

/**
 * The Net (tools/sim/net-scenarios.ts: provisioning, the authority, the attacker) with the
 * boards' own start-ups on nRF24 chips: the unit's startControlUnit, each node's
 * startMeterNode + startRadioLink on its own board description.
 */
class HomeNet extends Net {
  // `declare`: set from Net's constructor (startControlUnit, bootNode), so no field
  // initialiser may reset them
  declare app: ControlUnitApp;
  declare unitSim: SimBoard;
  declare unitChip: Nrf24Chip;
  declare reader: SimR30xChip;
  declare chips: Record<number, Nrf24Chip>;

  private get home(): HomeNetOptions {
    return this.o as HomeNetOptions;
  }

  wallS(): number {
    return this.home.epochS + this.net.now() / 1e6;
  }

  // the chips drop a frame whose address is not one of their pipes: the attacker's frames
  // carry the pipe address of the station they aim at
  override airAddress(to: number): Uint8Array {
    return to === 0 ? Uint8Array.from(CU_RADIO_ADDRESS) : nodeRadioAddress(to);
  }

  override startControlUnit(): void {
    const board = loadBoard(HOME_UNIT_BOARD);
    // a restart: the old board is switched off; the module (its templates) moves to the new one
    const old = this.app;
    const pages: [number, number][] = [];
    if (old !== undefined) {
      old.close();
      this.net.removeHost(this.unitSim.sched);
      this.net.medium.detach(this.unitChip);
      for (let p = 0; p < this.reader.capacity; p++) {
        const who = this.reader.templateAt(p);
        if (who !== undefined) pages.push([p, who]);
      }
    }
    // the unit's flash as provisioning leaves it (tools/provision.ts: the nodes' link keys
    // and the module password), once
    if (typeof loadControlProvisioning(this.cuStore) === 'string') {
      const err = storeControlProvisioning(this.cuStore, { readerPassword: HOME_READER_PASSWORD, nodes: controlNodes(this.registry) });
      if (err !== '') throw new Error(`home: ${err}`);
    }
    // the utility authority's PUBLIC key for demand-response orders (tools/dr.ts unit-record)
    if (typeof loadDrIdentity(this.cuStore) === 'string') {
      const err = storeDrIdentity(this.cuStore, { authorityPublic: this.authority.publicKey, home: HOME_PSEUDONYM, provisionedAt: PROVISIONED_AT_S });
      if (err !== '') throw new Error(`home: ${err}`);
    }
    const sim = new SimBoard({ board, seed: 99, store: this.cuStore, startUs: this.net.now() });
    this.net.addHost(sim.sched);
    this.unitSim = sim;
    this.unitChip = this.net.nrf24('control', sim, pinsOf(board), 0, 0);
    this.reader = new SimR30xChip({ sched: sim.sched, uart: sim.serialPort(2), password: HOME_READER_PASSWORD });
    for (const [p, who] of pages) this.reader.preload(p, who);
    const home = this.home;
    this.app = startControlUnit(sim.device, board, {
      log: (l) => home.onUnitLog(l),
      wallS: () => (home.rtc ? this.wallS() : undefined),
      random: (n) => this.bytes(n),
      readerPort: 2,
      reportEveryS: this.reportEveryS,
      energy: this.o.energy,
    });
    this.cu = this.app.unit;
    // a unit (re)started with energy management plans the workshop's day at once
    if (this.o.energy !== undefined) {
      const d = workshopDay(this.wallS());
      const why = this.cu.planDay(d.input, this.net.now() + (d.startWallS - this.wallS()) * 1e6);
      if (why !== '') throw new Error(`home: ${why}`);
    }
  }

  override bootNode(id: number, store: SimStore): NetNode {
    if (this.chips === undefined) this.chips = {};
    const k = this.nodes.findIndex((x) => x.id === id);
    if (k >= 0) {
      this.nodes[k].radio.close();
      this.net.removeHost(this.nodes[k].sim.sched);
      this.net.medium.detach(this.chips[id]);
      this.nodes.splice(k, 1);
    }
    const board: BoardDescription = loadBoard(HOME_BOARDS[id] ?? 'esp32-devkitc-meter');
    const sim = new SimBoard({ board, seed: 100 + id, store, startUs: this.net.now() });
    this.net.addHost(sim.sched);
    const x = 4 * id;
    this.chips[id] = this.net.nrf24(`node${id}`, sim, pinsOf(board), x, 3);
    const node = startMeterNode(sim.device, board, {
      log: undefined,
      // the console's Restart: the board reboots on the same flash, after this callback
      onRestart: () => {
        this.net.air.at(this.net.now(), () => this.rebootNode(id));
      },
    });
    // a generous verify budget unless a test sets one (the sim verifies in no simulated time)
    const r = startRadioLink(node, sim.device, board, undefined, { reportEveryS: this.reportEveryS, verifyBurst: 10, verifyEveryS: 0, ...this.o.link });
    if (r.link === undefined || r.radio === undefined) throw new Error(`home: node ${id}: ${r.status}`);
    const nn: NetNode = { id, sim, node, link: r.link, radio: r.radio, store, x };
    this.nodes.push(nn);
    this.nodes.sort((a, b) => a.id - b.id);
    return nn;
  }
}

export interface HomeScenario {
  name: string;
  description: string;
  /** called once, `atS` simulated seconds after start */
  atS: number;
  run(home: SimHome): void;
}

export const HOME_SCENARIOS: HomeScenario[] = [
  { name: 'none', description: 'a quiet day: loads come and go', atS: 0, run: () => undefined },
  {
    name: 'short-circuit',
    description: 'a 300 A short on node 1 (kitchen) 20 s in: it trips within a cycle',
    atS: 20,
    run: (h) => h.fault('short-circuit', 1),
  },
  {
    name: 'overload',
    description: 'node 3 (workshop) ramps from 10 A to 45 A over 10 s, 20 s in: inverse-time trip',
    atS: 20,
    run: (h) => h.fault('overload', 3),
  },
  { name: 'gas-leak', description: 'LPG rises to 3000 ppm at node 2 (living room) over 20 s, 20 s in', atS: 20, run: (h) => h.fault('gas-leak', 2) },
  { name: 'overheat', description: 'node 1 heats to 90 °C over 30 s, 20 s in', atS: 20, run: (h) => h.fault('overheat', 1) },
  {
    name: 'forgery-flood',
    description: '100 forged frames/s at node 2 for 10 s, 20 s in: refused, counted, alarmed',
    atS: 20,
    run: (h) => h.fault('forgery-flood', 2),
  },
];

export const FAULTS = ['short-circuit', 'overload', 'gas-leak', 'overheat', 'forgery-flood', 'sag'];

export interface SimHomeOptions {
  seed?: number;
  /** telemetry interval, s (default 2: live values on the page) */
  reportEveryS?: number;
  link?: NetOptions['link'];
  /** the unit's energy management and the workshop's plan (default true) */
  energy?: boolean;
  /** Unix time at the home's t = 0 (default HOME_EPOCH_S): the workshop plan's clock */
  epochS?: number;
  /**
   * The unit's board kept its time across the reset (default true: the unit's clock starts
   * at epochS). false: it boots with the clock unset, and the PC link's `time` (the gateway,
   * at connect) sets it first.
   */
  rtc?: boolean;
}

/**
 * The home as `npm start` runs it, live beside a gateway: the host's clock at start is the
 * home's epoch (the workshop plan's day), and the unit boots with its clock unset, as a board
 * nobody has set; the gateway's `time` at connect is its first set (docs/PC-LINK.md `time`).
 */
export function liveHomeOptions(seed: number, hostNowMs: number): SimHomeOptions {
  return { seed, epochS: Math.floor(hostNowMs / 1000), rtc: false };
}

/** Latin-1 text of the UART's bytes (the unit writes each character's low byte, pc-link.ts). */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export class SimHome {
  readonly net: Net;
  private readonly listeners: ((line: string) => void)[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private nextLoadUs = 0;
  private scenarios: { at: number; s: HomeScenario }[] = [];
  private partial = '';
  readonly t0: number;
  /** the unit's own log (boot, reader, button, enrolment, alarms), the last LOG_KEEP lines */
  readonly unitLog: string[] = [];

  constructor(o: SimHomeOptions = {}) {
    // the utility's signed demand-response orders on the unit's own wall clock (DrHost.wallS)
    const energy = o.energy === false ? undefined : { reportEveryS: HOME_ENERGY_EVERY_S, demandResponse: (h: DrHost) => new DemandResponse(h, {}) };
    const ho: HomeNetOptions = {
      seed: o.seed ?? 7,
      nodes: 3,
      reportEveryS: o.reportEveryS ?? 2,
      link: o.link,
      energy,
      epochS: o.epochS ?? HOME_EPOCH_S,
      rtc: o.rtc !== false,
      onUnitLog: (l) => this.unitLine(l),
    };
    this.net = new HomeNet(ho);
    this.t0 = this.net.now();
    this.enrolHousehold();
    for (const n of this.net.nodes) {
      n.sim.env.temperatureC = 21 + n.id;
      // clean air still reads inside the MQ-6's 200..10 000 ppm span (Hanwei datasheet)
      n.sim.env.gasPpm = 240 + 10 * n.id;
    }
    this.pump();
  }

  private homeNet(): HomeNet {
    return this.net as HomeNet;
  }

  /** The control unit as its board program started it (startControlUnit's app). */
  get unit(): ControlUnitApp {
    return this.homeNet().app;
  }

  /** The unit's simulated board (its pins, UARTs and clock). */
  get unitBoard(): SimBoard {
    return this.homeNet().unitSim;
  }

  /** The unit's PC link (what its USB serial port speaks). */
  get pc(): PcLink {
    return this.unit.pc;
  }

  /** The control unit's access module (fingerprint reader, guest passes, access log). */
  get access(): Access {
    return this.unit.access;
  }

  /** The simulated R30x module on the unit's reader UART. */
  get reader(): SimR30xChip {
    return this.homeNet().reader;
  }

  private unitLine(l: string): void {
    this.unitLog.push(l);
    if (this.unitLog.length > LOG_KEEP) this.unitLog.splice(0, this.unitLog.length - LOG_KEEP);
    // the first member's enrolment at start (enrolHousehold) ends with one of these
    if (this.enrolled === '' && l.indexOf('enrol: ') === 0 && l.indexOf('enrol: put the finger') !== 0)
      this.enrolled = /^enrol: finger stored at page \d+$/.test(l) ? 'ok' : l.substring(7);
  }

  /**
   * The first household member enrols at the unit: the button (GPIO 0, pressed = low), then
   * the finger twice on the reader (on 0.8 s, lifted, on again), its touch line high while it
   * is on. The unit's board program stores it at the first free page (0); the records reach
   * the PC link as `access` lines.
   */
  private enrolHousehold(): void {
    const sim = this.unitBoard;
    const pins = sim.board.pins as Record<string, number>;
    const button = sim.digitalPin(pins.button);
    const touch = sim.digitalPin(pins.fpTouch);
    const t = sim.sched.now();
    const at = (dUs: number, fn: () => void) => sim.sched.at(t + dUs, fn);
    const finger = (on: boolean) => {
      if (on) this.reader.fingerOn(HOUSEHOLD_FINGER);
      else this.reader.fingerOff();
      touch.set(on ? 1 : 0, 'r503');
    };
    // after the module password (verifyPassword, queued at the unit's start)
    at(100_000, () => button.set(0, 'button'));
    at(200_000, () => button.set(1, 'button'));
    at(300_000, () => finger(true));
    at(1_100_000, () => finger(false));
    at(1_600_000, () => finger(true));
    at(2_600_000, () => finger(false));
  }

  /** '' until the household finger's enrolment ends, then 'ok' or why not */
  enrolled = '';

  /** PC-link lines out of the control unit (each ends with '\n'). */
  onLine(cb: (line: string) => void): void {
    this.listeners.push(cb);
  }

  /**
   * Bytes to the control unit's USB serial port. The home runs SEND_RUN_S on, so the unit's
   * immediate reply is out (to onLine) when this returns.
   */
  send(text: string): void {
    const b = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
    this.unitBoard.uart.hostWrite(b);
    this.net.run(SEND_RUN_S);
    this.pump();
  }

  nowS(): number {
    return (this.net.now() - this.t0) / S;
  }
  schedule(name: string): string {
    const s = HOME_SCENARIOS.find((x) => x.name === name);
    if (s === undefined) return `scenario ${name}: one of ${HOME_SCENARIOS.map((x) => x.name).join(', ')}`;
    this.scenarios.push({ at: this.net.now() + s.atS * S, s });
    return '';
  }

  /** Inject a fault or attack now (the dashboard tests and --scenario). */
  fault(kind: string, id: number): string {
    const n = this.net.nodes.find((x) => x.id === id);
    if (n === undefined) return `node ${id} not in the home`;
    const at = this.net.now() + 0.1 * S;
    if (kind === 'short-circuit') n.sim.mains.shortCircuit({ atUs: at, prospectiveA: 300 });
    else if (kind === 'overload') n.sim.mains.overloadRamp({ atUs: at, fromA: 10, toA: 45, rampUs: 10 * S });
    else if (kind === 'gas-leak') n.sim.env.gasLeak({ atUs: at, ppm: 3000, rampUs: 20 * S });
    else if (kind === 'overheat') n.sim.env.overheat({ atUs: at, toC: 90, rampUs: 30 * S });
    else if (kind === 'sag') n.sim.mains.sag({ atUs: at, depth: 150 / 230, durationUs: 2 * S });
    else if (kind === 'forgery-flood') flood(this.net, 100, 10, id);
    else return `fault ${kind}: one of ${FAULTS.join(', ')}`;
    return '';
  }

  /** The household's loads: each node changes load every 5..35 s (seeded). */
  private loads(): void {
    const now = this.net.now();
    if (now < this.nextLoadUs) return;
    for (const n of this.net.nodes) {
      const b = this.net.bytes(2);
      const irms = [0.3, 1.2, 4.5, 9.5][b[0] & 3] + b[1] / 200;
      n.sim.mains.setLoad({ atUs: now + (b[1] % 10) * 0.1 * S, irms, pfAngleDeg: 5 + (b[0] >> 4) });
    }
    this.nextLoadUs = now + (5 + (this.net.bytes(1)[0] % 30)) * S;
  }

  /** The unit's USB port, host end: every whole line to the listeners. */
  private pump(): void {
    const sim = this.unitBoard;
    this.partial += latin1(sim.uart.hostRead());
    let k = this.partial.indexOf('\n');
    while (k >= 0) {
      const line = this.partial.substring(0, k + 1);
      this.partial = this.partial.substring(k + 1);
      for (const l of this.listeners) l(line);
      k = this.partial.indexOf('\n');
    }
    // what the unit wrote to its reader (the module has read it) and every frame the Net
    // keeps for attack tests: a home running for days must not keep them
    sim.serialPort(2).hostRead();
    this.net.sniffed.splice(0);
    // and the medium's log of the air, but for the last minute (collisions look back a frame)
    this.net.net.medium.forget(this.net.now() - AIR_KEEP_US);
  }

  /** Advance simulated time by `seconds` (in 1 s steps, so scenarios and loads interleave). */
  step(seconds: number): void {
    let left = seconds;
    while (left > 0) {
      const d = left > 1 ? 1 : left;
      this.loads();
      const now = this.net.now();
      const due = this.scenarios.filter((x) => x.at <= now);
      this.scenarios = this.scenarios.filter((x) => x.at > now);
      for (const d of due) d.s.run(this);
      this.net.run(d);
      this.pump();
      left -= d;
    }
  }

  /** Follow the wall clock at `speed` x real time until stop(). */
  start(speed = 1): void {
    if (this.timer !== undefined) return;
    let last = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      // at most 2 s of wall time per tick: a stalled process does not run a burst of hours
      const wall = Math.min(now - last, 2000) / 1000;
      last = now;
      this.step(wall * speed);
    }, 100);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
