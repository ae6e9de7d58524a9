// The control unit's security event log: every refused frame (on the air) and every
// refusal a node reports (in its security events and command acks), with a reason, in a
// bounded ring (oldest dropped first) plus totals by reason that never roll over.
// Repeats of the newest entry (same source, node and reason within COALESCE_US of it) add
// to its count instead of taking a new slot: under a flood of forged frames a refusal
// costs a few compares and two additions, no allocation, and the ring still shows what
// else happened.

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

/** repeats of the newest entry within this time join it */
export const COALESCE_US = 1e6;

export class SecurityLog {
  private readonly ring: SecurityEvent[] = [];
  private head = 0;
  private newest: SecurityEvent | undefined;
  private newestKey = '';
  readonly totals: Record<string, number> = {};
  total = 0;

  /** keeps the last `capacity` entries (1..10000) */
  constructor(readonly capacity: number) {
    if (!(capacity >= 1 && capacity <= 10000)) throw new RangeError(`SecurityLog.capacity ${capacity} out of range 1..10000`);
  }

  /** One refusal on the air: no allocation when it repeats the newest entry (a flood). */
  addAir(tUs: number, nodeId: number, reason: string): void {
    const n = this.newest;
    if (n !== undefined && n.nodeId === nodeId && n.reason === reason && n.source === 'air' && tUs - n.tUs < COALESCE_US) {
      n.count++;
      this.totals[this.newestKey]++;
      this.total++;
      return;
    }
    this.add({ tUs: tUs, nodeId: nodeId, source: 'air', reason: reason, count: 1 });
  }

  add(e: SecurityEvent): void {
    const n = this.newest;
    if (n !== undefined && n.nodeId === e.nodeId && n.reason === e.reason && n.source === e.source && e.tUs - n.tUs < COALESCE_US) {
      n.count += e.count;
      this.totals[this.newestKey] += e.count;
      this.total += e.count;
      return;
    }
    this.newest = e;
    if (this.ring.length < this.capacity) this.ring.push(e);
    else {
      this.ring[this.head] = e;
      this.head = (this.head + 1) % this.capacity;
    }
    const key = e.source + '.' + e.reason;
    this.newestKey = key;
    this.totals[key] = (this.totals[key] === undefined ? 0 : this.totals[key]) + e.count;
    this.total += e.count;
  }

  /** entries, oldest first */
  list(): SecurityEvent[] {
    const out: SecurityEvent[] = [];
    for (let i = 0; i < this.ring.length; i++) out.push(this.ring[(this.head + i) % this.ring.length]);
    return out;
  }

  /** entries held (at most `capacity`) */
  size(): number {
    return this.ring.length;
  }

  count(key: string): number {
    return this.totals[key] === undefined ? 0 : this.totals[key];
  }
}
