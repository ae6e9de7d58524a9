// The ADC rate decision (docs/PROTECTION.md "Why exactly 4000 pairs/s"): a rate off the
// mains multiple does not remove the sampling lock of an ideal current step, it moves it.
import test from 'ava';
import { adcRateStudy } from '../tools/bench/adc-rate';

test('4000 pairs/s locks at 50.000 Hz, 3997 at 49.9625 Hz: the same bias, moved', (t) => {
  const s = adcRateStudy({ rates: [4000, 3997], freqs: [50, 49.9625], loads: ['phase-cut dimmer 135 deg'], sine: false });
  const at = (rate: number, f: number) => s.loads.find((r) => r.rateHz === rate && r.freqHz === f)!;
  t.log(s.loads.map((r) => `${r.rateHz} Hz at ${r.freqHz} Hz: ${r.irms_err_pct} / ${r.p_err_pct} %`).join('; '));
  // each rate is biased where it is coherent...
  t.true(at(4000, 50).p_err_pct > 4, 'locked at 50 Hz');
  t.true(at(3997, 49.9625).p_err_pct > 4, 'locked at 3997 / 80 Hz');
  // ...and dithers elsewhere
  t.true(at(3997, 50).p_err_pct < 1);
  t.true(at(4000, 49.9625).p_err_pct < 1);
});
