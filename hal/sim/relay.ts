// A relay (SRD-05VDC class) behind a transistor driver. The coil is energised when the
// GPIO is at its active level AND no hardware trip (the 74HC74 latch) forces the driver
// off. Contacts (normally open) close operateMs after energising and open releaseMs after
// de-energising (datasheet: operate <= 10 ms, release <= 5-10 ms). The contact history is
// kept so the ADC model can ask whether current flowed at a past sample time.

export type RelaySource = 'js' | 'latch' | 'latch-reset' | 'native-isr';

export interface RelayCommand {
  tUs: number;
  energised: boolean;
  source: RelaySource;
}

export interface RelayOptions {
  activeHigh: boolean;
  releaseMs: number;
  operateMs: number;
}

export class SimRelay {
  /** each change of the coil state, with what caused it (none at construction) */
  readonly commands: RelayCommand[] = [];
  /** contact transitions (sorted by time) */
  readonly transitions: { tUs: number; closed: boolean }[] = [];
  private pinLevel: number;
  private forced = false;
  private coil = false;
  private readonly initialClosed: boolean;
  private readonly listeners: ((tUs: number) => void)[] = [];

  constructor(
    readonly name: string,
    private readonly opts: RelayOptions,
    private readonly clock: () => number,
    closedAtStart: boolean,
  ) {
    if (!(opts.releaseMs >= 0 && opts.operateMs >= 0)) {
      throw new RangeError(`relay.releaseMs and relay.operateMs must be >= 0 ms, got ${opts.releaseMs} and ${opts.operateMs}`);
    }
    this.initialClosed = closedAtStart;
    this.coil = closedAtStart;
    this.pinLevel = closedAtStart === opts.activeHigh ? 1 : 0;
  }

  /** The GPIO level that energises the coil. */
  get activeLevel(): number {
    return this.opts.activeHigh ? 1 : 0;
  }

  get energised(): boolean {
    return this.coil;
  }

  get forcedOff(): boolean {
    return this.forced;
  }

  /** GPIO level driven by firmware (or a native ISR). */
  get level(): number {
    return this.pinLevel;
  }

  /** Called when a contact transition is scheduled (the comparator model re-arms on it). */
  onTransition(cb: (tUs: number) => void): void {
    this.listeners.push(cb);
  }

  drive(level: number, source: RelaySource): void {
    this.pinLevel = level !== 0 ? 1 : 0;
    this.update(source);
  }

  /** Hardware override (trip latch): forces the driver off while set. */
  force(off: boolean, source: RelaySource): void {
    this.forced = off;
    this.update(source);
  }

  contactsClosed(tUs?: number): boolean {
    const t = tUs === undefined ? this.clock() : tUs;
    const tr = this.transitions;
    for (let k = tr.length - 1; k >= 0; k--) if (tr[k].tUs <= t) return tr[k].closed;
    return this.initialClosed;
  }

  /** First contact transition strictly after tUs, or Infinity. */
  nextTransitionAfter(tUs: number): number {
    const tr = this.transitions;
    let k = tr.length;
    while (k > 0 && tr[k - 1].tUs > tUs) k--;
    return k < tr.length ? tr[k].tUs : Infinity;
  }

  /** Time of the first de-energise command at or after tUs (for trip latency), or undefined. */
  firstOpenCommandAfter(tUs: number): RelayCommand | undefined {
    for (const c of this.commands) if (c.tUs >= tUs && !c.energised) return c;
    return undefined;
  }

  private update(source: RelaySource): void {
    const coil = this.pinLevel === this.activeLevel && !this.forced;
    if (coil === this.coil) return;
    this.coil = coil;
    const now = this.clock();
    this.commands.push({ tUs: now, energised: coil, source });
    const at = now + (coil ? this.opts.operateMs : this.opts.releaseMs) * 1000;
    // a newer command overrides contact moves still pending later than its own
    const tr = this.transitions;
    while (tr.length > 0 && tr[tr.length - 1].tUs > at) tr.pop();
    tr.push({ tUs: at, closed: coil });
    for (const cb of this.listeners) cb(at);
  }
}
