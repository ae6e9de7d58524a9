// A simple anomaly detector for the control unit. It raises alarms, it does not block:
//   reject-rate    one node's frames refused more than `rejectsPerNode` times in `windowUs`
//                  (forgery, replay or a broken node)
//   flood          more than `floodPerSecond` refused frames in any second, all nodes
//                  together (someone is transmitting at the network)
//   silent         a node not heard for `silentAfterUs` (jamming, theft, power loss)
//   range          telemetry outside physical range
//   energy-back    a node's import register lower than one it reported before (a billing
//                  register never goes back: a power cut on the node loses at most
//                  ENERGY_LOSS_MAX_WH, firmware/app/meter-node.ts, and shows here too;
//                  more is a reset or tampered node). Raised once per step back: the
//                  lower value becomes the mark. With a store, the marks survive the
//                  control unit's own reboot (record cu.wh.<id>, saved every
//                  MARK_STEP_WH, so a step back across that reboot is seen once it
//                  exceeds the mark's lag)
//   node-security  a node reports refusals (forged commands, replays, bad signatures)
//   unknown-node   frames from a node id that is not in the registry
// An alarm of one kind for one node is raised again only after `holdUs` (no alarm floods).
// Under a flood (the nRF24's airtime allows ~3,300 forged frames/s) onReject runs in
// constant time and memory: per node and for the network a sliding-window estimate from
// two fixed-window counters (this window's count, and the last one's weighted by how much
// of it still overlaps; Cloudflare's rate limiter does the same), no list of times; the
// alarm text is built only when an alarm is actually raised.
// Physical ranges: IEC 60038 low-voltage supply 230 V +10 % with a wide margin (0..300 V);
// a 100 A service fuse; |P| <= Vrms * Irms (+ 5 % and 20 W for averaging and rounding);
// the NTC front end spans -40..125 °C (docs/PROTECTION.md); MQ-6 0..10 000 ppm.
import type { Store } from '../../hal/io';
import type { TelemetryReading } from '../link/telemetry';
import { PersistentRecord, getU32, putU32 } from '../store/records';
import { CU_RECORD } from '../store/keys';

/**
 * How far a node's import may rise before its mark is saved again. The control unit's flash
 * (same NVS arithmetic as the node's, meter-node.ts ENERGY_STEP_WH: ~15 M writes) shared by
 * 8 nodes at 10 MWh/year each: 0.8 M writes a year at 100 Wh, so ~19 years.
 */
export const MARK_STEP_WH = 100;
/** telemetry carries whole Wh; a step back of this much is rounding, not a step back */
const ENERGY_SLACK_WH = 1;

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

/** A sliding-window rate from two fixed windows: O(1) time and memory per event. */
class WindowCount {
  private startUs = 0;
  private cur = 0;
  private prev = 0;

  constructor(private readonly windowUs: number) {}

  /** count one event at tUs; returns the estimate of events in the last window */
  add(tUs: number): number {
    const w = this.windowUs;
    if (tUs - this.startUs >= w) {
      const k = Math.floor((tUs - this.startUs) / w);
      this.prev = k === 1 ? this.cur : 0;
      this.cur = 0;
      this.startUs += k * w;
    }
    this.cur++;
    return this.cur + (this.prev * (w - (tUs - this.startUs))) / w;
  }
}

interface NodeState {
  rejects: WindowCount;
  /** when a reject-rate alarm may be raised again */
  rateHoldUntil: number;
  lastSeenUs: number;
  silent: boolean;
  /** the highest import register heard (-1: none yet) */
  energyWh: number;
  /** the mark as last saved to the store (-1: none) */
  savedWh: number;
  mark: PersistentRecord | undefined;
}

export class AnomalyDetector {
  readonly alarms: Alarm[] = [];
  private readonly nodes: Record<string, NodeState> = {};
  private readonly lastRaised: Record<string, number> = {};
  private readonly recent: WindowCount = new WindowCount(1e6);
  private floodHoldUntil = -1;
  onAlarm: ((a: Alarm) => void) | undefined;

