// Simulated RF medium, in virtual time: stations at positions on channels; each
// transmission occupies its channel for its airtime; a receiver gets a frame only if it is
// in range, the frame survives the distance-dependent loss draw, and no other
// transmission (or jammer) on the channel overlapped it at all (no capture effect: the
// pessimistic model). Deterministic: losses come from the board's seeded Prng.
//
// Attacker hooks: sniff (every transmission), inject (a frame from an attacker position),
// replay (a sniffed frame, again), tamper (drop, modify or delay frames in flight, per
// receiver), jam (occupy a channel for a time).
import type { Scheduler } from './scheduler';
import type { Prng } from './prng';

export interface AirFrame {
  channel: number;
  /** link-layer address the frame is sent to (nRF24 pipe address); empty for packet radios */
  address: Uint8Array;
  payload: Uint8Array;
  /** nRF24 Enhanced ShockBurst: packet id (2 bits), no-ack flag, and whether this is an ACK */
  pid: number;
  noAck: boolean;
  isAck: boolean;
}

export interface Transmission extends AirFrame {
  /** index in the medium's log */
  index: number;
  from: string;
  startUs: number;
  endUs: number;
  x: number;
  y: number;
}

export interface Station {
  readonly id: string;
  x: number;
  y: number;
  channel: number;
  /** a frame arrives (hardware event time); the station filters by address itself */
  receive(frame: AirFrame, tUs: number): void;
}

export type TamperAction = 'pass' | 'drop' | { modify: Uint8Array } | { delayUs: number };

export interface MediumOptions {
  sched: Scheduler;
  prng: Prng;
  /** beyond this distance nothing is received, m (default 30, indoor nRF24 at 0 dBm) */
  rangeM?: number;
  /** loss probability at the edge of range; it grows with (d / range)^2 (default 0.2) */
  edgeLoss?: number;
  /** loss probability at any distance (default 0) */
  baseLoss?: number;
}

interface Jam {
  channel: number;
  fromUs: number;
  toUs: number;
}

export class RfMedium {
  private readonly stations: Station[] = [];
  readonly log: Transmission[] = [];
  /**
   * maxEnd[i] = the latest end time among log[0..i]. The log is in logging order, which is
   * not start order when frames are scheduled ahead (an attacker's flood, carrier-sense
   * deferrals, co-simulated boards): scans go back until nothing earlier can overlap.
   */
  private readonly maxEnd: number[] = [];
  /** transmissions dropped from the front of the log by forget(): log[i] has index forgotten + i */
  private forgotten = 0;
  private readonly sniffers: ((t: Transmission) => void)[] = [];
  private readonly jams: Jam[] = [];
  tamper: ((t: Transmission, to: Station) => TamperAction) | undefined;
  readonly rangeM: number;
  readonly edgeLoss: number;
  readonly baseLoss: number;
  readonly stats = { sent: 0, delivered: 0, collided: 0, lost: 0, outOfRange: 0, jammed: 0, dropped: 0 };

  constructor(private readonly o: MediumOptions) {
    this.rangeM = o.rangeM === undefined ? 30 : o.rangeM;
    this.edgeLoss = o.edgeLoss === undefined ? 0.2 : o.edgeLoss;
    this.baseLoss = o.baseLoss === undefined ? 0 : o.baseLoss;
    if (!(this.rangeM > 0)) throw new RangeError(`RfMedium.rangeM must be > 0 m, got ${this.rangeM}`);
    for (const [k, v] of [
      ['edgeLoss', this.edgeLoss],
      ['baseLoss', this.baseLoss],
    ] as const) {
      if (!(v >= 0 && v <= 1)) throw new RangeError(`RfMedium.${k} must be in 0..1, got ${v}`);
    }
  }

  attach(s: Station): void {
    this.stations.push(s);
  }

  detach(s: Station): void {
    const k = this.stations.indexOf(s);
    if (k >= 0) this.stations.splice(k, 1);
  }

  /** Put a frame on the air from `from` (a station, or an attacker position) for airtimeUs. */
  transmit(from: { id: string; x: number; y: number }, f: AirFrame, airtimeUs: number, startUs?: number): Transmission {
    const start = startUs === undefined ? this.o.sched.now() : startUs;
    const t: Transmission = {
      channel: f.channel,
      address: f.address.slice(),
      payload: f.payload.slice(),
      pid: f.pid,
      noAck: f.noAck,
      isAck: f.isAck,
      index: this.forgotten + this.log.length,
      from: from.id,
      startUs: start,
      endUs: start + airtimeUs,
      x: from.x,
      y: from.y,
    };
    this.log.push(t);
    const prev = this.maxEnd.length > 0 ? this.maxEnd[this.maxEnd.length - 1] : -Infinity;
    this.maxEnd.push(t.endUs > prev ? t.endUs : prev);
    this.stats.sent++;
    for (const s of this.sniffers.slice()) s(t);
    this.o.sched.at(t.endUs, () => this.arrive(t));
    return t;
  }

