// The control unit's security event log: every refused frame (on the air) and every
// refusal a node reports (in its security events and command acks), with a reason, in a
// bounded ring (oldest dropped first) plus totals by reason that never roll over.

export interface SecurityEvent {
  tUs: number;
  /** node id from the frame header (0 when the frame was too short to have one) */
  nodeId: number;
  /** 'air': this control unit refused a frame; 'node': a node reported refusals */
  source: 'air' | 'node';
  reason: string;
  /** how many refusals this entry stands for (a node's report aggregates) */
  count: number;
}

export class SecurityLog {
  private readonly ring: SecurityEvent[] = [];
  private head = 0;
  readonly totals: Record<string, number> = {};
  total = 0;

  /** keeps the last `capacity` entries (1..10000) */
  constructor(readonly capacity: number) {
    if (!(capacity >= 1 && capacity <= 10000)) throw new RangeError(`SecurityLog.capacity ${capacity} out of range 1..10000`);
  }

  add(e: SecurityEvent): void {
    if (this.ring.length < this.capacity) this.ring.push(e);
    else {
      this.ring[this.head] = e;
      this.head = (this.head + 1) % this.capacity;
    }
    const key = e.source + '.' + e.reason;
    this.totals[key] = (this.totals[key] === undefined ? 0 : this.totals[key]) + e.count;
    this.total += e.count;
  }

  /** entries, oldest first */
  list(): SecurityEvent[] {
    const out: SecurityEvent[] = [];
    for (let i = 0; i < this.ring.length; i++) out.push(this.ring[(this.head + i) % this.ring.length]);
    return out;
  }

  count(key: string): number {
    return this.totals[key] === undefined ? 0 : this.totals[key];
  }
}
