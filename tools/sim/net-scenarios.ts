// A network on the simulated air: one control unit and a few meter nodes, each node a
// MeterNode on its own SimBoard with a NodeLink, all co-simulated in lockstep on one RF
// medium (hal/sim/radio-net.ts). Used by host-tests/net-*.test.ts, the link bench and
// `npm run sim` (NET_SCENARIOS). Provisioning is the real tool's (tools/provision.ts),
// with seeded keys so every run is the same, byte for byte.
import nacl from 'tweetnacl';
import type { BoardDescription } from '../../boards/board';
import { SimBoard } from '../../hal/sim/board';
import { SimTimer } from '../../hal/sim/peripherals';
import { Prng } from '../../hal/sim/prng';
import { NetSim } from '../../hal/sim/radio-net';
import type { SimPacketRadio } from '../../hal/sim/radio-sim';
import type { Radio } from '../../hal/radio';
import { nrf24AirtimeUs, type Transmission } from '../../hal/sim/radio-medium';
import { SimStore } from '../../hal/sim/store';
import { MeterNode } from '../../firmware/app/meter-node';
import { NodeLink } from '../../firmware/app/node-link';
import type { NodeLinkOptions } from '../../firmware/app/node-link';
import { ControlUnit } from '../../firmware/app/control-unit';
import type { ControlUnitOptions, Forward } from '../../firmware/app/control-unit';
import { CMD_DISCONNECT, CMD_KEY_CHANGE, CMD_RECONNECT, CMD_SET_LIMIT, encodeCommand, newCommand } from '../../firmware/link/command';
import {
  DIR_DOWN,
  DIR_UP,
  HEADER_BYTES,
  LinkSender,
  MSG_COMMAND,
  MSG_FRAGMENT,
  MSG_TELEMETRY,
  PROFILE_NRF24,
  maxBody,
  readHeader,
  writeHeader,
} from '../../firmware/link/frame';
import { fragmentMessage } from '../../firmware/link/fragment';
import { MSG_HOUSEHOLD } from '../../firmware/link/frame';
import { ACK_CODE_HOUSEHOLD } from '../../firmware/link/messages';
import { PcLink } from '../../firmware/control/pc-link';
import { loadBoard } from '../../boards/schema';
import { flagNames } from './flags';
import { controlNodes, provisionNode } from '../provision';
import type { Registry } from '../provision';

export const CHANNEL = 76;
const S = 1e6;

export interface NetNode {
  id: number;
  sim: SimBoard;
  node: MeterNode;
  link: NodeLink;
  /** the node's radio: the packet radio here, the nRF24 driver on its chip in the home (tools/home) */
  radio: Radio;
  store: SimStore;
  x: number;
}

export interface NetOptions {
  seed?: number;
  /** meter nodes, 1..8 (ids 1..n) */
  nodes?: number;
  reportEveryS?: number;
  link?: NodeLinkOptions;
  /** medium loss at the edge of range (default 0: attacks and figures without noise) */
  edgeLoss?: number;
  /** the control unit's energy management (ControlUnitOptions.energy); default none */
  energy?: ControlUnitOptions['energy'];
  /** the control unit's flood budgets (ControlUnitOptions.flood, firmware/control/flood-guard.ts); default the board's */
  flood?: ControlUnitOptions['flood'];
}

/** when the simulated network was provisioned (unix s, 2026-09-21): its nodes' clocks start there */
export const PROVISIONED_AT_S = 1_790_000_000;

export class Net {
  readonly net: NetSim;
  readonly board: BoardDescription;
  readonly nodes: NetNode[] = [];
  readonly authority: nacl.SignKeyPair;
  readonly registry: Registry;
  readonly controlSecret: Uint8Array;
  readonly cuStore = new SimStore();
  cu!: ControlUnit;
  cuRadio!: SimPacketRadio;
  readonly forwards: Forward[] = [];
  /** every uplink and downlink the legitimate stations put on the air */
  readonly sniffed: Transmission[] = [];
  readonly reportEveryS: number;
  private readonly prng: Prng;
  private readonly images: Record<number, Record<string, number[]>> = {};
  private seqs: Record<number, number> = {};
  attackFrames = 0;

