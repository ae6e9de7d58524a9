// nRF24L01+ driver, register level over the hal SPI, a CE output and the IRQ input
// (Nordic nRF24L01+ Product Specification v1.0). Enhanced ShockBurst with auto-ack and
// auto-retransmit, dynamic payload length, 2 Mbit/s, 2-byte CRC. The radio listens (PRX)
// by default and turns to PTX while payloads wait in its TX FIFO.
//   pipe 1  = own address (data for us);  pipe 0 = peer address, enabled only while
//   transmitting, for the peer's ACKs (§7.4.1: RX_ADDR_P0 = TX_ADDR for auto-ack)
// Portable: no platform imports beyond hal types, Espruino language level.
import type { Digital, DigitalOptions, SPI, SPIOptions } from '../../hal/io';
import type { Radio, RadioProfileName } from '../../hal/radio';

const W_REGISTER = 0x20;
const R_RX_PAYLOAD = 0x61;
const R_RX_PL_WID = 0x60;
const W_TX_PAYLOAD = 0xa0;
const FLUSH_TX = 0xe1;
const FLUSH_RX = 0xe2;
const NOP = 0xff;
const CONFIG = 0x00;
const EN_AA = 0x01;
const EN_RXADDR = 0x02;
const SETUP_AW = 0x03;
const SETUP_RETR = 0x04;
const RF_CH = 0x05;
const RF_SETUP = 0x06;
const STATUS = 0x07;
const RX_ADDR_P0 = 0x0a;
const RX_ADDR_P1 = 0x0b;
const TX_ADDR = 0x10;
const FIFO_STATUS = 0x17;
const DYNPD = 0x1c;
const FEATURE = 0x1d;
const RX_DR = 0x40;
const TX_DS = 0x20;
const MAX_RT = 0x10;
/** CONFIG: EN_CRC | CRCO (2-byte CRC) | PWR_UP, plus PRIM_RX in receive mode; no IRQ masked */
const CONFIG_TX = 0x0e;
const CONFIG_RX = 0x0f;
/** CONFIG bit 6: RX_DR no longer pulls IRQ low (§9.1); STATUS still shows it */
const MASK_RX_DR = 0x40;

export interface Nrf24Setup {
  io: { SPI: new (o: SPIOptions) => SPI; Digital: new (o: DigitalOptions) => Digital };
  pins: { select: number; ce: number; irq: number };
  /** SPI clock, Hz (the chip takes up to 10 MHz, §8.1) */
  hz: number;
  /** RF channel 0..125: 2400 + channel MHz (§6.3) */
  channel: number;
  /** 5-byte addresses, least significant byte first as written to the chip */
  ownAddress: Uint8Array;
  peerAddress: Uint8Array;
  /** auto-retransmit count ARC 0..15 and delay ARD 250..4000 µs in steps of 250 (§9.1 SETUP_RETR) */
  retries: number;
  retryDelayUs: number;
  /**
   * A unit that talks to several nodes: the address a frame goes to (written to TX_ADDR and
   * RX_ADDR_P0 before it is sent). The chip has one TX address for its whole FIFO, so a
   * frame for another peer waits (send() returns false, counted as `busy`) until the
   * payloads in flight are done; the caller sends it again on onSent. Undefined: every frame
   * goes to peerAddress.
   */
  peerOf?: (frame: Uint8Array) => Uint8Array;
}

/** '' when the setup is valid, else the first bad field and its allowed range. */
export function checkNrf24Setup(s: Nrf24Setup): string {
  if (!(s.hz > 0 && s.hz <= 10000000)) return `hz ${s.hz} out of range 1..10000000`;
  if (!(s.channel >= 0 && s.channel <= 125) || Math.floor(s.channel) !== s.channel) return `channel ${s.channel} out of range 0..125`;
  if (s.ownAddress.length !== 5) return `ownAddress length ${s.ownAddress.length} out of range 5..5`;
  if (s.peerAddress.length !== 5) return `peerAddress length ${s.peerAddress.length} out of range 5..5`;
  if (!(s.retries >= 0 && s.retries <= 15) || Math.floor(s.retries) !== s.retries) return `retries ${s.retries} out of range 0..15`;
  if (!(s.retryDelayUs >= 250 && s.retryDelayUs <= 4000) || s.retryDelayUs % 250 !== 0)
    return `retryDelayUs ${s.retryDelayUs} out of range 250..4000 (steps of 250)`;
  return '';
}

