// The access log (issue 7, item 6): append-only, each record hash-chained to the one before
// it, kept in the power-cut-safe store (firmware/store/records.ts).
//
// Hash: SHA-256 (firmware/access/sha.ts), not tweetnacl's SHA-512 truncated: the chain needs
// 128-bit collision resistance, which both give, and SHA-256 works on 32-bit words where
// tweetnacl's SHA-512 emulates 64-bit words in 16-bit limbs, so a record costs fewer XS
// computrons (`npm run bench`: xs.computrons_log_append).
//
// Layout: a ring of `capacity` records, record i in PersistentRecord `<prefix>.<i mod cap>`:
//   [0..31]  hash of record i-1 (32 zero bytes for record 0)
//   [32..35] index i, u32 LE       [36..39] time, Unix s, u32 LE (0 = clock not set)
//   [40]     kind                   [41]     text length      [42..] text (ASCII)
// and a head, PersistentRecord `<prefix>.head`: [count u32 LE][hash of the newest record].
// Append writes the record, then the head; only then is it acknowledged. A cut inside the
// record write leaves the old slot (not acknowledged, not lost); a cut inside the head write
// leaves a complete record one past the head, which the next boot rolls forward.
//
// Verification at boot (and on demand) walks the ring oldest to newest: a record whose
// stored previous-hash is not the hash of the record before it is "tampered", a missing or
// unreadable record or a head that names a newer hash than the last record is "truncated".
// What a chain cannot see: an attacker who rewrites every later record and the head as well.
// The head hash goes out with every access record on the PC link, so a copy off the board
// pins it (docs/CONTROL-UNIT.md, "Access log").
import type { Store } from '../../hal/io';
import { getU32, PersistentRecord, putU32 } from '../store/records';
import { copyBytes, sha256 } from './sha';

export const LOG_KINDS = [
  'enrol',
  'enrol-failed',
  'identify-match',
  'identify-no-match',
  'finger-deleted',
  'reader-wiped',
  'pass-issued',
  'pass-used',
  'pass-refused',
  'action',
  'action-refused',
  'alarm',
  'reader-error',
];
export type LogKind =
  | 'enrol'
  | 'enrol-failed'
  | 'identify-match'
  | 'identify-no-match'
  | 'finger-deleted'
  | 'reader-wiped'
  | 'pass-issued'
  | 'pass-used'
  | 'pass-refused'
  | 'action'
  | 'action-refused'
  | 'alarm'
  | 'reader-error';

export const LOG_TEXT_MAX = 120;
const HASH = 32;
const HEAD = 42;

export interface LogEntry {
  index: number;
  unixS: number;
  kind: string;
  text: string;
  /** this record's hash, hex */
  hash: string;
}

export interface LogCheck {
  ok: boolean;
  /** '' when ok; 'tampered' or 'truncated' */
  alarm: string;
  /** the first record index that failed, -1 if none */
  at: number;
  detail: string;
}