  constructor(readonly o: NetOptions) {
    const seed = o.seed === undefined ? 1 : o.seed;
    const n = o.nodes === undefined ? 3 : o.nodes;
    if (!(n >= 1 && n <= 8)) throw new RangeError(`Net.nodes ${n} out of range 1..8`);
    this.reportEveryS = o.reportEveryS === undefined ? 10 : o.reportEveryS;
    this.prng = new Prng(seed);
    this.net = new NetSim({ seed, medium: { edgeLoss: o.edgeLoss === undefined ? 0 : o.edgeLoss } });
    this.board = loadBoard('esp32-devkitc-meter');
    this.authority = nacl.sign.keyPair.fromSeed(this.bytes(32));
    this.controlSecret = this.bytes(32);
    let reg: Registry | undefined;
    for (let id = 1; id <= n; id++) {
      const r = provisionNode({
        board: this.board,
        nodeId: id,
        authorityPublic: this.authority.publicKey,
        registry: reg,
        nodeSecret: this.bytes(32),
        controlSecret: this.controlSecret,
        nowS: PROVISIONED_AT_S,
      });
      if ('error' in r) throw new Error(r.error);
      reg = r.registry;
      this.images[id] = r.image.store;
    }
    this.registry = reg as Registry;
    this.net.medium.sniff((t) => {
      if (t.from !== 'attacker') this.sniffed.push(t);
    });
    this.startControlUnit();
    // nodes boot 0.37 s apart, so their 1 s averaging windows (and so their reports)
    // do not line up on the air: the packet radio has no carrier sense
    for (let id = 1; id <= n; id++) {
      this.bootNode(id, SimStore.fromSnapshot(this.images[id]));
      this.net.runFor(0.37 * S);
    }
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.prng.next() * 256);
    return b;
  }

  now(): number {
    return this.net.now();
  }

  run(seconds: number): void {
    this.net.runFor(seconds * S);
  }

  startControlUnit(): void {
    if (this.cuRadio !== undefined) this.cuRadio.close();
    this.cuRadio = this.net.radio('control', 'nrf24', CHANNEL, 0, 0, undefined);
    this.cu = new ControlUnit({
      clock: this.net.air,
      store: this.cuStore,
      radio: this.cuRadio,
      timer: new SimTimer(this.net.air, () => 50),
      nodes: controlNodes(this.registry),
      reportEveryS: this.reportEveryS,
      onForward: (f) => this.forwards.push(f),
      energy: this.o.energy,
      flood: this.o.flood,
    });
  }

  /** Boot (or reboot, on the same flash) node `id`. */
  bootNode(id: number, store: SimStore): NetNode {
    const k = this.nodes.findIndex((x) => x.id === id);
    if (k >= 0) {
      this.nodes[k].radio.close();
      this.net.removeHost(this.nodes[k].sim.sched);
      this.nodes.splice(k, 1);
    }
    const sim = new SimBoard({ board: this.board, seed: 100 + id, store, startUs: this.net.now() });
    this.net.addHost(sim.sched);
    const node = new MeterNode(sim.device, this.board, {});
    const x = 4 * id;
    const radio = this.net.radio(`node${id}`, 'nrf24', CHANNEL, x, 3, sim.sched);
    // a generous verify budget unless a test sets one (the sim verifies in no simulated time)
    const link = new NodeLink(node, radio, { reportEveryS: this.reportEveryS, verifyBurst: 10, verifyEveryS: 0, ...this.o.link });
    const nn: NetNode = { id, sim, node, link, radio, store, x };
    this.nodes.push(nn);
    this.nodes.sort((a, b) => a.id - b.id);
    return nn;
  }

  rebootNode(id: number): NetNode {
    return this.bootNode(id, this.nodeOf(id).store);
  }

  nodeOf(id: number): NetNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new RangeError(`node ${id} out of range 1..${this.nodes.length}`);
    return n;
  }

  readings(id: number): number {
    return this.forwards.filter((f) => f.kind === 'reading' && f.nodeId === id).length;
  }

  alarms(kind?: string) {
    return this.cu.anomaly.alarms.filter((a) => kind === undefined || a.kind === kind);
  }

  // ---- the authority (offline) and the head-end ----

  nextSeq(id: number): number {
    this.seqs[id] = (this.seqs[id] === undefined ? 0 : this.seqs[id]) + 1;
    return this.seqs[id];
  }

  /** The authority's clock, unix s: the provisioning time plus the simulated time. */
  authorityNowS(): number {
    return PROVISIONED_AT_S + Math.floor(this.net.now() / S);
  }

  /**
   * A command signed by the authority key (or, with `key`, by someone else's), bound to
   * the node's provisioning epoch, valid from a minute ago for an hour (`fill` may change it).
   */
  command(code: number, id: number, fill: (c: ReturnType<typeof newCommand>) => void, key?: Uint8Array): Uint8Array {
    const c = newCommand(code, id, this.nextSeq(id));
    const entry = this.registry === undefined ? undefined : this.registry.nodes[String(id)];
    c.provisionedAt = entry === undefined ? 0 : entry.provisionedAt;
    c.notBefore = this.authorityNowS() - 60;
    c.notAfter = this.authorityNowS() + 3600;
    fill(c);
    return encodeCommand(c, key === undefined ? this.authority.secretKey : key);
  }

  disconnect(id: number, key?: Uint8Array): Uint8Array {
    return this.command(CMD_DISCONNECT, id, (c) => (c.relay = 1), key);
  }

  reconnect(id: number, key?: Uint8Array): Uint8Array {
    return this.command(CMD_RECONNECT, id, (c) => (c.relay = 1), key);
  }

  setLimit(id: number, limitId: number, value: number, key?: Uint8Array): Uint8Array {
    return this.command(
      CMD_SET_LIMIT,
      id,
      (c) => {
        c.limitId = limitId;
        c.limitValue = Math.round(value * 1000);
      },
      key,
    );
  }

  keyChange(id: number, epoch: number, controlPublic: Uint8Array, key?: Uint8Array): Uint8Array {
    return this.command(
      CMD_KEY_CHANGE,
      id,
      (c) => {
        c.epoch = epoch;
        c.peerPublic = controlPublic;
      },
      key,
    );
  }

  // ---- the attacker ----

  /**
   * The link-layer address a frame for `to` (0: the control unit, else node `to`) carries on
   * this air: none for the packet radios here; the nRF24 pipe address where the stations are
   * nRF24L01+ chips (the home, tools/home), which drop a frame for another address.
   */
  airAddress(to: number): Uint8Array {
    void to;
    return new Uint8Array(0);
  }

  /** Put a frame on the air from an attacker position (near the control unit and the nodes). */
  inject(payload: Uint8Array, x = 2, y = 2): void {
    this.attackFrames++;
    // one after another, on a clear channel: an attack frame lost to a collision proves nothing
    const air = nrf24AirtimeUs(5, payload.length);
    const at = this.net.medium.clearAt(CHANNEL, Math.max(this.net.now(), this.attackAt), air) + 20;
    this.attackAt = at + air;
    // addressed as the frame's header says: an uplink to the unit, a downlink to its node
    const to = payload.length >= HEADER_BYTES && readHeader(payload).direction === DIR_DOWN ? payload[1] : 0;
    this.net.medium.inject({ channel: CHANNEL, address: this.airAddress(to), payload, pid: 0, noAck: true, isAck: false }, air, x, y, at);
  }
  private attackAt = 0;

  /** Uplink frames of node `id` seen on the air so far (payload copies). */
  uplinks(id: number, type?: number): Uint8Array[] {
    return this.sniffed
      .filter(
        (t) =>
          t.payload.length >= HEADER_BYTES &&
          readHeader(t.payload).direction === DIR_UP &&
          t.payload[1] === id &&
          (type === undefined || readHeader(t.payload).type === type),
      )
      .map((t) => t.payload.slice());
  }

  downlinks(id: number): Uint8Array[] {
    return this.sniffed
      .filter((t) => t.payload.length >= HEADER_BYTES && readHeader(t.payload).direction === DIR_DOWN && t.payload[1] === id)
      .map((t) => t.payload.slice());
  }

  /**
   * A compromised head-end: it holds the control unit's link keys (registry) and counters,
   * but not the authority key. It seals whatever it likes for node `id` with a fresh
   * counter, as the control unit would, and transmits it.
   */
  headEndSend(id: number, command: Uint8Array): void {
    const e = this.cu.node(id);
    if (e === undefined) throw new RangeError(`node ${id} not in the registry`);
    const err = this.cu.sendCommand(id, command);
    if (err !== '') throw new Error(err);
  }
}

