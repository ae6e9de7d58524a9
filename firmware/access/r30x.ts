// Driver for the R30x fingerprint family (R305/R307/R503, AS608, ZFM-20) over a hal Serial.
// Never blocks: each command is a packet out and an acknowledge in, carried by the Serial's
// onReadable and a hal Timer (timeout); flows (enrol, identify) are chains of callbacks.
// Instruction codes and confirmation codes: R307 user manual §5, and the names follow
// Adafruit-Fingerprint-Sensor-Library (Adafruit_Fingerprint.h, FINGERPRINT_*).
import type { Serial, SerialOptions, Timer } from '../../hal/io';
import { R30X_DEFAULT_ADDRESS, R30X_PID_ACK, R30X_PID_COMMAND, R30xParser, r30xEncode } from './r30x-packet';
import type { R30xFrameError } from './r30x-packet';

/** R307 default baud: 57600 (N = 6, baud = 9600 x N; manual §4.1). */
export const R30X_DEFAULT_BAUD = 57600;
export const R30X_CMD_GENIMG = 0x01;
export const R30X_CMD_IMG2TZ = 0x02;
export const R30X_CMD_SEARCH = 0x04;
export const R30X_CMD_REGMODEL = 0x05;
export const R30X_CMD_STORE = 0x06;
export const R30X_CMD_DELETE = 0x0c;
export const R30X_CMD_EMPTY = 0x0d;
export const R30X_CMD_READSYSPARA = 0x0f;
export const R30X_CMD_VFYPWD = 0x13;
export const R30X_CMD_TEMPLATENUM = 0x1d;
/** ReadIndexTable: 32 bytes, one bit per page of an index page of 256 (R503 / AS608 manuals) */
export const R30X_CMD_READINDEXTABLE = 0x1f;

/** Confirmation codes (R307 manual §5; Adafruit FINGERPRINT_* names). */
export const R30X_CODES: { [code: string]: string } = {
  '0': 'OK',
  '1': 'PACKETRECIEVEERR: the module could not receive the packet',
  '2': 'NOFINGER: no finger on the sensor',
  '3': 'IMAGEFAIL: could not capture the image',
  '6': 'IMAGEMESS: image too messy to extract features',
  '7': 'FEATUREFAIL: too few feature points',
  '8': 'NOMATCH: fingers do not match',
  '9': 'NOTFOUND: no matching template in the library',
  '10': 'ENROLLMISMATCH: the two captures do not combine into one template',
  '11': 'BADLOCATION: page id beyond the library',
  '12': 'DBREADFAIL: error reading the template, or the template is invalid',
  '13': 'UPLOADFEATUREFAIL: feature upload failed',
  '14': 'PACKETRESPONSEFAIL: the module cannot receive the following data packets',
  '15': 'UPLOADFAIL: image upload failed',
  '16': 'DELETEFAIL: template delete failed',
  '17': 'DBCLEARFAIL: library clear failed',
  '19': 'PASSFAIL: wrong module password',
  '21': 'INVALIDIMAGE: no valid primary image in the buffer',
  '24': 'FLASHERR: error writing the flash',
  '25': 'NODEFINITION: undefined error',
  '26': 'INVALIDREG: invalid register number',
  '27': 'BADCONFIG: wrong register configuration',
  '28': 'BADNOTEPAD: wrong notepad page number',
  '29': 'COMMFAIL: communication port failure',
  '32': 'ADDRCODE: wrong address code',
  '33': 'PASSVERIFY: the password must be verified first',
};

/** Driver-side failures (no confirmation code from the module). */
export const R30X_E_TIMEOUT = 'TIMEOUT';
export const R30X_E_SHORT = 'SHORT';
export const R30X_E_CHECKSUM = 'CHECKSUM';
export const R30X_E_OVERSIZED = 'OVERSIZED';
export const R30X_E_FRAME = 'FRAME';
export const R30X_E_BUSY = 'BUSY';
export const R30X_E_ARGUMENT = 'ARGUMENT';
export const R30X_E_NO_FINGER_TIMEOUT = 'FINGER_TIMEOUT';

