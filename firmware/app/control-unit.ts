// The control unit's composition root: one radio, many meter nodes.
//
//   uplink  Radio -> header (direction, node id) -> that node's LinkReceiver (persisted
//           replay window) -> telemetry / event / ack -> node table, anomaly detector,
//           `onForward` (the future MQTT gateway)
//   refusals -> security log (with reasons) -> anomaly detector -> alarms
//   downlink sendCommand(node, bytes): commands arrive here already signed (offline, by
//           the authority key, which this unit never holds); the unit only adds the link
//           layer (its link keys) and fragments them to fit the radio.
//           householdRelay(node, on, role): the household's own switch, one MSG_HOUSEHOLD
//           frame under the link keys, after the policy (firmware/access/policy.ts, PC-link
//           cells; the node asks the policy again and is the judge); its ack comes back.
//   energy  HomeEnergy (firmware/policy): readings in, the battery and the plan stepped each
//           tick; demandResponse(bytes, done): the utility's signed order, verified here
//           with the authority's public key (`cu.dr`), at rank utility from t0 to t1
//
// Portable like the rest of firmware/: a Clock, a Store, a Radio and an optional Timer in.
import type { Clock, Store, Timer } from '../../hal/io';
import type { Radio } from '../../hal/radio';
import type { ParsedHeader, RadioProfile, RejectReason } from '../link/frame';
import { DIR_UP, HEADER_BYTES, MSG_ACK, MSG_COMMAND, MSG_EVENT, MSG_FRAGMENT, MSG_HOUSEHOLD, MSG_TELEMETRY, maxBody, profileOf } from '../link/frame';
import { fragmentMessage } from '../link/fragment';
import { deriveLinkKeys, pairingSecret } from '../link/keys';
import type { Ack, NodeEvent } from '../link/messages';
import { decodeAck, decodeEvent, encodeHouseholdRelay, HOUSEHOLD_BYTES, SECURITY_CLASSES } from '../link/messages';
import { isLatchedState } from '../protection/breaker';
import { decide } from '../access/policy';
import type { TelemetryReading } from '../link/telemetry';
import { decodeTelemetry, newTelemetryReading } from '../link/telemetry';
import { AnomalyDetector, defaultAnomalyOptions } from '../control/anomaly';
import type { Alarm, AnomalyOptions } from '../control/anomaly';
import { NodeEntry } from '../control/node-table';
import type { ControlNodeConfig } from '../control/node-table';
import { SecurityLog } from '../control/security-log';
import { Access } from '../access/access';
import { HomeEnergy } from '../policy/home-energy';
import type { EnergyState, HomeEnergyOptions } from '../policy/home-energy';
import type { DrHost, DrPort, DrResult } from '../policy/demand-response';
import type { DrReject } from '../policy/dr-order';
import type { SchedulerInput } from '../schedule/model';
import type { SchedulerKind } from '../schedule/runner';
import type { AccessAlarm, AccessOptions } from '../access/access';
import { copyBytes } from '../link/bytes';
import { FloodGuard, defaultFloodGuardOptions } from '../control/flood-guard';
import type { FloodGuardOptions } from '../control/flood-guard';

export type Forward =
  | { kind: 'reading'; nodeId: number; tUs: number; counter: number; reading: TelemetryReading }
  | { kind: 'event'; nodeId: number; tUs: number; event: NodeEvent }
  | { kind: 'ack'; nodeId: number; tUs: number; ack: Ack }
  | { kind: 'alarm'; nodeId: number; tUs: number; alarm: Alarm }
  | { kind: 'energy'; nodeId: number; tUs: number; energy: EnergyState };

