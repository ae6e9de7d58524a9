// Which ADC rate should the 4 kHz boards use: exactly 4000 pairs/s (80 per 50 Hz cycle:
// coherent with an exact 50 Hz supply), or a rate that is not a multiple of the mains, such
// as 3997 (the sample phase walks through the cycle, so an ideal current step is "seen" at
// every phase)? Issue 11, item 6.
//   npx tsx tools/bench/adc-rate.ts [--json] [--quick]
// Measures, at each rate, the 120-point sine matrix (45-65 Hz, tools/bench/accuracy.ts) and
// the loads whose error depends on where an edge falls between samples (tools/bench/
// load-accuracy.ts rows) at 50 and 60 Hz, at 49.95 and 50.05 Hz, and at the frequency
// where each rate is itself coherent (rate / 80: 49.9625 Hz for 3997). Same seeds for both
// rates. Figures: worst 1 s window, % of the true value (the rows' definition).
import { loadBoard } from '../../boards/schema';
import { accuracyMatrix } from './accuracy';
import { LOAD_ROWS, measureRow, type Row } from './load-accuracy';
import { isEntry, parseCli } from '../cli';

export const RATES = [4000, 3997];
/** 50 and 60 Hz nominal, a grid 0.05 Hz off either way, and each rate's own lock point */
export function studyFreqs(rates: number[]): number[] {
  const f = [50, 60, 49.95, 50.05];
  for (const r of rates) if (!f.includes(r / 80)) f.push(r / 80);
  return f;
}

export const STUDY_LOADS = [
  'phase-cut dimmer 90 deg',
  'phase-cut dimmer 135 deg',
  'burst 1-of-3',
  'half-wave (CT: its DC is not seen)',
  'switch-mode supply, crest 4',
  'sine PF 0.9 on flat-topped mains',
];

export interface RateRow {
  rateHz: number;
  freqHz: number;
  load: string;
  irms_err_pct: number;
  p_err_pct: number;
}

export interface RateStudy {
  loads: RateRow[];
  sine: { rateHz: number; vrms_err_pct_max: number; irms_err_pct_max: number; p_err_pct_max: number; freq_err_hz_max: number; points: number }[];
}

function row(name: string): Row {
  const r = LOAD_ROWS.find((x) => x.name === name);
  if (r === undefined) throw new Error(`adc-rate: no load row '${name}'`);
  return r;
}

export function adcRateStudy(o: { rates?: number[]; freqs?: number[]; loads?: string[]; sine?: boolean } = {}): RateStudy {
  const rates = o.rates ?? RATES;
  const freqs = o.freqs ?? studyFreqs(rates);
  const loads: RateRow[] = [];
  for (const name of o.loads ?? STUDY_LOADS) {
    for (const freqHz of freqs) {
      for (const rateHz of rates) {
        // the same three seeds at every rate and frequency: only the sampling differs
        const r = measureRow({ ...row(name), rateHz, freqHz }, 701);
        loads.push({ rateHz, freqHz, load: name, irms_err_pct: r.irms_err_pct, p_err_pct: r.p_err_pct });
      }
    }
  }
  const sine: RateStudy['sine'] = [];
  if (o.sine !== false) {
    const base = loadBoard('esp32-devkitc-meter');
    for (const rateHz of rates) {
      // 3.6 s a point at both rates: at least two whole 1 s windows wherever they fall
      const m = accuracyMatrix({ ...base, adc: { ...base.adc, rateHz } }, 3.6);
      sine.push({
        rateHz,
        vrms_err_pct_max: m.vrms_err_pct_max,
        irms_err_pct_max: m.irms_err_pct_max,
        p_err_pct_max: m.p_err_pct_max,
        freq_err_hz_max: m.freq_err_hz_max,
        points: m.points,
      });
    }
  }
  return { loads, sine };
}

export function formatStudy(s: RateStudy, rates: number[]): string {
  const out: string[] = [];
  out.push(`load, mains Hz                                  ${rates.map((r) => `${r} Hz: Irms / P err %`.padStart(28)).join('')}`);
  const keys = [...new Set(s.loads.map((r) => `${r.load}|${r.freqHz}`))];
  for (const k of keys) {
    const [load, f] = k.split('|');
    const cells = rates.map((rate) => {
      const r = s.loads.find((x) => x.load === load && String(x.freqHz) === f && x.rateHz === rate);
      return (r === undefined ? '-' : `${r.irms_err_pct} / ${r.p_err_pct}`).padStart(28);
    });
    out.push(`${`${load}, ${Number(f)}`.slice(0, 48).padEnd(48)}${cells.join('')}`);
  }
  for (const m of s.sine)
    out.push(
      `sine matrix (${m.points} points) at ${m.rateHz} Hz: Vrms ${m.vrms_err_pct_max} %, Irms ${m.irms_err_pct_max} %, P ${m.p_err_pct_max} %, f ${m.freq_err_hz_max} Hz`,
    );
  return out.join('\n');
}

const USAGE = `usage: npx tsx tools/bench/adc-rate.ts [--json] [--quick]
  --json    one JSON object
  --quick   the phase-cut rows only, no sine matrix (seconds, not minutes)`;

if (isEntry(import.meta.url)) {
  const { values } = parseCli('adc-rate', USAGE, process.argv.slice(2), { json: { type: 'boolean' }, quick: { type: 'boolean' } });
  const quick = values.quick === true;
  const s = adcRateStudy(quick ? { loads: STUDY_LOADS.slice(0, 2), sine: false } : {});
  if (values.json === true) console.log(JSON.stringify(s));
  else console.log(formatStudy(s, RATES));
}