export class Nrf24Radio implements Radio {
  readonly profile: RadioProfileName = 'nrf24';
  readonly maxPayload = 32;
  onReceive: ((frame: Uint8Array) => void) | undefined;
  onSent: ((delivered: boolean) => void) | undefined;
  /** false if the chip did not answer as an nRF24L01+ at begin() */
  present = false;
  private readonly spi: SPI;
  private readonly ce: Digital;
  private readonly irq: Digital;
  private readonly buf = new Uint8Array(33);
  private readonly rxBuf = new Uint8Array(32);
  private pending = 0;
  private transmitting = false;
  /** MASK_RX_DR while receiving is paused (pauseReceive), else 0: OR'ed into every CONFIG write */
  private rxMask = 0;
  /** the address in TX_ADDR / RX_ADDR_P0 now */
  private readonly peer = new Uint8Array(5);
  readonly stats = { sent: 0, delivered: 0, failed: 0, received: 0, refused: 0, badWidth: 0, busy: 0 };

  constructor(private readonly setup: Nrf24Setup) {
    const bad = checkNrf24Setup(setup);
    if (bad !== '') throw new RangeError('Nrf24Radio ' + bad);
    this.spi = new setup.io.SPI({ select: setup.pins.select, hz: setup.hz, mode: 0 });
    this.ce = new setup.io.Digital({ pin: setup.pins.ce, mode: 'output' });
    this.ce.write(0);
    this.irq = new setup.io.Digital({ pin: setup.pins.irq, mode: 'inputPullUp', edge: 2, onReadable: () => this.service() });
    this.begin();
  }

  private cmd(c: number, len: number): Uint8Array {
    const b = this.buf.subarray(0, 1 + len);
    b[0] = c;
    for (let i = 1; i <= len; i++) b[i] = NOP;
    this.spi.transfer(b);
    return b;
  }

  private write(reg: number, v: number): void {
    const b = this.buf.subarray(0, 2);
    b[0] = W_REGISTER | reg;
    b[1] = v;
    this.spi.transfer(b);
  }

  private writeAddress(reg: number, a: Uint8Array): void {
    const b = this.buf.subarray(0, 6);
    b[0] = W_REGISTER | reg;
    for (let i = 0; i < 5; i++) b[1 + i] = a[i];
    this.spi.transfer(b);
  }

  private read(reg: number): number {
    return this.cmd(reg, 1)[1];
  }

  /** (Re)configure the chip and start listening. */
  begin(): void {
    const s = this.setup;
    this.ce.write(0);
    this.write(CONFIG, CONFIG_RX | this.rxMask);
    this.write(SETUP_AW, 0x03); // 5-byte addresses
    this.write(SETUP_RETR, ((s.retryDelayUs / 250 - 1) << 4) | s.retries);
    this.write(RF_CH, s.channel);
    this.write(RF_SETUP, 0x0e); // RF_DR_HIGH: 2 Mbit/s, RF_PWR 11: 0 dBm
    this.write(FEATURE, 0x05); // EN_DPL | EN_DYN_ACK
    this.write(DYNPD, 0x03);
    this.write(EN_AA, 0x03);
    this.write(EN_RXADDR, 0x02);
    this.writeAddress(RX_ADDR_P1, s.ownAddress);
    this.usePeer(s.peerAddress);
    this.cmd(FLUSH_TX, 0);
    this.cmd(FLUSH_RX, 0);
    this.write(STATUS, RX_DR | TX_DS | MAX_RT);
    // read-back: an absent chip (MISO floating) reads 0xFF everywhere
    this.present = this.read(SETUP_AW) === 0x03 && this.read(RF_CH) === s.channel;
    this.pending = 0;
    this.transmitting = false;
    this.ce.write(1);
  }

  /** §7.4.1: with auto-ack the peer's ACK comes back on pipe 0, so RX_ADDR_P0 = TX_ADDR */
  private usePeer(a: Uint8Array): void {
    this.writeAddress(RX_ADDR_P0, a);
    this.writeAddress(TX_ADDR, a);
    for (let i = 0; i < 5; i++) this.peer[i] = a[i];
  }

  private isPeer(a: Uint8Array): boolean {
    for (let i = 0; i < 5; i++) if (a[i] !== this.peer[i]) return false;
    return true;
  }

