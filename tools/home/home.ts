// The simulated home: a control unit and three meter nodes, each on a different board
// description, on the simulated nRF24 air (tools/sim/net-scenarios.ts), with the control
// unit's PC link (firmware/control/pc-link.ts) as its only output. `npm start` and the
// gateway tests drive it; the gateway reads its lines exactly as it reads a serial port.
//
// The control unit has its access module (firmware/access) on a simulated R30x module
// (hal/sim/r30x-chip.ts, module password provisioned) and answers the PC link's
// guest-login and guest-pass through the same glue as the board's firmware
// (firmware/control/access-link.ts). One household finger is enrolled at start, the way
// the first member is on a real unit: the button, then the finger twice.
//
// Energy management (issue 9) is on: the unit's HomeEnergy (firmware/policy/home-energy.ts)
// hides the household's load behind the default battery (1.5 kWh / 1 kW / 90 %, the
// bench's, docs/PRIVACY.md) and runs a day's plan for one deferrable load, the workshop's
// water heater on node 3's relay, under a time-of-use tariff (workshopDay below). The plan
// begins at the next half hour of the home's clock (14:30, 1000 s after start), so the
// first minutes - the tests' span - see no planned switching; `energy` lines every 10 s.
//
// Time: step(s) advances simulated time deterministically (tests); start() follows the
// wall clock at `speed` x real time (npm start). A household's day of loads, temperature
// and gas is drawn from a seeded PRNG so every run is the same.
import { loadBoard } from '../../boards/schema';
import type { BoardDescription } from '../../boards/board';
import { SimBoard } from '../../hal/sim/board';
import { SimStore } from '../../hal/sim/store';
import { MeterNode } from '../../firmware/app/meter-node';
import { NodeLink } from '../../firmware/app/node-link';
import { PcLink } from '../../firmware/control/pc-link';
import { ControlUnit } from '../../firmware/app/control-unit';
import type { Access } from '../../firmware/access/access';
import type { LogEntry } from '../../firmware/access/access-log';
import { accessPorts, accessRecord } from '../../firmware/control/access-link';
import { SimR30xChip } from '../../hal/sim/r30x-chip';
import { SimTimer, SimUart } from '../../hal/sim/peripherals';
import type { Serial, SerialOptions } from '../../hal/io';
import { CHANNEL, Net, PROVISIONED_AT_S, flood } from '../sim/net-scenarios';
import type { NetNode, NetOptions } from '../sim/net-scenarios';
import { controlNodes } from '../provision';
import { BOARD_SLOT_S } from '../../firmware/policy/home-energy';
import type { SchedulerInput } from '../../firmware/schedule/model';

const S = 1e6;
/** node id -> board: three boards the meter node runs on (boards/*.json) */
export const HOME_BOARDS: Record<number, string> = { 1: 'esp32-devkitc-meter', 2: 'nodemcu-32s-lua', 3: 'espruino-esp32-wroom' };
export const NODE_NAMES: Record<number, string> = { 1: 'kitchen', 2: 'living room', 3: 'workshop' };

/** the R30x module password the home's unit was provisioned with */
export const HOME_READER_PASSWORD = 0x5ec2e7;
/** the household finger enrolled at start (a finger id of the simulated module), at page 0 */
export const HOUSEHOLD_FINGER = 7;
/** Unix time at the home's simulated t = 0 (the unit's time sync): a day after provisioning */
export const HOME_EPOCH_S = PROVISIONED_AT_S + 86400;

/** how often the unit sends its `energy` line in the home, s (the firmware's minimum, 10) */
export const HOME_ENERGY_EVERY_S = 10;

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

/** Net with a board per node (Net itself puts every node on one board), and a unit with access. */
class HomeNet extends Net {
  // `declare`: set from Net's constructor (startControlUnit), so no field initialiser may reset them
  declare reader: SimR30xChip;
  declare readerUart: SimUart;
  /** where the access log's records go (the home's PC link, set once it exists) */
  declare onAccessRecord: ((e: LogEntry) => void) | undefined;

  wallS(): number {
    return HOME_EPOCH_S + this.net.now() / 1e6;
  }

  override startControlUnit(): void {
    if (this.cuRadio !== undefined) this.cuRadio.close();
    const air = this.net.air;
    // the module keeps its templates across a restart of the unit
    if (this.reader === undefined) {
      this.readerUart = new SimUart(air, () => 50);
      this.reader = new SimR30xChip({ sched: air, uart: this.readerUart, password: HOME_READER_PASSWORD });
    }
    const uart = this.readerUart;
    class ReaderSerial implements Serial {
      constructor(o: SerialOptions) {
        if (!(o.baud > 0)) throw new RangeError(`Serial.baud must be > 0, got ${o.baud}`);
        uart.attachNode(o.onReadable, this);
      }
      read(): number | undefined {
        return uart.nodeRead();
      }
      write(data: Uint8Array | number): void {
        uart.nodeWrite(data);
      }
      close(): void {
        uart.attachNode(undefined, undefined);
      }
    }
    this.cuRadio = this.net.radio('control', 'nrf24', CHANNEL, 0, 0, undefined);
    this.cu = new ControlUnit({
      clock: air,
      store: this.cuStore,
      radio: this.cuRadio,
      timer: new SimTimer(air, () => 50),
      nodes: controlNodes(this.registry),
      reportEveryS: this.reportEveryS,
      onForward: (f) => this.forwards.push(f),
      energy: this.o.energy,
      access: {
        wallS: () => this.wallS(),
        random: (n) => this.bytes(n),
        Serial: ReaderSerial,
        readerPassword: HOME_READER_PASSWORD,
        onRecord: (e) => {
          if (this.onAccessRecord !== undefined) this.onAccessRecord(e);
        },
      },
    });
    (this.cu.access as Access).reader.verifyPassword(() => undefined);
    // a unit (re)started with energy management plans the workshop's day at once
    if (this.o.energy !== undefined) {
      const d = workshopDay(this.wallS());
      const why = this.cu.planDay(d.input, this.net.now() + (d.startWallS - this.wallS()) * 1e6);
      if (why !== '') throw new Error(`home: ${why}`);
    }
  }

