// Energy Today / Yesterday / Total from the node's import register (Wh), Tasmota-like.
// The day baseline lives in the broker (retained stat/<topic>/ENERGYDAY), not in the
// gateway: a restarted gateway, or another one sharing the load, reads it back.
// A register that is missing or goes backwards (a node replaced, a bad frame) is never
// published as a total: HA would count the drop and the return as new consumption.
/** half of the published resolution (Total in kWh with 3 decimals) */
export const TOTAL_SLACK_WH = 0.5;

export interface DayRecord {
  date: string;
  startWh: number;
  yesterdayWh: number;
  lastWh: number;
}

export function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export type EnergyUpdate =
  { ok: true; day: DayRecord; changedDay: boolean; totalKWh: number; todayKWh: number; yesterdayKWh: number } | { ok: false; why: string };

/** The next day record for a reading of `wh` at `now` (prev: the retained record, if any). */
export function energyUpdate(prev: DayRecord | undefined, wh: number | null, now: Date): EnergyUpdate {
  if (wh === null || !Number.isFinite(wh) || wh < 0) return { ok: false, why: 'energy register missing' };
  const date = localDate(now);
  // A last total read back from the broker is the published kWh with 3 decimals, so it is
  // known to half a watt-hour; a register within that of it has not gone back.
  if (prev !== undefined && wh < prev.lastWh - TOTAL_SLACK_WH) return { ok: false, why: `energy register went back from ${prev.lastWh} Wh to ${wh} Wh` };
  let day: DayRecord;
  let changedDay = false;
  if (prev === undefined) {
    day = { date, startWh: wh, yesterdayWh: 0, lastWh: wh };
    changedDay = true;
  } else if (prev.date !== date) {
    // yesterday = what the register gained on the previous recorded day (through the last reading of it)
    day = { date, startWh: prev.lastWh, yesterdayWh: prev.lastWh - prev.startWh, lastWh: Math.max(wh, prev.lastWh) };
    changedDay = true;
  } else day = { ...prev, lastWh: Math.max(wh, prev.lastWh) };
  const k = (x: number) => Math.round(x) / 1000;
  // the published total never steps back, not even by a rounding
  return { ok: true, day, changedDay, totalKWh: k(day.lastWh), todayKWh: k(day.lastWh - day.startWh), yesterdayKWh: k(day.yesterdayWh) };
}
