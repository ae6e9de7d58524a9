// Demand response on the control unit: signed order bytes in (the PC link's `dr` command),
// the checks of ./dr-order.ts, the utility authority's signature verified on the unit, and
// an accepted order handed to HomeEnergy at rank utility. The unit holds the authority's
// PUBLIC key in its `cu.dr` record (./dr-authority.ts); the secret stays offline (tools/dr.ts).
//
// The verify does not hold the unit's loop: with a timer it runs in slices of
// `unitsPerSlice` units of firmware/link/ed25519-sliced.ts (about 78 k XS computrons each),
// one slice per timer callback, as NodeLink does; with an injected one-piece verifier
// (verifyStrictNoble on XS, ~2 M computrons) it runs at once. Refusals are counted, go to
// the unit's security log as `pc-link dr.<reason>`, and the ones that smell of forgery or
// misrouting (signature, home, provisioning) raise a `dr-refused` alarm.
import type { Clock, Store, Timer } from '../../hal/io';
import { SlicedVerify } from '../link/ed25519-sliced';
import { strictEncoding, verifyStrictNacl } from '../link/ed25519-strict';
import type { SignatureVerifier } from '../link/ed25519-strict';
import { DrGuard, DR_KINDS, DR_REJECT_TEXT } from './dr-order';
import type { DrCheck, DrIdentity, DrOrder, DrReject } from './dr-order';
import { keyFingerprint, loadDrIdentity } from './dr-authority';
import type { HomeEnergy, DrRelays, DrState } from './home-energy';

export interface DemandResponseOptions {
  /** the wall clock, unix s (undefined while not set): orders' times are unix s; default the unit's (DrHost.wallS) */
  wallS?: () => number | undefined;
  /** a one-piece verifier (XS: verifyStrictNoble); default: sliced tweetnacl with a timer, in one piece without */
  verify?: SignatureVerifier;
  /** units of the sliced verify per timer callback, 1..1000 (default 4: ~0.3 M XS computrons) */
  unitsPerSlice?: number;
  /** verifies at once, 1..10 (default 2), then one per verifyEveryS, 0..3600 (default 30) */
  verifyBurst?: number;
  verifyEveryS?: number;
}

/** the reply body of an accepted order */
export interface DrResult {
  order: number;
  seq: number;
  kind: string;
  /** what the policy refused of it ('resource: reason'), empty when all was granted */
  refused: string[];
}

/** What the unit around it provides. */
export interface DrHost {
  store: Store;
  clock: Clock;
  /** the unit's wall clock (its access layer's: the PC link's `time` sets it), if it has one */
  wallS: (() => number | undefined) | undefined;
  timer: Timer | undefined;
  energy: HomeEnergy;
  relays: DrRelays;
  /** a refusal for the security log and the alarms */
  refused(reason: DrReject, alarm: boolean, detail: string): void;
}

function option(name: string, v: number | undefined, dflt: number, lo: number, hi: number): number {
  const x = v === undefined ? dflt : v;
  if (!(x >= lo && x <= hi))
    throw new RangeError('ControlUnit.energy.demandResponse.' + name + ' ' + String(x) + ' out of range ' + String(lo) + '..' + String(hi));
  return x;
}

const ALARMING: string[] = ['signature', 'home', 'provisioning'];

/** What the ControlUnit asks of a demand-response taker. */
export interface DrPort {
  submit(b: Uint8Array, done: (err: string, r: DrResult | undefined) => void): string;
}

export class DemandResponse implements DrPort {
  /** '' when the unit can take orders, else why not (no `cu.dr` record, a damaged key) */
  problem = '';
  identity: DrIdentity | undefined = undefined;
  private guard: DrGuard | undefined = undefined;
  private readonly units: number;
  private readonly burst: number;
  private readonly every: number;
  private readonly wallS: () => number | undefined;
  readonly stats = { accepted: 0, refused: 0, slices: 0 };

