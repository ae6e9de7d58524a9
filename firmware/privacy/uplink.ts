// Data minimisation on the uplink to the utility. The household keeps the detail (the
// dashboard's 1 s / 1 min history); the utility receives only:
//   - one billing record per interval (30 min by default, the settlement period of GB and
//     many EU markets), {v, id, start, dur, wh}: the grid energy in whole Wh over the
//     interval, under a pseudonymous id;
//   - protection events, the documented exception (docs/PRIVACY.md), {v, id, t, event}:
//     the kind and the second it happened, because grid operation and safety need them
//     at once. No reading travels with an event.
// Nothing else leaves: no power, voltage, current, per-appliance or per-second value, no
// meter serial. The records are plain objects; the gateway serialises them at the edge.

export interface UplinkConfig {
  /** pseudonymous id the utility's billing escrow maps to the customer: 16 hex digits */
  pseudonym: string;
  /** billing interval, s: 300 .. 86400, dividing a day */
  intervalS: number;
}

export interface BillingRecord {
  v: number;
  id: string;
  /** interval start, s (epoch), a multiple of dur */
  start: number;
  dur: number;
  /** grid energy over the interval, whole Wh (the rounding remainder carries to the next) */
  wh: number;
}

export interface EventRecord {
  v: number;
  id: string;
  /** s (epoch), whole seconds */
  t: number;
  event: string;
}

/** The protection events that go upstream at once (the exception to aggregation). */
export const UPLINK_EVENTS = [
  'trip-overcurrent',
  'trip-overvoltage',
  'trip-undervoltage',
  'trip-earth-leakage',
  'gas-alarm',
  'over-temperature',
  'supply-lost',
  'supply-restored',
];

export function defaultUplink(pseudonym: string): UplinkConfig {
  return { pseudonym: pseudonym, intervalS: 1800 };
}

function isHex16(s: string): boolean {
  if (s.length !== 16) return false;
  for (let i = 0; i < 16; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

export function checkUplink(c: UplinkConfig): string {
  if (typeof c.pseudonym !== 'string' || !isHex16(c.pseudonym)) return 'pseudonym: "' + String(c.pseudonym) + '" is out of range (16 lower-case hex digits)';
  const i = c.intervalS;
  if (typeof i !== 'number' || i !== i || i < 300 || i > 86400 || Math.floor(i) !== i || 86400 % i !== 0) {
    return 'intervalS: ' + String(i) + ' is out of range (300 .. 86400 s, dividing a day)';
  }
  return '';
}

export class UtilityUplink {
  private readonly cfg: UplinkConfig;
  private readonly send: (r: BillingRecord | EventRecord) => void;
  private start = NaN;
  private wh = 0;
  private carry = 0;
  private any = false;

  constructor(cfg: UplinkConfig, send: (r: BillingRecord | EventRecord) => void) {
    const e = checkUplink(cfg);
    if (e !== '') throw new RangeError('uplink ' + e);
    this.cfg = cfg;
    this.send = send;
  }

  /**
   * Grid energy measured over (tS - dtS, tS], Wh, at whatever resolution the meter has.
   * It is booked to the interval holding tS; a step that straddles a boundary is split
   * in proportion to time.
   */
  addEnergy(tS: number, dtS: number, wh: number): void {
    const d = this.cfg.intervalS;
    const from = tS - dtS;
    let t = from;
    while (t < tS) {
      const iv = Math.floor(t / d) * d;
      const to = iv + d < tS ? iv + d : tS;
      this.book(iv, dtS > 0 ? (wh * (to - t)) / dtS : wh);
      t = to;
    }
    if (dtS <= 0) this.book(Math.floor(tS / d) * d, wh);
  }

  private book(iv: number, wh: number): void {
    // a late reading (clock stepped back) joins the open interval rather than reopen a sent one
    if (iv < this.start) iv = this.start;
    if (this.start !== iv) {
      if (this.any) this.close();
      this.start = iv;
      this.wh = 0;
    }
    this.wh += wh;
    this.any = true;
  }

  private close(): void {
    const exact = this.wh + this.carry;
    const whole = Math.round(exact);
    this.carry = exact - whole;
    this.send({ v: 1, id: this.cfg.pseudonym, start: this.start, dur: this.cfg.intervalS, wh: whole });
    this.any = false;
  }

  /** Closes the open interval (at its end time, or on shutdown). */
  flush(): void {
    if (this.any) this.close();
  }

  /** A protection event goes upstream at once. Returns false for a kind that is not on the list. */
  event(tS: number, kind: string): boolean {
    if (UPLINK_EVENTS.indexOf(kind) < 0) return false;
    this.send({ v: 1, id: this.cfg.pseudonym, t: Math.floor(tS), event: kind });
    return true;
  }
}
