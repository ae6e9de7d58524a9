// A simulated R30x fingerprint module (R307 / R503 / AS608) on a sim UART.
//
// It answers the command set of firmware/access/r30x.ts the way the R307 user manual says:
// a template library of `capacity` pages, two character buffers, a module password
// (commands other than VfyPwd answer 0x21 PASSVERIFY until it is verified), and the
// confirmation codes. A "finger" is a number (who it is); a capture is good, noisy (0x06),
// or a finger that matches nobody. Fault knobs: corrupt or cut the next acknowledge,
// garbage before it, a slow module (all times x N) and an unplugged one (no answer).
//
// Timing (simulated µs): bytes take 10 bits each at the baud rate (8N1), and each command
// takes a processing time. The times are model values inside the R307 datasheet's bounds
// (image capture < 1.0 s, 1:1000 search < 1.0 s, "average 0.3 s"), not measurements.
import type { Serial, SerialOptions, Timer } from '../io';
import { Scheduler } from './scheduler';
import { SimTimer, SimUart } from './peripherals';

// The module's own framing (R307 manual §4), written apart from firmware/access/r30x-packet.ts
// so the driver is checked against a second reading of the manual, and hal/sim depends on
// hal interfaces only.
const ADDRESS_DEFAULT = 0xffffffff;
const PID_COMMAND = 0x01;
const PID_ACK = 0x07;

function encode(address: number, pid: number, payload: number[]): number[] {
  const len = payload.length + 2;
  const out = [0xef, 0x01, (address >>> 24) & 0xff, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff, pid, len >> 8, len & 0xff];
  let sum = pid + (len >> 8) + (len & 0xff);
  for (const b of payload) {
    out.push(b & 0xff);
    sum += b & 0xff;
  }
  out.push((sum >> 8) & 0xff, sum & 0xff);
  return out;
}

/** The module's receiver: bytes in, whole packets (or a bad one) out; garbage skipped. */
class ChipReceiver {
  private buf: number[] = [];
  constructor(
    private readonly onPacket: (pid: number, payload: Uint8Array) => void,
    private readonly onBad: () => void,
  ) {}
  push(bytes: Uint8Array): void {
    for (const b of bytes) this.buf.push(b);
    for (;;) {
      let i = 0;
      while (i + 1 < this.buf.length && !(this.buf[i] === 0xef && this.buf[i + 1] === 0x01)) i++;
      this.buf = this.buf.slice(i);
      if (this.buf.length < 9) return;
      const len = this.buf[7] * 256 + this.buf[8];
      if (len < 2 || len > 258) {
        this.buf = this.buf.slice(2);
        this.onBad();
        continue;
      }
      if (this.buf.length < 9 + len) return;
      const pkt = this.buf.slice(0, 9 + len);
      this.buf = this.buf.slice(9 + len);
      let sum = pkt[6] + pkt[7] + pkt[8];
      for (let k = 9; k < 7 + len; k++) sum += pkt[k];
      if ((sum & 0xffff) !== pkt[7 + len] * 256 + pkt[8 + len]) {
        this.onBad();
        continue;
      }
      this.onPacket(pkt[6], Uint8Array.from(pkt.slice(9, 7 + len)));
    }
  }
}

export const R30X_SIM_TIMES_US = {
  genImgFinger: 250_000,
  genImgEmpty: 15_000,
  img2Tz: 150_000,
  regModel: 60_000,
  /** flash page write */
  store: 40_000,
  /** plus searchPerPage per library page searched */
  search: 10_000,
  searchPerPage: 200,
  other: 5_000,
};

export type CaptureQuality = 'good' | 'noisy' | 'unmatched' | 'smudged';

export interface R30xChipOptions {
  sched: Scheduler;
  uart: SimUart;
  baud?: number;
  address?: number;
  password?: number;
  capacity?: number;
}

export class SimR30xChip {
  /** pages -> finger id (a template) */
  private readonly library: (number | undefined)[] = [];
  private readonly buf: (number | undefined)[] = [undefined, undefined, undefined];
  private finger: number | undefined;
  private quality: CaptureQuality = 'good';
  private verified = false;
  private readonly rx: ChipReceiver;
  private readonly byteUs: number;
  private readonly password: number;
  readonly capacity: number;
  private readonly address: number;
  /** fault knobs */
  unplugged = false;
  slowFactor = 1;
  private corruptNext = 0;
  private shortNext = 0;
  private garbageNext = 0;
  private oversizeNext = 0;
  /** when the module is free to take the next command (it handles one at a time) */
  private freeAt = 0;
  readonly log: string[] = [];
  /** the simulated time the last finger was put on */
  fingerOnAt = -1;

