// The household policy (USaPP "system management"): one ordered table settles every
// conflict between requests for the same resource (a load relay, the main relay, the
// battery). docs/POLICY.md is the table in words; this module is the only place it is
// enforced, and host-tests/policy-table.test.ts tests every conflicting pair.
//
//   rank 1  safety    protection trips, gas, temperature (also battery faults)
//   rank 2  utility   the utility's signed demand-response and disconnect orders, rate-limited
//   rank 3  user      user overrides
//   rank 4  savings   the load scheduler (and price-driven battery use)
//   rank 5  privacy   load hiding (the battery only)
//
// A resource does what its highest-ranked live claim says. A request from a lower rank
// than the current owner is refused, naming the owner; a higher one takes over, and when
// it is released or expires the next claim down resumes (the battery goes back to load
// hiding after a demand-response order ends). Safety is never refused and is not asked:
// protection trips the relay itself and then tells the policy, so no listener here can
// delay or stop a trip.

export const SAFETY = 1;
export const UTILITY = 2;
export const USER = 3;
export const SAVINGS = 4;
export const PRIVACY = 5;
export const SOURCE_NAMES = ['', 'safety', 'utility', 'user', 'savings', 'privacy'];

/** Utility orders accepted per resource in any rolling hour (a compromised or buggy head-end cannot flap a relay). */
export const UTILITY_ORDERS_PER_HOUR = 4;

export interface Request {
  source: number;
  /** 'main', 'relay:<name>' or 'battery' */
  resource: string;
  /** relays: 'on' | 'off'; battery: 'charge' | 'discharge' | 'idle' | 'hide' | 'cap' (discharge what the load draws above `watts`) */
  action: string;
  /** battery power for charge/discharge, W; for 'cap' the grid import it holds the home to, W */
  watts?: number;
  /** the claim lapses at this time (s); undefined: until released */
  untilS?: number;
  /** utility orders only: the link layer verified the utility's signature */
  verified?: boolean;
}

export interface Decision {
  granted: boolean;
  /** the source that now decides the resource */
  owner: number;
  reason: string;
}

interface Claim {
  req: Request;
  atS: number;
}

const RELAY_ACTIONS = ['on', 'off'];
const BATTERY_ACTIONS = ['charge', 'discharge', 'idle', 'hide', 'cap'];

function isRelay(resource: string): boolean {
  return resource === 'main' || resource.indexOf('relay:') === 0;
}

export class HouseholdPolicy {
  /** claims[resource][rank] */
  private readonly claims: { [resource: string]: (Claim | undefined)[] } = {};
  /** times of accepted utility orders per resource */
  private readonly orders: { [resource: string]: number[] } = {};

  private slots(resource: string): (Claim | undefined)[] {
    let c = this.claims[resource];
    if (c === undefined) {
      c = [undefined, undefined, undefined, undefined, undefined, undefined];
      this.claims[resource] = c;
    }
    return c;
  }

  /** The rank that decides the resource now (0: nobody claims it). */
  owner(resource: string, nowS: number): number {
    const c = this.slots(resource);
    for (let r = SAFETY; r <= PRIVACY; r++) {
      const cl = c[r];
      if (cl === undefined) continue;
      if (cl.req.untilS !== undefined && nowS >= cl.req.untilS) {
        c[r] = undefined;
        continue;
      }
      return r;
    }
    return 0;
  }

  /** What the resource should do now: the owning claim's request, or undefined. */
  effective(resource: string, nowS: number): Request | undefined {
    const r = this.owner(resource, nowS);
    if (r === 0) return undefined;
    const cl = this.slots(resource)[r];
    return cl === undefined ? undefined : cl.req;
  }

  submit(req: Request, nowS: number): Decision {
    const bad = this.malformed(req);
    if (bad !== '') return { granted: false, owner: this.owner(req.resource, nowS), reason: bad };
    if (req.source === UTILITY) {
      if (req.verified !== true) return { granted: false, owner: this.owner(req.resource, nowS), reason: 'utility order without a verified signature' };
      let times = this.orders[req.resource];
      if (times === undefined) {
        times = [];
        this.orders[req.resource] = times;
      }
      while (times.length > 0 && times[0] <= nowS - 3600) times.shift();
      if (times.length >= UTILITY_ORDERS_PER_HOUR) {
        return {
          granted: false,
          owner: this.owner(req.resource, nowS),
          reason: 'utility rate limit: ' + String(UTILITY_ORDERS_PER_HOUR) + ' orders per hour on ' + req.resource,
        };
      }
      times.push(nowS);
    }
    const cur = this.owner(req.resource, nowS);
    const c = this.slots(req.resource);
    if (cur !== 0 && cur < req.source) {
      // recorded nowhere: a refused request does not queue behind the owner
      return { granted: false, owner: cur, reason: SOURCE_NAMES[cur] + ' (rank ' + String(cur) + ') holds ' + req.resource };
    }
    c[req.source] = { req: req, atS: nowS };
    return { granted: true, owner: req.source, reason: cur !== 0 && cur > req.source ? 'overrides ' + SOURCE_NAMES[cur] : 'granted' };
  }

  /** A source gives the resource back; the next claim down resumes. Safety is released only by safety. */
  release(source: number, resource: string, nowS: number): number {
    const c = this.slots(resource);
    c[source] = undefined;
    return this.owner(resource, nowS);
  }

  /** The load hider may drive the battery now (privacy owns it). */
  hidingAllowed(nowS: number): boolean {
    return this.owner('battery', nowS) === PRIVACY;
  }

  private malformed(req: Request): string {
    if (req.source < SAFETY || req.source > PRIVACY || Math.floor(req.source) !== req.source) return 'unknown source ' + String(req.source);
    if (isRelay(req.resource)) {
      if (RELAY_ACTIONS.indexOf(req.action) < 0) return 'a relay is switched on or off, not "' + req.action + '"';
      if (req.source === PRIVACY) return 'privacy (load hiding) drives the battery only';
      return '';
    }
    if (req.resource === 'battery') {
      if (BATTERY_ACTIONS.indexOf(req.action) < 0) return 'the battery takes charge, discharge, idle, hide or cap, not "' + req.action + '"';
      if (req.action === 'hide' && req.source !== PRIVACY) return 'only privacy asks for hiding';
      if (req.source === PRIVACY && req.action !== 'hide') return 'privacy asks for hiding only';
      if ((req.action === 'charge' || req.action === 'discharge') && (req.watts === undefined || !(req.watts > 0)))
        return 'charge and discharge need watts > 0';
      if (req.action === 'cap' && (req.watts === undefined || !(req.watts >= 0))) return 'cap needs watts >= 0 (the import it holds the home to)';
      return '';
    }
    return 'unknown resource ' + req.resource;
  }
}
