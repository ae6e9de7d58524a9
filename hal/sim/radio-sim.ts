// A packet radio on the simulated medium: the Radio HAL for the LoRa SX127x (255-byte)
// and ESP-NOW (250-byte) profiles, and for link tests that do not need the nRF24 chip
// model. Airtime follows the profile; frames reach firmware as JS-thread callbacks.
import type { Radio, RadioProfileName } from '../radio';
import type { Scheduler } from './scheduler';
import { RfMedium, loraAirtimeUs, type AirFrame, type Station } from './radio-medium';

const NO_ADDRESS = new Uint8Array(0);

export interface SimRadioOptions {
  id: string;
  medium: RfMedium;
  sched: Scheduler;
  profile: RadioProfileName;
  channel: number;
  x: number;
  y: number;
  /** JS cost of a receive callback, µs (default 50) */
  callbackCostUs?: number;
  /** LoRa spreading factor and bandwidth (default SF7, 125 kHz) */
  sf?: number;
  bwHz?: number;
  /**
   * The scheduler of the board this radio is wired to, when it is not the medium's
   * (co-simulation of several SimBoards, hal/sim/radio-net.ts): JS callbacks and the
   * busy time run there; transmissions go on the medium at the board's send time.
   */
  host?: Scheduler;
  /**
   * Listen before talk: wait until the channel is clear, then a pseudo-random backoff of
   * 0..`backoffUs` (default 400 µs). ESP-NOW (802.11 CSMA/CA) and LoRa (channel activity
   * detection) do this in the radio; for the nRF24 profile it stands in for the chip's
   * auto-ack retransmissions, which the packet model lacks (the chip model has them).
   */
  carrierSense?: boolean;
  backoffUs?: number;
}

const MAX: Record<RadioProfileName, number> = { nrf24: 32, lora: 255, espnow: 250 };

export class SimPacketRadio implements Radio, Station {
  readonly id: string;
  readonly profile: RadioProfileName;
  readonly maxPayload: number;
  x: number;
  y: number;
  channel: number;
  onReceive: ((frame: Uint8Array) => void) | undefined;
  onSent: ((delivered: boolean) => void) | undefined;
  private busyUntil = 0;
  private lcg: number;
  private closed = false;
  readonly stats = { sent: 0, received: 0, refused: 0 };

  constructor(private readonly o: SimRadioOptions) {
    this.id = o.id;
    this.profile = o.profile;
    this.maxPayload = MAX[o.profile];
    this.x = o.x;
    this.y = o.y;
    this.channel = o.channel;
    o.medium.attach(this);
    let h = 2166136261;
    for (let i = 0; i < o.id.length; i++) h = Math.imul(h ^ o.id.charCodeAt(i), 16777619) >>> 0;
    this.lcg = h;
  }

  private backoff(): number {
    this.lcg = (Math.imul(this.lcg, 1664525) + 1013904223) >>> 0;
    const max = this.o.backoffUs === undefined ? 400 : this.o.backoffUs;
    return Math.floor((this.lcg / 4294967296) * max);
  }

  airtimeUs(bytes: number): number {
    if (this.profile === 'lora') return loraAirtimeUs(bytes, this.o.sf === undefined ? 7 : this.o.sf, this.o.bwHz === undefined ? 125000 : this.o.bwHz);
    if (this.profile === 'espnow') return 50 + (bytes + 50) * 8; // 1 Mbit/s 802.11b-class rate plus MAC framing
    return ((1 + 5 + bytes + 2) * 8 + 9) / 2;
  }

  private get host(): Scheduler {
    return this.o.host === undefined ? this.o.sched : this.o.host;
  }

  send(frame: Uint8Array): boolean {
    const now = this.host.now();
    if (this.closed || frame.length === 0 || frame.length > this.maxPayload || now < this.busyUntil) {
      this.stats.refused++;
      return false;
    }
    const air = this.airtimeUs(frame.length);
    const airNow = this.o.sched.now();
    let start = now > airNow ? now : airNow;
    if (this.o.carrierSense === true) {
      // sense, back off, sense again until the slot is free
      start = this.o.medium.clearAt(this.channel, start, air);
      for (let k = 0; k < 16; k++) {
        const next = this.o.medium.clearAt(this.channel, start + this.backoff(), air);
        start = next;
        if (this.o.medium.clearAt(this.channel, start, air) === start) break;
      }
    }
    this.busyUntil = start + air;
    this.o.medium.transmit(this, { channel: this.channel, address: NO_ADDRESS, payload: frame, pid: 0, noAck: true, isAck: false }, air, start);
    this.stats.sent++;
    const cost = this.o.callbackCostUs === undefined ? 50 : this.o.callbackCostUs;
    this.host.js(
      start + air,
      () => {
        if (this.onSent !== undefined) this.onSent(true);
      },
      cost,
    );
    return true;
  }

  receive(f: AirFrame, tUs: number): void {
    if (this.closed || f.isAck) return;
    this.stats.received++;
    const copy = f.payload.slice();
    this.host.js(
      tUs,
      () => {
        if (this.onReceive !== undefined) this.onReceive(copy);
      },
      this.o.callbackCostUs === undefined ? 50 : this.o.callbackCostUs,
    );
  }

  close(): void {
    this.closed = true;
    this.o.medium.detach(this);
  }
}