export interface ControlUnitOptions {
  clock: Clock;
  store: Store;
  radio: Radio;
  /** drives the silence check once a second; without it call tick() yourself */
  timer?: Timer;
  nodes: ControlNodeConfig[];
  /** the nodes' telemetry interval, s, 1..3600 (default 10): sets the silence threshold */
  reportEveryS?: number;
  anomaly?: Partial<AnomalyOptions>;
  /** readings, events, acks and alarms, to the gateway */
  onForward?: (f: Forward) => void;
  /** security log capacity (default 512) */
  logCapacity?: number;
  /** the access layer (fingerprint reader, guest passes, policy, access log; needs `timer`) */
  access?: Omit<AccessOptions, 'clock' | 'store' | 'timer'>;
  /**
   * the home's energy management (firmware/policy/home-energy.ts: household policy, battery
   * load hiding, load schedule), stepped on every tick; `reportEveryS` (10..3600, default
   * 60) is how often its state goes out as an `energy` forward; `demandResponse` makes the
   * taker of the utility's signed orders on the unit's host:
   * `(h) => new DemandResponse(h, { wallS })` (firmware/policy/demand-response.ts; the
   * authority's public key and the home come from the unit's `cu.dr` record). Passed in,
   * not imported, so a build without it carries no verifier (Espruino's variable budget).
   */
  energy?: HomeEnergyOptions & { reportEveryS?: number; demandResponse?: (host: DrHost) => DrPort };
  /**
   * the receive and tag budgets under a forgery flood (firmware/control/flood-guard.ts);
   * in force when the unit has a `timer` (it ends a pause)
   */
  flood?: Partial<FloodGuardOptions>;
}

const QUEUE_MAX = 64;

/**
 * The radio's link profile (node-link.ts has the same; not imported from there, because
 * that would pull the whole meter node into the control unit's build).
 */

export class ControlUnit {
  readonly profile: RadioProfile;
  readonly nodes: Record<string, NodeEntry> = {};
  readonly log: SecurityLog;
  readonly anomaly: AnomalyDetector;
  readonly stats = {
    received: 0,
    accepted: 0,
    ignored: 0,
    readings: 0,
    events: 0,
    acks: 0,
    commandsSent: 0,
    framesQueued: 0,
    radioBusy: 0,
    queueDropped: 0,
    householdSent: 0,
    householdRefused: 0,
  };
  /** per node: does protection hold its relay open, as last heard (telemetry flags, trip events)? */
  private readonly safetyOpen: Record<string, boolean> = {};
  private householdId = 0;
  /** the home's energy management; undefined without `energy` */
  readonly energy: HomeEnergy | undefined;
  /** the utility's demand-response orders; undefined without `energy.demandResponse` */
  readonly dr: DrPort | undefined;
  private readonly energyEveryUs: number;
  private energyNextUs = 0;
  private readonly queue: Uint8Array[] = [];
  private msgId = 0;
  private readonly clock: Clock;
  /** who may do what, and the access log (firmware/access/access.ts); undefined without `access` */
  readonly access: Access | undefined;
  /** the flood budgets; undefined without a `timer` */
  readonly flood: FloodGuard | undefined;

  constructor(readonly o: ControlUnitOptions) {
    this.clock = o.clock;
    this.access = o.access === undefined ? undefined : this.makeAccess(o.access);
    this.energy = o.energy === undefined ? undefined : new HomeEnergy(o.energy);
    const er = o.energy === undefined || o.energy.reportEveryS === undefined ? 60 : o.energy.reportEveryS;
    if (!(er >= 10 && er <= 3600)) throw new RangeError(`ControlUnit.energy.reportEveryS ${er} out of range 10..3600`);
    this.energyEveryUs = er * 1e6;
    this.log = new SecurityLog(o.logCapacity === undefined ? 512 : o.logCapacity);
    this.dr = o.energy === undefined || o.energy.demandResponse === undefined ? undefined : this.makeDr(o.energy.demandResponse);
    this.profile = profileOf(o.radio.profile);
    const every = o.reportEveryS === undefined ? 10 : o.reportEveryS;
    if (!(every >= 1 && every <= 3600)) throw new RangeError(`ControlUnit.reportEveryS ${every} out of range 1..3600`);
    const ao = defaultAnomalyOptions(every);
    const p = o.anomaly;
    if (p !== undefined) {
      if (p.windowUs !== undefined) ao.windowUs = p.windowUs;
      if (p.rejectsPerNode !== undefined) ao.rejectsPerNode = p.rejectsPerNode;
      if (p.floodPerSecond !== undefined) ao.floodPerSecond = p.floodPerSecond;
      if (p.silentAfterUs !== undefined) ao.silentAfterUs = p.silentAfterUs;
      if (p.holdUs !== undefined) ao.holdUs = p.holdUs;
    }
    this.anomaly = new AnomalyDetector(ao, o.store);
    this.anomaly.onAlarm = (a: Alarm) => this.forward({ kind: 'alarm', nodeId: a.nodeId, tUs: a.tUs, alarm: a });
    const now = o.clock.now();
    for (let i = 0; i < o.nodes.length; i++) {
      const c = o.nodes[i];
      if (this.nodes[c.nodeId] !== undefined) throw new RangeError(`ControlUnit.nodes: node id ${c.nodeId} appears twice`);
      const e = new NodeEntry(this.profile, o.store, c);
      const id = c.nodeId;
      e.receiver.onReject = (reason: RejectReason, h: ParsedHeader | undefined) => this.airReject(id, reason);
      this.nodes[id] = e;
      this.anomaly.watch(id, now);
    }
    this.flood = o.timer === undefined ? undefined : new FloodGuard(floodOptions(o.flood), o.radio, o.clock, o.timer, (on: boolean) => this.limitTags(on));
    o.radio.onReceive = (f: Uint8Array) => this.onFrame(f);
    o.radio.onSent = () => this.flush();
    if (o.timer !== undefined) o.timer.set(() => this.tick(), 1e6, 1e6);
  }

