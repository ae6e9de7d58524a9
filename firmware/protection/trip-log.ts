// Trip event record: a fixed ring in RAM (the app persists it). Every trip writes one
// entry with the time, the reason and the measured values that caused it.

export interface TripEvent {
  seq: number;
  tUs: number;
  reason: string;
  detail: string;
  vrms: number;
  irms: number;
  p: number;
  iPeak: number;
  tempC: number;
  /** NaN unless the gas sensor was ok at the trip (an MQ-6 reads a false high until warm) */
  gasPpm: number;
  /** the gas sensor at the trip: 'ok', 'warming' or 'fault' */
  gas: string;
  /** breaker state after the trip */
  state: string;
}

export class TripLog {
  readonly entries: TripEvent[] = [];
  private next = 0;
  seq = 0;
  listener: ((e: TripEvent) => void) | undefined = undefined;

  constructor(readonly capacity: number) {}

  add(e: TripEvent): void {
    this.seq++;
    e.seq = this.seq;
    if (this.entries.length < this.capacity) this.entries.push(e);
    else this.entries[this.next] = e;
    this.next = (this.next + 1) % this.capacity;
    if (this.listener !== undefined) this.listener(e);
  }

  /** Put back records kept in flash (oldest first); numbering continues after them. */
  restore(list: TripEvent[]): void {
    for (let k = 0; k < list.length; k++) {
      const e = list[k];
      if (this.entries.length < this.capacity) this.entries.push(e);
      else this.entries[this.next] = e;
      this.next = (this.next + 1) % this.capacity;
      if (e.seq > this.seq) this.seq = e.seq;
    }
  }

  /** oldest first */
  list(): TripEvent[] {
    const out: TripEvent[] = [];
    const n = this.entries.length;
    const start = n < this.capacity ? 0 : this.next;
    for (let k = 0; k < n; k++) out.push(this.entries[(start + k) % n]);
    return out;
  }

  last(): TripEvent | undefined {
    const n = this.entries.length;
    if (n === 0) return undefined;
    return this.entries[(this.next - 1 + n) % n];
  }
}
