// The board as the Moddable build runs it. ECMA-419 has no continuous (DMA) ADC, so
// hal/moddable polls V and I from the Moddable Timer, whose delays are whole milliseconds
// (Timer.set(callback, ms, repeatMs)): at most one V+I pair per millisecond. Written in the
// Espruino subset: it is compiled into the app (targets/moddable/main.ts uses it).
import type { BoardDescription } from '../../boards/board';
import { withAdc } from './board-adc';

/** the fastest a 1 ms repeating Timer can poll: one V+I pair per tick */
export const POLLED_MAX_HZ = 1000;

/**
 * The board as the Moddable build runs it: adc.rateHz capped at POLLED_MAX_HZ, blockPairs
 * scaled so a block lasts as long as on the board's DMA set-up (at least one pair), skewUs
 * kept within one sample period. Other fields are shared, not copied.
 */
export function polledBoard(board: BoardDescription): BoardDescription {
  const a = board.adc;
  if (a.rateHz <= POLLED_MAX_HZ) return board;
  const rate = POLLED_MAX_HZ;
  let pairs = Math.round((a.blockPairs * rate) / a.rateHz);
  if (pairs < 1) pairs = 1;
  const periodUs = 1e6 / rate;
  return withAdc(board, {
    bits: a.bits,
    attenuationDb: a.attenuationDb,
    fullScaleVolts: a.fullScaleVolts,
    rateHz: rate,
    blockPairs: pairs,
    skewUs: a.skewUs > periodUs ? periodUs : a.skewUs,
  });
}
