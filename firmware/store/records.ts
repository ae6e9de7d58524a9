// Power-cut-safe records on top of hal Store (NVS / flash), whose single writes are NOT
// atomic (hal/io.ts): a cut can leave a slot torn (new prefix, old or erased suffix).
//
// Each record keeps two slots, `<key>.a` and `<key>.b`. A slot is
//   [0]    magic 0x5D
//   [1]    layout version (1)
//   [2..5] sequence number, u32 little-endian, serial-number arithmetic (RFC 1982)
//   [6..7] value length, u16 little-endian
//   [8..]  value
//   last 4 CRC-32 (firmware/store/crc32.ts) over everything before it, little-endian
// Read takes the newest slot whose CRC holds. Write goes to the other (older or broken)
// slot with sequence newest+1. So a cut at any byte of a write leaves the previous slot
// intact: the reader sees either the old value or the complete new one, never garbage.
// (A torn slot passes CRC-32 only by a 2^-32 accident.)
import type { Store } from '../../hal/io';
import { crc32 } from './crc32';

const MAGIC = 0x5d;
const LAYOUT = 1;
const HEAD = 8;
const TAIL = 4;
/** Largest value a record holds (NVS blob entries on ESP-IDF allow far more). */
export const RECORD_MAX_VALUE = 1024;

export type RecordRead = { ok: true; value: Uint8Array; seq: number } | { ok: false; reason: 'empty' };

interface Slot {
  seq: number;
  value: Uint8Array;
}

/**
 * A copy of src[start, end) as a new Uint8Array. Not src.slice(): in Espruino (2v29, the
 * real interpreter) a typed array's slice returns a plain Array, without .buffer, which
 * broke every boot after the first stored record.
 */
function copyBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let k = start; k < end; k++) out[k - start] = src[k];
  return out;
}

function parseSlot(raw: Uint8Array | undefined): Slot | undefined {
  if (raw === undefined || raw.length < HEAD + TAIL) return undefined;
  if (raw[0] !== MAGIC || raw[1] !== LAYOUT) return undefined;
  const len = raw[6] | (raw[7] << 8);
  if (len > RECORD_MAX_VALUE || raw.length !== HEAD + len + TAIL) return undefined;
  const want = (raw[HEAD + len] | (raw[HEAD + len + 1] << 8) | (raw[HEAD + len + 2] << 16) | (raw[HEAD + len + 3] << 24)) >>> 0;
  if (crc32(raw, 0, HEAD + len) !== want) return undefined;
  const seq = (raw[2] | (raw[3] << 8) | (raw[4] << 16) | (raw[5] << 24)) >>> 0;
  return { seq: seq, value: copyBytes(raw, HEAD, HEAD + len) };
}

/** true when sequence a is newer than b (RFC 1982 serial arithmetic on 32 bits). */
function newer(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}

export class PersistentRecord {
  private lastSeq = 0;
  private lastSlot = ''; // '' = nothing valid on flash yet
  private cached: Uint8Array | undefined;

  constructor(
    private readonly store: Store,
    readonly key: string,
  ) {
    this.load();
  }

  private load(): void {
    const a = parseSlot(this.store.read(this.key + '.a'));
    const b = parseSlot(this.store.read(this.key + '.b'));
    let pick: Slot | undefined;
    let name = '';
    if (a !== undefined && (b === undefined || !newer(b.seq, a.seq))) {
      pick = a;
      name = 'a';
    } else if (b !== undefined) {
      pick = b;
      name = 'b';
    }
    if (pick === undefined) {
      this.lastSlot = '';
      this.lastSeq = 0;
      this.cached = undefined;
    } else {
      this.lastSlot = name;
      this.lastSeq = pick.seq;
      this.cached = pick.value;
    }
  }

  /**
   * true when a slot exists on flash but does not hold a valid record: the last write to
   * it was cut (or the flash is damaged). After writeAlone() a record has one slot only,
   * so a cut anywhere in its next write leaves this mark.
   */
  torn(): boolean {
    const ka = this.key + '.a';
    const kb = this.key + '.b';
    const a = this.store.read(ka);
    const b = this.store.read(kb);
    return (a !== undefined && parseSlot(a) === undefined) || (b !== undefined && parseSlot(b) === undefined);
  }

  /**
   * Commit a value and then erase the other slot, so that the next write goes to an empty
   * slot and a cut anywhere in it shows as torn() (a two-slot write into an old slot that
   * a cut leaves unchanged looks like no write at all). For records whose interrupted
   * write must be noticed, such as the latched trip (firmware/app/memory.ts).
   */
  writeAlone(value: Uint8Array): string {
    const err = this.write(value);
    if (err !== '') return err;
    this.store.delete(this.key + '.' + (this.lastSlot === 'a' ? 'b' : 'a'));
    return '';
  }

  /** The newest committed value (a copy), or 'empty' if no slot is valid. */
  read(): RecordRead {
    if (this.cached === undefined) return { ok: false, reason: 'empty' };
    return { ok: true, value: copyBytes(this.cached, 0, this.cached.length), seq: this.lastSeq };
  }

  /**
   * Commit a value. Returns an error string (naming the field and range) for a bad
   * value; otherwise '' once the slot write has returned. A power cut inside the store
   * write propagates from the store (in hal/sim: PowerCut) and leaves the old value.
   */
  write(value: Uint8Array): string {
    if (value.length > RECORD_MAX_VALUE) return `value.length ${value.length} out of range 0..${RECORD_MAX_VALUE}`;
    const seq = this.lastSlot === '' ? 1 : (this.lastSeq + 1) >>> 0;
    const slot = this.lastSlot === 'a' ? 'b' : 'a';
    const len = value.length;
    const raw = new Uint8Array(HEAD + len + TAIL);
    raw[0] = MAGIC;
    raw[1] = LAYOUT;
    raw[2] = seq & 0xff;
    raw[3] = (seq >>> 8) & 0xff;
    raw[4] = (seq >>> 16) & 0xff;
    raw[5] = (seq >>> 24) & 0xff;
    raw[6] = len & 0xff;
    raw[7] = (len >>> 8) & 0xff;
    raw.set(value, HEAD);
    const c = crc32(raw, 0, HEAD + len);
    raw[HEAD + len] = c & 0xff;
    raw[HEAD + len + 1] = (c >>> 8) & 0xff;
    raw[HEAD + len + 2] = (c >>> 16) & 0xff;
    raw[HEAD + len + 3] = (c >>> 24) & 0xff;
    this.store.write(this.key + '.' + slot, raw);
    this.lastSlot = slot;
    this.lastSeq = seq;
    this.cached = copyBytes(value, 0, value.length);
    return '';
  }
}

/** Little-endian u32 helpers for record payloads. */
export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
export function getU32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
