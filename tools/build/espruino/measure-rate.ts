// The metering accuracy of the core at a polling rate: why Espruino needs at least
// MIN_RATE_HZ (rate.ts). The speed side is measured in the real interpreter
// (real-rate.ts); this file is the accuracy table and the board-at-another-rate helper.
//   npx tsx tools/build/espruino/measure-rate.ts
import type { Board } from '../../../boards/schema';
import { MainsMeter } from '../../../firmware/metering/mains-meter';
import { DEVKIT, DEVKIT_CAL, synth, truth, type Tone } from '../../../host-tests/support/signal';
import { isEntry, parseCli } from '../../cli';

/** The board at another polling rate, one 50 Hz cycle per block. */
export function atRate(board: Board, rateHz: number): Board {
  return { ...board, adc: { ...board.adc, rateHz, blockPairs: Math.max(1, Math.round(rateHz / 50)) } };
}

const TONES: Tone[] = [
  { vrms: 230, irms: 8, freqHz: 50, pfDeg: 25 },
  { vrms: 230, irms: 8, freqHz: 50, pfDeg: 25, v3: 0.03, i3: 0.12, i5: 0.06 },
  { vrms: 230, irms: 8, freqHz: 49.5, pfDeg: -40, i3: 0.12 },
  { vrms: 230, irms: 16, freqHz: 50.5, pfDeg: 60 },
];

/** The core's metering error at a polling rate (the same MainsMeter the bundle carries). */
export function meteringError(rateHz: number): { vrmsPct: number; irmsPct: number; pPctOfS: number } {
  let wv = 0,
    wi = 0,
    wp = 0;
  for (const tone of TONES) {
    const blockPairs = Math.max(1, Math.round(rateHz / 50));
    const o = { ...DEVKIT, rateHz, blockPairs, skewUs: 0 };
    let sv = 0,
      si = 0,
      sp = 0,
      dur = 0,
      cycles = 0;
    const m = new MainsMeter(
      {
        rateHz,
        bits: 12,
        blockPairs,
        cal: { vGain: DEVKIT_CAL.vGain, iGain: DEVKIT_CAL.iGain, phaseShift: 0 },
        hystCodes: 10 / DEVKIT_CAL.vGain,
        minHz: 40,
        maxHz: 70,
      },
      {
        onCycle: (r) => {
          if (++cycles <= 10) return; // offsets settle
          sv += r.vrms * r.durationS;
          si += r.irms * r.durationS;
          sp += r.p * r.durationS;
          dur += r.durationS;
        },
        onHalfCycle: () => undefined,
        onPeak: () => undefined,
      },
    );
    let t = 0;
    for (const b of synth([{ tone, seconds: 3 }], o)) {
      if (b.length !== blockPairs * 2) continue;
      m.processBlock(b, blockPairs, t);
      t += (blockPairs * 1e6) / rateHz;
    }
    const tr = truth(tone);
    wv = Math.max(wv, Math.abs(sv / dur / tr.vrms - 1) * 100);
    wi = Math.max(wi, Math.abs(si / dur / tr.irms - 1) * 100);
    wp = Math.max(wp, (Math.abs(sp / dur - tr.p) / (tr.vrms * tr.irms)) * 100);
  }
  return { vrmsPct: wv, irmsPct: wi, pPctOfS: wp };
}

const USAGE = `usage: npx tsx tools/build/espruino/measure-rate.ts
  prints the metering error at 1000, 500, 400, 250 and 200 V+I pairs/s (no options)`;

function main(): void {
  parseCli('measure-rate', USAGE, process.argv.slice(2), {});
  console.log('rate Hz | Vrms err | Irms err | P err (of S)   (worst 1 s averages; 230 V, 8..16 A, PF 0.5..0.9, harmonics)');
  for (const r of [1000, 500, 400, 250, 200]) {
    const a = meteringError(r);
    console.log(
      `${String(r).padStart(7)} | ${a.vrmsPct.toFixed(3).padStart(7)}% | ${a.irmsPct.toFixed(3).padStart(7)}% | ${a.pPctOfS.toFixed(3).padStart(7)}%`,
    );
  }
}

if (isEntry(import.meta.url)) main();
