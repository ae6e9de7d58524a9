// Accuracy over the documented matrix, on the simulated front end (12-bit quantisation,
// 0.7 LSB rms noise, DC offset errors, the ADC's V-then-I skew):
//   f 45, 50, 60, 65 Hz x PF 1, 0.9 lag/lead, 0.5 lag/lead x current THD 0 or 20 %
//   (3rd 16 %, 5th 12 %, with 3 % + 2 % voltage harmonics) x I 2, 5, 16 A, V 230.
// Figures are the 1 s averages (what telemetry and the console report), worst case over
// the matrix, against the simulator's analytic truth. P error is relative to the true P
// (as IEC 62053-21 states it; at PF 0.5 that is twice the error relative to S).
import type { BoardDescription } from '../../boards/board';
import { bootNode, round } from './common';

export interface AccuracyFigures {
  vrms_err_pct_max: number;
  irms_err_pct_max: number;
  p_err_pct_max: number;
  p_err_pct_of_s_max: number;
  freq_err_hz_max: number;
  points: number;
  per_cycle_irms_err_pct_max: number;
}

/**
 * board: another ADC set-up (tools/bench/adc-rate.ts compares sample rates); default the
 * DevKitC meter. measureS: how long each point runs (at another rate the 1 s windows fall
 * elsewhere, and 3.05 s can hold only one whole window)
 */
export function accuracyMatrix(board?: BoardDescription, measureS = 3.05): AccuracyFigures {
  const out = {
    vrms_err_pct_max: 0,
    irms_err_pct_max: 0,
    p_err_pct_max: 0,
    p_err_pct_of_s_max: 0,
    freq_err_hz_max: 0,
    points: 0,
    per_cycle_irms_err_pct_max: 0,
  };
  let seed = 11;
  for (const freqHz of [45, 50, 60, 65]) {
    for (const pfAngleDeg of [0, 25.84, -25.84, 60, -60]) {
      for (const thd of [0, 0.2]) {
        for (const irms of [2, 5, 16]) {
          const mains = {
            vrms: 230,
            freqHz,
            irms,
            pfAngleDeg,
            i3: thd * 0.8,
            i5: thd * 0.6,
            v3: thd > 0 ? 0.03 : 0,
            v5: thd > 0 ? 0.02 : 0,
            i3Deg: 20,
            i5Deg: -35,
          };
          let perCycleWorst = 0;
          let measuring = false;
          let fromUs = Infinity;
          let simRef: { truth(t?: number): { irms: number } } | undefined;
          const windows: { vrms: number; irms: number; p: number; freqHz: number }[] = [];
          const { sim, node } = bootNode(
            { seed: seed++, mains, frontend: { offsetErrVolts: { v: 0.012, i: -0.02 } } },
            {
              // only windows that began after the measurement started: the one that spans
              // the boot close holds cycles with the relays still open
              onAverages: (a) => {
                if (a.tUs - (a.cycles / freqHz) * 1e6 >= fromUs) windows.push({ vrms: a.vrms, irms: a.irms, p: a.p, freqHz: a.freqHz });
              },
              onCycle: (r) => {
                if (!measuring || simRef === undefined) return;
                const e = Math.abs(r.irms / simRef.truth(r.tUs).irms - 1) * 100;
                if (e > perCycleWorst) perCycleWorst = e;
              },
            },
            board,
          );
          simRef = sim;
          sim.run(0.05e6);
          windows.length = 0;
          fromUs = sim.now() - 1000;
          measuring = true;
          sim.run(measureS * 1e6);
          if (windows.length < 2) throw new Error(`accuracy point: only ${windows.length} whole windows`);
          const tr = sim.truth();
          if (node.state() !== 'closed') throw new Error(`accuracy point tripped: ${JSON.stringify(mains)}`);
          for (const w of windows) {
            out.vrms_err_pct_max = Math.max(out.vrms_err_pct_max, Math.abs(w.vrms / tr.vrms - 1) * 100);
            out.irms_err_pct_max = Math.max(out.irms_err_pct_max, Math.abs(w.irms / tr.irms - 1) * 100);
            out.p_err_pct_max = Math.max(out.p_err_pct_max, (Math.abs(w.p - tr.p) / Math.abs(tr.p)) * 100);
            out.p_err_pct_of_s_max = Math.max(out.p_err_pct_of_s_max, (Math.abs(w.p - tr.p) / tr.s) * 100);
            out.freq_err_hz_max = Math.max(out.freq_err_hz_max, Math.abs(w.freqHz - tr.freqHz));
          }
          out.per_cycle_irms_err_pct_max = Math.max(out.per_cycle_irms_err_pct_max, perCycleWorst);
          out.points++;
        }
      }
    }
  }
  return {
    vrms_err_pct_max: round(out.vrms_err_pct_max, 4),
    irms_err_pct_max: round(out.irms_err_pct_max, 4),
    p_err_pct_max: round(out.p_err_pct_max, 4),
    p_err_pct_of_s_max: round(out.p_err_pct_of_s_max, 4),
    freq_err_hz_max: round(out.freq_err_hz_max, 4),
    points: out.points,
    per_cycle_irms_err_pct_max: round(out.per_cycle_irms_err_pct_max, 3),
  };
}
