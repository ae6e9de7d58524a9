// Simulated nRF24L01+ (Nordic nRF24L01+ Product Specification v1.0), register level: the
// SPI command set (§8.3.1), the register map (§9), 3-deep TX and RX FIFOs (§7.7), the IRQ
// pin (active low, maskable RX_DR/TX_DS/MAX_RT, §8.4), CE-driven modes with the 130 µs
// settling time (§6.1.7), and Enhanced ShockBurst (§7): packet id, auto-ack, auto
// retransmit (ARD/ARC), duplicate detection, dynamic payload length.
// firmware/link/nrf24.ts is tested against this model. Not modelled: ACK payloads,
// REUSE_TX_PL, RPD, power levels, the 1 Mbit/s / 250 kbit/s timing (airtime is 2 Mbit/s).
import type { SpiDevice } from './peripherals';
import type { SimPin } from './pin';
import type { Scheduler } from './scheduler';
import { RfMedium, nrf24AirtimeUs, type AirFrame, type Station } from './radio-medium';

export const R = {
  CONFIG: 0x00,
  EN_AA: 0x01,
  EN_RXADDR: 0x02,
  SETUP_AW: 0x03,
  SETUP_RETR: 0x04,
  RF_CH: 0x05,
  RF_SETUP: 0x06,
  STATUS: 0x07,
  OBSERVE_TX: 0x08,
  RPD: 0x09,
  RX_ADDR_P0: 0x0a,
  RX_ADDR_P1: 0x0b,
  TX_ADDR: 0x10,
  RX_PW_P0: 0x11,
  FIFO_STATUS: 0x17,
  DYNPD: 0x1c,
  FEATURE: 0x1d,
};
const RX_DR = 0x40;
const TX_DS = 0x20;
const MAX_RT = 0x10;
const SETTLE_US = 130; // Tstby2a: standby to TX/RX settling (§6.1.7, table 16)

interface TxItem {
  payload: Uint8Array;
  noAck: boolean;
}

export interface Nrf24ChipOptions {
  id: string;
  medium: RfMedium;
  sched: Scheduler;
  ce: SimPin;
  irq: SimPin;
  x: number;
  y: number;
}

export class Nrf24Chip implements SpiDevice, Station {
  readonly id: string;
  x: number;
  y: number;
  channel = 2;
  private readonly reg = new Uint8Array(0x1e);
  private readonly addr: Uint8Array[] = [];
  private readonly tx: TxItem[] = [];
  private readonly rx: { pipe: number; payload: Uint8Array }[] = [];
  private pid = 0;
  private sending = false;
  private awaitingAck = false;
  private retries = 0;
  private timer = -1;
  private listenFromUs = Infinity;
  private readonly lastRx: { pid: number; payload: string }[] = [];
  readonly stats = { transmitted: 0, retransmits: 0, acked: 0, lostPackets: 0, received: 0, duplicates: 0, rxOverflow: 0, acksSent: 0 };

  constructor(private readonly o: Nrf24ChipOptions) {
    this.id = o.id;
    this.x = o.x;
    this.y = o.y;
    this.reset();
    o.irq.set(1, 'nrf24');
    o.ce.onChange(() => this.evaluate());
    o.medium.attach(this);
  }

  /** Power-on reset values (§9.1). */
  reset(): void {
    this.reg.fill(0);
    this.reg[R.CONFIG] = 0x08;
    this.reg[R.EN_AA] = 0x3f;
    this.reg[R.EN_RXADDR] = 0x03;
    this.reg[R.SETUP_AW] = 0x03;
    this.reg[R.SETUP_RETR] = 0x03;
    this.reg[R.RF_CH] = 0x02;
    this.reg[R.RF_SETUP] = 0x0e;
    this.reg[R.STATUS] = 0x0e;
    this.reg[R.FIFO_STATUS] = 0x11;
    this.reg[0x0c] = 0xc3;
    this.reg[0x0d] = 0xc4;
    this.reg[0x0e] = 0xc5;
    this.reg[0x0f] = 0xc6;
    this.addr[0] = Uint8Array.from([0xe7, 0xe7, 0xe7, 0xe7, 0xe7]);
    this.addr[1] = Uint8Array.from([0xc2, 0xc2, 0xc2, 0xc2, 0xc2]);
    this.addr[2] = Uint8Array.from([0xe7, 0xe7, 0xe7, 0xe7, 0xe7]); // TX_ADDR
    // splice: Espruino (the engine proof runs this model there) refuses writes to length
    this.tx.splice(0, this.tx.length);
    this.rx.splice(0, this.rx.length);
    this.channel = 2;
  }

  private get width(): number {
    const aw = this.reg[R.SETUP_AW] & 3;
    return aw === 0 ? 5 : aw + 2; // 00 is illegal; treat as 5
  }

  private status(): number {
    let s = this.reg[R.STATUS] & 0x70;
    s |= (this.rx.length === 0 ? 7 : this.rx[0].pipe) << 1;
    if (this.tx.length >= 3) s |= 1;
    return s;
  }