export interface NetScenarioResult {
  timeline: string[];
  json: Record<string, unknown>;
}

export interface NetScenario {
  name: string;
  description: string;
  run(): NetScenarioResult;
}

function fmt(net: Net, t0: number, tUs: number): string {
  return ((tUs - t0) / S).toFixed(3).padStart(8);
}

/** A line per forwarded reading, event, ack and alarm, from `from` on. */
function describe(net: Net, t0: number, from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < net.forwards.length; i++) {
    const f = net.forwards[i];
    const t = fmt(net, t0, f.tUs);
    if (f.kind === 'reading') {
      const r = f.reading;
      out.push(
        `${t} s  node ${f.nodeId} reading #${f.counter}: ${r.vrms.toFixed(1)} V ${r.irms.toFixed(3)} A ${r.p.toFixed(0)} W ${r.energyWh} Wh (${flagNames(r.flags)})`,
      );
    } else if (f.kind === 'event') {
      const e = f.event;
      if (e.kind === 'trip') out.push(`${t} s  node ${f.nodeId} TRIP #${e.seq} ${e.reason} -> ${e.state}`);
      else if (e.kind === 'security') {
        const parts = Object.keys(e.counts)
          .filter((k) => k !== 'total' && e.counts[k] > 0)
          .map((k) => `${k} ${e.counts[k]}`);
        out.push(`${t} s  node ${f.nodeId} security report: ${parts.join(', ')} (total ${e.counts.total})`);
      } else if (e.kind === 'rekey') out.push(`${t} s  node ${f.nodeId} switched to key epoch ${e.epoch}`);
    } else if (f.kind === 'ack') {
      const a = f.ack;
      out.push(`${t} s  node ${f.nodeId} ack: command ${a.code} seq ${a.seq} ${a.result}${a.reason === '' ? '' : ' (' + a.reason + ')'}`);
    } else if (f.kind === 'energy') {
      const e = f.energy;
      out.push(
        `${t} s  energy: real ${e.realW.toFixed(0)} W, visible ${e.visibleW.toFixed(0)} W, battery ${e.batteryW.toFixed(0)} W (${e.owner || 'idle'}), SoC ${(100 * e.soc).toFixed(1)} %`,
      );
    } else {
      out.push(`${t} s  ALARM ${f.alarm.kind}${f.nodeId === 0 ? '' : ' node ' + f.nodeId}: ${f.alarm.detail}`);
    }
  }
  return out;
}