  private arrive(t: Transmission): void {
    for (const st of this.stations.slice()) {
      if (st.id === t.from || st.channel !== t.channel) continue;
      if (this.collides(t)) {
        this.stats.collided++;
        continue;
      }
      if (this.jammed(t)) {
        this.stats.jammed++;
        continue;
      }
      const d = Math.hypot(st.x - t.x, st.y - t.y);
      if (d > this.rangeM) {
        this.stats.outOfRange++;
        continue;
      }
      const r = d / this.rangeM;
      if (this.o.prng.next() < this.baseLoss + this.edgeLoss * r * r) {
        this.stats.lost++;
        continue;
      }
      let payload = t.payload;
      let delay = 0;
      if (this.tamper !== undefined) {
        const a = this.tamper(t, st);
        if (a === 'drop') {
          this.stats.dropped++;
          continue;
        }
        if (a !== 'pass' && 'modify' in a) payload = a.modify;
        if (a !== 'pass' && 'delayUs' in a) delay = a.delayUs;
      }
      const frame: AirFrame = { channel: t.channel, address: t.address, payload: payload.slice(), pid: t.pid, noAck: t.noAck, isAck: t.isAck };
      this.stats.delivered++;
      if (delay > 0) this.o.sched.at(t.endUs + delay, () => st.receive(frame, t.endUs + delay));
      else st.receive(frame, t.endUs);
    }
  }

  /**
   * Drop the transmissions that ended, with every one logged before them, before `beforeUs`
   * (a simulation that runs for days keeps only the recent air). Collision and carrier-sense
   * scans stop at such entries anyway, so a frame that starts at or after `beforeUs` is judged
   * the same; replay() of a forgotten index is refused. Returns how many were dropped.
   */
  forget(beforeUs: number): number {
    let k = 0;
    while (k < this.log.length && this.maxEnd[k] <= beforeUs) k++;
    if (k === 0) return 0;
    this.log.splice(0, k);
    this.maxEnd.splice(0, k);
    this.forgotten += k;
    return k;
  }

  private collides(t: Transmission): boolean {
    // scan back over the transmissions that can still overlap (see maxEnd)
    for (let i = this.log.length - 1; i >= 0; i--) {
      if (this.maxEnd[i] <= t.startUs) break; // nothing at or before i reaches t
      const o = this.log[i];
      if (o === t || o.channel !== t.channel) continue;
      if (o.endUs > t.startUs && o.startUs < t.endUs) return true;
    }
    return false;
  }

  private jammed(t: Transmission): boolean {
    for (const j of this.jams) if (j.channel === t.channel && j.fromUs < t.endUs && j.toUs > t.startUs) return true;
    return false;
  }

  /**
   * Earliest time >= tUs at which a frame of `durationUs` overlaps no known transmission
   * on `channel`: carrier sense plus the coordination a real link layer adds among its own
   * stations (nRF24 auto-ack retransmits, 802.11 CSMA/CA, LoRa CAD). Frames of the
   * legitimate stations are avoided as soon as they are scheduled; attacker frames only
   * once they have started (an attacker does not announce itself), so a flood still
   * collides with legitimate traffic. Range is ignored: the pessimistic choice.
   */
  clearAt(channel: number, tUs: number, durationUs: number): number {
    let t = tUs;
    for (let pass = 0; pass < 64; pass++) {
      let moved = false;
      for (let i = this.log.length - 1; i >= 0; i--) {
        const o = this.log[i];
        if (this.maxEnd[i] <= t) break;
        if (o.channel !== channel || o.endUs <= t || o.startUs >= t + durationUs) continue;
        if (o.from === 'attacker' && o.startUs > t) continue;
        t = o.endUs;
        moved = true;
      }
      if (!moved) break;
    }
    return t;
  }

  // ---- attacker hooks ----

  /** Receive a copy of every transmission; returns an unsubscribe function. */
  sniff(fn: (t: Transmission) => void): () => void {
    this.sniffers.push(fn);
    return () => {
      const k = this.sniffers.indexOf(fn);
      if (k >= 0) this.sniffers.splice(k, 1);
    };
  }

  /** Transmit a crafted frame from an attacker at (x, y). */
  inject(f: AirFrame, airtimeUs: number, x: number, y: number, atUs?: number): Transmission {
    return this.transmit({ id: 'attacker', x, y }, f, airtimeUs, atUs);
  }

  /** Transmit a logged frame again, unchanged, from an attacker at (x, y). */
  replay(index: number, x: number, y: number, atUs?: number): Transmission {
    const t = this.log[index - this.forgotten];
    if (t === undefined) throw new RangeError(`RfMedium.replay index ${index} out of range ${this.forgotten}..${this.forgotten + this.log.length - 1}`);
    return this.inject(t, t.endUs - t.startUs, x, y, atUs);
  }

  /** Occupy `channel` from fromUs to toUs: everything overlapping is lost. */
  jam(channel: number, fromUs: number, toUs: number): void {
    if (!(toUs > fromUs)) throw new RangeError(`RfMedium.jam needs toUs > fromUs, got ${fromUs}..${toUs}`);
    this.jams.push({ channel, fromUs, toUs });
  }
}

/** nRF24L01+ Enhanced ShockBurst airtime at 2 Mbit/s: preamble 1 + address + 9-bit PCF + payload + CRC 2 (datasheet §7.3). */
export function nrf24AirtimeUs(addressBytes: number, payloadBytes: number): number {
  const bits = 8 * (1 + addressBytes + payloadBytes + 2) + 9;
  return bits / 2;
}

/**
 * LoRa airtime (Semtech SX1276 datasheet §4.1.1.7 / AN1200.13): explicit header, CRC on,
 * coding rate 4/5, 8-symbol preamble; low-data-rate optimisation from SF11 at 125 kHz.
 */
export function loraAirtimeUs(payloadBytes: number, sf: number, bwHz: number): number {
  const tSym = (Math.pow(2, sf) / bwHz) * 1e6;
  const de = sf >= 11 && bwHz <= 125000 ? 1 : 0;
  const cr = 1;
  const n = Math.ceil((8 * payloadBytes - 4 * sf + 28 + 16) / (4 * (sf - 2 * de)));
  const payloadSym = 8 + Math.max(n * (cr + 4), 0);
  return (8 + 4.25) * tSym + payloadSym * tSym;
}
