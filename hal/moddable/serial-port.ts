// hal/io Serial over the ECMA-419 Serial of the Moddable SDK, in "buffer" format, with a
// bounded transmit queue. Why each part is here (the real SDK sources):
// - ESP32 serial.c writes straight into the UART's 128-byte hardware TX FIFO and throws
//   "output full" when a write does not fit (number format: FIFO full; buffer format:
//   more bytes than free). The console writes whole replies (Help is 530 bytes, a Trips list more) from inside
//   onReadable, so writes go to a queue here and leave it only as onWritable(count) says
//   there is room. Nothing here throws into the caller: a reply that does not fit in the
//   queue is dropped whole, counted and replaced by a one-line JSON error; an unexpected
//   write error keeps the bytes queued.
// - ESP32 serial.c calls onWritable once at construction (the TX-empty interrupt is enabled
//   with an empty FIFO) and again whenever a write has left fewer than 10 bytes queued
//   (kTransmitTreshold); lin serial.c (GLib watch) calls it with 1024 (kWriteBufferSize)
//   once the port is writable and after each write completes. Room is only what the last
//   onWritable said, less what was written since.
// - "buffer" format, not "number": lin serial.c has no number format ("unimplemented
//   format"), and ESP32's number format costs one host call per byte. read() returns an
//   ArrayBuffer of everything received; hal/io reads a byte at a time, so it is unpacked here.
// - The constructor can throw ("in use" for a pin xsbug holds, "port in use" for a UART
//   whose driver is installed: debugger_uart.c takes UART0 and GPIO 1/3 in a debug build).
//   openSerial() catches that and returns a port that is closed from the start, after
//   reporting why, so the node boots and protects without its console.
import type * as io from '../io';

/**
 * Bytes the TX queue holds: Help (530 bytes) several times over, or about 17 trip records
 * (~230 bytes each; `Trips 10` shows fewer when the log holds more). RAM on the ESP32 is
 * the limit: this is one buffer in the XS heap.
 */
export const TX_QUEUE_BYTES = 4096;

/** the line that replaces a write too long for the queue (the console speaks JSON lines) */
function overflowLine(bytes: number, free: number): Uint8Array {
  const text = '{"Error":"reply too long for the serial queue","Bytes":' + bytes + ',"Free":' + free + '}\r\n';
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k);
  return out;
}

/** What the SDK's Serial is given; `device` is lin's (a tty path), ignored on the ESP32. */
export interface SerialSetup {
  port: number;
  baud: number;
  transmit?: number;
  receive?: number;
  device?: string;
}

/** the SDK's Serial as this file uses it (device.ts passes `new Serial(options)`) */
export type RawSerial = {
  read(): ArrayBuffer | number | undefined;
  write(data: ArrayBuffer): void;
  close(): void;
};
export type OpenSerial = (options: Record<string, unknown>) => RawSerial;

/** A FIFO of bytes with a fixed capacity. */
export class ByteQueue {
  private readonly buf: Uint8Array;
  private head = 0;
  count = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  get free(): number {
    return this.buf.length - this.count;
  }
  /** all of `data`, or nothing (false) when it does not fit */
  push(data: Uint8Array): boolean {
    if (data.length > this.free) return false;
    const cap = this.buf.length;
    let at = (this.head + this.count) % cap;
    for (let k = 0; k < data.length; k++) {
      this.buf[at] = data[k];
      at = at + 1 === cap ? 0 : at + 1;
    }
    this.count += data.length;
    return true;
  }
  /** a copy of the first n (<= count) bytes, still queued */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const cap = this.buf.length;
    let at = this.head;
    for (let k = 0; k < n; k++) {
      out[k] = this.buf[at];
      at = at + 1 === cap ? 0 : at + 1;
    }
    return out;
  }
  drop(n: number): void {
    this.head = (this.head + n) % this.buf.length;
    this.count -= n;
  }
}

export class ModdableSerial implements io.Serial {
  private readonly s: RawSerial | undefined;
  private readonly tx = new ByteQueue(TX_QUEUE_BYTES);
  /** bytes the port said it can take (onWritable), less what was written since */
  private room = 0;
  private rx: Uint8Array | undefined = undefined;
  private rxAt = 0;
  /** bytes of whole writes dropped because the queue was full */
  dropped = 0;
  /** writes the port refused although onWritable had given room */
  refused = 0;
  /** why the port could not be opened ('' when it is open) */
  readonly failure: string;

  constructor(open: OpenSerial, setup: SerialSetup, onReadable: ((count: number) => void) | undefined, report: (line: string) => void) {
    const options: Record<string, unknown> = {
      port: setup.port,
      baud: setup.baud,
      format: 'buffer',
      onWritable: (count: number) => this.writable(count),
    };
    if (setup.transmit !== undefined) options.transmit = setup.transmit;
    if (setup.receive !== undefined) options.receive = setup.receive;
    if (setup.device !== undefined) options.device = setup.device;
    if (onReadable !== undefined) options.onReadable = onReadable;
    let s: RawSerial | undefined = undefined;
    let failure = '';
    try {
      s = open(options);
    } catch (e) {
      failure = String(e);
      report(
        'console: UART' +
          setup.port +
          ' not opened (' +
          failure +
          ')' +
          (setup.port === 0 && failure.indexOf('in use') >= 0
            ? '; a debug build gives UART0 and GPIO 1/3 to xsbug: flash a release build for the console'
            : '') +
          '; the node runs without it',
      );
    }
    this.s = s;
    this.failure = failure;
  }

  read(): number | undefined {
    if (this.rx === undefined || this.rxAt >= this.rx.length) {
      if (this.s === undefined) return undefined;
      const got = this.s.read();
      if (got === undefined) return undefined;
      if (typeof got === 'number') return got;
      this.rx = new Uint8Array(got);
      this.rxAt = 0;
      if (this.rx.length === 0) return undefined;
    }
    return this.rx[this.rxAt++];
  }

  write(data: Uint8Array | number): void {
    if (this.s === undefined) return;
    const bytes = typeof data === 'number' ? new Uint8Array([data]) : data;
    if (!this.tx.push(bytes)) {
      // dropped whole, and said so on the line if even that fits
      this.dropped += bytes.length;
      this.tx.push(overflowLine(bytes.length, this.tx.free));
    }
    this.flush();
  }

  /** bytes waiting to go out */
  get queued(): number {
    return this.tx.count;
  }

  close(): void {
    if (this.s !== undefined) this.s.close();
  }

  private writable(count: number): void {
    this.room = count;
    this.flush();
  }

  private flush(): void {
    const s = this.s;
    if (s === undefined) return;
    const n = this.tx.count < this.room ? this.tx.count : this.room;
    if (n <= 0) return;
    try {
      s.write(this.tx.peek(n).buffer as ArrayBuffer);
    } catch (e) {
      // the port disagrees with the room it gave: keep the bytes, wait for onWritable
      this.refused++;
      this.room = 0;
      return;
    }
    this.tx.drop(n);
    this.room -= n;
  }
}