function kindCode(kind: string): number {
  for (let i = 0; i < LOG_KINDS.length; i++) if (LOG_KINDS[i] === kind) return i;
  return -1;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class AccessLog {
  private readonly slots: PersistentRecord[] = [];
  private readonly head: PersistentRecord;
  private n = 0;
  private last: Uint8Array = new Uint8Array(HASH);
  /** the result of the last verification (boot, or verify()) */
  check: LogCheck = { ok: true, alarm: '', at: -1, detail: '' };

  constructor(
    store: Store,
    readonly capacity: number,
    prefix?: string,
  ) {
    if (!(capacity >= 2 && capacity <= 4096 && Math.floor(capacity) === capacity))
      throw new RangeError('AccessLog capacity ' + capacity + ' out of range 2..4096');
    const p = prefix === undefined ? 'acc.log' : prefix;
    for (let i = 0; i < capacity; i++) this.slots.push(new PersistentRecord(store, p + '.' + i));
    this.head = new PersistentRecord(store, p + '.head');
    const h = this.head.read();
    if (h.ok && h.value.length === 4 + HASH) {
      this.n = getU32(h.value, 0);
      this.last = copyBytes(h.value, 4, 4 + HASH);
    }
    // roll forward a record whose head write was cut
    const next = this.raw(this.n);
    if (next !== undefined && same(next.subarray(0, HASH), this.last)) {
      this.n++;
      this.last = sha256(next);
      this.writeHead();
    }
    this.check = this.verify();
  }

  /** records appended since the log began (indices 0 .. count-1; the ring keeps the newest `capacity`) */
  count(): number {
    return this.n;
  }

  headHash(): string {
    return hex(this.last);
  }

  private raw(i: number): Uint8Array | undefined {
    const r = this.slots[i % this.capacity].read();
    if (!r.ok || r.value.length < HEAD || getU32(r.value, HASH) !== i) return undefined;
    return r.value;
  }

  private writeHead(): string {
    const h = new Uint8Array(4 + HASH);
    putU32(h, 0, this.n);
    h.set(this.last, 4);
    return this.head.write(h);
  }

  /**
   * Append one record; returns '' once it is on flash (acknowledged) or an error naming the
   * field. A power cut inside propagates from the store (hal/sim: PowerCut).
   */
  append(kind: LogKind, text: string, unixS: number): string {
    const k = kindCode(kind);
    if (k < 0) return 'kind ' + kind + ' is not one of ' + LOG_KINDS.join(', ');
    if (text.length > LOG_TEXT_MAX) text = text.substring(0, LOG_TEXT_MAX - 3) + '...';
    const v = new Uint8Array(HEAD + text.length);
    v.set(this.last, 0);
    putU32(v, HASH, this.n);
    putU32(v, HASH + 4, unixS > 0 && unixS < 4294967296 ? Math.floor(unixS) : 0);
    v[HASH + 8] = k;
    v[HASH + 9] = text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      v[HEAD + i] = c < 32 || c > 126 ? 63 : c; // ASCII only: '?' for anything else
    }
    const e = this.slots[this.n % this.capacity].write(v);
    if (e !== '') return e;
    this.n++;
    this.last = sha256(v);
    return this.writeHead();
  }

  /** Walk the kept records, oldest to newest, and the head. */
  verify(): LogCheck {
    const first = this.n > this.capacity ? this.n - this.capacity : 0;
    let prev: Uint8Array | undefined;
    for (let i = first; i < this.n; i++) {
      const v = this.raw(i);
      if (v === undefined) return this.fail('truncated', i, 'record ' + i + ' missing or unreadable');
      if (prev !== undefined && !same(v.subarray(0, HASH), sha256(prev)))
        return this.fail('tampered', i - 1, 'record ' + (i - 1) + ' does not hash to the link stored in record ' + i);
      if (prev === undefined && i === 0 && !same(v.subarray(0, HASH), new Uint8Array(HASH)))
        return this.fail('tampered', 0, 'record 0 does not start the chain');
      prev = v;
    }
    if (prev !== undefined && !same(sha256(prev), this.last)) return this.fail('tampered', this.n - 1, 'the newest record does not hash to the head');
    // a record newer than the head: the head was rolled back or erased (the log cut short)
    for (let k = 0; k < this.capacity; k++) {
      const r = this.slots[k].read();
      if (r.ok && r.value.length >= HEAD && getU32(r.value, HASH) >= this.n)
        return this.fail('truncated', this.n, 'record ' + getU32(r.value, HASH) + ' is past the head (' + this.n + ' records)');
    }
    this.check = { ok: true, alarm: '', at: -1, detail: '' };
    return this.check;
  }

  private fail(alarm: string, at: number, detail: string): LogCheck {
    this.check = { ok: false, alarm: alarm, at: at, detail: detail };
    return this.check;
  }

  /** The kept records from index `from`, at most `max`. */
  entries(from: number, max: number): LogEntry[] {
    const out: LogEntry[] = [];
    const first = this.n > this.capacity ? this.n - this.capacity : 0;
    for (let i = from < first ? first : from; i < this.n && out.length < max; i++) {
      const v = this.raw(i);
      if (v === undefined) continue;
      let text = '';
      for (let k = 0; k < v[HASH + 9] && HEAD + k < v.length; k++) text += String.fromCharCode(v[HEAD + k]);
      const kc = v[HASH + 8];
      out.push({ index: i, unixS: getU32(v, HASH + 4), kind: kc < LOG_KINDS.length ? LOG_KINDS[kc] : 'unknown', text: text, hash: hex(sha256(v)) });
    }
    return out;
  }
}