  /** store: where the energy marks outlive a reboot of the control unit (optional) */
  constructor(
    readonly o: AnomalyOptions,
    private readonly store?: Store,
  ) {
    if (!(o.windowUs >= 1e6)) throw new RangeError(`anomaly windowUs ${o.windowUs} out of range 1e6..`);
    if (!(o.rejectsPerNode >= 1)) throw new RangeError(`anomaly rejectsPerNode ${o.rejectsPerNode} out of range 1..`);
    if (!(o.floodPerSecond >= 1)) throw new RangeError(`anomaly floodPerSecond ${o.floodPerSecond} out of range 1..`);
    if (!(o.silentAfterUs >= 1e6)) throw new RangeError(`anomaly silentAfterUs ${o.silentAfterUs} out of range 1e6..`);
  }

  private node(id: number, tUs: number): NodeState {
    let s = this.nodes[id];
    if (s === undefined) {
      s = { rejects: new WindowCount(this.o.windowUs), rateHoldUntil: -1, lastSeenUs: tUs, silent: false, energyWh: -1, savedWh: -1, mark: undefined };
      if (this.store !== undefined) {
        const rec = new PersistentRecord(this.store, CU_RECORD.energyMark + id);
        const r = rec.read();
        if (r.ok && r.value.length === 4) {
          s.energyWh = getU32(r.value, 0);
          s.savedWh = s.energyWh;
        }
        s.mark = rec;
      }
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
    const all = this.recent.add(tUs);
    if (all > this.o.floodPerSecond && tUs >= this.floodHoldUntil) {
      if (this.raise(tUs, 0, 'flood', `${Math.round(all)} refused frames in 1 s (last: ${reason})`)) this.floodHoldUntil = tUs + this.o.holdUs;
    }
    if (nodeId < 1 || nodeId > 254) return;
    const s = this.node(nodeId, tUs);
    const n = s.rejects.add(tUs);
    if (n > this.o.rejectsPerNode && tUs >= s.rateHoldUntil) {
      if (this.raise(tUs, nodeId, 'reject-rate', `${Math.round(n)} refused frames in ${this.o.windowUs / 1e6} s (last: ${reason})`))
        s.rateHoldUntil = tUs + this.o.holdUs;
    }
  }

  /**
   * What the detector holds: alarms kept (at most 1000), nodes watched and alarm hold
   * times. A flood adds nothing to it beyond its first alarms (no per-frame entries).
   */
  entries(): number {
    let n = this.alarms.length;
    for (const k in this.nodes) if (k !== '') n++;
    for (const k in this.lastRaised) if (k !== '') n++;
    return n;
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
    else if (r.vrms === r.vrms && r.irms === r.irms && Math.abs(r.p) > r.vrms * r.irms * 1.05 + 20)
      bad = `|P| ${r.p} W above Vrms*Irms ${Math.round(r.vrms * r.irms)} VA`;
    else if (r.tempC < -40 || r.tempC > 125) bad = `temperature ${r.tempC} C out of range -40..125`;
    else if (r.lpgPpm > 10000) bad = `LPG ${r.lpgPpm} ppm out of range 0..10000`;
    if (bad !== '') this.raise(tUs, nodeId, 'range', bad);
    this.onEnergy(nodeId, s, r.energyWh, tUs);
  }

  /** The import register, checked against the highest one heard; NaN: not reported. */
  private onEnergy(nodeId: number, s: NodeState, wh: number, tUs: number): void {
    if (!(wh >= 0)) return;
    if (s.energyWh >= 0 && wh + ENERGY_SLACK_WH < s.energyWh) {
      // one alarm per step back: the lower value is the new mark
      this.raise(tUs, nodeId, 'energy-back', `import register went back from ${s.energyWh} to ${wh} Wh`);
      s.energyWh = wh;
      this.saveMark(s);
    } else if (wh > s.energyWh) {
      s.energyWh = wh;
      if (s.savedWh < 0 || wh - s.savedWh >= MARK_STEP_WH) this.saveMark(s);
    }
  }

  private saveMark(s: NodeState): void {
    if (s.mark === undefined) return;
    const b = new Uint8Array(4);
    putU32(b, 0, s.energyWh);
    s.mark.write(b);
    s.savedWh = s.energyWh;
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
