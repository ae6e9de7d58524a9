// The home battery under the household policy: one battery, shared. Load hiding drives
// it only while privacy owns it (docs/POLICY.md, rank 5); a demand-response order, a user
// request, the scheduler or a safety need takes it over and hiding resumes afterwards.
import type { Hider } from './hiding';
import type { HouseholdPolicy } from '../policy/policy';
import { PRIVACY } from '../policy/policy';

export interface BatteryStep {
  /** what the meter sees, W */
  visibleW: number;
  /** battery power at the grid side, W (+ charge) */
  batteryW: number;
  /** the rank that drove the battery this step (0: nobody, it idled) */
  owner: number;
}

export class BatteryController {
  private readonly hider: Hider;
  private readonly policy: HouseholdPolicy;

  constructor(hider: Hider, policy: HouseholdPolicy) {
    if (hider.battery === undefined) throw new Error('battery controller: ' + hider.name + ' has no battery');
    this.hider = hider;
    this.policy = policy;
  }

  /** state of charge, fraction (NaN without a battery) */
  soc(): number {
    const b = this.hider.battery;
    return b === undefined ? NaN : b.soc();
  }

  step(realW: number, dtS: number, nowS: number): BatteryStep {
    const b = this.hider.battery;
    if (b === undefined) return { visibleW: realW, batteryW: 0, owner: 0 };
    const owner = this.policy.owner('battery', nowS);
    if (owner === PRIVACY) {
      const y = this.hider.step(realW, dtS);
      return { visibleW: y, batteryW: y - realW, owner: owner };
    }
    const req = this.policy.effective('battery', nowS);
    let want = 0;
    if (req !== undefined && req.watts !== undefined) {
      if (req.action === 'charge') want = req.watts;
      else if (req.action === 'discharge') want = -req.watts;
      // a demand-response import cap: discharge what the load draws above it (docs/POLICY.md)
      else if (req.action === 'cap') want = realW > req.watts ? req.watts - realW : 0;
    }
    if (want < -realW) want = -realW; // no export
    const p = b.run(want, dtS);
    return { visibleW: realW + p, batteryW: p, owner: owner };
  }
}