  private updateIrq(): void {
    const flags = this.reg[R.STATUS] & 0x70 & ~this.reg[R.CONFIG];
    this.o.irq.set(flags !== 0 ? 0 : 1, 'nrf24');
  }

  // ---- SPI (§8.3.1): byte 0 is the command, STATUS comes back in its place ----
  transfer(b: Uint8Array): void {
    if (b.length === 0) return;
    const cmd = b[0];
    b[0] = this.status();
    const n = b.length - 1;
    if (cmd < 0x20) this.readRegister(cmd & 0x1f, b);
    else if (cmd < 0x40) this.writeRegister(cmd & 0x1f, b);
    else if (cmd === 0x61) {
      const head = this.rx.shift();
      for (let i = 0; i < n; i++) b[1 + i] = head !== undefined && i < head.payload.length ? head.payload[i] : 0;
    } else if (cmd === 0x60) {
      if (n > 0) b[1] = this.rx.length === 0 ? 0 : this.rx[0].payload.length;
    } else if (cmd === 0xa0 || cmd === 0xb0) {
      if (cmd === 0xb0 && (this.reg[R.FEATURE] & 1) === 0) return; // EN_DYN_ACK off: command ignored
      if (this.tx.length < 3 && n >= 1 && n <= 32) this.tx.push({ payload: b.slice(1), noAck: cmd === 0xb0 });
      this.evaluate();
    } else if (cmd === 0xe1) this.tx.splice(0, this.tx.length);
    else if (cmd === 0xe2) this.rx.splice(0, this.rx.length);
    // 0xff NOP and anything else: STATUS only
  }

  private readRegister(a: number, b: Uint8Array): void {
    const n = b.length - 1;
    if (a === R.RX_ADDR_P0 || a === R.RX_ADDR_P1 || a === R.TX_ADDR) {
      const src = this.addr[a === R.TX_ADDR ? 2 : a - R.RX_ADDR_P0];
      for (let i = 0; i < n; i++) b[1 + i] = i < 5 ? src[i] : 0;
      return;
    }
    let v = a < this.reg.length ? this.reg[a] : 0;
    if (a === R.STATUS) v = this.status();
    if (a === R.FIFO_STATUS)
      v = (this.tx.length >= 3 ? 0x20 : 0) | (this.tx.length === 0 ? 0x10 : 0) | (this.rx.length >= 3 ? 2 : 0) | (this.rx.length === 0 ? 1 : 0);
    for (let i = 0; i < n; i++) b[1 + i] = i === 0 ? v : 0;
  }

  private writeRegister(a: number, b: Uint8Array): void {
    const n = b.length - 1;
    if (n < 1) return;
    if (a === R.RX_ADDR_P0 || a === R.RX_ADDR_P1 || a === R.TX_ADDR) {
      const dst = this.addr[a === R.TX_ADDR ? 2 : a - R.RX_ADDR_P0];
      for (let i = 0; i < n && i < 5; i++) dst[i] = b[1 + i];
      return;
    }
    if (a === R.STATUS) {
      this.reg[R.STATUS] &= ~(b[1] & 0x70); // write 1 to clear
      this.updateIrq();
      this.evaluate(); // clearing MAX_RT lets the TX FIFO move again
      return;
    }
    if (a === R.OBSERVE_TX || a === R.FIFO_STATUS || a === R.RPD || a >= this.reg.length) return; // read-only
    if (a === R.RF_CH) this.plos(0); // writing RF_CH resets PLOS_CNT (§9.1)
    this.reg[a] = b[1];
    if (a === R.RF_CH) this.channel = b[1] & 0x7f;
    if (a === R.CONFIG) {
      this.updateIrq();
      this.evaluate();
    }
  }

  private plos(v: number): void {
    this.reg[R.OBSERVE_TX] = (Math.min(v, 15) << 4) | (this.reg[R.OBSERVE_TX] & 0x0f);
  }

  // ---- modes ----
  private evaluate(): void {
    const cfg = this.reg[R.CONFIG];
    const ce = this.o.ce.level !== 0;
    const powered = (cfg & 2) !== 0;
    const primRx = (cfg & 1) !== 0;
    if (!powered) {
      this.cancelTimer();
      this.sending = false;
      this.awaitingAck = false;
      this.listenFromUs = Infinity;
      return;
    }
    // an Enhanced ShockBurst transaction, once started by a CE pulse, runs to its end
    // (packet, ACK wait, retransmits) whatever CE does (§6.1.5, CE pulse >= 10 µs)
    if (this.sending) return;
    if (ce && primRx) {
      if (this.listenFromUs === Infinity) this.listenFromUs = this.o.sched.now() + SETTLE_US;
      return;
    }
    this.listenFromUs = Infinity;
    if (ce && !primRx && this.tx.length > 0 && (this.reg[R.STATUS] & MAX_RT) === 0) {
      this.sending = true;
      this.retries = 0;
      this.pid = (this.pid + 1) & 3;
      this.at(this.o.sched.now() + SETTLE_US, () => this.airTx(false));
    }
  }

  private at(t: number, fn: () => void): void {
    this.cancelTimer();
    this.timer = this.o.sched.at(t, () => {
      this.timer = -1;
      fn();
    });
  }

