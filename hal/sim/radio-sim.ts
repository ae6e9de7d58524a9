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
  }

  airtimeUs(bytes: number): number {
    if (this.profile === 'lora') return loraAirtimeUs(bytes, this.o.sf === undefined ? 7 : this.o.sf, this.o.bwHz === undefined ? 125000 : this.o.bwHz);
    if (this.profile === 'espnow') return 50 + (bytes + 50) * 8; // 1 Mbit/s 802.11b-class rate plus MAC framing
    return ((1 + 5 + bytes + 2) * 8 + 9) / 2;
  }

  send(frame: Uint8Array): boolean {
    const now = this.o.sched.now();
    if (this.closed || frame.length === 0 || frame.length > this.maxPayload || now < this.busyUntil) {
      this.stats.refused++;
      return false;
    }
    const air = this.airtimeUs(frame.length);
    this.busyUntil = now + air;
    this.o.medium.transmit(this, { channel: this.channel, address: NO_ADDRESS, payload: frame, pid: 0, noAck: true, isAck: false }, air);
    this.stats.sent++;
    const cost = this.o.callbackCostUs === undefined ? 50 : this.o.callbackCostUs;
    this.o.sched.js(now + air, () => {
      if (this.onSent !== undefined) this.onSent(true);
    }, cost);
    return true;
  }

  receive(f: AirFrame, tUs: number): void {
    if (this.closed || f.isAck) return;
    this.stats.received++;
    const copy = f.payload.slice();
    this.o.sched.js(tUs, () => {
      if (this.onReceive !== undefined) this.onReceive(copy);
    }, this.o.callbackCostUs === undefined ? 50 : this.o.callbackCostUs);
  }

  close(): void {
    this.closed = true;
    this.o.medium.detach(this);
  }
}