  send(frame: Uint8Array): boolean {
    const n = frame.length;
    if (n < 1 || n > 32 || (this.cmd(NOP, 0)[0] & 1) !== 0) {
      this.stats.refused++;
      return false;
    }
    const peerOf = this.setup.peerOf;
    if (peerOf !== undefined) {
      const a = peerOf(frame);
      if (a.length !== 5) {
        this.stats.refused++;
        return false;
      }
      if (!this.isPeer(a)) {
        if (this.pending > 0) {
          this.stats.busy++;
          return false;
        }
        this.usePeer(a);
      }
    }
    const b = this.buf.subarray(0, 1 + n);
    b[0] = W_TX_PAYLOAD;
    for (let i = 0; i < n; i++) b[1 + i] = frame[i];
    this.spi.transfer(b);
    this.pending++;
    this.stats.sent++;
    if (!this.transmitting) {
      this.transmitting = true;
      this.ce.write(0);
      this.write(EN_RXADDR, 0x03);
      this.write(CONFIG, CONFIG_TX | this.rxMask);
      this.ce.write(1); // held high: the chip sends every payload in its FIFO
    }
    return true;
  }

  private report(delivered: boolean, count: number): void {
    for (let i = 0; i < count; i++) {
      if (delivered) this.stats.delivered++;
      else this.stats.failed++;
      if (this.onSent !== undefined) this.onSent(delivered);
    }
  }

  /**
   * Pause reception (a flood: firmware/control/flood-guard.ts): RX_DR is masked, so frames
   * stay in the 3-deep RX FIFO and, once it is full, the chip discards them without an ACK
   * (§7.5.2), which costs this CPU nothing. The senders' auto-retransmit tries again later.
   */
  pauseReceive(): void {
    if (this.rxMask !== 0) return;
    this.rxMask = MASK_RX_DR;
    this.write(CONFIG, (this.transmitting ? CONFIG_TX : CONFIG_RX) | MASK_RX_DR);
  }

  /** Unmask RX_DR and read what waits in the FIFO. */
  resumeReceive(): void {
    if (this.rxMask === 0) return;
    this.rxMask = 0;
    this.write(CONFIG, this.transmitting ? CONFIG_TX : CONFIG_RX);
    this.service();
  }

  /** IRQ service (falling edge): drain RX, account TX, until no flag is left. */
  service(): void {
    for (let guard = 0; guard < 8; guard++) {
      // while paused RX_DR is left set and unread: resumeReceive() drains it
      const st = this.cmd(NOP, 0)[0] & (this.rxMask !== 0 ? TX_DS | MAX_RT : RX_DR | TX_DS | MAX_RT);
      if (st === 0) return;
      if ((st & MAX_RT) !== 0) {
        // §7.4.2: the failed payload stays in the TX FIFO, and clearing MAX_RT with CE high
        // starts its transaction again (only a flush inside the 130 µs settling stops it):
        // CE low and flush first, then clear
        this.ce.write(0);
        this.cmd(FLUSH_TX, 0);
      }
      this.write(STATUS, st); // clear what we are about to handle
      if ((st & RX_DR) !== 0) this.drainRx();
      if ((st & MAX_RT) !== 0) {
        this.report(false, this.pending);
        this.pending = 0;
      } else if ((st & TX_DS) !== 0) {
        const empty = (this.read(FIFO_STATUS) & 0x10) !== 0;
        const done = empty ? this.pending : 1;
        this.pending -= done;
        this.report(true, done);
      }
      if (this.transmitting && this.pending === 0) {
        this.transmitting = false;
        this.ce.write(0);
        this.write(CONFIG, CONFIG_RX | this.rxMask);
        this.write(EN_RXADDR, 0x02);
        this.ce.write(1);
      }
    }
  }

  private drainRx(): void {
    for (let k = 0; k < 3 && (this.read(FIFO_STATUS) & 0x01) === 0; k++) {
      const w = this.cmd(R_RX_PL_WID, 1)[1];
      if (w < 1 || w > 32) {
        this.stats.badWidth++;
        this.cmd(FLUSH_RX, 0); // §8.3.1: a width above 32 means a corrupt packet: flush
        return;
      }
      const b = this.cmd(R_RX_PAYLOAD, w);
      for (let i = 0; i < w; i++) this.rxBuf[i] = b[1 + i];
      this.stats.received++;
      if (this.onReceive !== undefined) this.onReceive(this.rxBuf.subarray(0, w));
    }
  }

  close(): void {
    this.ce.write(0);
    this.write(CONFIG, 0x0c); // power down
    this.irq.close();
    this.ce.close();
    this.spi.close();
  }
}
