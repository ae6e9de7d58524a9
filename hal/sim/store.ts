// Simulated flash key-value store with power-cut fault injection.
//
// A real NVS/flash write is not atomic: power can fail part-way, leaving the first bytes
// new and the rest as they were (or erased, 0xFF). `cutPowerAfterBytes(n)` arms a cut
// that tears the next write after n bytes and throws PowerCut, which a test treats as
// a reset: it then rebuilds the firmware from the same store and checks what survived.
// Firmware may catch the PowerCut (a hook guard does: no listener may stop protection),
// so the cut also kills the store until the next boot (every later write throws and
// changes nothing: the CPU has stopped) and calls `onCut`, which the SimBoard uses to
// halt its scheduler at the end of the current event.
import type { Store } from '../io';

export class PowerCut extends Error {
  constructor(
    readonly key: string,
    readonly bytesWritten: number,
  ) {
    super(`power cut while writing '${key}' after ${bytesWritten} bytes`);
    this.name = 'PowerCut';
  }
}

export type TearFill = 'old' | 'erased';

export class SimStore implements Store {
  private readonly cells = new Map<string, Uint8Array>();
  private cutAfter = -1;
  private tearFill: TearFill = 'erased';
  private dead: PowerCut | undefined = undefined;
  /** called once per cut (the SimBoard halts its scheduler) */
  onCut: ((e: PowerCut) => void) | undefined = undefined;
  writes = 0;
  bytesWritten = 0;

  read(key: string): Uint8Array | undefined {
    const v = this.cells.get(key);
    return v === undefined ? undefined : v.slice();
  }

  write(key: string, value: Uint8Array): void {
    if (this.dead !== undefined) throw new PowerCut(key, 0);
    this.writes++;
    if (this.cutAfter >= 0) {
      const n = Math.min(this.cutAfter, value.length);
      this.cutAfter = -1;
      const old = this.cells.get(key);
      const torn = new Uint8Array(value.length);
      for (let i = 0; i < value.length; i++) {
        if (i < n) torn[i] = value[i];
        else torn[i] = this.tearFill === 'old' && old !== undefined && i < old.length ? old[i] : 0xff;
      }
      this.cells.set(key, torn);
      this.bytesWritten += n;
      const cut = new PowerCut(key, n);
      // on a board, the board is off until it boots again (a bare store in a unit test is
      // "rebooted" by the test itself, which just carries on with it)
      if (this.onCut !== undefined) {
        this.dead = cut;
        this.onCut(cut);
      }
      throw cut;
    }
    this.cells.set(key, value.slice());
    this.bytesWritten += value.length;
  }

  delete(key: string): void {
    if (this.dead !== undefined) throw new PowerCut(key, 0);
    this.cells.delete(key);
  }

  /** Power returns (a new boot on this store): writes work again. */
  powerOn(): void {
    this.dead = undefined;
  }

  /** Arm a power cut: the next write stops after `bytes` bytes and throws PowerCut. */
  cutPowerAfterBytes(bytes: number, fill: TearFill = 'erased'): void {
    this.cutAfter = bytes;
    this.tearFill = fill;
  }

  keys(): string[] {
    return [...this.cells.keys()].sort();
  }

  /** A copy of the whole store, e.g. to write a provisioning image. */
  snapshot(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const k of this.keys()) out[k] = [...(this.cells.get(k) as Uint8Array)];
    return out;
  }

  static fromSnapshot(snap: Record<string, number[]>): SimStore {
    const s = new SimStore();
    for (const k of Object.keys(snap)) s.cells.set(k, Uint8Array.from(snap[k]));
    return s;
  }
}
