// The control unit's security event log: every refused frame (on the air) and every
// refusal a node reports (in its security events and command acks), with a reason, in a
// bounded ring (oldest dropped first) plus totals by reason that never roll over.
// A repeat of one of the COALESCE_DEPTH newest entries (same source, node and reason,
// within COALESCE_US of it) adds to its count instead of taking a new slot: under a flood
// of forged frames a refusal costs a few compares and two additions, no allocation, and the
// ring still shows what else happened (a flood on 3 nodes with 2 reasons takes 6 slots a second).

export interface SecurityEvent {
  tUs: number;
  /** node id from the frame header (0 when the frame was too short to have one) */
  nodeId: number;
  /** 'air': this control unit refused a frame; 'node': a node reported refusals; 'pc-link': the unit refused a demand-response order */
  source: 'air' | 'node' | 'pc-link';
  reason: string;
  /** how many refusals this entry stands for (a node's report aggregates) */
  count: number;
}

/** repeats of a recent entry within this time join it */
export const COALESCE_US = 1e6;
/** how many of the newest entries a repeat may join */
export const COALESCE_DEPTH = 8;

export class SecurityLog {
  private readonly ring: SecurityEvent[] = [];
  private head = 0;
  /** totals key of each ring slot */
  private readonly keys: string[] = [];
  readonly totals: Record<string, number> = {};
  total = 0;

  /** keeps the last `capacity` entries (1..10000) */
  constructor(readonly capacity: number) {
    if (!(capacity >= 1 && capacity <= 10000)) throw new RangeError(`SecurityLog.capacity ${capacity} out of range 1..10000`);
  }

  /** One refusal on the air: no allocation when it repeats the newest entry (a flood). */
  addAir(tUs: number, nodeId: number, reason: string): void {
    if (this.join(tUs, nodeId, 'air', reason, 1)) return;
    this.add({ tUs: tUs, nodeId: nodeId, source: 'air', reason: reason, count: 1 });
  }

  /** slot index of the k-th newest entry */
  private at(k: number): number {
    const n = this.ring.length;
    return n < this.capacity ? n - 1 - k : (this.head - 1 - k + 2 * this.capacity) % this.capacity;
  }

  private join(tUs: number, nodeId: number, source: string, reason: string, count: number): boolean {
    const depth = this.ring.length < COALESCE_DEPTH ? this.ring.length : COALESCE_DEPTH;
    for (let k = 0; k < depth; k++) {
      const i = this.at(k);
      const n = this.ring[i];
      if (tUs - n.tUs >= COALESCE_US) return false; // older ones are older still
      if (n.nodeId === nodeId && n.reason === reason && n.source === source) {
        n.count += count;
        this.totals[this.keys[i]] += count;
        this.total += count;
        return true;
      }
    }
    return false;
  }

  add(e: SecurityEvent): void {
    if (this.join(e.tUs, e.nodeId, e.source, e.reason, e.count)) return;
    const key = e.source + '.' + e.reason;
    if (this.ring.length < this.capacity) {
      this.ring.push(e);
      this.keys.push(key);
    } else {
      this.ring[this.head] = e;
      this.keys[this.head] = key;
      this.head = (this.head + 1) % this.capacity;
    }
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
