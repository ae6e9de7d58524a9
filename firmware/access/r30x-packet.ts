// R30x / R307 / R503 / AS608 / ZFM-20 packet framing (R307 user manual §4 "Communication
// protocol"; Adafruit-Fingerprint-Sensor-Library Adafruit_Fingerprint.h for the names):
//
//   EF 01 | address (4, default FF FF FF FF) | packet id (1) | length (2, BE) | payload | sum (2, BE)
//
// length = payload bytes + 2 (the sum); sum = packet id + both length bytes + every payload
// byte, low 16 bits. The packet id is 01 command, 02 data, 07 acknowledge, 08 end of data.
// A parser that never throws: garbage before a header is skipped (resync on EF 01), and a
// bad length, address or sum is reported and scanning restarts at the next byte.

export const R30X_HEADER = 0xef01;
export const R30X_DEFAULT_ADDRESS = 0xffffffff;
export const R30X_PID_COMMAND = 0x01;
export const R30X_PID_DATA = 0x02;
export const R30X_PID_ACK = 0x07;
export const R30X_PID_END = 0x08;
/** Largest payload: a data packet of 256 bytes (ReadSysPara packet size code 3). */
export const R30X_MAX_PAYLOAD = 256;
/** Bytes around the payload: header 2 + address 4 + id 1 + length 2 + sum 2. */
export const R30X_FRAME_OVERHEAD = 11;

/** Encode one packet. `payload` is the instruction code and its parameters (commands). */
export function r30xEncode(address: number, pid: number, payload: Uint8Array | number[]): Uint8Array {
  const n = payload.length;
  const len = n + 2;
  const out = new Uint8Array(R30X_FRAME_OVERHEAD + n);
  out[0] = 0xef;
  out[1] = 0x01;
  out[2] = (address >>> 24) & 0xff;
  out[3] = (address >>> 16) & 0xff;
  out[4] = (address >>> 8) & 0xff;
  out[5] = address & 0xff;
  out[6] = pid & 0xff;
  out[7] = (len >> 8) & 0xff;
  out[8] = len & 0xff;
  let sum = (pid & 0xff) + out[7] + out[8];
  for (let i = 0; i < n; i++) {
    out[9 + i] = payload[i] & 0xff;
    sum += payload[i] & 0xff;
  }
  out[9 + n] = (sum >> 8) & 0xff;
  out[10 + n] = sum & 0xff;
  return out;
}

export type R30xFrameError = 'checksum' | 'oversized' | 'short-length' | 'address';

// parser states
const S_EF = 0;
const S_01 = 1;
const S_ADDR = 2;
const S_PID = 3;
const S_LEN = 4;
const S_BODY = 5;

/** Byte-at-a-time packet parser. */
export class R30xParser {
  onPacket: (pid: number, payload: Uint8Array) => void = () => {};
  onError: (e: R30xFrameError) => void = () => {};
  /** bytes skipped while looking for a header (garbage) */
  skipped = 0;
  private state = S_EF;
  private n = 0;
  private addr = 0;
  private pid = 0;
  private len = 0;
  private readonly body = new Uint8Array(R30X_MAX_PAYLOAD + 2);

  constructor(private readonly address: number) {}

  /** true while a packet is partly received (a timeout then means a short packet) */
  inPacket(): boolean {
    return this.state !== S_EF;
  }

  reset(): void {
    this.state = S_EF;
  }

  push(b: number): void {
    b = b & 0xff;
    const st = this.state;
    if (st === S_EF) {
      if (b === 0xef) this.state = S_01;
      else this.skipped++;
    } else if (st === S_01) {
      if (b === 0x01) {
        this.state = S_ADDR;
        this.n = 0;
        this.addr = 0;
      } else if (b !== 0xef) {
        this.skipped += 2;
        this.state = S_EF;
      } else this.skipped++;
    } else if (st === S_ADDR) {
      this.addr = this.addr * 256 + b;
      if (++this.n === 4) this.state = S_PID;
    } else if (st === S_PID) {
      this.pid = b;
      this.state = S_LEN;
      this.n = 0;
      this.len = 0;
    } else if (st === S_LEN) {
      this.len = this.len * 256 + b;
      if (++this.n === 2) {
        this.n = 0;
        if (this.len < 2) return this.fail('short-length');
        if (this.len > R30X_MAX_PAYLOAD + 2) return this.fail('oversized');
        this.state = S_BODY;
      }
    } else {
      this.body[this.n++] = b;
      if (this.n === this.len) this.finish();
    }
  }

  /** Feed a run of bytes. */
  pushAll(bytes: Uint8Array | number[]): void {
    for (let i = 0; i < bytes.length; i++) this.push(bytes[i]);
  }

  private fail(e: R30xFrameError): void {
    this.state = S_EF;
    this.onError(e);
  }

  private finish(): void {
    this.state = S_EF;
    const n = this.len - 2;
    let sum = this.pid + ((this.len >> 8) & 0xff) + (this.len & 0xff);
    for (let i = 0; i < n; i++) sum += this.body[i];
    const want = this.body[n] * 256 + this.body[n + 1];
    if ((sum & 0xffff) !== want) return this.onError('checksum');
    if (this.addr !== this.address) return this.onError('address');
    const payload = new Uint8Array(n);
    for (let i = 0; i < n; i++) payload[i] = this.body[i];
    this.onPacket(this.pid, payload);
  }
}
