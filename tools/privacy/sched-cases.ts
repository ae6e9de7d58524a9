// Scheduling cases: the household evening-to-morning day used by the bench, and seeded
// random small cases that the exhaustive reference can still solve.
import type { DeferrableLoad, SchedulerInput } from '../../firmware/schedule/model';
import { mulberry32 } from './synth';

const H = 3600;

/**
 * 17:00 to 17:00 in 15 min slots under a three-rate time-of-use tariff (night 00:00-07:00
 * cheap, 16:00-19:00 peak; the shape of UK Economy 7 / the Octopus "Flux"-style peak),
 * four deferrable loads, a 3.6 kW cap under the protection's default 4 kW MaxPower.
 */
export function householdSchedulingDay(slotS = 900): SchedulerInput {
  const price: number[] = [];
  const base: number[] = [];
  // the same day at another slot length (the board's default is 30 min: docs/PRIVACY.md)
  for (let i = 0; i < 86400 / slotS; i++) {
    const hour = (17 + (i * slotS) / H) % 24;
    price.push(hour < 7 ? 0.12 : hour >= 16 && hour < 19 ? 0.42 : 0.28);
    base.push(hour >= 17 && hour < 23 ? 600 : hour < 6 ? 200 : 400);
  }
  const at = (hourOfDay: number) => ((hourOfDay - 17 + 24) % 24) * H;
  const loads: DeferrableLoad[] = [
    { name: 'washing machine', relay: 'washer', earliestS: at(18), deadlineS: at(8), energyWh: 1000, powerW: 500, interruptible: false },
    { name: 'dishwasher', relay: 'dishwasher', earliestS: at(20.5), deadlineS: at(7), energyWh: 1200, powerW: 800, interruptible: false },
    { name: 'water heater', relay: 'heater', earliestS: at(17), deadlineS: at(6.5), energyWh: 3000, powerW: 3000, interruptible: true },
    { name: 'EV charger', relay: 'ev', earliestS: at(18.5), deadlineS: at(7.5), energyWh: 8000, powerW: 2300, interruptible: true },
  ];
  return { slotS, pricePerKWh: price, baseW: base, capW: 3600, meterMaxPowerW: 4000, loads };
}

/** A random small case: 6-10 slots, 1-3 loads, tight enough that the cap binds sometimes. */
export function smallCase(seed: number): SchedulerInput {
  const r = mulberry32(seed);
  const slotS = 900;
  const n = 6 + Math.floor(r() * 5);
  const price: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < n; i++) {
    price.push(Math.round((0.05 + r() * 0.4) * 100) / 100);
    base.push(Math.round(r() * 800));
  }
  const loads: DeferrableLoad[] = [];
  const m = 1 + Math.floor(r() * 3);
  for (let j = 0; j < m; j++) {
    const first = Math.floor(r() * (n - 1));
    const end = first + 1 + Math.floor(r() * (n - first));
    const powerW = 500 + Math.round(r() * 2000);
    const k = 1 + Math.floor(r() * 3);
    loads.push({
      name: `load${j}`,
      relay: `r${j}`,
      earliestS: first * slotS,
      deadlineS: end * slotS,
      energyWh: (k * powerW * slotS) / H,
      powerW,
      interruptible: r() < 0.5,
    });
  }
  return { slotS, pricePerKWh: price, baseW: base, capW: 3000, meterMaxPowerW: 4000, loads };
}
