// Demand-response and plan figures for `npm run bench` (docs/POLICY.md "Demand-response
// orders", docs/PC-LINK.md "plan"): the XS cost of refusing an order before any signature
// work (xsnap's compute meter, deterministic), the sliced verify's units per order, and the
// longest PC-link lines the plan and the energy state make with every field at its limit.
import { fileURLToPath } from 'node:url';
import { EngineSession, measureXs } from '../engines/run';
import { HomeEnergy } from '../../firmware/policy/home-energy';
import type { EnergyState } from '../../firmware/policy/home-energy';
import { encodeEnergy, encodePlan } from '../../firmware/control/pc-link';
import { MAX_LOADS, MAX_SLOTS } from '../../firmware/schedule/model';
import { isEntry } from '../cli';

const ENTRY = fileURLToPath(new URL('../../firmware/policy/dr-entry.ts', import.meta.url));

export interface DrFigures {
  xs_computrons_refuse_replay: number;
  xs_computrons_checks_before_signature: number;
  /** units of firmware/link/ed25519-sliced.ts per order (4 a timer slice on the unit) */
  verify_units: number;
  plan_line_max_chars: number;
  energy_line_max_chars: number;
}

function lines(): { plan: number; energy: number } {
  const price = Array.from({ length: MAX_SLOTS }, (_, i) => (i % 7 === 0 ? 0.1 : 0.3));
  const e = new HomeEnergy({});
  const err = e.setSchedule(
    {
      slotS: 900,
      pricePerKWh: price,
      baseW: price.map(() => 0),
      capW: 3600,
      meterMaxPowerW: 4000,
      loads: Array.from({ length: MAX_LOADS }, (_, i) => ({
        name: `Wärmepumpe-Küche-${i}`,
        relay: `node:${i + 1}-with-a-long-tail`,
        earliestS: 0,
        deadlineS: MAX_SLOTS * 900,
        energyWh: 300,
        powerW: 300,
        interruptible: true,
      })),
    },
    0,
    () => true,
    'greedy',
  );
  if (err !== '') throw new Error(err);
  e.step(0);
  e.step(1e6);
  const st = e.state();
  // every field at its limit: the line's worst case (the limits count JSON characters, pc-link.ts clip)
  for (const l of st.schedule!.loads) {
    l.name = 'n'.repeat(40);
    l.relay = 'r'.repeat(40);
    l.unmet = 'u'.repeat(80);
    l.nextS = MAX_SLOTS * 900 - 900;
  }
  // and the numbers at their widest
  Object.assign(st, { realW: -123456.7, visibleW: -123456.7, batteryW: -123456.7, soc: 0.123, realWh: 123456789.1, visibleWh: 123456789.1 });
  st.schedule!.cost = 123456.789;
  st.schedule!.refused = 1234567;
  widestDr(st);
  return { plan: Math.max(...encodePlan(1e15, st).map((l) => l.length)), energy: encodeEnergy(1e15, st).length };
}

/** The demand-response fields of an energy state at their widest (the line-length bound; pc-link-plan's fuzz reuses it). */
export function widestDr(st: EnergyState): void {
  st.dr = {
    id: 0xffffffff,
    seq: 0xffffffff,
    kind: 'limit',
    limitW: 65535,
    relays: [247, 248, 249, 250, 251, 252, 253, 254],
    startUs: 1e15,
    endUs: 1e15 + 86400e6,
    active: true,
    refused: [],
  };
  st.drLast = '4294967295 cancelled';
}

export async function drBench(): Promise<DrFigures> {
  const setup = 'globalThis.st = entry.drBenchSetup();';
  const replay = await measureXs(ENTRY, setup, 'entry.drBenchReplay(st)', 32);
  const begin = await measureXs(ENTRY, setup, 'entry.drBenchBegin(st)', 32);
  const session = new EngineSession();
  let units = 0;
  try {
    const v = (await session.callNode(ENTRY, 'drVectors', { wall: 1800000000 })) as { units: number[] };
    units = v.units[0];
  } finally {
    session.close();
  }
  const l = lines();
  return {
    xs_computrons_refuse_replay: Math.round(replay.computePerStep),
    xs_computrons_checks_before_signature: Math.round(begin.computePerStep),
    verify_units: units,
    plan_line_max_chars: l.plan,
    energy_line_max_chars: l.energy,
  };
}

if (isEntry(import.meta.url)) {
  drBench().then(
    (f) => {
      console.log(JSON.stringify(f, null, 2));
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
