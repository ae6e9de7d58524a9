// The gateway: the control unit's PC link (a serial port, or the simulated home in the
// same process) -> MQTT (Tasmota-like topics, tools/gateway/topics.ts) with Home Assistant
// discovery; MQTT relay commands -> PC-link commands checked by the unit's role table.
// It keeps no per-node state a restart would lose: the day baselines and last values are
// retained in the broker and read back at start; what it holds in memory is a cache.
import { EventEmitter } from 'node:events';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { LineSplitter, parseDeviceLine } from './lines';
import type { ReadingMsg } from './lines';
import { energyUpdate } from './energy';
import type { DayRecord } from './energy';
import { nodeDiscovery, unitEnergyDiscovery } from './discovery';
import { drPayload, energyPayload, planPayload, PlanLines } from './unit-energy';
import { gatewayStatus, nodeOfTopic, nodeTopic, unitTopic } from './topics';

/** Where PC-link lines come from and commands go to. */
export interface LineSource {
  start(onData: (chunk: string) => void, onState: (up: boolean, why: string) => void): void;
  write(text: string): void;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  mqttUrl: string;
  username?: string;
  password?: string;
  /** 5 for Mosquitto/EMQX/VerneMQ; 4 (3.1.1) for aedes, which does not speak MQTT 5 yet */
  protocolVersion?: 4 | 5;
  home?: string;
  id?: string;
  source: LineSource;
  log?: (line: string) => void;
  now?: () => Date;
  /** how long a PC-link command may take, ms */
  requestTimeoutMs?: number;
  boards?: Record<number, string>;
  names?: Record<number, string>;
  /**
   * How often the gateway sets the unit's clock from `now` (the PC link's `time`, role
   * household), ms; also at every connect of the unit. Default an hour (docs/PC-LINK.md:
   * the unit's drift budget is 0.18 s an hour against a tolerated 15 s); 0: never.
   */
  timeEveryMs?: number;
}

export type Answer = { ok: true; body: Record<string, unknown> } | { ok: false; error: string };