/** A typed error naming the part: `R30x <what>: <name>` (code = confirmation code or -1). */
export class R30xError {
  readonly part = 'R30x';
  readonly name = 'R30xError';
  readonly message: string;
  constructor(
    readonly what: string,
    readonly code: number,
    readonly kind: string,
    detail?: string,
  ) {
    this.message =
      'R30x ' +
      what +
      ': ' +
      (code >= 0 ? '0x' + (code < 16 ? '0' : '') + code.toString(16) + ' ' : '') +
      kind +
      (detail !== undefined ? ' (' + detail + ')' : '');
  }
}

/** The error for a confirmation code (code 0 is not an error). */
export function r30xCodeError(what: string, code: number): R30xError {
  const text = R30X_CODES[String(code)];
  return new R30xError(what, code, text !== undefined ? text : 'UNKNOWN: confirmation code not in the R307 manual');
}

export type R30xCallback = (err: R30xError | undefined, payload: Uint8Array) => void;

export interface R30xOptions {
  Serial: new (o: SerialOptions) => Serial;
  port?: number;
  baud?: number;
  timer: Timer;
  /** the module's address (default FFFFFFFF) */
  address?: number;
  /** the module password set at provisioning (default 0) */
  password?: number;
  /** no acknowledge within this: TIMEOUT (module unplugged, unpowered or slow). Default 1500 ms: above the R307's 1.0 s capture and search bounds */
  timeoutMs?: number;
  /** identify/enrol wait this long for a finger before FINGER_TIMEOUT (default 10 s) */
  fingerWaitMs?: number;
  /** poll GenImg this often while no finger is on (default 50 ms) */
  pollMs?: number;
  /** library pages searched (default 1000, the R503's; ReadSysPara gives the real one) */
  capacity?: number;
}

export interface SysPara {
  status: number;
  systemId: number;
  capacity: number;
  securityLevel: number;
  address: number;
  packetBytes: number;
  baud: number;
}

export interface IdentifyResult {
  pageId: number;
  score: number;
}

function u16(p: Uint8Array, at: number): number {
  return p[at] * 256 + p[at + 1];
}

export class R30x {
  private readonly serial: Serial;
  private readonly parser: R30xParser;
  private readonly timer: Timer;
  private readonly address: number;
  private readonly password: number;
  private readonly timeoutUs: number;
  private readonly fingerWaitUs: number;
  private readonly pollUs: number;
  capacity: number;
  private pending: { what: string; cb: R30xCallback } | undefined;
  private timeoutId = -1;
  /** packets that failed framing (garbage is not counted: it is skipped) */
  readonly stats = { commands: 0, acks: 0, timeouts: 0, frameErrors: 0, unexpected: 0 };

  constructor(o: R30xOptions) {
    this.timer = o.timer;
    this.address = o.address === undefined ? R30X_DEFAULT_ADDRESS : o.address;
    this.password = o.password === undefined ? 0 : o.password;
    this.timeoutUs = (o.timeoutMs === undefined ? 1500 : o.timeoutMs) * 1000;
    this.fingerWaitUs = (o.fingerWaitMs === undefined ? 10000 : o.fingerWaitMs) * 1000;
    this.pollUs = (o.pollMs === undefined ? 50 : o.pollMs) * 1000;
    this.capacity = o.capacity === undefined ? 1000 : o.capacity;
    this.parser = new R30xParser(this.address);
    this.parser.onPacket = (pid: number, p: Uint8Array) => this.packet(pid, p);
    this.parser.onError = (e: R30xFrameError) => this.frameError(e);
    const self = this;
    this.serial = new o.Serial({
      port: o.port,
      baud: o.baud === undefined ? R30X_DEFAULT_BAUD : o.baud,
      onReadable: function () {
        self.pump();
      },
    });
  }

