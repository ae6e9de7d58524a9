// A simulated GPIO line. Outputs are written by firmware (through io.Digital) or by a
// native ISR; inputs are driven by the board's circuits (comparator, latch, a button, a
// radio chip's IRQ). Listeners see each change of level with what caused it.

export type PinListener = (level: number, source: string) => void;

export class SimPin {
  private lvl: number;
  private readonly listeners: PinListener[] = [];
  /** true once anything has driven the line (an undriven input floats to its pull) */
  touched = false;

  constructor(
    readonly pin: number,
    initial = 0,
  ) {
    this.lvl = initial !== 0 ? 1 : 0;
  }

  get level(): number {
    return this.lvl;
  }

  /** Drive the line (0 or 1). Listeners run only when the level changes. */
  set(level: number, source = 'external'): void {
    const l = level !== 0 ? 1 : 0;
    this.touched = true;
    if (l === this.lvl) return;
    this.lvl = l;
    for (const cb of this.listeners.slice()) cb(l, source);
  }

  /** Listen to level changes; returns a function that removes the listener. */
  onChange(cb: PinListener): () => void {
    this.listeners.push(cb);
    return () => {
      const k = this.listeners.indexOf(cb);
      if (k >= 0) this.listeners.splice(k, 1);
    };
  }
}