export class Gateway extends EventEmitter {
  readonly home: string;
  readonly id: string;
  readonly stats = { lines: 0, bad: 0, published: 0, readings: 0, commands: 0, refused: 0 };
  client: MqttClient | undefined;
  private readonly splitter: LineSplitter;
  private readonly log: (l: string) => void;
  private readonly now: () => Date;
  /** cache of the broker's retained day records and of nodes seen */
  private readonly days = new Map<number, DayRecord>();
  private readonly lastTotalWh = new Map<number, number>();
  /** retained messages read back at start (to know when they stop coming) */
  private retainedSeen = 0;
  private readonly announced = new Set<number>();
  private readonly online = new Map<number, boolean>();
  /** last retained relay/breaker state published per topic: state is published on change
   *  (as Tasmota does), not with every reading; a reconnect forgets it, so a broker that
   *  lost its retained messages gets them again with the next reading */
  private readonly stateSent = new Map<string, string>();
  /** the unit's clock paired with the wall clock for the current plan (tools/gateway/unit-energy.ts) */
  private planAnchor: { start: number; unitUs: number; wallMs: number } | undefined;
  /** the unit's `plan` lines (the whole plan, one line a load; they come before the energy line) */
  private readonly planLines = new PlanLines();
  private nodes = new Set<number>();
  private readonly pending = new Map<string, (a: Answer) => void>();
  private nextId = 1;
  private sourceUp = false;
  /** from a line's arrival to the broker's acknowledgement of its publishes (QoS 1), ms */
  readonly latencies: number[] = [];
  private timeTimer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly o: GatewayOptions) {
    super();
    this.home = o.home ?? 'home';
    this.id = o.id ?? 'gw1';
    this.log = o.log ?? ((l) => process.stderr.write(`gateway: ${l}\n`));
    this.now = o.now ?? (() => new Date());
    this.splitter = new LineSplitter(
      (l) => this.onLine(l),
      (why) => this.bad(why),
    );
  }

  async start(): Promise<void> {
    const opts: IClientOptions = {
      username: this.o.username,
      password: this.o.password,
      protocolVersion: this.o.protocolVersion ?? 5,
      clientId: `smartmeter-gw-${this.home}-${this.id}-${process.pid}`,
      will: { topic: gatewayStatus(this.id), payload: Buffer.from('Offline'), retain: true, qos: 1 },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    };
    const c = mqtt.connect(this.o.mqttUrl, opts);
    this.client = c;
    c.on('error', (e) => this.log(`mqtt: ${e.message}`));
    // back-off: 1 s doubling to 30 s while the broker stays away, back to 1 s once connected
    c.on('offline', () =>
      this.log(
        `mqtt: broker unreachable, retry in ${(c.options.reconnectPeriod ?? 1000) / 1000} s (history is still written; publishes wait in the client's queue)`,
      ),
    );
    c.on('reconnect', () => {
      c.options.reconnectPeriod = Math.min((c.options.reconnectPeriod ?? 1000) * 2, 30_000);
    });
    c.on('message', (topic, payload, packet) => this.onMqtt(topic, payload, packet));
    c.on('connect', () => {
      c.options.reconnectPeriod = 1000;
      this.stateSent.clear();
      c.publish(gatewayStatus(this.id), 'Online', { retain: true, qos: 1 });
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => reject(e);
      c.once('connect', () => {
        c.off('error', fail);
        resolve();
      });
      c.once('error', fail);
    });
    // read back what the broker keeps for us (retained), then listen for commands
    await c.subscribeAsync(['stat/+/ENERGYDAY', 'tele/+/SENSOR'], { qos: 1 });
    // MQTT does not say when the retained messages are all in: wait until none has come for
    // a quiet spell (at least 500 ms, at most 3 s). A fixed 200 ms once lost them on a busy
    // machine, and a restarted gateway must know the last totals before it publishes one.
    const t0 = Date.now();
    for (;;) {
      const seen = this.retainedSeen;
      await new Promise((r) => setTimeout(r, 250));
      const quiet = this.retainedSeen === seen;
      const waited = Date.now() - t0;
      if ((quiet && waited >= 500) || waited >= 3000) break;
    }
    await c.unsubscribeAsync(['stat/+/ENERGYDAY', 'tele/+/SENSOR']);
    await c.subscribeAsync(['cmnd/+/POWER', 'cmnd/+/GUEST/POWER'], { qos: 1 });
    this.o.source.start(
      (chunk) => this.splitter.push(chunk),
      (up, why) => this.sourceState(up, why),
    );
    // the unit has no SNTP and no RTC battery: its clock (guest codes) is the host's, kept hourly
    const every = this.o.timeEveryMs ?? 3_600_000;
    if (every > 0) {
      this.timeTimer = setInterval(() => void this.syncTime('hourly'), every);
      // a unit that rebooted behind an open port (no re-enumeration) says hello: its clock is gone
      this.on('msg', (m: { type: string }) => {
        if (m.type === 'hello') void this.syncTime('unit hello');
      });
    }
  }

  /**
   * Set the unit's clock from the host's (`now`), as the household: the unit bounds the step
   * (docs/PC-LINK.md `time`) and logs every set in its access log. The reply is logged here.
   */
  async syncTime(why: string): Promise<Answer> {
    const unix = Math.round(this.now().getTime()) / 1000;
    const a = await this.request({ cmd: 'time', role: 'household', unix });
    if (a.ok)
      this.log(
        `time (${why}): unit clock set to ${new Date(unix * 1000).toISOString()}, ${a.body.step === null ? 'first set' : `step ${String(a.body.step)} s`}`,
      );
    else this.log(`time (${why}): not set: ${a.error}`);
    this.emit('time', a, why);
    return a;
  }

  async stop(): Promise<void> {
    if (this.timeTimer !== undefined) clearInterval(this.timeTimer);
    this.timeTimer = undefined;
    await this.o.source.stop();
    const c = this.client;
    if (c === undefined) return;
    // a broker that is down must not hold up Ctrl-C: at most 2 s for the goodbyes
    const bye = async () => {
      for (const n of this.nodes) await c.publishAsync(`tele/${nodeTopic(this.home, n)}/LWT`, 'Offline', { retain: true, qos: 1 });
      await c.publishAsync(gatewayStatus(this.id), 'Offline', { retain: true, qos: 1 });
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, 2000)));
    if (c.connected) await Promise.race([bye().catch(() => undefined), timeout]);
    clearTimeout(timer);
    await c.endAsync(!c.connected);
  }

  private bad(why: string): void {
    this.stats.bad++;
    this.log(`pc-link: ${why}`);
    this.emit('bad', why);
  }

  private sourceState(up: boolean, why: string): void {
    this.sourceUp = up;
    this.log(`control unit ${up ? 'connected' : 'lost'}${why === '' ? '' : ': ' + why}`);
    if (!up) {
      this.splitter.reset();
      // nothing the unit said is current any more: unavailable, never a stale value
      for (const n of this.nodes) this.setOnline(n, false);
      for (const [, done] of this.pending) done({ ok: false, error: 'control unit disconnected' });
      this.pending.clear();
    } else {
      this.o.source.write(JSON.stringify({ v: 1, id: 'hello', cmd: 'nodes', role: 'household' }) + '\n');
      if ((this.o.timeEveryMs ?? 3_600_000) > 0) void this.syncTime('connect');
    }
  }

  private pub(topic: string, payload: string, retain: boolean, t0?: number): void {
    const c = this.client;
    if (c === undefined) return;
    this.stats.published++;
    c.publish(topic, payload, { retain, qos: 1 }, (err) => {
      if (!err && t0 !== undefined) {
        if (this.latencies.length >= 100_000) this.latencies.splice(0, 50_000);
        this.latencies.push(performance.now() - t0);
      }
    });
  }

  private setOnline(node: number, on: boolean): void {
    if (this.online.get(node) === on) return;
    this.online.set(node, on);
    this.pub(`tele/${nodeTopic(this.home, node)}/LWT`, on ? 'Online' : 'Offline', true);
  }

  private announce(node: number): void {
    if (this.announced.has(node)) return;
    this.announced.add(node);
    this.nodes.add(node);
    for (const d of nodeDiscovery(this.home, node, this.id, this.o.boards?.[node] ?? '', this.o.names?.[node] ?? ''))
      this.pub(d.topic, JSON.stringify(d.payload), true);
  }

  /** one PC-link line from the unit */
  onLine(line: string): void {
    const t0 = performance.now();
    this.stats.lines++;
    const r = parseDeviceLine(line);
    if (!r.ok) return this.bad(r.error);
    const m = r.msg;
    const wall = this.now();
    this.emit('msg', m, wall);
    switch (m.type) {
      case 'reading':
        return this.reading(m, wall, t0);
      case 'trip': {
        this.announce(m.node);
        const t = nodeTopic(this.home, m.node);
        const p = JSON.stringify({ Time: wall.toISOString(), State: m.state, Reason: m.reason, Seq: m.seq });
        this.pub(`tele/${t}/TRIP`, p, false, t0);
        this.pub(`stat/${t}/TRIP`, p, true);
        this.relayState(t, m.state);
        return;
      }
      case 'alarm': {
        const known = this.nodes.has(m.node);
        const t = known ? nodeTopic(this.home, m.node) : unitTopic(this.home);
        this.pub(`tele/${t}/ALARM`, JSON.stringify({ Time: wall.toISOString(), Node: m.node, Kind: m.kind, Detail: m.detail }), false, t0);
        if (known) this.pub(`tele/${t}/ALARM/${m.kind}`, 'ON', false);
        if (known && m.kind === 'silent') this.setOnline(m.node, false);
        return;
      }
      case 'ack':
        return this.pub(
          `tele/${nodeTopic(this.home, m.node)}/ACK`,
          JSON.stringify({ Time: wall.toISOString(), Code: m.code, Result: m.result, Reason: m.reason, Seq: m.seq }),
          false,
          t0,
        );
      case 'access':
        return this.pub(
          `tele/${unitTopic(this.home)}/ACCESS`,
          JSON.stringify({ Time: wall.toISOString(), Seq: m.seq, Kind: m.kind, Who: m.who, Detail: m.detail }),
          false,
          t0,
        );
      case 'security':
        return this.pub(`tele/${nodeTopic(this.home, m.node)}/SECURITY`, JSON.stringify(m), false, t0);
      case 'hello':
        for (const n of m.nodes) this.announce(n);
        return;
      case 'plan':
        // published with the next energy line (stat/<home>-cu/PLAN, on change)
        this.planLines.add(m);
        return;
      case 'energy': {
        // the unit's energy management (docs/MONITORING.md): its HA device once per
        // connection, the state with every line (retained: a late subscriber sees the last
        // SoC), the plan on change (retained)
        const t = unitTopic(this.home);
        const disc = `discovery:${t}`;
        if (this.stateSent.get(disc) === undefined) {
          this.stateSent.set(disc, 'sent');
          for (const d of unitEnergyDiscovery(this.home, this.id)) this.pub(d.topic, JSON.stringify(d.payload), true);
        }
        const state = energyPayload(m, wall);
        // one clock pairing per plan (keyed by its start on the unit's clock)
        if (m.sched !== null && (this.planAnchor === undefined || this.planAnchor.start !== m.sched.start)) {
          this.planAnchor = { start: m.sched.start, unitUs: m.t, wallMs: wall.getTime() };
        }
        const plan = planPayload(m, wall, this.planAnchor, m.sched === null ? undefined : this.planLines.complete(m.sched.start, m.sched.loads.length));
        this.pub(`tele/${t}/ENERGY`, JSON.stringify(state), true, t0);
        const p = JSON.stringify(plan);
        if (this.stateSent.get(`stat/${t}/PLAN`) !== p) {
          this.stateSent.set(`stat/${t}/PLAN`, p);
          this.pub(`stat/${t}/PLAN`, p, true);
        }
        // the utility's demand-response order, on change (retained); only from a unit that sends the fields
        if (m.dr !== undefined) {
          const dr = drPayload(m, wall);
          // the times move with each line's pairing of the clocks: compare without them
          const key = JSON.stringify({ ...dr, Start: undefined, End: undefined });
          if (this.stateSent.get(`stat/${t}/DR`) !== key) {
            this.stateSent.set(`stat/${t}/DR`, key);
            this.pub(`stat/${t}/DR`, JSON.stringify(dr), true);
          }
        }
        this.emit('energy', state, plan);
        return;
      }
      case 'reply':
      case 'error': {
        if (m.id === 'hello' && m.type === 'reply' && Array.isArray(m.nodes)) for (const n of m.nodes as number[]) this.announce(n);
        const done = this.pending.get(String(m.id));
        if (done === undefined) {
          if (m.type === 'error') this.log(`control unit: ${m.error}`);
          return;
        }
        this.pending.delete(String(m.id));
        if (m.type === 'error') done({ ok: false, error: m.error });
        else done({ ok: true, body: m });
        return;
      }
      default:
        return;
    }
  }

  private reading(m: ReadingMsg, wall: Date, t0: number): void {
    this.stats.readings++;
    this.announce(m.node);
    const t = nodeTopic(this.home, m.node);
    let prev = this.days.get(m.node);
    const lt = this.lastTotalWh.get(m.node);
    if (prev !== undefined && lt !== undefined && lt > prev.lastWh) prev = { ...prev, lastWh: lt };
    const e = energyUpdate(prev, m.E, wall);
    if (!e.ok) {
      // never a false total: the node is shown unavailable until its register makes sense
      this.log(`node ${m.node}: ${e.why}; published Offline, not the value`);
      this.setOnline(m.node, false);
      return;
    }
    this.days.set(m.node, e.day);
    this.lastTotalWh.set(m.node, e.day.lastWh);
    if (e.changedDay) this.pub(`stat/${t}/ENERGYDAY`, JSON.stringify({ date: e.day.date, startWh: e.day.startWh, yesterdayWh: e.day.yesterdayWh }), true);
    this.setOnline(m.node, true);
    const va = m.V !== null && m.I !== null ? Math.round(m.V * m.I) : null;
    const sensor = {
      Time: wall.toISOString(),
      ENERGY: { Total: e.totalKWh, Yesterday: e.yesterdayKWh, Today: e.todayKWh, Power: m.P, ApparentPower: va, Factor: m.PF, Voltage: m.V, Current: m.I },
      NTC: { Temperature: m.T },
      MQ6: { LPG: m.gas },
      TempUnit: 'C',
    };
    this.pub(`tele/${t}/SENSOR`, JSON.stringify(sensor), true, t0);
    this.emit('sensor', m.node, sensor);
    this.relayState(t, m.relay);
  }

  /** stat/<t>/POWER (ON/OFF, the HA switch's state) and stat/<t>/BREAKER, retained, on change */
  private relayState(t: string, breaker: string): void {
    const power = breaker === 'closed' ? 'ON' : 'OFF';
    for (const [topic, v] of [
      [`stat/${t}/POWER`, power],
      [`stat/${t}/BREAKER`, breaker],
    ]) {
      if (this.stateSent.get(topic) === v) continue;
      this.stateSent.set(topic, v);
      this.pub(topic, v, true);
    }
  }

  // ---- commands ----

  /** Send a PC-link command and wait for its reply (the dashboard and MQTT use this). */
  request(cmd: Record<string, unknown>): Promise<Answer> {
    if (!this.sourceUp) return Promise.resolve({ ok: false, error: 'control unit not connected' });
    const id = `g${this.nextId++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: 'control unit did not answer in time' });
      }, this.o.requestTimeoutMs ?? 5000);
      this.pending.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.o.source.write(JSON.stringify({ v: 1, id, ...cmd }) + '\n');
    });
  }

  knownNodes(): number[] {
    return [...this.nodes].sort((a, b) => a - b);
  }

  private onMqtt(topic: string, payload: Buffer, packet: mqtt.IPublishPacket): void {
    if (packet.retain) this.retainedSeen++;
    const parts = topic.split('/');
    if (parts[0] === 'stat' && parts[2] === 'ENERGYDAY') {
      const n = nodeOfTopic(this.home, parts[1]);
      try {
        const d = JSON.parse(payload.toString());
        if (n !== undefined && typeof d.date === 'string' && Number.isFinite(d.startWh) && Number.isFinite(d.yesterdayWh)) {
          const last = Math.max(this.lastTotalWh.get(n) ?? 0, d.startWh);
          this.days.set(n, { date: d.date, startWh: d.startWh, yesterdayWh: d.yesterdayWh, lastWh: last });
        }
      } catch {
        this.log(`retained ${topic}: not JSON, ignored`);
      }
      return;
    }
    if (parts[0] === 'tele' && parts[2] === 'SENSOR') {
      const n = nodeOfTopic(this.home, parts[1]);
      try {
        const total = JSON.parse(payload.toString())?.ENERGY?.Total;
        if (n !== undefined && Number.isFinite(total)) {
          const wh = Math.round(total * 1000);
          this.lastTotalWh.set(n, Math.max(this.lastTotalWh.get(n) ?? 0, wh));
          const d = this.days.get(n);
          if (d !== undefined && wh > d.lastWh) this.days.set(n, { ...d, lastWh: wh });
        }
      } catch {
        this.log(`retained ${topic}: not JSON, ignored`);
      }
      return;
    }
    if (parts[0] === 'cmnd') void this.command(parts, payload.toString(), packet);
  }

  private async command(parts: string[], text: string, packet: mqtt.IPublishPacket): Promise<void> {
    const t = parts[1];
    // another home's command on a shared broker: not ours to answer
    if (!t.startsWith(`${this.home}-`)) return;
    this.stats.commands++;
    const guest = parts[2] === 'GUEST';
    const reply = (body: Record<string, unknown>) => {
      const s = JSON.stringify(body);
      this.pub(`stat/${t}/RESULT`, s, false);
      const rt = packet.properties?.responseTopic;
      if (rt !== undefined && this.client !== undefined)
        this.client.publish(rt, s, { qos: 1, properties: { correlationData: packet.properties?.correlationData } });
    };
    const refuse = (error: string) => {
      this.stats.refused++;
      reply({ Command: 'POWER', Error: error });
    };
    const node = nodeOfTopic(this.home, t);
    if (node === undefined || !this.nodes.has(node)) return refuse(`unknown node ${t}`);
    let state = '';
    let code = '';
    if (guest) {
      try {
        const j = JSON.parse(text);
        state = typeof j.state === 'string' ? j.state.toUpperCase() : '';
        code = typeof j.code === 'string' ? j.code : '';
      } catch {
        return refuse('payload: {"state":"ON"|"OFF","code":"<guest code>"} expected');
      }
    } else state = text.trim().toUpperCase();
    if (state === '1' || state === 'TRUE') state = 'ON';
    if (state === '0' || state === 'FALSE') state = 'OFF';
    if (state !== 'ON' && state !== 'OFF') return refuse(`payload ${JSON.stringify(text.slice(0, 40))}: ON or OFF expected`);
    const cmd: Record<string, unknown> = { cmd: 'relay', role: guest ? 'guest' : 'household', node, state: state.toLowerCase() };
    if (guest) cmd.code = code;
    const a = await this.request(cmd);
    if (!a.ok) return refuse(a.error);
    reply({ POWER: state });
    this.pub(`stat/${t}/POWER`, state, true);
  }
}