/** Forged telemetry frames: fresh counters, made-up body and tag. */
export function forgedFrame(net: Net, id: number, counter: number): Uint8Array {
  const f = net.bytes(30);
  writeHeader(f, DIR_UP, 0, MSG_TELEMETRY, id, counter);
  return f;
}

/** the counters a flood's forged frames carry start here (far above any genuine node's) */
export const FORGED_COUNTER_FROM = 1e6;

/** Flood the air with forged frames at `perSecond` for `seconds`, starting now. */
export function flood(net: Net, perSecond: number, seconds: number, id: number): number {
  const n = Math.round(perSecond * seconds);
  const t0 = net.now();
  for (let k = 0; k < n; k++) {
    const f = forgedFrame(net, id, FORGED_COUNTER_FROM + k);
    // random phase inside each period: a periodic flood would leave gaps that carrier
    // sense finds every time
    const at = t0 + ((k + net.bytes(1)[0] / 256) * S) / perSecond;
    net.attackFrames++;
    net.net.medium.inject(
      { channel: CHANNEL, address: net.airAddress(0), payload: f, pid: 0, noAck: true, isAck: false },
      nrf24AirtimeUs(5, f.length),
      2,
      2,
      at,
    );
  }
  return n;
}

export function telemetryScenario(seconds = 60): NetScenarioResult {
  const net = new Net({ seed: 1, nodes: 3 });
  const t0 = net.now();
  const from = net.forwards.length;
  net.nodeOf(2).sim.mains.setLoad({ atUs: t0 + 5 * S, irms: 9.5, pfAngleDeg: 10 });
  net.run(seconds);
  const per: Record<string, number> = {};
  for (const n of net.nodes) per[n.id] = net.readings(n.id);
  return {
    timeline: [
      `${seconds} s of telemetry from ${net.nodes.length} nodes, one reading every ${net.reportEveryS} s each; node 2 switches on a 2.2 kW load at 5 s`,
      ...describe(net, t0, from),
    ],
    json: { readings: per, security_events: net.cu.log.total, alarms: net.alarms().length, air: { ...net.net.medium.stats } },
  };
}