  constructor(private readonly o: R30xChipOptions) {
    this.byteUs = (1e6 * 10) / (o.baud === undefined ? 57600 : o.baud);
    this.address = o.address === undefined ? ADDRESS_DEFAULT : o.address;
    this.password = o.password === undefined ? 0 : o.password;
    this.capacity = o.capacity === undefined ? 1000 : o.capacity;
    for (let i = 0; i < this.capacity; i++) this.library.push(undefined);
    this.rx = new ChipReceiver(
      (pid, p) => this.command(pid, p),
      () => this.reply([0x01]),
    );
    o.uart.onHostData((bytes) => {
      if (!this.unplugged) this.rx.push(bytes);
    });
  }

  /** A finger is placed (who: an id; quality of the captures while it stays on). */
  fingerOn(who: number, quality: CaptureQuality = 'good'): void {
    this.finger = who;
    this.quality = quality;
    this.fingerOnAt = this.o.sched.now();
  }
  fingerOff(): void {
    this.finger = undefined;
  }
  /** Put a template straight into the library (a module enrolled elsewhere). */
  preload(page: number, who: number): void {
    this.library[page] = who;
  }
  /** The finger id stored at `page` (undefined: empty), e.g. to move the module to another board. */
  templateAt(page: number): number | undefined {
    return this.library[page];
  }
  templates(): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) if (this.library[i] !== undefined) n++;
    return n;
  }
  corruptNextReply(n = 1): void {
    this.corruptNext = n;
  }
  shortNextReply(n = 1): void {
    this.shortNext = n;
  }
  garbageBeforeNextReply(n = 1): void {
    this.garbageNext = n;
  }
  oversizeNextReply(n = 1): void {
    this.oversizeNext = n;
  }
  /** Power cycle: the password must be verified again, buffers are lost. */
  powerCycle(): void {
    this.verified = false;
    this.buf[1] = undefined;
    this.buf[2] = undefined;
  }

  private reply(payload: number[], workUs = R30X_SIM_TIMES_US.other, cmdBytes = 12): void {
    if (this.unplugged) return;
    let out = encode(this.address, PID_ACK, payload);
    if (this.garbageNext > 0) {
      this.garbageNext--;
      out = [0x00, 0xef, 0x13, 0x37, 0xef, 0xef].concat(out);
    }
    if (this.corruptNext > 0) {
      this.corruptNext--;
      out[out.length - 1] ^= 0x5a;
    }
    if (this.shortNext > 0) {
      this.shortNext--;
      out = out.slice(0, out.length - 3);
    }
    if (this.oversizeNext > 0) {
      this.oversizeNext--;
      out[7] = 0x7f;
    }
    const s = this.o.sched;
    // the command's bytes arrive, the module works, the answer's bytes go out
    const start = Math.max(s.now() + cmdBytes * this.byteUs, this.freeAt);
    const done = start + workUs * this.slowFactor + out.length * this.byteUs;
    this.freeAt = done;
    s.at(done, () => {
      if (!this.unplugged) this.o.uart.hostWrite(out);
    });
  }

  private capture(): number {
    if (this.finger === undefined) return 0x02;
    if (this.quality === 'smudged') return 0x03;
    return 0x00;
  }

  private command(pid: number, p: Uint8Array): void {
    if (pid !== PID_COMMAND || p.length < 1) return this.reply([0x01]);
    const instr = p[0];
    const T = R30X_SIM_TIMES_US;
    const n = p.length + 11;
    this.log.push('0x' + instr.toString(16));
    if (instr === 0x13) {
      const pw = ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4];
      this.verified = pw === this.password;
      return this.reply([this.verified ? 0x00 : 0x13], T.other, n);
    }
    if (!this.verified && this.password !== 0) return this.reply([0x21], T.other, n);
    if (instr === 0x01) {
      const c = this.capture();
      if (c === 0) this.buf[0] = this.finger;
      return this.reply([c], c === 0x02 ? T.genImgEmpty : T.genImgFinger, n);
    }
    if (instr === 0x02) {
      const b = p[1];
      if (b !== 1 && b !== 2) return this.reply([0x1a], T.other, n);
      if (this.buf[0] === undefined) return this.reply([0x15], T.other, n);
      if (this.quality === 'noisy') return this.reply([0x06], T.img2Tz, n);
      // an unmatched capture: a finger the library has never seen (id -1 - who)
      this.buf[b] = this.quality === 'unmatched' ? -1 - (this.buf[0] as number) : this.buf[0];
      return this.reply([0x00], T.img2Tz, n);
    }
    if (instr === 0x05) {
      const ok = this.buf[1] !== undefined && this.buf[1] === this.buf[2];
      return this.reply([ok ? 0x00 : 0x0a], T.regModel, n);
    }
    if (instr === 0x06) {
      const page = p[2] * 256 + p[3];
      if (page >= this.capacity) return this.reply([0x0b], T.other, n);
      if (this.buf[1] === undefined) return this.reply([0x0c], T.other, n);
      this.library[page] = this.buf[1];
      return this.reply([0x00], T.store, n);
    }
    if (instr === 0x04) {
      const start = p[2] * 256 + p[3];
      const count = p[4] * 256 + p[5];
      const want = this.buf[p[1]];
      const end = Math.min(this.capacity, start + count);
      const work = T.search + (end - start) * T.searchPerPage;
      for (let i = start; i < end; i++) {
        if (want !== undefined && this.library[i] === want) return this.reply([0x00, i >> 8, i & 0xff, 0, 120], work, n);
      }
      return this.reply([0x09, 0, 0, 0, 0], work, n);
    }
    if (instr === 0x0c) {
      const page = p[1] * 256 + p[2];
      const count = p[3] * 256 + p[4];
      if (page + count > this.capacity) return this.reply([0x10], T.other, n);
      for (let i = page; i < page + count; i++) this.library[i] = undefined;
      return this.reply([0x00], T.store, n);
    }
    if (instr === 0x0d) {
      for (let i = 0; i < this.capacity; i++) this.library[i] = undefined;
      return this.reply([0x00], T.store, n);
    }
    if (instr === 0x1d) {
      const c = this.templates();
      return this.reply([0x00, c >> 8, c & 0xff], T.other, n);
    }
    if (instr === 0x1f) {
      // ReadIndexTable: index page p[1] (0..3), 32 bytes, bit k of byte j = page 256 x p[1] + 8j + k
      if (p.length < 2 || p[1] > 3) return this.reply([0x1a], T.other, n);
      const out = [0x00];
      for (let j = 0; j < 32; j++) {
        let b = 0;
        for (let k = 0; k < 8; k++) if (this.library[p[1] * 256 + j * 8 + k] !== undefined) b |= 1 << k;
        out.push(b);
      }
      return this.reply(out, T.other, n);
    }
    if (instr === 0x0f) {
      const a = this.address;
      // status, system id, library size, security level 3, address, packet size code 2 (128 B), baud N 6
      return this.reply(
        [0x00, 0, 0, 0, 9, this.capacity >> 8, this.capacity & 0xff, 0, 3, (a >>> 24) & 0xff, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, 0, 2, 0, 6],
        T.other,
        n,
      );
    }
    return this.reply([0x19], T.other, n);
  }
}

