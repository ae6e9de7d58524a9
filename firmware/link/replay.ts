// Sliding anti-replay window, 64 deep, after RFC 6479 ("IPsec Anti-Replay Algorithm
// without Bit Shifting"): a ring of 32-bit blocks; moving the window clears whole blocks
// instead of shifting a bitmap. With 3 blocks (96 bits) the guaranteed depth is
// (3 - 1) * 32 = 64 counters behind the highest accepted one.
//
// Use: check() before spending time on the tag (cheap rejection), accept() only after the
// tag verified. A forged frame therefore never moves the window.
//
// The control unit persists each window (16 bytes) through a power-cut-safe record, so a
// reboot of the control unit restores exactly the same decisions.
import type { Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';

export const REPLAY_WINDOW = 64;
const BLOCKS = 3;

export type ReplayVerdict = '' | 'replay' | 'old';

export class ReplayWindow {
  /** highest accepted counter, -1 before the first */
  top = -1;
  private readonly bits = [0, 0, 0];

  /** '' if `counter` may be fresh, 'replay' if already accepted, 'old' if behind the window. */
  check(counter: number): ReplayVerdict {
    if (counter > this.top) return '';
    if (counter + REPLAY_WINDOW <= this.top) return 'old';
    const block = (counter >>> 5) % BLOCKS;
    if ((this.bits[block] & (1 << (counter & 31))) !== 0) return 'replay';
    return '';
  }

  /** Record `counter` as seen. Call only after check() === '' and the tag verified. */
  accept(counter: number): void {
    if (counter > this.top) {
      const cur = this.top < 0 ? -1 : this.top >>> 5;
      const idx = counter >>> 5;
      let diff = idx - cur;
      if (diff > BLOCKS) diff = BLOCKS;
      for (let i = 1; i <= diff; i++) this.bits[(cur + i + BLOCKS) % BLOCKS] = 0;
      this.top = counter;
    }
    const block = (counter >>> 5) % BLOCKS;
    this.bits[block] = (this.bits[block] | (1 << (counter & 31))) >>> 0;
  }

  /** 16-byte image: top+1 (u32, 0 = none), then the three blocks. */
  save(out: Uint8Array): void {
    putU32(out, 0, this.top + 1);
    for (let i = 0; i < BLOCKS; i++) putU32(out, 4 + 4 * i, this.bits[i]);
  }

  restore(img: Uint8Array): boolean {
    if (img.length !== 16) return false;
    this.top = getU32(img, 0) - 1;
    for (let i = 0; i < BLOCKS; i++) this.bits[i] = getU32(img, 4 + 4 * i);
    return true;
  }
}

/**
 * A replay window backed by flash: every accept() is written through before the caller
 * acts on the frame, so a replay after a control-unit reboot is still rejected. (One
 * 28-byte record write per accepted frame; mains-powered control unit, see docs/LINK.md.)
 */
export class PersistentReplayWindow {
  readonly window = new ReplayWindow();
  private readonly record: PersistentRecord;
  private readonly img = new Uint8Array(16);
  private readonly next = new ReplayWindow();

  constructor(store: Store, key: string) {
    this.record = new PersistentRecord(store, key);
    const r = this.record.read();
    if (r.ok) this.window.restore(r.value);
  }

  check(counter: number): ReplayVerdict {
    return this.window.check(counter);
  }

  accept(counter: number): void {
    // commit the window as it will be, then apply it: a cut during the write leaves the
    // frame unaccepted, on flash and in RAM alike
    this.window.save(this.img);
    this.next.restore(this.img);
    this.next.accept(counter);
    this.next.save(this.img);
    this.record.write(this.img);
    this.window.accept(counter);
  }
}