/** Replays (immediate, after a control-unit reboot, after a node reboot) and tampering. */
export function replayScenario(): NetScenarioResult {
  const net = new Net({ seed: 2, nodes: 2 });
  const t0 = net.now();
  const from = net.forwards.length;
  const lines: string[] = [];
  const refused: Record<string, number> = {};
  const tally = () => {
    const r = net.cu.log.totals;
    for (const k of Object.keys(r)) refused[k] = (refused[k] ?? 0) + r[k];
  };
  net.run(30);
  const caught = net.uplinks(1);
  lines.push(`${fmt(net, t0, net.now())} s  attacker captured ${caught.length} uplink frames of node 1 and replays them`);
  for (const f of caught) net.inject(f);
  net.run(1);
  tally();
  lines.push(`${fmt(net, t0, net.now())} s  the control unit reboots (its replay windows are on flash); the attacker replays them again`);
  net.startControlUnit();
  for (const f of caught) net.inject(f);
  net.run(1);
  lines.push(`${fmt(net, t0, net.now())} s  node 1 reboots (its counter resumes above its flash mark); replays again, plus a bit flip and a truncation`);
  net.rebootNode(1);
  for (const f of caught) net.inject(f);
  const g = caught[caught.length - 1].slice();
  g[4] ^= 4; // a counter bit: fresh, so the tag is checked (and fails)
  net.inject(g);
  net.inject(caught[0].slice(0, 20));
  net.run(25);
  tally();
  let total = 0;
  for (const k of Object.keys(refused)) total += refused[k];
  return {
    timeline: [...lines, ...describe(net, t0, from)].sort((a, b) => parseFloat(a) - parseFloat(b)),
    json: {
      attack_frames: net.attackFrames,
      refused: total,
      by_reason: refused,
      node1_readings_after_reboot: net.readings(1),
      alarms: net.alarms().map((a) => a.kind),
    },
  };
}