  /** true while a command waits for its acknowledge */
  busy(): boolean {
    return this.pending !== undefined;
  }

  private pump(): void {
    let b = this.serial.read();
    while (b !== undefined) {
      this.parser.push(b);
      b = this.serial.read();
    }
  }

  private finish(err: R30xError | undefined, payload: Uint8Array): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    if (this.timeoutId >= 0) this.timer.clear(this.timeoutId);
    this.timeoutId = -1;
    p.cb(err, payload);
  }

  private packet(pid: number, payload: Uint8Array): void {
    const p = this.pending;
    if (p === undefined || pid !== R30X_PID_ACK || payload.length < 1) {
      // a packet nobody asked for (late answer after a timeout, a data packet): dropped
      this.stats.unexpected++;
      return;
    }
    this.stats.acks++;
    const code = payload[0];
    this.finish(code === 0 ? undefined : r30xCodeError(p.what, code), payload);
  }

  private frameError(e: R30xFrameError): void {
    this.stats.frameErrors++;
    const p = this.pending;
    if (p === undefined) return;
    const kind = e === 'checksum' ? R30X_E_CHECKSUM : e === 'oversized' ? R30X_E_OVERSIZED : R30X_E_FRAME;
    this.finish(
      new R30xError(
        p.what,
        -1,
        kind,
        e === 'checksum'
          ? 'acknowledge failed its 16-bit sum'
          : e === 'oversized'
            ? 'length field above 258'
            : e === 'address'
              ? 'acknowledge from another address'
              : 'length field below 2',
      ),
      new Uint8Array(0),
    );
  }

  /** Send one command packet (instruction + parameters); cb gets the acknowledge payload. */
  command(what: string, instr: number, params: number[], cb: R30xCallback): void {
    if (this.pending !== undefined) {
      cb(new R30xError(what, -1, R30X_E_BUSY, this.pending.what + ' still waits for its acknowledge'), new Uint8Array(0));
      return;
    }
    const payload = [instr];
    for (let i = 0; i < params.length; i++) payload.push(params[i]);
    this.pending = { what: what, cb: cb };
    this.stats.commands++;
    this.parser.reset();
    this.timeoutId = this.timer.set(() => {
      this.timeoutId = -1;
      this.stats.timeouts++;
      const short = this.parser.inPacket();
      this.parser.reset();
      this.finish(
        new R30xError(
          what,
          -1,
          short ? R30X_E_SHORT : R30X_E_TIMEOUT,
          short ? 'acknowledge cut short' : 'no acknowledge in ' + this.timeoutUs / 1000 + ' ms: module unplugged, unpowered or slow',
        ),
        new Uint8Array(0),
      );
    }, this.timeoutUs);
    this.serial.write(r30xEncode(this.address, R30X_PID_COMMAND, payload));
  }

  verifyPassword(cb: (err: R30xError | undefined) => void): void {
    const p = this.password;
    this.command('VfyPwd', R30X_CMD_VFYPWD, [(p >>> 24) & 0xff, (p >>> 16) & 0xff, (p >>> 8) & 0xff, p & 0xff], (e) => cb(e));
  }

  genImg(cb: (err: R30xError | undefined) => void): void {
    this.command('GenImg', R30X_CMD_GENIMG, [], (e) => cb(e));
  }

  img2Tz(buffer: number, cb: (err: R30xError | undefined) => void): void {
    this.command('Img2Tz', R30X_CMD_IMG2TZ, [buffer], (e) => cb(e));
  }

  regModel(cb: (err: R30xError | undefined) => void): void {
    this.command('RegModel', R30X_CMD_REGMODEL, [], (e) => cb(e));
  }

  store(buffer: number, pageId: number, cb: (err: R30xError | undefined) => void): void {
    if (!this.pageOk('Store', pageId, cb)) return;
    this.command('Store', R30X_CMD_STORE, [buffer, (pageId >> 8) & 0xff, pageId & 0xff], (e) => cb(e));
  }

  search(buffer: number, cb: (err: R30xError | undefined, r: IdentifyResult | undefined) => void): void {
    const n = this.capacity;
    this.command('Search', R30X_CMD_SEARCH, [buffer, 0, 0, (n >> 8) & 0xff, n & 0xff], (e, p) => {
      if (e !== undefined) return cb(e, undefined);
      if (p.length < 5) return cb(new R30xError('Search', -1, R30X_E_FRAME, 'acknowledge of ' + p.length + ' bytes, want 5'), undefined);
      cb(undefined, { pageId: u16(p, 1), score: u16(p, 3) });
    });
  }

  deleteOne(pageId: number, cb: (err: R30xError | undefined) => void): void {
    if (!this.pageOk('Delete', pageId, cb)) return;
    this.command('Delete', R30X_CMD_DELETE, [(pageId >> 8) & 0xff, pageId & 0xff, 0, 1], (e) => cb(e));
  }

  wipe(cb: (err: R30xError | undefined) => void): void {
    this.command('Empty', R30X_CMD_EMPTY, [], (e) => cb(e));
  }

  templateCount(cb: (err: R30xError | undefined, n: number) => void): void {
    this.command('TemplateNum', R30X_CMD_TEMPLATENUM, [], (e, p) => {
      if (e === undefined && p.length < 3) e = new R30xError('TemplateNum', -1, R30X_E_FRAME, 'acknowledge of ' + p.length + ' bytes, want 3');
      cb(e, e === undefined ? u16(p, 1) : -1);
    });
  }

  /** Which pages of index page `index` (pages 256 x index .. + 255) hold a template: bit k of byte j = page 256 x index + 8j + k. */
  indexTable(index: number, cb: (err: R30xError | undefined, used: Uint8Array | undefined) => void): void {
    if (!(index >= 0 && index <= 3) || Math.floor(index) !== index)
      return cb(new R30xError('ReadIndexTable', -1, R30X_E_ARGUMENT, 'index page ' + index + ' out of range 0..3'), undefined);
    this.command('ReadIndexTable', R30X_CMD_READINDEXTABLE, [index], (e, p) => {
      if (e === undefined && p.length < 33) e = new R30xError('ReadIndexTable', -1, R30X_E_FRAME, 'acknowledge of ' + p.length + ' bytes, want 33');
      if (e !== undefined) return cb(e, undefined);
      const used = new Uint8Array(32);
      for (let i = 0; i < 32; i++) used[i] = p[1 + i];
      cb(undefined, used);
    });
  }

  /**
   * The lowest page that holds no template, or -1 when the library is full. Enrolment takes
   * this, not the template count: after a finger in the middle was deleted the count points
   * at a page that still holds someone else's finger.
   */
  freePage(cb: (err: R30xError | undefined, pageId: number) => void): void {
    const cap = this.capacity;
    const look = (index: number): void => {
      if (index * 256 >= cap || index > 3) return cb(undefined, -1);
      this.indexTable(index, (e, used) => {
        if (e !== undefined || used === undefined) return cb(e, -1);
        for (let k = 0; k < 256 && index * 256 + k < cap; k++) {
          if ((used[Math.floor(k / 8)] & (1 << (k % 8))) === 0) return cb(undefined, index * 256 + k);
        }
        look(index + 1);
      });
    };
    look(0);
  }

  readSysPara(cb: (err: R30xError | undefined, s: SysPara | undefined) => void): void {
    this.command('ReadSysPara', R30X_CMD_READSYSPARA, [], (e, p) => {
      if (e === undefined && p.length < 17) e = new R30xError('ReadSysPara', -1, R30X_E_FRAME, 'acknowledge of ' + p.length + ' bytes, want 17');
      if (e !== undefined) return cb(e, undefined);
      const s: SysPara = {
        status: u16(p, 1),
        systemId: u16(p, 3),
        capacity: u16(p, 5),
        securityLevel: u16(p, 7),
        address: ((p[9] * 256 + p[10]) * 256 + p[11]) * 256 + p[12],
        packetBytes: 32 * (1 << (u16(p, 13) & 3)),
        baud: 9600 * u16(p, 15),
      };
      this.capacity = s.capacity;
      cb(undefined, s);
    });
  }

  private pageOk(what: string, pageId: number, cb: (err: R30xError | undefined) => void): boolean {
    if (pageId >= 0 && pageId < this.capacity && Math.floor(pageId) === pageId) return true;
    cb(new R30xError(what, -1, R30X_E_ARGUMENT, 'page id ' + pageId + ' out of range 0..' + (this.capacity - 1)));
    return false;
  }

  /**
   * GenImg until a finger is on (NOFINGER answers are polled every pollMs), then Img2Tz into
   * `buffer`. Gives FINGER_TIMEOUT after fingerWaitMs.
   */
  capture(buffer: number, cb: (err: R30xError | undefined) => void): void {
    this.pollGenImg(true, (e) => {
      if (e !== undefined) return cb(e);
      this.img2Tz(buffer, cb);
    });
  }

  /** Wait until the finger is lifted (GenImg answers NOFINGER). */
  waitLift(cb: (err: R30xError | undefined) => void): void {
    this.pollGenImg(false, cb);
  }

  /**
   * GenImg until a finger is on (wantFinger) or off, polling every pollMs; a deadline timer
   * of fingerWaitMs ends the wait with FINGER_TIMEOUT.
   */
  private pollGenImg(wantFinger: boolean, cb: (err: R30xError | undefined) => void): void {
    let expired = false;
    const self = this;
    const deadline = this.timer.set(() => {
      expired = true;
    }, this.fingerWaitUs);
    function end(e: R30xError | undefined): void {
      self.timer.clear(deadline);
      cb(e);
    }
    function attempt(): void {
      self.genImg((e) => {
        const noFinger = e !== undefined && e.code === 0x02;
        if (wantFinger && e === undefined) return end(undefined);
        if (!wantFinger && noFinger) return end(undefined);
        // a failed capture while waiting for the lift is the finger still moving: poll on
        if (e !== undefined && !noFinger && (wantFinger || (e.code !== 0x03 && e.code !== 0x06))) return end(e);
        if (expired)
          return end(
            new R30xError(
              'GenImg',
              0x02,
              R30X_E_NO_FINGER_TIMEOUT,
              (wantFinger ? 'no finger' : 'finger not lifted') + ' within ' + self.fingerWaitUs / 1000 + ' ms',
            ),
          );
        self.timer.set(attempt, self.pollUs);
      });
    }
    attempt();
  }

  /** Identify: capture, then search the library. NOTFOUND is an error with code 0x09. */
  identify(cb: (err: R30xError | undefined, r: IdentifyResult | undefined) => void): void {
    this.capture(1, (e) => {
      if (e !== undefined) return cb(e, undefined);
      this.search(1, cb);
    });
  }

  /** Enrol at `pageId`: capture, lift, capture again, combine (RegModel), store. */
  enrol(pageId: number, cb: (err: R30xError | undefined) => void): void {
    if (!this.pageOk('Store', pageId, cb)) return;
    this.capture(1, (e1) => {
      if (e1 !== undefined) return cb(e1);
      this.waitLift((e2) => {
        if (e2 !== undefined) return cb(e2);
        this.capture(2, (e3) => {
          if (e3 !== undefined) return cb(e3);
          this.regModel((e4) => {
            if (e4 !== undefined) return cb(e4);
            this.store(1, pageId, cb);
          });
        });
      });
    });
  }

  close(): void {
    if (this.timeoutId >= 0) this.timer.clear(this.timeoutId);
    this.timeoutId = -1;
    this.pending = undefined;
    this.serial.close();
  }
}