/** A control-unit rig for the reader: a scheduler, the reader's UART (port 2), a timer. */
export interface R30xRig {
  sched: Scheduler;
  uart: SimUart;
  timer: Timer;
  chip: SimR30xChip;
  Serial: new (o: SerialOptions) => Serial;
}

/** Build a rig; `callbackCostUs` is what each JS callback costs the thread (default 50 µs). */
export function r30xRig(chip: Partial<R30xChipOptions> = {}, callbackCostUs = 50, startUs = 0): R30xRig {
  const sched = new Scheduler({ startUs });
  const cost = () => callbackCostUs;
  const uart = new SimUart(sched, cost);
  const timer = new SimTimer(sched, cost);
  class RigSerial implements Serial {
    constructor(o: SerialOptions) {
      if (!(o.baud > 0)) throw new RangeError(`Serial.baud must be > 0, got ${o.baud}`);
      uart.attachNode(o.onReadable, this);
    }
    read(): number | undefined {
      return uart.nodeRead();
    }
    write(data: Uint8Array | number): void {
      uart.nodeWrite(data);
    }
    close(): void {
      uart.attachNode(undefined, undefined);
    }
  }
  const c = new SimR30xChip({ sched, uart, ...chip });
  return { sched, uart, timer, chip: c, Serial: RigSerial };
}