export function forgeryFloodScenario(perSecond = 200, seconds = 10): NetScenarioResult & { deliveryPct: number; rejectedPct: number } {
  const net = new Net({ seed: 3, nodes: 3, reportEveryS: 1 });
  net.run(3);
  const t0 = net.now();
  const from = net.forwards.length;
  const before = net.nodes.map((n) => n.link.stats.telemetry);
  const got0 = net.nodes.map((n) => net.readings(n.id));
  const rej0 = net.cu.log.total;
  // which forged frames the radio handed to the unit, and which of those the unit read (the
  // rest are past its receive budget: firmware/control/flood-guard.ts)
  let reached = 0;
  let read = 0;
  const inner = net.cuRadio.onReceive;
  net.cuRadio.onReceive = (f: Uint8Array) => {
    const forged = f.length > 5 && f[1] === 2 && readHeader(f).counter >= FORGED_COUNTER_FROM;
    const before = net.cu.stats.received;
    if (inner !== undefined) inner(f);
    if (forged) {
      reached++;
      if (net.cu.stats.received > before) read++;
    }
  };
  const sent = flood(net, perSecond, seconds, 2);
  net.run(seconds + 0.5);
  net.cuRadio.onReceive = inner;
  // sent and delivered counted at the same instant, 0.5 s after the flood (a frame's
  // airtime is 0.2 ms, so nothing is in flight)
  const after = net.nodes.map((n) => n.link.stats.telemetry);
  const legitSent = after.reduce((s, v, i) => s + v - before[i], 0);
  const legitGot = net.nodes.reduce((s, n, i) => s + net.readings(n.id) - got0[i], 0);
  const rejected = net.cu.log.total - rej0;
  // readings accepted for node 2 whose counter node 2 never put on the air
  const legit = new Set(net.uplinks(2).map((f) => readHeader(f).counter));
  const acceptedForged = net.forwards.filter((f) => f.kind === 'reading' && f.nodeId === 2 && !legit.has(f.counter)).length;
  // every forged frame the unit read was refused (acceptedForged counts any that was not)
  const legitRefused = rejected - (read - acceptedForged);

  const st = net.net.medium.stats;
  const deliveryPct = Math.round((1000 * legitGot) / legitSent) / 10;
  // of the forged frames that reached the control unit (refused or, worse, accepted); one
  // that collided on the air never reached it
  const rejectedPct = Math.round((1000 * (read - acceptedForged)) / read) / 10;
  return {
    deliveryPct,
    rejectedPct,
    timeline: [
      `${perSecond} forged frames/s for ${seconds} s at node 2's id; 3 nodes report every second`,
      ...describe(net, t0, from).filter((l) => !l.includes('reading')),
      `result: legitimate telemetry delivered ${deliveryPct} % (${legitGot} of ${legitSent}, ${legitRefused} refused under the flood's tag budget); forged frames accepted ${acceptedForged}, refused ${read - acceptedForged}, left unread past the receive budget ${reached - read}, lost on the air ${sent - reached}`,
    ],
    json: {
      forged: sent,
      accepted_forged: acceptedForged,
      refused_by_control_unit: read - acceptedForged,
      unread_past_budget: reached - read,
      lost_on_air: sent - reached,
      legit_refused: legitRefused,
      collisions_all_receivers: st.collided,
      legit_sent: legitSent,
      legit_delivered: legitGot,
      legit_delivery_pct: deliveryPct,
      alarms: net.alarms().map((a) => a.kind),
    },
  };
}

/**
 * The head-end is compromised: it holds every link key, not the authority key. It sends
 * a mass disconnect with forged signatures, a rekey to its own key, and a captured signed
 * command re-addressed to other nodes. Then the real authority disconnects node 1.
 */
export function headEndScenario(): NetScenarioResult {
  const net = new Net({ seed: 4, nodes: 3 });
  net.run(12);
  const t0 = net.now();
  const from = net.forwards.length;
  const fake = nacl.sign.keyPair.fromSeed(net.bytes(32)).secretKey;
  const rogue = nacl.box.keyPair.fromSecretKey(net.bytes(32));
  const lines: string[] = ['head-end compromised: it sends a mass disconnect (signed with its own key) and a rekey to its own X25519 key'];
  for (const n of net.nodes) {
    net.headEndSend(n.id, net.disconnect(n.id, fake));
    net.headEndSend(n.id, net.keyChange(n.id, 1, rogue.publicKey, fake));
  }
  net.run(2);
  const signed = net.disconnect(1);
  lines.push('it re-addresses a captured signed disconnect for node 1 to nodes 2 and 3, and replays it to node 1 later');
  const readdressed = (id: number) => {
    const b = signed.slice();
    b[2] = id;
    return b;
  };
  net.headEndSend(2, readdressed(2));
  net.headEndSend(3, readdressed(3));
  net.run(2);
  lines.push('the authority signs a disconnect for node 1 (offline); the head-end forwards it');
  net.headEndSend(1, signed);
  net.run(2);
  net.headEndSend(1, signed);
  net.run(12);
  const states: Record<string, string> = {};
  for (const n of net.nodes) states[n.id] = n.node.state();
  return {
    timeline: [...lines, ...describe(net, t0, from).filter((l) => !l.includes('reading'))],
    json: {
      breaker: states,
      node_rejects: Object.fromEntries(net.nodes.map((n) => [n.id, n.link.rejects])),
      alarms: net.alarms().map((a) => `${a.kind}/${a.nodeId}`),
    },
  };
}