  private cancelTimer(): void {
    if (this.timer >= 0) this.o.sched.cancel(this.timer);
    this.timer = -1;
  }

  private airTx(retransmit: boolean): void {
    const item = this.tx[0];
    if (item === undefined) {
      // the FIFO was flushed under a transaction: back to what CE and PRIM_RX say
      this.sending = false;
      this.evaluate();
      return;
    }
    const w = this.width;
    const air = nrf24AirtimeUs(w, item.payload.length);
    this.o.medium.transmit(
      this,
      { channel: this.channel, address: this.addr[2].slice(0, w), payload: item.payload, pid: this.pid, noAck: item.noAck, isAck: false },
      air,
    );
    this.stats.transmitted++;
    if (retransmit) this.stats.retransmits++;
    const needAck = !item.noAck && (this.reg[R.EN_AA] & 1) !== 0;
    const endUs = this.o.sched.now() + air;
    if (!needAck) {
      this.at(endUs, () => this.txDone());
      return;
    }
    this.awaitingAck = true;
    const ardUs = 250 * ((this.reg[R.SETUP_RETR] >>> 4) + 1);
    this.at(endUs + ardUs, () => this.ackTimeout());
  }

  private txDone(): void {
    this.tx.shift();
    this.sending = false;
    this.awaitingAck = false;
    this.reg[R.OBSERVE_TX] = (this.reg[R.OBSERVE_TX] & 0xf0) | Math.min(this.retries, 15);
    this.reg[R.STATUS] |= TX_DS;
    this.updateIrq();
    this.evaluate(); // next payload, if CE is still high
  }

  private ackTimeout(): void {
    this.awaitingAck = false;
    if (this.retries < (this.reg[R.SETUP_RETR] & 15)) {
      this.retries++;
      this.airTx(true);
      return;
    }
    this.sending = false;
    this.stats.lostPackets++;
    this.plos((this.reg[R.OBSERVE_TX] >>> 4) + 1);
    this.reg[R.STATUS] |= MAX_RT; // payload stays in the TX FIFO (§7.4.2)
    this.updateIrq();
    this.evaluate();
  }

  // ---- the air ----
  receive(f: AirFrame, tUs: number): void {
    const w = this.width;
    if (f.isAck) {
      if (this.awaitingAck && sameAddress(f.address, this.addr[0], w) && f.pid === this.pid) {
        this.stats.acked++;
        this.cancelTimer();
        this.txDone();
      }
      return;
    }
    if (!(tUs >= this.listenFromUs)) return;
    const pipe = this.matchPipe(f.address, w);
    if (pipe < 0) return;
    const dyn = (this.reg[R.FEATURE] & 4) !== 0 && (this.reg[R.DYNPD] & (1 << pipe)) !== 0;
    if (!dyn && f.payload.length !== this.reg[R.RX_PW_P0 + pipe]) return; // wrong static width: CRC fails
    const key = hexOf(f.payload);
    const last = this.lastRx[pipe];
    const ack = !f.noAck && (this.reg[R.EN_AA] & (1 << pipe)) !== 0;
    if (last !== undefined && last.pid === f.pid && last.payload === key) {
      this.stats.duplicates++; // §7.5.1: same PID and CRC: ACK again, discard
      if (ack) this.sendAck(f, w);
      return;
    }
    if (this.rx.length >= 3) {
      this.stats.rxOverflow++;
      return; // RX FIFO full: discarded and not acknowledged
    }
    this.lastRx[pipe] = { pid: f.pid, payload: key };
    this.rx.push({ pipe, payload: f.payload.slice() });
    this.stats.received++;
    this.reg[R.STATUS] |= RX_DR;
    this.updateIrq();
    if (ack) this.sendAck(f, w);
  }

  private sendAck(f: AirFrame, w: number): void {
    this.stats.acksSent++;
    this.o.medium.transmit(
      this,
      { channel: this.channel, address: f.address.slice(0, w), payload: new Uint8Array(0), pid: f.pid, noAck: true, isAck: true },
      nrf24AirtimeUs(w, 0),
      this.o.sched.now() + SETTLE_US,
    );
  }

  private matchPipe(a: Uint8Array, w: number): number {
    const en = this.reg[R.EN_RXADDR];
    if ((en & 1) !== 0 && sameAddress(a, this.addr[0], w)) return 0;
    if ((en & 2) !== 0 && sameAddress(a, this.addr[1], w)) return 1;
    for (let p = 2; p < 6; p++) {
      if ((en & (1 << p)) === 0 || a.length !== w || a[0] !== this.reg[0x0a + p]) continue;
      let same = true;
      for (let i = 1; i < w; i++) if (a[i] !== this.addr[1][i]) same = false;
      if (same) return p;
    }
    return -1;
  }

  /** For tests: the register file as the chip holds it. */
  peek(a: number): number {
    return a === R.STATUS ? this.status() : this.reg[a];
  }
}

function sameAddress(a: Uint8Array, b: Uint8Array, w: number): boolean {
  if (a.length !== w) return false;
  for (let i = 0; i < w; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}