  constructor(
    private readonly h: DrHost,
    private readonly o: DemandResponseOptions,
  ) {
    this.units = option('unitsPerSlice', o.unitsPerSlice, 4, 1, 1000);
    this.burst = option('verifyBurst', o.verifyBurst, 2, 1, 10);
    this.every = option('verifyEveryS', o.verifyEveryS, 30, 0, 3600);
    const w = o.wallS !== undefined ? o.wallS : h.wallS;
    // without a wall clock every order waits for one ('clock not set'), as guest codes do
    this.wallS = w !== undefined ? w : () => undefined;
    this.load();
  }

  /** Read the `cu.dr` record (at boot, and again on an order while it is missing: provisioned after boot). */
  private load(): void {
    const id = loadDrIdentity(this.h.store);
    if (typeof id === 'string') {
      this.problem = id;
      return;
    }
    this.problem = '';
    this.identity = id;
    this.guard = new DrGuard({
      identity: id,
      store: this.h.store,
      clock: this.h.clock,
      wallS: this.wallS,
      verifyBurst: this.burst,
      verifyEveryUs: this.every * 1e6,
    });
  }

  /** the authority key's fingerprint (first 8 bytes, hex), or '' */
  fingerprint(): string {
    return this.identity === undefined ? '' : keyFingerprint(this.identity.authorityPublic);
  }

  /** refusals by reason */
  rejects(): { [k: string]: number } {
    return this.guard === undefined ? {} : this.guard.rejects;
  }

  private refuse(reason: DrReject, order: DrOrder | undefined): string {
    this.stats.refused++;
    const what = order === undefined ? '' : ' (order ' + String(order.orderId) + ', seq ' + String(order.seq) + ')';
    this.h.refused(reason, ALARMING.indexOf(reason) >= 0, reason + what);
    return 'dr: ' + reason + ': ' + DR_REJECT_TEXT[reason];
  }

  /**
   * Judge order bytes. Returns why not at once ('' when its signature is being verified);
   * `done` follows once with '' and the result, or why not (never throws past here).
   */
  submit(b: Uint8Array, done: (err: string, r: DrResult | undefined) => void): string {
    if (this.guard === undefined) this.load();
    const g = this.guard;
    if (g === undefined) return 'dr: ' + this.problem;
    const s = g.begin(b, b.length);
    if (!s.ok) return this.refuse(s.reason, s.order);
    const c = s.check;
    const id = this.identity as DrIdentity;
    if (this.o.verify !== undefined || this.h.timer === undefined) {
      const v = this.o.verify === undefined ? verifyStrictNacl : this.o.verify;
      this.finish(c, v(c.message, c.signature, id.authorityPublic), done);
      return '';
    }
    // the strict encodings first (the sliced verify is tweetnacl's arithmetic, which alone accepts S + L)
    if (!strictEncoding(c.signature, id.authorityPublic)) {
      this.finish(c, false, done);
      return '';
    }
    const v = new SlicedVerify(c.message, c.message.length, c.signature, id.authorityPublic);
    const timer = this.h.timer as Timer;
    const slice = (): void => {
      this.stats.slices++;
      const st = v.run(this.units);
      if (st === 'running') timer.set(slice, 0);
      else this.finish(c, st === 'valid', done);
    };
    timer.set(slice, 0);
    return '';
  }

  private finish(c: DrCheck, valid: boolean, done: (err: string, r: DrResult | undefined) => void): void {
    const g = this.guard as DrGuard;
    const out = g.finish(c, valid);
    if (!out.ok) {
      done(this.refuse(out.reason, out.order), undefined);
      return;
    }
    const o = out.order;
    const wall = this.wallS();
    const now = this.h.clock.now();
    // the clock was set when begin() looked; a verify takes seconds, not a clock reset
    const a = this.h.energy.applyOrder(o, now, wall === undefined ? o.startS : wall, this.h.relays);
    if (a.error !== '') {
      this.stats.refused++;
      done('dr: ' + a.error, undefined);
      return;
    }
    this.stats.accepted++;
    const st: DrState | undefined = a.state;
    done('', { order: o.orderId, seq: o.seq, kind: DR_KINDS[o.kind], refused: st === undefined ? [] : st.refused.slice() });
  }
}
