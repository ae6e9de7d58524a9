// A simple anomaly detector for the control unit. It raises alarms, it does not block:
//   reject-rate    one node's frames refused more than `rejectsPerNode` times in `windowUs`
//                  (forgery, replay or a broken node)
//   flood          more than `floodPerSecond` refused frames in any second, all nodes
//                  together (someone is transmitting at the network)
//   silent         a node not heard for `silentAfterUs` (jamming, theft, power loss)
//   range          telemetry outside physical range, or an energy register going back
//   node-security  a node reports refusals (forged commands, replays, bad signatures)
//   unknown-node   frames from a node id that is not in the registry
// An alarm of one kind for one node is raised again only after `holdUs` (no alarm floods).
// Physical ranges: IEC 60038 low-voltage supply 230 V +10 % with a wide margin (0..300 V);
// a 100 A service fuse; |P| <= Vrms * Irms (+ 5 % and 20 W for averaging and rounding);
// the NTC front end spans -40..125 °C (docs/PROTECTION.md); MQ-6 0..10 000 ppm.
import type { TelemetryReading } from '../link/telemetry';

export interface Alarm {
  tUs: number;
  nodeId: number;
  kind: string;
  detail: string;
}

export interface AnomalyOptions {
  windowUs: number;
  rejectsPerNode: number;
  floodPerSecond: number;
  silentAfterUs: number;
  holdUs: number;
}

export function defaultAnomalyOptions(reportEveryS: number): AnomalyOptions {
  return { windowUs: 60e6, rejectsPerNode: 5, floodPerSecond: 20, silentAfterUs: 3.5 * reportEveryS * 1e6, holdUs: 60e6 };
}

interface NodeState {
  rejects: number[];
  lastSeenUs: number;
  silent: boolean;
  energyWh: number;
}

export class AnomalyDetector {
  readonly alarms: Alarm[] = [];
  private readonly nodes: Record<string, NodeState> = {};
  private readonly lastRaised: Record<string, number> = {};
  private readonly recent: number[] = [];
  onAlarm: ((a: Alarm) => void) | undefined;

  constructor(readonly o: AnomalyOptions) {
    if (!(o.windowUs >= 1e6)) throw new RangeError(`anomaly windowUs ${o.windowUs} out of range 1e6..`);
    if (!(o.rejectsPerNode >= 1)) throw new RangeError(`anomaly rejectsPerNode ${o.rejectsPerNode} out of range 1..`);
    if (!(o.floodPerSecond >= 1)) throw new RangeError(`anomaly floodPerSecond ${o.floodPerSecond} out of range 1..`);
    if (!(o.silentAfterUs >= 1e6)) throw new RangeError(`anomaly silentAfterUs ${o.silentAfterUs} out of range 1e6..`);
  }

  private node(id: number, tUs: number): NodeState {
    let s = this.nodes[id];
    if (s === undefined) {
      s = { rejects: [], lastSeenUs: tUs, silent: false, energyWh: -1 };
      this.nodes[id] = s;
    }
    return s;
  }

  /** Start watching a node for silence from tUs. */
  watch(id: number, tUs: number): void {
    this.node(id, tUs);
  }

  raise(tUs: number, nodeId: number, kind: string, detail: string): boolean {
    const key = kind + '/' + nodeId;
    const last = this.lastRaised[key];
    if (last !== undefined && tUs - last < this.o.holdUs) return false;
    this.lastRaised[key] = tUs;
    const a: Alarm = { tUs: tUs, nodeId: nodeId, kind: kind, detail: detail };
    this.alarms.push(a);
    if (this.alarms.length > 1000) this.alarms.shift();
    if (this.onAlarm !== undefined) this.onAlarm(a);
    return true;
  }

  onReject(nodeId: number, reason: string, tUs: number): void {
    // network-wide flood: refusals in the last second
    let k = 0;
    for (let i = 0; i < this.recent.length; i++) if (tUs - this.recent[i] < 1e6) this.recent[k++] = this.recent[i];
    this.recent.length = k;
    this.recent.push(tUs);
    if (this.recent.length > this.o.floodPerSecond) this.raise(tUs, 0, 'flood', `${this.recent.length} refused frames in 1 s (last: ${reason})`);
    if (nodeId < 1 || nodeId > 254) return;
    const s = this.node(nodeId, tUs);
    const list = s.rejects;
    k = 0;
    for (let i = 0; i < list.length; i++) if (tUs - list[i] < this.o.windowUs) list[k++] = list[i];
    list.length = k;
    list.push(tUs);
    if (list.length > this.o.rejectsPerNode) this.raise(tUs, nodeId, 'reject-rate', `${list.length} refused frames in ${this.o.windowUs / 1e6} s (last: ${reason})`);
  }

  /** A frame from the node verified. */
  onSeen(nodeId: number, tUs: number): void {
    const s = this.node(nodeId, tUs);
    s.lastSeenUs = tUs;
    s.silent = false;
  }

  onReading(nodeId: number, r: TelemetryReading, tUs: number): void {
    const s = this.node(nodeId, tUs);
    let bad = '';
    if (r.vrms < 0 || r.vrms > 300) bad = `Vrms ${r.vrms} V out of range 0..300`;
    else if (r.irms < 0 || r.irms > 100) bad = `Irms ${r.irms} A out of range 0..100`;
    else if (r.vrms === r.vrms && r.irms === r.irms && Math.abs(r.p) > r.vrms * r.irms * 1.05 + 20) bad = `|P| ${r.p} W above Vrms*Irms ${Math.round(r.vrms * r.irms)} VA`;
    else if (r.tempC < -40 || r.tempC > 125) bad = `temperature ${r.tempC} C out of range -40..125`;
    else if (r.lpgPpm > 10000) bad = `LPG ${r.lpgPpm} ppm out of range 0..10000`;
    else if (r.energyWh === r.energyWh && s.energyWh >= 0 && r.energyWh + 1 < s.energyWh) bad = `energy register went back from ${s.energyWh} to ${r.energyWh} Wh`;
    if (r.energyWh === r.energyWh && r.energyWh >= s.energyWh) s.energyWh = r.energyWh;
    if (bad !== '') this.raise(tUs, nodeId, 'range', bad);
  }

  /** Periodic check (the control unit's timer): nodes gone silent. */
  tick(tUs: number): void {
    for (const id in this.nodes) {
      const s = this.nodes[id];
      if (!s.silent && tUs - s.lastSeenUs > this.o.silentAfterUs) {
        s.silent = true;
        this.raise(tUs, Number(id), 'silent', `not heard for ${Math.round((tUs - s.lastSeenUs) / 1e6)} s`);
      }
    }
  }

  isSilent(nodeId: number): boolean {
    const s = this.nodes[nodeId];
    return s !== undefined && s.silent;
  }
}