  private makeAccess(a: Omit<AccessOptions, 'clock' | 'store' | 'timer'>): Access {
    const timer = this.o.timer;
    if (timer === undefined) throw new RangeError('ControlUnit.access needs a timer (the fingerprint reader times out on it)');
    const given = a.onAlarm;
    return new Access({
      clock: this.o.clock,
      store: this.o.store,
      timer: timer,
      wallS: a.wallS,
      random: a.random,
      Serial: a.Serial,
      readerPort: a.readerPort,
      readerPassword: a.readerPassword,
      readerCapacity: a.readerCapacity,
      verifyPin: a.verifyPin,
      logCapacity: a.logCapacity,
      onRecord: a.onRecord,
      // access alarms go out with the radio's, node id 0 (the unit itself)
      onAlarm: (x: AccessAlarm) => {
        if (given !== undefined) given(x);
        this.forward({ kind: 'alarm', nodeId: 0, tUs: x.tUs, alarm: { tUs: x.tUs, nodeId: 0, kind: x.name, detail: x.detail } });
      },
    });
  }

  private makeDr(make: (host: DrHost) => DrPort): DrPort {
    return make({
      store: this.o.store,
      clock: this.o.clock,
      wallS: this.o.access !== undefined ? this.o.access.wallS : undefined,
      timer: this.o.timer,
      energy: this.energy as HomeEnergy,
      relays: {
        set: (id: number, on: boolean) => this.loadRelay('node:' + String(id), on),
        isOn: (id: number) => {
          const e = this.nodes[id];
          // FLAG_CLOSED (firmware/app/node-link.ts)
          return e === undefined || e.lastReading === undefined ? undefined : (e.lastReading.flags & 1) !== 0;
        },
      },
      refused: (reason: DrReject, alarm: boolean, detail: string) => {
        const t = this.clock.now();
        this.log.add({ tUs: t, nodeId: 0, source: 'pc-link', reason: 'dr.' + reason, count: 1 });
        if (alarm) this.anomaly.raise(t, 0, 'dr-refused', 'demand-response order refused: ' + detail);
      },
    });
  }

  /**
   * The utility's signed demand-response order (the PC link's `dr` port): '' when its
   * signature is being verified (`done` follows once), else why not. Needs `energy.demandResponse`.
   */
  demandResponse(bytes: Uint8Array, done: (err: string, r: DrResult | undefined) => void): string {
    const d = this.dr;
    if (d === undefined) return 'dr: this unit takes no demand-response orders (ControlUnitOptions.energy.demandResponse)';
    return d.submit(bytes, (err: string, r: DrResult | undefined) => {
      done(err, r);
      // the order's state goes out at once in an energy line
      this.tick();
    });
  }