/** A PC link on the network's control unit, its relay port wired to ControlUnit.householdRelay. */
export function pcLinkOn(net: Net, out: string[]): PcLink {
  return new PcLink(
    {
      nodes: () => net.nodes.map((n) => n.id),
      status: () => ({ received: net.cu.stats.received }),
      sendCommand: (id, b) => net.cu.sendCommand(id, b),
      relay: (id, on, role) => net.cu.householdRelay(id, on, role),
    },
    (line) => out.push(line.trim()),
  );
}

/**
 * The household's relay switch over the radio (MSG_HOUSEHOLD, link keys only), driven
 * through the PC link: OFF opens, ON closes, a guest cannot close, ON while protection
 * holds the relay open is refused (by the unit, and by the node when the unit's view is
 * bypassed), ON over a utility disconnect is refused, a replayed or forged frame is
 * refused and counted by the node.
 */
export function householdRelayScenario(): NetScenarioResult {
  const net = new Net({ seed: 5, nodes: 2 });
  const lines: string[] = [];
  const pc = pcLinkOn(net, lines);
  net.run(12);
  const t0 = net.now();
  const from = net.forwards.length;
  const n1 = net.nodeOf(1);
  const n2 = net.nodeOf(2);
  // the PC link sees every forward, as the gateway would
  let pumped = from;
  const run = (sec: number) => {
    net.run(sec);
    for (let i = pumped; i < net.forwards.length; i++) pc.forward(net.forwards[i]);
    pumped = net.forwards.length;
  };
  const steps: { role: string; node: number; state: string; reply: string; ack: string | null; breaker: string }[] = [];
  let id = 0;
  const ask = (role: string, node: number, state: string, extra = '') => {
    const at = lines.length;
    pc.line(`{"v":1,"id":${++id},"cmd":"relay","role":"${role}","node":${node},"state":"${state}"${extra}}`);
    run(1);
    const reply = JSON.parse(lines[at]);
    const ack = lines
      .slice(at + 1)
      .map((l) => JSON.parse(l))
      .find((o) => o.type === 'ack' && o.node === node && o.code === ACK_CODE_HOUSEHOLD);
    steps.push({
      role,
      node,
      state,
      reply: reply.type === 'reply' ? 'ok' : reply.error,
      ack: ack === undefined ? null : `${ack.result}${ack.reason === '' ? '' : ' (' + ack.reason + ')'}`,
      breaker: net.nodeOf(node).node.state(),
    });
  };
  ask('household', 1, 'off');
  ask('household', 1, 'on');
  ask('guest', 1, 'on', ',"code":"1-123456"');
  ask('guest', 1, 'off', ',"code":"1-123456"');
  ask('utility', 1, 'off');
  // replay and forgery: the captured OFF (and ON) frames, and frames with made-up tags
  const caught = net.downlinks(1).filter((f) => readHeader(f).type === MSG_HOUSEHOLD);
  const before = { ...n1.link.rejects };
  const closedBefore = n1.node.state();
  for (const f of caught) net.inject(f);
  const forged = net.bytes(HEADER_BYTES + 7 + PROFILE_NRF24.tagLen);
  writeHeader(forged, DIR_DOWN, 0, MSG_HOUSEHOLD, 1, 5e6);
  net.inject(forged);
  const forged2 = forged.slice();
  forged2[1] = 2;
  net.inject(forged2);
  run(2);
  const after = n1.link.rejects;
  const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  const closedAfter = n1.node.state();
  // a short circuit on node 1: protection trips and holds the relay open
  n1.sim.mains.shortCircuit({ atUs: net.now() + 0.1 * S, prospectiveA: 300 });
  run(2);
  ask('household', 1, 'on');
  // the unit's view bypassed (as if its last news were stale): the node is the judge
  const rid = net.cu.sendHouseholdRelay(1, true);
  run(1);
  const judged = net.forwards.find((f) => f.kind === 'ack' && f.nodeId === 1 && f.ack.code === ACK_CODE_HOUSEHOLD && f.ack.seq === rid);
  const nodeJudge = judged !== undefined && judged.kind === 'ack' ? { result: judged.ack.result, reason: judged.ack.reason } : null;
  // a utility disconnect on node 2: the household cannot undo it
  net.headEndSend(2, net.disconnect(2));
  run(2);
  ask('household', 2, 'on');
  const said = (x: (typeof steps)[number]) =>
    `${x.role} ${x.state} node ${x.node}: ${x.reply === 'ok' ? 'queued' : 'refused: ' + x.reply}${x.ack === null ? '' : '; node ack ' + x.ack}; breaker ${x.breaker}`;
  // in the order it happened: five requests, the attack, the trip, the node's own check, the utility hold
  const timeline = [
    'a PC link on the control unit; household relay requests go out as MSG_HOUSEHOLD frames under the link keys',
    ...steps.slice(0, 5).map(said),
    `attacker replays ${caught.length} captured household frames of node 1 and forges 2: node 1 refused ${delta('link.replay') + delta('link.old')} replays and ${delta('link.tag')} forgeries; breaker ${closedAfter} (was ${closedBefore})`,
    'a short circuit on node 1',
    said(steps[5]),
    `node 1 asked to close while tripped with the unit's check bypassed: node ack ${nodeJudge === null ? 'none' : nodeJudge.result + ' (' + nodeJudge.reason + ')'}`,
    'the utility disconnects node 2 (signed)',
    said(steps[6]),
    ...describe(net, t0, from).filter((l) => !l.includes('reading')),
  ];
  return {
    timeline,
    json: {
      steps,
      node_judge: nodeJudge,
      replayed: caught.length,
      replay_refused: delta('link.replay') + delta('link.old'),
      forged_refused: delta('link.tag'),
      breaker_before_attack: closedBefore,
      breaker_after_attack: closedAfter,
      node1: { ...n1.link.stats, state: n1.node.state() },
      node2_rejects: n2.link.rejects,
      unit: { sent: net.cu.stats.householdSent, refused: net.cu.stats.householdRefused },
    },
  };
}

export const NET_SCENARIOS: NetScenario[] = [
  {
    name: 'telemetry',
    description: 'a control unit and three meter nodes: encrypted readings every 10 s over the simulated nRF24 air',
    run: () => telemetryScenario(60),
  },
  {
    name: 'replay-attack',
    description: 'captured frames replayed at once, after a control-unit reboot and after a node reboot; plus a bit flip and a truncation',
    run: replayScenario,
  },
  {
    name: 'forgery-flood',
    description: '200 forged frames/s for 10 s; every one refused, counted and alarmed; legitimate telemetry keeps flowing',
    run: () => forgeryFloodScenario(200, 10),
  },
  {
    name: 'household-relay',
    description:
      'the household switches a relay over the radio (link keys): off, on; a guest, a trip, a utility disconnect and replayed or forged frames are refused',
    run: householdRelayScenario,
  },
  {
    name: 'head-end-compromise',
    description: 'a head-end with every link key but no authority key tries a mass disconnect and a rekey: refused on every node, alarms raised',
    run: headEndScenario,
  },
];

// used by tests that craft frames themselves
export { DIR_DOWN, DIR_UP, LinkSender, MSG_COMMAND, MSG_FRAGMENT, PROFILE_NRF24, fragmentMessage, maxBody };
