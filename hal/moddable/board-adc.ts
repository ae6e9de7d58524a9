// The Moddable builds run a board at another ADC set-up than its file (polled: 1 kHz;
// native: the converter's own skew); this makes that copy.
import type { BoardDescription } from '../../boards/board';

/** A copy of `board` with another ADC set-up (and calibration); other fields are shared. */
export function withAdc(board: BoardDescription, adc: BoardDescription['adc'], calibration?: BoardDescription['calibration']): BoardDescription {
  const out: Record<string, unknown> = {};
  const src = board as unknown as Record<string, unknown>;
  const keys = Object.keys(src);
  for (let k = 0; k < keys.length; k++) out[keys[k]] = src[keys[k]];
  out.adc = adc;
  if (calibration !== undefined) out.calibration = calibration;
  return out as unknown as BoardDescription;
}