  node(id: number): NodeEntry | undefined {
    return this.nodes[id];
  }

  private forward(f: Forward): void {
    if (this.o.onForward !== undefined) this.o.onForward(f);
  }

  /** the flood guard's tag budget on (or off) every node's receiver */
  private limitTags(on: boolean): void {
    const g = this.flood;
    for (const id in this.nodes) {
      const r = this.nodes[id].receiver;
      if (on && g !== undefined) r.limitTagFailures(this.clock, g.o.tagBurst, g.o.tagPerSecond);
      else r.unlimitTagFailures();
    }
  }

  private airReject(nodeId: number, reason: string): void {
    if (this.flood !== undefined) this.flood.onReject();
    const t = this.clock.now();
    this.log.addAir(t, nodeId, reason);
    this.anomaly.onReject(nodeId, reason, t);
  }

  /** The periodic check: silent nodes. */
  tick(): void {
    const now = this.clock.now();
    if (this.flood !== undefined) this.flood.tick();
    this.anomaly.tick(now);
    const en = this.energy;
    if (en !== undefined) {
      en.step(now);
      if (en.takeDrEvent() || now >= this.energyNextUs) {
        this.energyNextUs = now + this.energyEveryUs;
        this.forward({ kind: 'energy', nodeId: 0, tUs: now, energy: en.state() });
      }
    }
  }

  /**
   * Plan a day of deferrable loads (firmware/schedule) from `startUs` on this unit's clock
   * and drive it through the household relay message: a load's relay is named
   * 'node:<id>'. Needs `energy`. Returns '' or why not.
   */
  planDay(input: SchedulerInput, startUs: number, kind?: SchedulerKind): string {
    const en = this.energy;
    if (en === undefined) return 'energy: this unit has no energy management (ControlUnitOptions.energy)';
    return en.setSchedule(input, startUs, (relay: string, on: boolean) => this.loadRelay(relay, on), kind);
  }

  private loadRelay(relay: string, on: boolean): boolean {
    if (relay.indexOf('node:') !== 0) return false;
    const id = Number(relay.substring(5));
    if (this.safetyOpen[id] === true && on) return false;
    return typeof this.sendHouseholdRelay(id, on) === 'number';
  }

  /** The energy management's state now (battery, visible vs real load, schedule), or undefined. */
  energyState(): EnergyState | undefined {
    return this.energy === undefined ? undefined : this.energy.state();
  }

  private onFrame(f: Uint8Array): void {
    if (this.flood !== undefined && !this.flood.admit()) return;
    this.stats.received++;
    if (f.length < HEADER_BYTES) return this.airReject(0, 'short');
    // direction and node id straight from the header bytes (readHeaderInto's layout): no
    // object per frame on the path a flood takes; the receiver parses the rest
    const direction = (f[0] >>> 5) & 1;
    const nodeId = f[1];
    if (direction !== DIR_UP) {
      // a downlink (ours, replayed at us, or another unit's): not for this receiver
      this.stats.ignored++;
      return;
    }
    const e = this.nodes[nodeId];
    if (e === undefined) {
      this.airReject(nodeId, 'unknown-node');
      this.anomaly.raise(this.clock.now(), nodeId, 'unknown-node', `frame from node ${nodeId}, not in the registry`);
      return;
    }
    const o = e.receiver.open(f, f.length);
    if (!o.ok) return;
    const t = this.clock.now();
    this.stats.accepted++;
    e.lastCounter = o.counter;
    e.lastSeenUs = t;
    this.anomaly.onSeen(e.nodeId, t);
    if (e.promoted(o.epoch)) this.flush();
    if (o.type === MSG_TELEMETRY) {
      const r = newTelemetryReading();
      const d = decodeTelemetry(o.body, o.body.length, r);
      if (!d.ok) return this.airReject(e.nodeId, 'telemetry-length');
      e.lastReading = r;
      // FLAG_SAFETY_OPEN | FLAG_RECLOSING (firmware/app/node-link.ts)
      const held = (r.flags & 6) !== 0;
      this.safetyOpen[e.nodeId] = held;
      if (this.energy !== undefined) {
        this.energy.feed(e.nodeId, r.p);
        this.energy.safety(e.nodeId, held, t);
      }
      e.readings++;
      this.stats.readings++;
      this.anomaly.onReading(e.nodeId, r, t);
      this.forward({ kind: 'reading', nodeId: e.nodeId, tUs: t, counter: o.counter, reading: r });
    } else if (o.type === MSG_EVENT) {
      const ev = decodeEvent(o.body, o.body.length);
      this.stats.events++;
      if (ev.kind === 'invalid') return this.airReject(e.nodeId, 'event-format');
      if (ev.kind === 'trip') {
        e.trips.push({ tUs: t, seq: ev.seq, state: ev.state, reason: ev.reason });
        if (isLatchedState(ev.state) || ev.state === 'reclosing') {
          this.safetyOpen[e.nodeId] = true;
          if (this.energy !== undefined) this.energy.safety(e.nodeId, true, t);
        }
      }
      if (ev.kind === 'security') this.nodeSecurity(e, ev.counts, t);
      this.forward({ kind: 'event', nodeId: e.nodeId, tUs: t, event: ev });
    } else if (o.type === MSG_ACK) {
      const a = decodeAck(o.body, o.body.length);
      if (typeof a === 'string') return this.airReject(e.nodeId, 'ack-format');
      this.stats.acks++;
      e.acks.push(a);
      if (e.acks.length > 32) e.acks.shift();
      this.forward({ kind: 'ack', nodeId: e.nodeId, tUs: t, ack: a });
    } else {
      this.airReject(e.nodeId, 'unexpected-type');
    }
  }

