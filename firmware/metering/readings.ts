// Plain-data shapes shared by metering and protection. One object per kind is allocated
// at start-up and reused, so the per-cycle path allocates nothing.

/** Flags on a cycle reading (bit mask). */
export const CYCLE_NO_CROSSING = 1; // no zero crossing within 1/minHz: free-running window, no frequency
export const CYCLE_NAN = 2; // the ADC driver delivered NaN
export const CYCLE_V_RAIL = 4; // every V sample of the cycle sat on a rail
export const CYCLE_I_RAIL = 8; // every I sample of the cycle sat on a rail
export const CYCLE_V_STUCK = 16; // V codes identical for the whole cycle (no ADC noise at all)
export const CYCLE_I_STUCK = 32;
export const CYCLE_GAP = 64; // blocks were lost (DMA overrun) before this cycle; energy was bridged
/** The current channel's offset is not established yet (no zero-current interval and no
 *  long-window mean so far): Irms used the cycle's own mean as the offset, which is right
 *  for loads that draw the same current in both half cycles but reads low for half-wave and
 *  cycle-skipping loads. P is exact either way (V has no DC over a cycle). */
export const CYCLE_I_PROVISIONAL = 128;

export interface CycleReading {
  /** time of the closing zero crossing, µs */
  tUs: number;
  /** cycle length in seconds */
  durationS: number;
  vrms: number;
  irms: number;
  /** real power, W (positive = import) */
  p: number;
  /** apparent power, VA */
  s: number;
  pf: number;
  /** 0 when the cycle had no zero crossing */
  freqHz: number;
  /** largest |i| sample in the cycle, A */
  iPeak: number;
  /** P with no phase correction, and dP/d(phaseShift) for each sign of the shift:
   *  p = pRaw - s * pLag (s >= 0) or pRaw + s * pLead (s < 0); used by PowerSet */
  pRaw: number;
  pLag: number;
  pLead: number;
  flags: number;
}

export function newCycleReading(): CycleReading {
  return { tUs: 0, durationS: 0, vrms: 0, irms: 0, p: 0, s: 0, pf: 0, freqHz: 0, iPeak: 0, pRaw: 0, pLag: 0, pLead: 0, flags: 0 };
}

/** Energy registers, Wh. Floats on purpose (Lua builds have 32-bit integers). */
export interface EnergyRegisters {
  importWh: number;
  exportWh: number;
  todayWh: number;
  /** index of the current day (floor of local time / 24 h) */
  day: number;
  /** µs of samples lost to overruns and bridged with the last power */
  gapUs: number;
}
