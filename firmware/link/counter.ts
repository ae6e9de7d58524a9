// Frame counter that is never reused under one key, across reboots and power cuts.
//
// The counter is part of the XSalsa20 nonce (firmware/link/crypto.ts); sending two frames
// with the same counter under the same key reuses keystream and a Poly1305 key, which
// breaks both secrecy and integrity (the LoRaWAN 1.0.3 counter-reset failure).
//
// Scheme (OpenThread stores its MAC frame counter 1000 ahead the same way): flash holds a
// high-water mark M, a promise that no value >= M has been used. On boot the counter
// resumes at M. Before handing out a value >= M, the next mark M' = value + reserve is
// committed through a power-cut-safe record (firmware/store/records.ts). A cut during that
// write leaves either M (resume at M: the value was never sent) or M' (resume at M', which
// skips ahead). Either way no value is handed out twice. Cost: up to `reserve` values are
// skipped per reboot, and one flash write per `reserve` frames.
import type { Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';

/** Counters travel as u32; the last value is kept back so "exhausted" is unambiguous. */
export const COUNTER_MAX = 0xfffffffe;

export class FrameCounter {
  private readonly record: PersistentRecord;
  private current: number;
  private mark: number;
  private readonly buf = new Uint8Array(4);
  /** flash writes made by this counter (wear accounting) */
  markWrites = 0;

  /** `reserve` is how far ahead each persisted mark reaches (1 .. 1e6). */
  constructor(
    store: Store,
    key: string,
    readonly reserve: number,
  ) {
    if (!(reserve >= 1 && reserve <= 1000000) || Math.floor(reserve) !== reserve) {
      throw new Error(`counter reserve ${reserve} out of range 1..1000000`);
    }
    this.record = new PersistentRecord(store, key);
    const r = this.record.read();
    this.mark = r.ok && r.value.length === 4 ? getU32(r.value, 0) : 0;
    this.current = this.mark;
  }

  /** The value the next call to next() would return (no side effect). */
  peek(): number {
    return this.current;
  }

  /** The persisted high-water mark: no value >= this has been handed out. */
  persistedMark(): number {
    return this.mark;
  }

  /**
   * Hand out the next counter value, committing the next mark first when needed.
   * Returns -1 when the counter space is exhausted (the key must be rotated).
   * A store failure (power cut) propagates before any value is returned.
   */
  next(): number {
    if (this.current > COUNTER_MAX) return -1;
    if (this.current >= this.mark) {
      let m = this.current + this.reserve;
      if (m > COUNTER_MAX + 1) m = COUNTER_MAX + 1;
      putU32(this.buf, 0, m);
      this.record.write(this.buf);
      this.markWrites++;
      this.mark = m;
    }
    const v = this.current;
    this.current = v + 1;
    return v;
  }
}
