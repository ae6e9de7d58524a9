// Parity vectors for the metering/protection core: codes made once in Node, then run
// through firmware/parity/entry.ts on Node, XS and Lua. Times start past 2^31 µs so a
// Lua build that let time become a 32-bit integer would wrap and fail the comparison.
import type { CoreCase, ParityInput } from '../../firmware/parity/entry';
import { DEVKIT, DEVKIT_CAL, synth } from '../support/signal';
import type { Tone } from '../support/signal';

const T0 = 3e9;
const NORMAL: Tone = { vrms: 230, irms: 8, freqHz: 50, pfDeg: 25, v3: 0.03, i3: 0.12, i5: 0.06 };
// slow sensors: NTC at ~24 C (code ~2140 with the 10k/10k divider), MQ-6 in clean air
const SLOW_OK = [2140, 560];

function mk(name: string, segs: { tone: Tone; seconds: number }[], settings: Record<string, number>, slow: number[][] = []): CoreCase {
  const blocks = synth(segs, { ...DEVKIT, seed: name.length * 7919 });
  const codes: number[] = [];
  for (const b of blocks) if (b.length === DEVKIT.blockPairs * 2) codes.push(...b);
  const seconds = Math.ceil(segs.reduce((s, x) => s + x.seconds, 0));
  const sl: number[] = [];
  for (let k = 0; k < seconds; k++) sl.push(...(slow[k] ?? SLOW_OK));
  return {
    name,
    names: Object.keys(settings),
    values: Object.values(settings),
    cal: [DEVKIT_CAL.vGain, DEVKIT_CAL.iGain, DEVKIT_CAL.phaseShift],
    rateHz: DEVKIT.rateHz,
    blockPairs: DEVKIT.blockPairs,
    t0Us: T0,
    codes,
    slow: sl,
  };
}

export function coreVectors(): ParityInput {
  const boot = { tone: NORMAL, seconds: 2.2 };
  const cases: CoreCase[] = [
    mk('normal-60hz', [{ tone: { ...NORMAL, freqHz: 60, pfDeg: -40 }, seconds: 2.5 }], {}),
    mk('sag-undervoltage-reclose', [boot, { tone: { ...NORMAL, vrms: 150 }, seconds: 0.3 }, { tone: NORMAL, seconds: 1.4 }], {
      uvPickupMs: 0,
      recloseDelayMs: 1000,
    }),
    mk('swell-overvoltage', [boot, { tone: { ...NORMAL, vrms: 280 }, seconds: 0.2 }], { ovPickupMs: 0 }),
    mk('short-peak-overcurrent', [boot, { tone: { ...NORMAL, irms: 45 }, seconds: 0.1 }], {}),
    mk('overload-ei', [boot, { tone: { ...NORMAL, irms: 20 }, seconds: 0.6 }], { olPickupA: 5, olCurve: 2, olTms: 0.05 }),
    mk('gas-leak', [boot, { tone: NORMAL, seconds: 2 }], { gasPickupMs: 0 }, [SLOW_OK, SLOW_OK, [2140, 2900], [2140, 2950]]),
    mk('mains-lost', [boot, { tone: { ...NORMAL, vrms: 0, irms: 0 }, seconds: 0.3 }], { uvPickupMs: 0 }),
    mk('bad-settings', [{ tone: NORMAL, seconds: 0.1 }], { uvTripV: 250 }),
  ];
  // a driver that returns NaN: fail-safe
  const nan = mk('nan-failsafe', [boot, { tone: NORMAL, seconds: 0.2 }], {});
  nan.codes[nan.codes.length - 801] = NaN;
  cases.push(nan);
  const ntcCodes: number[] = [];
  const gasCodes: number[] = [];
  for (let c = 0; c < 4096; c += 61) ntcCodes.push(c);
  for (let c = 0; c < 4096; c += 67) gasCodes.push(c);
  return { cases, conversions: { ntcCodes, gasCodes } };
}