  override bootNode(id: number, store: SimStore): NetNode {
    const k = this.nodes.findIndex((x) => x.id === id);
    if (k >= 0) {
      this.nodes[k].radio.close();
      this.net.removeHost(this.nodes[k].sim.sched);
      this.nodes.splice(k, 1);
    }
    const board: BoardDescription = loadBoard(HOME_BOARDS[id] ?? 'esp32-devkitc-meter');
    const sim = new SimBoard({ board, seed: 100 + id, store, startUs: this.net.now() });
    this.net.addHost(sim.sched);
    const node = new MeterNode(sim.device, board, {});
    const x = 4 * id;
    const radio = this.net.radio(`node${id}`, 'nrf24', 76, x, 3, sim.sched);
    const link = new NodeLink(node, radio, { reportEveryS: this.reportEveryS, verifyBurst: 10, verifyEveryS: 0, ...this.o.link });
    const nn: NetNode = { id, sim, node, link, radio, store, x };
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
}

export class SimHome {
  readonly net: Net;
  readonly pc: PcLink;
  private readonly listeners: ((line: string) => void)[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private nextLoadUs = 0;
  private scenarios: { at: number; s: HomeScenario }[] = [];
  readonly t0: number;

  constructor(o: SimHomeOptions = {}) {
    const energy = o.energy === false ? undefined : { reportEveryS: HOME_ENERGY_EVERY_S };
    this.net = new HomeNet({ seed: o.seed ?? 7, nodes: 3, reportEveryS: o.reportEveryS ?? 2, link: o.link, energy });
    this.t0 = this.net.now();
    this.pc = new PcLink(
      {
        nodes: () => this.net.nodes.map((n) => n.id),
        status: () => {
          const s: Record<string, string> = {};
          for (const n of this.net.nodes) s[String(n.id)] = n.node.state();
          return { breaker: s, received: this.net.cu.stats.received, readings: this.net.cu.stats.readings };
        },
        sendCommand: (id, b) => this.net.cu.sendCommand(id, b),
        // the household's own switch over the air (MSG_HOUSEHOLD under the link keys), after
        // the policy; the node judges it again and acks (the board's composition does the same)
        relay: (id, on, role) => this.net.cu.householdRelay(id, on, role),
        // the access module answers guest codes and passes, through the board's own glue
        ...accessPorts(this.access, { wallS: () => this.homeNet().wallS() }),
      },
      (line) => {
        for (const l of this.listeners) l(line);
      },
    );
    this.homeNet().onAccessRecord = (e) => this.pc.access(accessRecord(e, this.net.now()));
    this.enrolHousehold();
    for (const n of this.net.nodes) {
      n.sim.env.temperatureC = 21 + n.id;
      // clean air still reads inside the MQ-6's 200..10 000 ppm span (Hanwei datasheet)
      n.sim.env.gasPpm = 240 + 10 * n.id;
    }
    this.pump();
    this.pc.hello(this.net.now());
  }

  private homeNet(): HomeNet {
    return this.net as HomeNet;
  }

  /** The control unit's access module (fingerprint reader, guest passes, access log). */
  get access(): Access {
    return this.net.cu.access as Access;
  }

  /** The simulated R30x module on the unit's reader UART. */
  get reader(): SimR30xChip {
    return this.homeNet().reader;
  }

  /**
   * The first household member enrols at the unit: the button, then the finger twice
   * (on 0.8 s, lifted, on again). It runs in simulated time with the first steps; the
   * records reach the PC link as `access` lines.
   */
  private enrolHousehold(): void {
    const t = this.net.now();
    const air = this.net.net.air;
    this.access.pressButton();
    this.reader.fingerOn(HOUSEHOLD_FINGER);
    air.at(t + 800_000, () => this.reader.fingerOff());
    air.at(t + 1_300_000, () => this.reader.fingerOn(HOUSEHOLD_FINGER));
    air.at(t + 2_300_000, () => this.reader.fingerOff());
    // after the module password (verifyPassword, queued at the unit's start)
    air.at(t + 50_000, () =>
      this.access.enrol('button', 0, (err) => {
        this.enrolled = err === '' ? 'ok' : err;
      }),
    );
  }

  /** '' until the household finger's enrolment ends, then 'ok' or why not */
  enrolled = '';

  /** PC-link lines out of the control unit (each ends with '\n'). */
  onLine(cb: (line: string) => void): void {
    this.listeners.push(cb);
  }

  /** Bytes to the control unit's USB serial port. */
  send(text: string): void {
    this.pc.feed(text);
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

  private pump(): void {
    const f = this.net.forwards;
    for (let i = 0; i < f.length; i++) this.pc.forward(f[i]);
    f.splice(0);
    // the Net keeps every frame for attack tests; a home running for days must not
    this.net.sniffed.splice(0);
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