  private nodeSecurity(e: NodeEntry, counts: Record<string, number>, t: number): void {
    let n = 0;
    let what = '';
    for (let i = 0; i < SECURITY_CLASSES.length - 1; i++) {
      const k = SECURITY_CLASSES[i];
      const v = counts[k];
      if (v > 0) {
        e.nodeSecurity[k] = (e.nodeSecurity[k] === undefined ? 0 : e.nodeSecurity[k]) + v;
        this.log.add({ tUs: t, nodeId: e.nodeId, source: 'node', reason: k, count: v });
        n += v;
        what += (what === '' ? '' : ', ') + k + ' ' + v;
      }
    }
    if (n > 0) this.anomaly.raise(t, e.nodeId, 'node-security', `node refused ${n}: ${what}`);
  }

  // ---- downlink ----

  private enqueue(frame: Uint8Array): void {
    if (this.queue.length >= QUEUE_MAX) {
      this.queue.shift();
      this.stats.queueDropped++;
    }
    this.queue.push(copyBytes(frame));
    this.stats.framesQueued++;
  }

  private flush(): void {
    while (this.queue.length > 0) {
      if (!this.o.radio.send(this.queue[0])) {
        this.stats.radioBusy++;
        return;
      }
      this.queue.shift();
    }
  }

  /**
   * Send a command message (firmware/link/command.ts bytes, signed offline where the code
   * needs it) to a node: one MSG_COMMAND frame when it fits a body, else fragments.
   * Returns '' or why not.
   */
  sendCommand(nodeId: number, bytes: Uint8Array): string {
    const e = this.nodes[nodeId];
    if (e === undefined) return `node ${nodeId} not in the registry`;
    const mb = maxBody(this.profile);
    if (bytes.length <= mb) {
      const s = e.sender.seal(MSG_COMMAND, bytes, bytes.length);
      if (!s.ok) return s.error;
      this.enqueue(s.frame);
    } else {
      const m = new Uint8Array(bytes.length + 1);
      m[0] = MSG_COMMAND;
      m.set(bytes, 1);
      this.msgId = (this.msgId + 1) & 0xff;
      const parts = fragmentMessage(this.msgId, m, mb);
      if (typeof parts === 'string') return parts;
      for (let i = 0; i < parts.length; i++) {
        const s = e.sender.seal(MSG_FRAGMENT, parts[i], parts[i].length);
        if (!s.ok) return s.error;
        this.enqueue(s.frame);
      }
    }
    this.stats.commandsSent++;
    this.flush();
    return '';
  }

