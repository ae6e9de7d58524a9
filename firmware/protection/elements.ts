// Definite-time protection elements: a measured value beyond a pickup for a pickup
// delay operates; the element drops out only when the value returns past a reset level
// (hysteresis), so a value hovering at the threshold neither chatters nor resets timing.
import type { ProtectionSettings } from './settings';

/** Over (sign +1) or under (sign -1) a threshold for a delay, with a reset level. */
export class DelayElement {
  sinceUs = -1;

  constructor(readonly sign: number) {}

  /** true when the element operates at tUs */
  update(value: number, pickup: number, reset: number, delayUs: number, tUs: number): boolean {
    const beyond = this.sign > 0 ? value > pickup : value < pickup;
    const back = this.sign > 0 ? value < reset : value > reset;
    if (beyond) {
      if (this.sinceUs < 0) this.sinceUs = tUs;
    } else if (back) this.sinceUs = -1;
    return this.sinceUs >= 0 && tUs - this.sinceUs >= delayUs;
  }

  clear(): void {
    this.sinceUs = -1;
  }
}

/** Over- and under-voltage on half-cycle RMS. */
export class VoltageElements {
  readonly over = new DelayElement(1);
  readonly under = new DelayElement(-1);

  /** '' or the reason that operates */
  onHalfCycle(vrms: number, tUs: number, s: ProtectionSettings): string {
    const h = s.voltHystPct / 100;
    if (this.over.update(vrms, s.ovTripV, s.ovTripV * (1 - h), s.ovPickupMs * 1000, tUs)) return 'overvoltage';
    if (this.under.update(vrms, s.uvTripV, s.uvTripV * (1 + h), s.uvPickupMs * 1000, tUs)) return 'undervoltage';
    return '';
  }

  /** inside the reset band: the supply is healthy again */
  healthy(vrms: number, s: ProtectionSettings): boolean {
    const h = s.voltHystPct / 100;
    return vrms > s.uvTripV * (1 + h) && vrms < s.ovTripV * (1 - h);
  }
}