  /**
   * The household's relay switch for node `nodeId` (the PC link's `relay` port). `role` is
   * the role the PC asserts; the policy's PC-link cells decide (a guest's pass has been
   * checked before this port: PcLink asks the access module first), and while the unit last
   * heard that protection holds the relay open, closing is refused here with the policy's
   * reason, saving the air. Then one MSG_HOUSEHOLD frame goes out; the node asks the policy
   * again and answers with an ack (code ACK_CODE_HOUSEHOLD, seq = the request id).
   * Returns '' or why not.
   */
  householdRelay(nodeId: number, on: boolean, role: string): string {
    const e = this.nodes[nodeId];
    if (e === undefined) return `node ${nodeId} not in the registry`;
    const action = on ? 'relay-on' : 'relay-off';
    // a demand-response order outranks the household (docs/POLICY.md): refused, not queued
    const held = this.energy === undefined ? '' : this.energy.drHolds(nodeId, this.clock.now());
    if (held !== '') {
      this.stats.householdRefused++;
      return held;
    }
    const d = decide(role, action, { via: 'pc-link', tripped: this.safetyOpen[nodeId] === true, scope: role === 'guest' ? [action] : undefined });
    if (!d.allowed) {
      this.stats.householdRefused++;
      return d.reason.indexOf('safety') === 0 ? d.reason + ` (node ${nodeId} last reported its relay held open by protection)` : d.reason;
    }
    const r = this.sendHouseholdRelay(nodeId, on);
    if (typeof r === 'string') return r;
    // the household's own switch outranks the scheduler (docs/POLICY.md, rank user)
    if (this.energy !== undefined) this.energy.userSwitch(nodeId, on, this.clock.now());
    return '';
  }

  /**
   * The frame itself, without the unit's own check (the node is the judge either way):
   * returns the request id its ack will carry, or why not.
   */
  sendHouseholdRelay(nodeId: number, on: boolean): number | string {
    const e = this.nodes[nodeId];
    if (e === undefined) return `node ${nodeId} not in the registry`;
    this.householdId = (this.householdId + 1) >>> 0;
    const b = new Uint8Array(HOUSEHOLD_BYTES);
    encodeHouseholdRelay(1, on, this.householdId, b);
    const s = e.sender.seal(MSG_HOUSEHOLD, b, HOUSEHOLD_BYTES);
    if (!s.ok) return s.error;
    this.enqueue(s.frame);
    this.stats.householdSent++;
    this.flush();
    return this.householdId;
  }

  /**
   * Prepare a key rotation for a node: derive its next-epoch keys from the control unit's
   * new X25519 secret and the node's public key. The signed key-change command carries the
   * matching public key. Returns '' or why not.
   */
  armRekey(nodeId: number, epoch: number, controlSecret: Uint8Array): string {
    const e = this.nodes[nodeId];
    if (e === undefined) return `node ${nodeId} not in the registry`;
    if (e.publicKey === undefined) return `node ${nodeId}: no public key in the registry`;
    if (epoch !== e.epoch + 1) return `epoch ${epoch} out of range ${e.epoch + 1}..${e.epoch + 1}`;
    const d = deriveLinkKeys(pairingSecret(controlSecret, e.publicKey), nodeId, epoch);
    e.armRekey(epoch, d.up, d.down);
    return '';
  }

  pendingFrames(): number {
    return this.queue.length;
  }
}

function floodOptions(p: Partial<FloodGuardOptions> | undefined): FloodGuardOptions {
  const d = defaultFloodGuardOptions();
  if (p === undefined) return d;
  return {
    rxPerSecond: p.rxPerSecond === undefined ? d.rxPerSecond : p.rxPerSecond,
    armAbovePerSecond: p.armAbovePerSecond === undefined ? d.armAbovePerSecond : p.armAbovePerSecond,
    tagBurst: p.tagBurst === undefined ? d.tagBurst : p.tagBurst,
    tagPerSecond: p.tagPerSecond === undefined ? d.tagPerSecond : p.tagPerSecond,
    quietS: p.quietS === undefined ? d.quietS : p.quietS,
  };
}
